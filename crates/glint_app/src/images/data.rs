//! Image data in and out: `PUT …/file` (and the panel's upload, the same call) streams the body
//! into the region's store while hashing it, in a task of its own so that a client that hangs
//! up still leaves the image `queued` again (queued → saving → active, back to queued on
//! failure, never active without durable data), and `GET …/file` streams it out, whole or a
//! byte range.

use bytes::Bytes;
use futures::Stream;
use glint_blob::{BlobKey, BlobStream, PutOutcome};
use glint_core::image::{DataMediaType, Image, ImageId, ImageStatus};
use glint_core::{AuthContext, Error, RegionName, Result, Role, Timestamp};
use glint_db::images;

use super::format_check::FormatCheck;
use super::receive::{Claim, store_error};
use super::{ImageService, policy, require_status};

/// Image data on its way in: the media type it was sent as and the size the client declared
/// (`x-openstack-image-size` or `Content-Length`), which lets an oversized upload fail before
/// any byte is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub media: DataMediaType,
    pub declared_size: Option<u64>,
    /// The store asked for (`X-Image-Meta-Store`); the default store when `None`.
    pub store: Option<String>,
}

/// What becomes of an image whose data the format check refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusedData {
    /// The image stays, `queued` (the Image API: the client decides, as with the reference).
    KeepImage,
    /// The image goes too: it was made only to receive this data, as the Control Panel's upload
    /// makes one, and would be in the way of the next try (the `openstack` CLI removes it too).
    DeleteImage,
}

/// A byte range of a download, as `Range: bytes=…` asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=a-b`, inclusive.
    FromTo(u64, u64),
    /// `bytes=a-`: from `a` to the end.
    From(u64),
    /// `bytes=-n`: the last `n` bytes.
    Last(u64),
}

impl ByteRange {
    /// The inclusive range within `size` bytes; `RangeNotSatisfiable` when it starts past the
    /// end or is empty.
    pub fn resolve(self, size: u64) -> Result<(u64, u64)> {
        let (start, end) = match self {
            ByteRange::FromTo(a, b) => (a, b.min(size.saturating_sub(1))),
            ByteRange::From(a) => (a, size.saturating_sub(1)),
            ByteRange::Last(n) => (size.saturating_sub(n), size.saturating_sub(1)),
        };
        if size == 0 || start >= size || start > end || matches!(self, ByteRange::Last(0)) {
            return Err(Error::RangeNotSatisfiable(format!(
                "The requested range is outside the image's {size} bytes"
            )));
        }
        Ok((start, end))
    }
}

/// Image data on its way out.
pub struct Download {
    pub stream: BlobStream,
    /// Hex MD5 of the whole image, for `Content-MD5`.
    pub checksum: Option<String>,
}

pub(crate) fn require_formats(image: &Image) -> Result<()> {
    if image.disk_format.is_none() || image.container_format.is_none() {
        return Err(Error::InvalidInput(
            "Properties disk_format, container_format must be set prior to saving data.".into(),
        ));
    }
    Ok(())
}

pub(crate) fn key(image: &Image) -> Result<BlobKey> {
    BlobKey::image(image.id.as_str()).map_err(|e| Error::Internal(e.to_string()))
}

impl ImageService {
    /// The format check for data of `image`, as the settings want it.
    pub(crate) fn format_check(&self, image: &Image) -> FormatCheck {
        FormatCheck::new(
            image.disk_format.as_deref(),
            self.settings.require_format_match,
        )
    }

