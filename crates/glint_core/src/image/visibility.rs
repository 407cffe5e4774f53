//! Who may see an image (`Visibility`) and where a consumer stands on a share (`MemberStatus`).

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// An image's visibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// Everyone sees it and it is in everyone's default list (admin only).
    Public,
    /// Everyone may see it; it is listed only on request.
    Community,
    /// The owner and its members see it; the default for new images.
    Shared,
    /// The owner alone sees it.
    Private,
}

impl Visibility {
    /// Every visibility, in the schema's order.
    pub const ALL: [Visibility; 4] = [
        Visibility::Community,
        Visibility::Public,
        Visibility::Private,
        Visibility::Shared,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Community => "community",
            Visibility::Shared => "shared",
            Visibility::Private => "private",
        }
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Visibility {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Visibility::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| Error::InvalidInput(format!("Invalid visibility value: {s}")))
    }
}

/// A consumer's answer to a share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberStatus {
    /// Not answered yet (panel: "Pending Acceptance").
    Pending,
    /// Accepted: the image is in the consumer's lists.
    Accepted,
    /// Rejected: the image stays out of the consumer's lists.
    Rejected,
}

impl MemberStatus {
    /// Every member status.
    pub const ALL: [MemberStatus; 3] = [
        MemberStatus::Pending,
        MemberStatus::Accepted,
        MemberStatus::Rejected,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Pending => "pending",
            MemberStatus::Accepted => "accepted",
            MemberStatus::Rejected => "rejected",
        }
    }
}

impl fmt::Display for MemberStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for MemberStatus {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MemberStatus::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                Error::InvalidInput(
                    "Incorrect request: Status must be \"pending\", \"accepted\" or \"rejected\"."
                        .into(),
                )
            })
    }
}
