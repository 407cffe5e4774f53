//! Deprecation: the owner marks an image as retiring, optionally naming a replacement, a message
//! for its consumers and a time after which it boots no new server (obsolete). Kept as image
//! properties with the `glint_` prefix, so every Image API client can read it; existing servers
//! are never harmed (rebuilds keep working).

use crate::image::{Image, ImageId};
use crate::{Error, Result, Timestamp};

/// `"true"` while the image is deprecated (`"false"` or absent: it is not).
pub const DEPRECATED: &str = "glint_deprecated";
/// The id of the image to use instead (in the same region, owned by the same account).
pub const REPLACEMENT: &str = "glint_replacement_image_id";
/// A message to the image's consumers.
pub const MESSAGE: &str = "glint_deprecation_message";
/// When the image stops booting new servers (RFC 3339, or a date meaning its midnight UTC).
pub const OBSOLETE_AT: &str = "glint_obsolete_at";

/// Every deprecation property.
pub const PROPERTIES: [&str; 4] = [DEPRECATED, REPLACEMENT, MESSAGE, OBSOLETE_AT];

/// An image's deprecation, as its properties say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deprecation {
    pub replacement: Option<ImageId>,
    pub message: Option<String>,
    pub obsolete_at: Option<Timestamp>,
}

impl Deprecation {
    /// The image's deprecation, if it is deprecated. Stored properties were checked when they
    /// were written (`check`); one that would not read is ignored here.
    pub fn of(image: &Image) -> Option<Deprecation> {
        let props = &image.properties;
        if props.get(DEPRECATED).map(String::as_str) != Some("true") {
            return None;
        }
        Some(Deprecation {
            replacement: props
                .get(REPLACEMENT)
                .and_then(|id| ImageId::parse(id).ok()),
            message: props.get(MESSAGE).filter(|m| !m.is_empty()).cloned(),
            obsolete_at: props.get(OBSOLETE_AT).and_then(|t| parse_time(t)),
        })
    }

    /// Checks the deprecation properties after a change (whether the image is deprecated or
    /// not): 400 for a value that does not read, or a replacement that is the image itself. The
    /// replacement's existence is the caller's to check (`replacement`).
    pub fn check(image: &Image) -> Result<Option<Deprecation>> {
        let props = &image.properties;
        match props.get(DEPRECATED).map(String::as_str) {
            None | Some("true") | Some("false") => {}
            Some(other) => {
                return Err(Error::InvalidInput(format!(
                    "Property '{DEPRECATED}' must be \"true\" or \"false\", not \"{other}\"."
                )));
            }
        }
        if let Some(id) = props.get(REPLACEMENT) {
            let id = ImageId::parse(id).map_err(|_| {
                Error::InvalidInput(format!(
                    "Property '{REPLACEMENT}' must be an image id, not \"{id}\"."
                ))
            })?;
            if id == image.id {
                return Err(Error::InvalidInput(format!(
                    "Property '{REPLACEMENT}' names the image itself: an image cannot be its own replacement."
                )));
            }
        }
        if let Some(at) = props.get(OBSOLETE_AT)
            && parse_time(at).is_none()
        {
            return Err(Error::InvalidInput(format!(
                "Property '{OBSOLETE_AT}' must be a time such as 2027-01-15T00:00:00Z or a date such as 2027-01-15, not \"{at}\"."
            )));
        }
        Ok(Deprecation::of(image))
    }

    /// Whether the image boots no new server at `now`.
    pub fn is_obsolete(&self, now: Timestamp) -> bool {
        self.obsolete_at.is_some_and(|at| at <= now)
    }
}

/// The replacement the image's properties name, deprecated or not (as `check` read it).
pub fn replacement(image: &Image) -> Option<ImageId> {
    image
        .properties
        .get(REPLACEMENT)
        .and_then(|id| ImageId::parse(id).ok())
}

/// Whether a change moved any deprecation property.
pub fn changed(before: &Image, after: &Image) -> bool {
    PROPERTIES
        .iter()
        .any(|key| before.properties.get(*key) != after.properties.get(*key))
}

/// Reads an RFC 3339 time, or a date (`YYYY-MM-DD`) as its midnight UTC.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    Timestamp::parse_rfc3339(text).or_else(|| {
        let is_date = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if is_date {
            Timestamp::parse_rfc3339(&format!("{text}T00:00:00Z"))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RegionName;

    fn image(props: &[(&str, &str)]) -> Image {
        let mut image = Image::queued(
            ImageId::parse("11111111-2222-3333-4444-555555555555").unwrap(),
            RegionName::from_trusted("DFW".into()),
            Some("1".into()),
            Timestamp::from_micros(0),
        );
        for (k, v) in props {
            image.properties.insert((*k).into(), (*v).into());
        }
        image
    }

    #[test]
    fn only_true_deprecates() {
        assert_eq!(Deprecation::of(&image(&[])), None);
        assert_eq!(Deprecation::of(&image(&[(DEPRECATED, "false")])), None);
        let d = Deprecation::of(&image(&[(DEPRECATED, "true"), (MESSAGE, "use v2")])).unwrap();
        assert_eq!(d.message.as_deref(), Some("use v2"));
        assert_eq!(d.replacement, None);
    }

    #[test]
    fn dates_and_times_read_and_obsolescence_starts_at_the_time() {
        let at = parse_time("2027-01-15").unwrap();
        assert_eq!(Some(at), parse_time("2027-01-15T00:00:00Z"));
        assert_eq!(parse_time("2027-1-15"), None);
        assert_eq!(parse_time("soon"), None);
        let d =
            Deprecation::of(&image(&[(DEPRECATED, "true"), (OBSOLETE_AT, "2027-01-15")])).unwrap();
        assert!(!d.is_obsolete(at.plus_seconds(-1)));
        assert!(d.is_obsolete(at));
    }

    #[test]
    fn bad_values_are_refused_with_the_property_named() {
        let cases = [
            (DEPRECATED, "yes"),
            (REPLACEMENT, "not-an-id"),
            (REPLACEMENT, "11111111-2222-3333-4444-555555555555"),
            (OBSOLETE_AT, "next week"),
        ];
        for (key, value) in cases {
            let err = Deprecation::check(&image(&[(DEPRECATED, "true"), (key, value)]));
            assert!(matches!(err, Err(Error::InvalidInput(_))), "{key}={value}");
        }
        assert!(
            Deprecation::check(&image(&[(OBSOLETE_AT, "2027-01-15")]))
                .unwrap()
                .is_none()
        );
    }
}