    pub(crate) fn claim(&self) -> Claim<'_> {
        Claim {
            db: &self.db,
            node: &self.settings.node_id,
            lease: self.settings.upload_lease,
        }
    }

    /// Uploads the image's data (`PUT …/file`, and the Control Panel's upload) in a task of its
    /// own, so that a client that goes away still leaves the image `queued` again; `refused`
    /// says what becomes of the image when the format check refuses the data.
    pub async fn upload<S, E>(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
        incoming: Incoming,
        refused: RefusedData,
        body: S,
    ) -> Result<Image>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + Unpin + 'static,
        E: std::fmt::Display + Send + 'static,
    {
        let (service, ctx, region, id) = (self.clone(), ctx.clone(), region.clone(), id.clone());
        let task = tokio::spawn(async move {
            let received = service
                .receive_upload(&ctx, &region, &id, &incoming, body)
                .await;
            if refused == RefusedData::DeleteImage
                && matches!(received, Err(Error::UnsupportedMediaType(_)))
                && let Err(left) = service.delete(&ctx, &region, &id).await
            {
                tracing::warn!(error = %left, image = %id, "could not remove the refused upload's image");
            }
            received
        });
        joined(task.await)
    }

    #[tracing::instrument(skip(self, ctx, body), fields(account = %ctx.account_id))]
    async fn receive_upload<S, E>(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
        incoming: &Incoming,
        body: S,
    ) -> Result<Image>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + Unpin,
        E: std::fmt::Display,
    {
        let image = self.get(ctx, region, id).await?;
        policy::require_change(ctx, &image, "upload data to")?;
        incoming.media.require_octet_stream()?;
        image.status.begin_receiving(ImageStatus::Saving)?;
        require_formats(&image)?;
        let cap = self.settings.limits.size_cap;
        if incoming.declared_size.is_some_and(|s| s > cap) {
            return Err(store_error(
                glint_blob::BlobError::TooLarge { limit: cap },
                cap,
            ));
        }
        let (store_id, store) = self.write_store(region, incoming.store.as_deref()).await?;
        let claim = self.claim();
        claim
            .take(&image, ImageStatus::Queued, ImageStatus::Saving)
            .await?;
        let mut check = self.format_check(&image);
        let received = claim
            .receive(&image, &store, &key(&image)?, body, cap, &mut check)
            .await;
        match received {
            Ok(outcome) => {
                let stores = Vec::from_iter(store_id);
                self.activate_in(&image, outcome, &check, ImageStatus::Saving, &stores)
                    .await
            }
            Err(e) => {
                claim.release(&image, ImageStatus::Saving).await;
                Err(e)
            }
        }
    }

    /// Records the data's size and hashes and makes the image active; its data is durable by
    /// now, in the region's default store. If the image was deleted meanwhile, the data goes
    /// too (410).
    pub(crate) async fn activate(
        &self,
        image: &Image,
        outcome: PutOutcome,
        check: &FormatCheck,
        from: ImageStatus,
    ) -> Result<Image> {
        let stores = Vec::from_iter(self.stores.default_id().map(str::to_owned));
        self.activate_in(image, outcome, check, from, &stores).await
    }

    /// As `activate`, for data durable in the named `stores` (none with one store per region).
    pub(crate) async fn activate_in(
        &self,
        image: &Image,
        outcome: PutOutcome,
        check: &FormatCheck,
        from: ImageStatus,
        stores: &[String],
    ) -> Result<Image> {
        let size = i64::try_from(outcome.size)
            .map_err(|_| Error::Internal("image size overflows".into()))?;
        let activated = images::modify(&self.db, &image.id, |current| {
            require_status(current, from)?;
            current.size = Some(size);
            current.virtual_size = check.virtual_size();
            current.checksum = Some(outcome.md5_hex);
            current.os_hash_algo = Some("sha512".into());
            current.os_hash_value = Some(outcome.sha512_hex);
            current.status = from.transition(ImageStatus::Active)?;
            current.stores = self.stores.read_order(stores);
            current.updated_at = Timestamp::now();
            Ok(true)
        })
        .await;
        let current = match activated {
            Ok(current) => current,
            Err(Error::NotFound { .. }) => {
                for store in self.stores.every_in_region(&image.region).await? {
                    if let Err(e) = store.blob.delete(&key(image)?).await {
                        tracing::warn!(error = %e, image = %image.id, "could not remove orphan data");
                    }
                }
                return Err(Error::Gone(format!(
                    "Image {} was deleted while its data was uploaded.",
                    image.id
                )));
            }
            Err(e) => return Err(e),
        };
        // The claim went with the move to `active`: `modify` keeps an upload claim only while
        // the image receives data.
        self.queue_trust_report(&current.id, check.detected()).await;
        tracing::info!(image = %current.id, size, "image active");
        Ok(current)
    }

    /// The image's data (or the inclusive byte `range` of it); `None` when it has none yet.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn download(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
        range: Option<ByteRange>,
    ) -> Result<Option<Download>> {
        let image = self.get(ctx, region, id).await?;
        ctx.require(Role::Member, "download image data")?;
        if image.status == ImageStatus::Deactivated && !ctx.is_admin() {
            return Err(Error::Forbidden(
                "The requested image has been deactivated. Image data download is forbidden."
                    .into(),
            ));
        }
        if !matches!(image.status, ImageStatus::Active | ImageStatus::Deactivated) {
            return Ok(None);
        }
        let size = u64::try_from(image.size.unwrap_or(0)).unwrap_or(0);
        let range = range.map(|r| r.resolve(size)).transpose()?;
        if let Some(stream) = self.cached(&image, range).await {
            return Ok(Some(Download {
                stream,
                checksum: image.checksum,
            }));
        }
        let (store, stream) = self.open_data_in(&image, range).await?;
        let stream = self.cache_on_the_way(&image, &store, stream);
        Ok(Some(Download {
            stream,
            checksum: image.checksum,
        }))
    }

    /// Removes an image's data (and staged data, and this node's cached copy) after the image
    /// was deleted, keeping the stored data when live servers were built from it (`in_use`);
    /// failures are logged, as the image is gone either way.
    pub(crate) async fn drop_data(&self, image: &Image, in_use: bool) {
        self.uncache(image).await;
        if let Err(e) = glint_db::trust_reports::forget(&self.db, &image.id).await {
            tracing::warn!(error = %e, image = %image.id, "could not drop the trust report");
        }
        if let Ok(store) = self.stores.for_region(&image.region).await
            && let Ok(staged) = BlobKey::staging(image.id.as_str())
            && let Err(e) = store.delete(&staged).await
        {
            tracing::warn!(error = %e, image = %image.id, "could not remove staged data");
        }
        if !in_use {
            self.drop_stored_data(&image.region, &image.id).await;
        }
    }

    /// Removes the data of the image `id` from every store of `region` (each store it was
    /// ever copied to; removing what is not there succeeds); failures are logged.
    pub(crate) async fn drop_stored_data(&self, region: &RegionName, id: &ImageId) {
        let (Ok(stores), Ok(key)) = (
            self.stores.every_in_region(region).await,
            BlobKey::image(id.as_str()),
        ) else {
            tracing::warn!(image = %id, "could not reach the stores to remove image data");
            return;
        };
        for store in stores {
            if let Err(e) = store.blob.delete(&key).await {
                tracing::warn!(error = %e, image = %id, store = ?store.id, "could not remove image data");
            }
        }
    }
}

/// The result of a task that received data; a task that panicked or was cancelled is a 500.
pub(crate) fn joined<T>(
    result: std::result::Result<Result<T>, tokio::task::JoinError>,
) -> Result<T> {
    result.unwrap_or_else(|e| Err(Error::Internal(format!("upload task: {e}"))))
}
