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
            Err(Error::StateConflict(format!(
                "Image status transition from {} to {} is not allowed",
                self.as_str(),
                to.as_str()
            )))
        }
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
}
