//! Lineage: an image saved from a server records the image the server was built from, its
//! region, and its owner when that was another account. Kept as `glint_source_`
//! properties the service alone writes (clients get 403 for them) and only the image's owner
//! (and the admin) reads; the source's usage report counts such copies.

use std::collections::BTreeMap;

use crate::image::Image;

/// The id of the image the server was built from.
pub const SOURCE_IMAGE: &str = "glint_source_image_id";
/// The region of that image.
pub const SOURCE_REGION: &str = "glint_source_region";
/// The account that owned it, when it was not the server's (a share, a public or community image).
pub const SOURCE_OWNER: &str = "glint_source_owner";

/// The prefix of the lineage properties: reserved for the service.
pub const PREFIX: &str = "glint_source_";

/// Whether `key` is a lineage property.
pub fn is_lineage(key: &str) -> bool {
    key.starts_with(PREFIX)
}

/// Records, in a new image's properties, that it was saved from a server built from `source`
/// by the account `saver`.
pub fn record(properties: &mut BTreeMap<String, String>, source: &Image, saver: &str) {
    properties.insert(SOURCE_IMAGE.into(), source.id.to_string());
    properties.insert(SOURCE_REGION.into(), source.region.to_string());
    if let Some(owner) = source.owner.as_deref().filter(|o| *o != saver) {
        properties.insert(SOURCE_OWNER.into(), owner.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::ImageId;
    use crate::{RegionName, Timestamp};

    #[test]
    fn the_producer_is_recorded_only_for_a_share() {
        let source = Image::queued(
            ImageId::parse("11111111-2222-3333-4444-555555555555").unwrap(),
            RegionName::from_trusted("DFW".into()),
            Some("100".into()),
            Timestamp::from_micros(0),
        );
        let mut own = BTreeMap::new();
        record(&mut own, &source, "100");
        assert_eq!(own.get(SOURCE_REGION).map(String::as_str), Some("DFW"));
        assert!(!own.contains_key(SOURCE_OWNER));
        let mut shared = BTreeMap::new();
        record(&mut shared, &source, "200");
        assert_eq!(shared.get(SOURCE_OWNER).map(String::as_str), Some("100"));
        assert!(shared.keys().all(|k| is_lineage(k)));
    }
}
