//! Rows the storage tests build on, written through the store layer itself.

use glint_core::image::{Image, ImageId, ImageStatus, Visibility};
use glint_core::{RegionName, Timestamp};
use glint_db::{Db, images, regions};

/// An active, shared raw image of 10 bytes owned by account 1000 in region DFW (created if
/// missing); returns its id.
pub async fn shared_image(db: &Db) -> ImageId {
    let region = RegionName::parse("DFW").expect("region name");
    regions::ensure(db, &region).await.expect("ensure region");
    let id = ImageId::random(&uuid::Uuid::new_v4().to_string());
    let image = Image {
        name: Some("disk".into()),
        status: ImageStatus::Active,
        visibility: Visibility::Shared,
        size: Some(10),
        virtual_size: Some(10),
        disk_format: Some("raw".into()),
        container_format: Some("bare".into()),
        ..Image::queued(id, region, Some("1000".into()), Timestamp::now())
    };
    images::insert(db, &image).await.expect("insert image");
    image.id
}
