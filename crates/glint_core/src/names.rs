//! Validated names and identifiers, parsed once at the edge (CLI, HTTP, database rows) so the
//! rest of the code never re-checks them.

use std::fmt;

use crate::Error;

fn check(what: &str, value: &str, max: usize, allowed: impl Fn(char) -> bool) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::InvalidInput(format!("{what} must not be empty")));
    }
    if value.chars().count() > max {
        return Err(Error::InvalidInput(format!(
            "{what} '{value}' is longer than {max} characters"
        )));
    }
    if let Some(bad) = value.chars().find(|c| !allowed(*c)) {
        return Err(Error::InvalidInput(format!(
            "{what} '{value}' contains the character {bad:?}, which is not allowed"
        )));
    }
    Ok(())
}

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Wraps a value read back from the store, which was validated when written.
            pub fn from_trusted(value: String) -> Self {
                $name(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_newtype!(
    /// An account number (the API's project id), e.g. `554433`: digits only.
    AccountId
);
string_newtype!(
    /// An account's name (the API's project name). Never all digits, so that a name can never be
    /// mistaken for an account number.
    AccountName
);
string_newtype!(
    /// A user's id: an opaque hex string.
    UserId
);
string_newtype!(
    /// A username, unique across the cloud (the API's single domain is `Default`).
    Username
);
string_newtype!(
    /// A region's name, e.g. `DFW`.
    RegionName
);

impl AccountId {
    /// Parses an account number: 1 to 20 ASCII digits.
    pub fn parse(value: &str) -> Result<Self, Error> {
        check("account number", value, 20, |c| c.is_ascii_digit())?;
        Ok(AccountId(value.to_owned()))
    }
}

impl AccountName {
    /// Parses an account name: up to 64 letters, digits, `.`, `_` or `-`, not only digits.
    pub fn parse(value: &str) -> Result<Self, Error> {
        check("account name", value, 64, |c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
        })?;
        if value.chars().all(|c| c.is_ascii_digit()) {
            return Err(Error::InvalidInput(format!(
                "account name '{value}' is only digits, which would read as an account number"
            )));
        }
        Ok(AccountName(value.to_owned()))
    }
}

impl UserId {
    /// Parses a user id: up to 64 hex digits or dashes.
    pub fn parse(value: &str) -> Result<Self, Error> {
        check("user id", value, 64, |c| c.is_ascii_hexdigit() || c == '-')?;
        Ok(UserId(value.to_owned()))
    }
}

impl Username {
    /// Parses a username: up to 64 letters, digits, `.`, `_`, `-` or `@`.
    pub fn parse(value: &str) -> Result<Self, Error> {
        check("username", value, 64, |c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')
        })?;
        Ok(Username(value.to_owned()))
    }
}

impl RegionName {
    /// Parses a region name: up to 32 letters, digits, `_` or `-`.
    pub fn parse(value: &str) -> Result<Self, Error> {
        check("region name", value, 32, |c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '-')
        })?;
        Ok(RegionName(value.to_owned()))
    }
}

/// Declares an id that is a UUID in its 36-character hyphenated form, lowercase (groups,
/// reports): made at random, read from a path or a body (a value that cannot be such an id
/// names nothing: `NotFound` of `$kind`), or wrapped as the store gives it back.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// A new random (v4) id.
            pub fn random(uuid_v4: &str) -> Self {
                $name(uuid_v4.to_ascii_lowercase())
            }

            /// Reads an id from a path or a body (`NotFound` for one that cannot be an id).
            pub fn parse(value: &str) -> $crate::Result<Self> {
                $crate::image::ImageId::parse(value)
                    .map(|_| $name(value.to_ascii_lowercase()))
                    .map_err(|_| $crate::Error::not_found($kind, value))
            }

            /// Wraps a value read back from the store.
            pub fn from_trusted(value: String) -> Self {
                $name(value)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(&self.0)
            }
        }
    };
}
pub(crate) use uuid_id;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_numbers_are_digits() {
        assert!(AccountId::parse("554433").is_ok());
        assert!(AccountId::parse("").is_err());
        assert!(AccountId::parse("55a").is_err());
        assert!(AccountId::parse(&"1".repeat(21)).is_err());
    }

    #[test]
    fn account_names_cannot_pass_for_numbers() {
        assert!(AccountName::parse("acme").is_ok());
        assert!(AccountName::parse("proj_a").is_ok());
        assert!(AccountName::parse("123").is_err());
        assert!(AccountName::parse("a b").is_err());
    }

    #[test]
    fn region_and_user_names() {
        assert!(RegionName::parse("DFW").is_ok());
        assert!(RegionName::parse("Region One").is_err());
        assert!(Username::parse("alice@example.com").is_ok());
        assert!(Username::parse("al ice").is_err());
    }
}
