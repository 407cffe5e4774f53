//! Images as the domain sees them: the record, its status machine, visibility and member
//! status, and the pure rules of the Image API v2 (create validation, JSON-Patch updates, list
//! queries, schemas, who sees an image). No I/O here.

pub mod account_usage;
pub mod create;
pub mod deprecation;
pub mod lineage;
pub mod patch;
pub mod query;
pub mod region_copy;
pub mod request;
pub mod schema;
mod status;
pub mod stores;
pub mod usage;
mod visibility;
pub mod visible;
pub mod web_download;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

pub use request::{DataMediaType, Deferred, ImagePatch, ImportRequest, OCTET_STREAM};
pub use status::ImageStatus;
pub use visibility::{MemberStatus, Visibility};

use crate::{Error, RegionName, Timestamp};

/// Disk formats the API accepts (Glance's default list).
pub const DISK_FORMATS: &[&str] = &[
    "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop",
];
/// Container formats the API accepts (Glance's default list).
pub const CONTAINER_FORMATS: &[&str] = &[
    "ami",
    "ari",
    "aki",
    "bare",
    "ovf",
    "ova",
    "docker",
    "compressed",
];

/// An image id: a UUID in its 36-character hyphenated form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageId(String);

impl ImageId {
    /// A new random (v4) id, lowercase.
    pub fn random(uuid_v4: &str) -> Self {
        ImageId(uuid_v4.to_ascii_lowercase())
    }

    /// Parses an id given by a client: 8-4-4-4-12 hex digits.
    pub fn parse(value: &str) -> Result<Self, Error> {
        let shape_ok = value.len() == 36
            && value.split('-').count() == 5
            && value
                .split('-')
                .zip([8, 4, 4, 4, 12])
                .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
        if shape_ok {
            Ok(ImageId(value.to_owned()))
        } else {
            Err(Error::InvalidInput(format!(
                "Provided object does not match schema 'image': '{value}' is not a 'uuid'"
            )))
        }
    }

    /// Wraps a value read back from the store.
    pub fn from_trusted(value: String) -> Self {
        ImageId(value)
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ImageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// The base keys of an image body as the Image API shows it, in the order they are written
/// after the custom properties (the schema describes each of them).
pub const BASE_KEYS: [&str; 22] = [
    "id",
    "name",
    "status",
    "visibility",
    "protected",
    "os_hidden",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "owner",
    "size",
    "virtual_size",
    "disk_format",
    "container_format",
    "min_ram",
    "min_disk",
    "created_at",
    "updated_at",
    "tags",
    "self",
    "file",
    "schema",
];

/// Limits that the image rules enforce (configurable; Glance's defaults in `Default`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// Most custom properties per image (`image_property_quota`); negative: unlimited.
    pub property_quota: i64,
    /// Most tags per image (`image_tag_quota`); negative: unlimited.
    pub tag_quota: i64,
    /// Most members per image (`image_member_quota`); negative: unlimited.
    pub member_quota: i64,
    /// Largest image data in bytes (`image_size_cap`).
    pub size_cap: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            property_quota: 128,
            tag_quota: 128,
            member_quota: 128,
            size_cap: 1 << 40,
        }
    }
}

/// An image record (its data lives in the region's blob store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub id: ImageId,
    /// The region whose endpoint created it; it exists only there.
    pub region: RegionName,
    pub name: Option<String>,
    /// The owning account's number (an admin may set any string).
    pub owner: Option<String>,
    pub status: ImageStatus,
    pub visibility: Visibility,
    pub protected: bool,
    pub os_hidden: bool,
    /// Hex MD5 of the data.
    pub checksum: Option<String>,
    pub os_hash_algo: Option<String>,
    /// Hex SHA-512 of the data.
    pub os_hash_value: Option<String>,
    pub size: Option<i64>,
    pub virtual_size: Option<i64>,
    pub disk_format: Option<String>,
    pub container_format: Option<String>,
    pub min_ram: i64,
    pub min_disk: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub tags: BTreeSet<String>,
    /// Custom (extra) properties, always strings.
    pub properties: BTreeMap<String, String>,
    /// When the cloud's operators quarantined the image (`None`: it is not quarantined). A
    /// quarantined image is deactivated, and only the cloud admin may reactivate it. Never on
    /// the Image API's wire.
    pub quarantined_at: Option<Timestamp>,
    /// The operators' note to the image's producer and consumers, while quarantined.
    pub quarantine_note: Option<String>,
    /// The ids of the stores that hold the data, in reading order (multi-store only; empty
    /// with one store per region, and while there is no data).
    pub stores: Vec<String>,
}

impl Image {
    /// A new image `id` in `region` as a create makes one before any field is set: `queued`,
    /// `shared` (the reference's default visibility), no data, created and updated `at`.
    /// Callers set the rest with struct update syntax.
    pub fn queued(id: ImageId, region: RegionName, owner: Option<String>, at: Timestamp) -> Image {
        Image {
            id,
            region,
            name: None,
            owner,
            status: ImageStatus::Queued,
            visibility: Visibility::Shared,
            protected: false,
            os_hidden: false,
            checksum: None,
            os_hash_algo: None,
            os_hash_value: None,
            size: None,
            virtual_size: None,
            disk_format: None,
            container_format: None,
            min_ram: 0,
            min_disk: 0,
            created_at: at,
            updated_at: at,
            tags: BTreeSet::new(),
            properties: BTreeMap::new(),
            quarantined_at: None,
            quarantine_note: None,
            stores: Vec::new(),
        }
    }

    /// Whether the cloud's operators quarantined the image.
    pub fn is_quarantined(&self) -> bool {
        self.quarantined_at.is_some()
    }
}

/// A consumer of one image: the share and the consumer's answer to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageMember {
    pub image_id: ImageId,
    /// The consumer's account number (any non-empty string, as the API does not check it).
    pub member_id: String,
    pub status: MemberStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::ImageId;

    #[test]
    fn image_ids_are_uuids_in_their_hyphenated_form() {
        assert!(ImageId::parse("1b2c3d4e-0000-4000-8000-00000000000a").is_ok());
        assert!(ImageId::parse("1B2C3D4E-0000-4000-8000-00000000000A").is_ok());
        for refused in [
            "",
            "nope",
            "1b2c3d4e000040008000000000000000000a",
            "1b2c3d4e-0000-4000-8000-00000000000",
            "1b2c3d4e-0000-4000-8000-00000000000g",
            "1b2c3d4e-0000-4000-80-0000-000000000a",
            "1b2c3d4e0-000-4000-8000-00000000000a",
            "1b2c3d4é-000-4000-8000-00000000000a",
        ] {
            assert!(ImageId::parse(refused).is_err(), "{refused}");
        }
    }
}
