//! The image status machine (Glance's `valid_state_targets`): which status may follow which.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// An image's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageStatus {
    Queued,
    Saving,
    Active,
    Killed,
    Deleted,
    Uploading,
    Importing,
    PendingDelete,
    Deactivated,
}

impl ImageStatus {
    /// Every status, in the schema's order.
    pub const ALL: [ImageStatus; 9] = [
        ImageStatus::Queued,
        ImageStatus::Saving,
        ImageStatus::Active,
        ImageStatus::Killed,
        ImageStatus::Deleted,
        ImageStatus::Uploading,
        ImageStatus::Importing,
        ImageStatus::PendingDelete,
        ImageStatus::Deactivated,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageStatus::Queued => "queued",
            ImageStatus::Saving => "saving",
            ImageStatus::Active => "active",
            ImageStatus::Killed => "killed",
            ImageStatus::Deleted => "deleted",
            ImageStatus::Uploading => "uploading",
            ImageStatus::Importing => "importing",
            ImageStatus::PendingDelete => "pending_delete",
            ImageStatus::Deactivated => "deactivated",
        }
    }

    /// Whether an image may move from `self` to `to`.
    pub fn may_become(self, to: ImageStatus) -> bool {
        use ImageStatus::*;
        match self {
            Queued => matches!(to, Saving | Uploading | Importing | Active | Deleted),
            Saving => matches!(to, Active | Killed | Deleted | Queued),
            Uploading => matches!(to, Importing | Queued | Deleted),
            Importing => matches!(to, Active | Deleted | Queued),
            Active => matches!(to, PendingDelete | Deleted | Deactivated),
            Killed => matches!(to, Deleted),
            PendingDelete => matches!(to, Deleted | Active),
            Deactivated => matches!(to, Active | Deleted),
            Deleted => false,
        }
    }

    /// `to` when the move is allowed, else a 409-style error naming both statuses.
    pub fn transition(self, to: ImageStatus) -> Result<ImageStatus, Error> {
        if self.may_become(to) {
            Ok(to)
        } else {
            Err(self.refusal(to))
        }
    }

    /// The 409 for a move from `self` to `to` that may not happen (now).
    pub fn refusal(self, to: ImageStatus) -> Error {
        Error::StateConflict(format!(
            "Image status transition from {} to {} is not allowed",
            self.as_str(),
            to.as_str()
        ))
    }

    /// The move that starts receiving data (`to` is `saving` for an upload or a server's
    /// snapshot, `uploading` for staging, `importing` for an import): a transition the machine
    /// allows, or taking over a cut receive already in `to`, which the store allows only once
    /// its claim has gone stale.
    pub fn begin_receiving(self, to: ImageStatus) -> Result<ImageStatus, Error> {
        if self == to {
            Ok(to)
        } else {
            self.transition(to)
        }
    }

    /// Deactivating (`to` = `deactivated`) or reactivating (`to` = `active`) an image, which
    /// only an active or deactivated image may do (403 otherwise, as the reference answers);
    /// `None` when it is in `to` already.
    pub fn toggle(self, to: ImageStatus, action: &str) -> Result<Option<ImageStatus>, Error> {
        if self == to {
            return Ok(None);
        }
        if !matches!(self, ImageStatus::Active | ImageStatus::Deactivated) {
            return Err(Error::Forbidden(format!(
                "Not allowed to {action} image in status '{self}'"
            )));
        }
        self.transition(to).map(Some)
    }
}

impl fmt::Display for ImageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for ImageStatus {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ImageStatus::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| Error::InvalidInput(format!("Invalid status value: {s}")))
    }
}

#[cfg(test)]
mod tests {
    use super::ImageStatus::*;

    #[test]
    fn data_must_arrive_before_active() {
        assert!(Queued.may_become(Saving));
        assert!(Saving.may_become(Active));
        assert!(Saving.may_become(Queued));
        assert!(!Active.may_become(Saving));
        assert!(!Active.may_become(Queued));
        assert!(Active.transition(Saving).is_err());
    }

    #[test]
    fn deleted_is_terminal_and_killed_only_dies() {
        assert!(
            super::ImageStatus::ALL
                .iter()
                .all(|s| !Deleted.may_become(*s))
        );
        assert!(Killed.may_become(Deleted));
        assert!(!Killed.may_become(Active));
        assert!(Deactivated.may_become(Active));
    }

    #[test]
    fn receiving_data_may_take_over_a_cut_receive_but_never_restart_an_active_image() {
        assert_eq!(Queued.begin_receiving(Saving).unwrap(), Saving);
        assert_eq!(Saving.begin_receiving(Saving).unwrap(), Saving);
        assert_eq!(Uploading.begin_receiving(Importing).unwrap(), Importing);
        assert!(Active.begin_receiving(Saving).is_err());
        assert!(Saving.begin_receiving(Uploading).is_err());
        assert!(Deactivated.begin_receiving(Uploading).is_err());
    }

    #[test]
    fn only_active_and_deactivated_images_toggle() {
        assert_eq!(
            Active.toggle(Deactivated, "deactivate").unwrap(),
            Some(Deactivated)
        );
        assert_eq!(Deactivated.toggle(Deactivated, "deactivate").unwrap(), None);
        assert_eq!(
            Deactivated.toggle(Active, "reactivate").unwrap(),
            Some(Active)
        );
        for from in [Queued, Saving, Uploading, Importing, Killed, PendingDelete] {
            assert!(matches!(
                from.toggle(Deactivated, "deactivate"),
                Err(crate::Error::Forbidden(_))
            ));
        }
    }
}
