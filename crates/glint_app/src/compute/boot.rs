//! The boot rules: which image a caller may build (or rebuild) a server from, with which flavor.
//! The image must be active, in the server's region, and readable by the account (owned, public,
//! community, or shared with it in any member status), not obsolete, not refused by the
//! account's enforced sharing policy, and fit the flavor.

use glint_core::compute::Flavor;
use glint_core::image::deprecation::Deprecation;
use glint_core::image::{Image, ImageId, ImageStatus};
use glint_core::{AuthContext, Error, RegionName, Result, Timestamp};
use glint_db::images;

use super::ComputeService;

const GIB: i64 = 1 << 30;

impl ComputeService {
    /// The image `image_ref` if the caller may boot a server from it in `region` with `flavor`;
    /// otherwise a 400 that says why.
    pub(crate) async fn bootable(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_ref: &str,
        flavor: &Flavor,
    ) -> Result<Image> {
        // An id that is not a UUID names no image: it is refused as an unknown one is.
        let found = match ImageId::parse(image_ref) {
            Ok(id) => self.images.get(ctx, region, &id).await,
            Err(_) => Err(Error::not_found(glint_core::error::Kind::Image, image_ref)),
        };
        let image = match found {
            Ok(image) => image,
            Err(Error::NotFound { .. }) => {
                return Err(self.not_bootable_here(ctx, image_ref).await?);
            }
            Err(e) => return Err(e),
        };
        match image.status {
            ImageStatus::Active => {}
            ImageStatus::Deactivated => {
                return Err(Error::InvalidInput(format!(
                    "Image {image_ref} is deactivated and cannot boot new servers."
                )));
            }
            other => {
                return Err(Error::InvalidInput(format!(
                    "Image {image_ref} is not active (its status is {other}); upload its data first."
                )));
            }
        }
        self.not_obsolete(ctx, &image).await?;
        self.images.check_boot(ctx, &image).await?;
        fits(&image, flavor)?;
        Ok(image)
    }

    /// A 400 naming the replacement once a deprecated image is obsolete: it boots no new
    /// server (existing ones keep running and rebuilding).
    async fn not_obsolete(&self, ctx: &AuthContext, image: &Image) -> Result<()> {
        let Some(deprecation) = Deprecation::of(image) else {
            return Ok(());
        };
        let now = self.images.clock().now();
        if !deprecation.is_obsolete(now) {
            return Ok(());
        }
        let since = deprecation
            .obsolete_at
            .map(Timestamp::to_glance)
            .unwrap_or_default();
        let instead = match &deprecation.replacement {
            Some(id) => match self.images.get(ctx, &image.region, id).await {
                Ok(r) => format!(
                    " Use its replacement {} ({id}) instead.",
                    r.name.as_deref().unwrap_or("(no name)")
                ),
                Err(_) => format!(" Its replacement is image {id}."),
            },
            None => String::new(),
        };
        Err(Error::InvalidInput(format!(
            "Image {} is deprecated and obsolete since {since}: it boots no new servers.{instead}",
            image.id
        )))
    }

    /// Why an image not found in this region cannot boot: it lives in another region the caller
    /// can see it in, or it cannot be found at all (nothing more is said to strangers).
    async fn not_bootable_here(&self, ctx: &AuthContext, image_ref: &str) -> Result<Error> {
        if let Some(image) = images::get(&self.db, image_ref).await?
            && self.images.get(ctx, &image.region, &image.id).await.is_ok()
        {
            return Ok(Error::InvalidInput(format!(
                "Image {image_ref} is in region {}; boot servers from it in that region.",
                image.region
            )));
        }
        Ok(Error::InvalidInput(format!(
            "Image {image_ref} could not be found."
        )))
    }
}

/// The flavor must meet the image's `min_disk`, `min_ram`, virtual size (from the data's
/// format header) and size.
pub(crate) fn fits(image: &Image, flavor: &Flavor) -> Result<()> {
    let disk = i64::try_from(flavor.disk).unwrap_or(i64::MAX);
    let ram = i64::try_from(flavor.ram).unwrap_or(i64::MAX);
    if image.min_disk > disk {
        return Err(Error::InvalidInput(format!(
            "Flavor's disk is too small for requested image: flavor {} has {} GiB, the image needs {} GiB.",
            flavor.name, flavor.disk, image.min_disk
        )));
    }
    if image.min_ram > ram {
        return Err(Error::InvalidInput(format!(
            "Flavor's memory is too small for requested image: flavor {} has {} MiB, the image needs {} MiB.",
            flavor.name, flavor.ram, image.min_ram
        )));
    }
    let virtual_size = image.virtual_size.unwrap_or(0);
    if flavor.disk > 0 && virtual_size > disk.saturating_mul(GIB) {
        return Err(Error::InvalidInput(format!(
            "Flavor's disk is too small for requested image: flavor {} has {} GiB, the image's virtual size is {virtual_size} bytes.",
            flavor.name, flavor.disk
        )));
    }
    if flavor.disk > 0 && image.size.unwrap_or(0) > disk.saturating_mul(GIB) {
        return Err(Error::InvalidInput(format!(
            "Flavor's disk is too small for requested image: flavor {} has {} GiB, the image is {} bytes.",
            flavor.name,
            flavor.disk,
            image.size.unwrap_or(0)
        )));
    }
    Ok(())
}
