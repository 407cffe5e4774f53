//! The domain error every layer below HTTP returns. Each variant says what went wrong in terms a
//! caller can act on; the HTTP layer maps them to status codes with one exhaustive match.

use std::fmt;

/// What kind of thing a `NotFound` or `Conflict` is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Account,
    User,
    Region,
    Token,
    Image,
    Member,
    Tag,
    Server,
    Flavor,
    Role,
    RoleAssignment,
    Domain,
    Event,
    Webhook,
    Group,
    Report,
    Metadef,
    Task,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Account => "account",
            Kind::User => "user",
            Kind::Region => "region",
            Kind::Token => "token",
            Kind::Image => "image",
            Kind::Member => "member",
            Kind::Tag => "tag",
            Kind::Server => "server",
            Kind::Flavor => "flavor",
            Kind::Role => "role",
            Kind::RoleAssignment => "role assignment",
            Kind::Domain => "domain",
            Kind::Event => "event",
            Kind::Webhook => "webhook",
            Kind::Group => "group",
            Kind::Report => "report",
            Kind::Metadef => "metadata definition",
            Kind::Task => "task",
        })
    }
}

/// The domain error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing does not exist, or the caller may not know that it does.
    #[error("{kind} {id} not found")]
    NotFound { kind: Kind, id: String },
    /// The thing already exists.
    #[error("{kind} {id} already exists")]
    Conflict { kind: Kind, id: String },
    /// The input breaks a rule; the message says which.
    #[error("{0}")]
    InvalidInput(String),
    /// Credentials were wrong, or the token is unknown, expired or revoked. The message is the
    /// same for every cause so that nothing leaks.
    #[error("{0}")]
    Unauthorized(String),
    /// Too many failed sign-ins from this client for this user: it may try again after
    /// `retry_after_secs` (429).
    #[error(
        "Too many failed sign-ins for this user from this address. Try again in {}.",
        minutes(*.retry_after_secs)
    )]
    TooManyRequests { retry_after_secs: u64 },
    /// The caller has used up an allowance (a share's reminders); the message says when it may
    /// try again, `retry_after_secs` in seconds (`None`: not again) (429).
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_secs: Option<u64>,
    },
    /// The caller is known but lacks the role or ownership needed; the message names what is needed.
    #[error("{0}")]
    Forbidden(String),
    /// The request conflicts with the thing's current state (409); the message says how.
    #[error("{0}")]
    StateConflict(String),
    /// A quota or size limit would be exceeded (413).
    #[error("{0}")]
    QuotaExceeded(String),
    /// The request body's media type or content is not one this call takes (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The thing was deleted while the request ran (410).
    #[error("{0}")]
    Gone(String),
    /// Something the request names is not there, in words of its own (404), e.g. an image's
    /// data in a store that does not hold it.
    #[error("{0}")]
    Missing(String),
    /// The asked byte range lies outside the data (416).
    #[error("{0}")]
    RangeNotSatisfiable(String),
    /// A store below us is down or refused the operation; retry later (503). The message is for
    /// clients and must not carry secrets.
    #[error("{0}")]
    Unavailable(String),
    /// A store or service below us failed; the detail is for logs, not for clients.
    #[error("internal error: {0}")]
    Internal(String),
}

/// "1 minute", "15 minutes": a wait in whole minutes, rounded up.
fn minutes(seconds: u64) -> String {
    match seconds.div_ceil(60).max(1) {
        1 => "1 minute".to_owned(),
        n => format!("{n} minutes"),
    }
}

/// Result with the domain error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shorthand for a `NotFound`.
    pub fn not_found(kind: Kind, id: impl Into<String>) -> Self {
        Error::NotFound {
            kind,
            id: id.into(),
        }
    }

    /// Shorthand for a `Conflict`.
    pub fn conflict(kind: Kind, id: impl Into<String>) -> Self {
        Error::Conflict {
            kind,
            id: id.into(),
        }
    }
}
