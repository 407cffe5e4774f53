//! Images: create, read, change, tag, deactivate and delete, per region, with every access rule
//! applied through `policy`. Data upload and download live in `data`, list queries in `list`,
//! sharing in `members`, and this node's read cache of image data (and its API) in `cache`.

mod account_usage;
mod cache;
mod data;
mod format_check;
mod group_shares;
mod import;
mod import_stores;
mod legacy_tasks;
mod list;
mod multi_store;
mod policy;
pub(crate) mod receive;
mod region_copy;
mod retirement;
mod sharing;
mod sharing_policy;
mod tags;
mod tasks;
mod trust;
mod web_download;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use glint_core::event::{EventActor, EventKind, ReminderRules};
use glint_core::image::create::NewImage;
use glint_core::image::patch::{PatchCaller, apply_patch};
use glint_core::image::{
    Deferred, Image, ImageId, ImageLimits, ImageMember, ImagePatch, ImageStatus, Visibility,
};
use glint_core::{AuthContext, Error, RegionName, Result, Timestamp};
use glint_db::events::{Change, Recording};
use glint_db::{Db, images, members};
use tokio::sync::Notify;

use crate::{Clock, Stores};

pub use cache::{CacheState, ClearTarget};
pub use data::{ByteRange, Download, Incoming, RefusedData};
pub use import::IMPORT_METHODS;
pub use legacy_tasks::TaskPage;
pub use list::ImagePage;
pub use multi_store::NO_MULTI_STORE;
pub(crate) use sharing_policy::accept_trusted_after;
pub use sharing_policy::{JudgedShare, MAX_OVERRIDE_REASON};
pub use trust::{TrustReportState, TrustReportView};
pub use web_download::WebDownloadSettings;

/// Settings of the image service.
#[derive(Debug, Clone)]
pub struct ImageSettings {
    pub limits: ImageLimits,
    /// This node's name in upload claims; stable across restarts of the same node.
    pub node_id: String,
    /// How long an upload may go without a heartbeat before another node may take it over.
    pub upload_lease: Duration,
    /// Page size when the client gives no `limit`.
    pub default_page: u32,
    /// Largest page a client may ask for.
    pub max_page: u32,
    /// Refuse (415) data that is not in the image's `disk_format`; unsafe images are refused
    /// either way.
    pub require_format_match: bool,
    /// Longest the trust report may spend on one image.
    pub trust_report_timeout: Duration,
    /// The courtesy rules for reminders of pending shares.
    pub reminders: ReminderRules,
    /// How long a share may stay `pending` before it is removed (`None`: for ever).
    pub pending_expiry: Option<Duration>,
    /// How often the job runs that removes shares whose scheduled removal is due.
    pub share_timer_interval: Duration,
    /// Where and how the web-download import method fetches.
    pub web_download: WebDownloadSettings,
}

impl Default for ImageSettings {
    fn default() -> Self {
        ImageSettings {
            limits: ImageLimits::default(),
            node_id: uuid::Uuid::new_v4().to_string(),
            upload_lease: Duration::from_secs(60),
            default_page: 25,
            max_page: 1000,
            require_format_match: true,
            trust_report_timeout: Duration::from_secs(120),
            reminders: ReminderRules::default(),
            pending_expiry: None,
            share_timer_interval: Duration::from_secs(60),
            web_download: WebDownloadSettings::default(),
        }
    }
}

/// The image use cases.
#[derive(Debug, Clone)]
pub struct ImageService {
    db: Db,
    stores: Stores,
    settings: ImageSettings,
    /// Wakes this node's trust report worker when a report is queued.
    reports_wake: Arc<Notify>,
    /// The time of changes and their events (a test moves it forward).
    clock: Clock,
    /// This node's cache of image data, when it has one.
    cache: Option<cache::ImageCache>,
}

impl ImageService {
    /// A service over the store.
    pub fn new(db: Db, stores: Stores, settings: ImageSettings) -> Self {
        ImageService {
            db,
            stores,
            settings,
            reports_wake: Arc::new(Notify::new()),
            clock: Clock::system(),
            cache: None,
        }
    }

    /// The same service on `clock` (a test's, which it moves forward).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The clock of changes (the compute service reads the time of boots from it too).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// A change by the caller, now: what the events of the change say.
    fn change_by<'a>(&self, actor: &'a EventActor) -> Change<'a> {
        Change::by(actor, self.clock.now())
    }

    /// Puts back to `queued` every image this node was receiving data for when it stopped, and
    /// removes what those cut uploads left in the store. Returns how many images.
    pub async fn recover_uploads(&self) -> Result<u64> {
        let abandoned = images::abandon_uploads(&self.db, &self.settings.node_id).await?;
        for (id, region) in &abandoned {
            self.end_cut_task(id).await;
            let keys = [
                glint_blob::BlobKey::image(id.as_str()),
                glint_blob::BlobKey::staging(id.as_str()),
            ];
            for store in self.stores.every_in_region(region).await? {
                for key in keys.iter().flatten() {
                    if let Err(e) = store.blob.discard_partial(key).await {
                        tracing::warn!(error = %e, image = %id, "could not remove a cut upload's data");
                    }
                }
            }
        }
        Ok(abandoned.len() as u64)
    }

    /// The settings in force.
    pub fn settings(&self) -> &ImageSettings {
        &self.settings
    }

    /// The caller's member row of the image, if any.
    async fn membership(&self, ctx: &AuthContext, image: &Image) -> Result<Option<ImageMember>> {
        if image.visibility != Visibility::Shared || policy::owns(ctx, image) {
            return Ok(None);
        }
        members::get(&self.db, &image.id, ctx.account_id.as_str()).await
    }

    /// The image `id` in `region` if the caller can see it; `NotFound` otherwise.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn get(&self, ctx: &AuthContext, region: &RegionName, id: &ImageId) -> Result<Image> {
        let mut image = match images::get(&self.db, id.as_str()).await? {
            Some(image) if &image.region == region => image,
            _ => return Err(policy::not_found(id.as_str())),
        };
        let membership = self.membership(ctx, &image).await?;
        if policy::can_see(ctx, &image, membership.as_ref()) {
            policy::hide_lineage(ctx, &mut image);
            Ok(image)
        } else {
            Err(policy::not_found(id.as_str()))
        }
    }

    /// Creates an image in `region` (`new` was checked against the image schema and the
    /// limits; see `parse_create`).
    #[tracing::instrument(skip(self, ctx, new), fields(account = %ctx.account_id))]
    pub async fn create(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        new: NewImage,
    ) -> Result<Image> {
        let visibility = new.visibility.unwrap_or(Visibility::Shared);
        policy::require_create(ctx, new.owner.as_deref(), visibility)?;
        // A region granted to the account exists (regions are never removed), so only one
        // outside the grant costs a query; an unknown one is 404, as for lists.
        if !ctx.may_use_region(region) && !glint_db::regions::exists(&self.db, region).await? {
            return Err(Error::not_found(
                glint_core::error::Kind::Region,
                region.as_str(),
            ));
        }
        if !policy::may_use_region(ctx, region) {
            return Err(Error::Forbidden(format!(
                "Your account may not use region {region}."
            )));
        }
        let id = match new.id {
            Some(id) => id,
            None => ImageId::random(&uuid::Uuid::new_v4().to_string()),
        };
        let owner = new.owner.unwrap_or_else(|| ctx.account_id.to_string());
        let image = Image {
            name: new.name,
            visibility,
            protected: new.protected,
            os_hidden: new.os_hidden,
            disk_format: new.disk_format,
            container_format: new.container_format,
            min_ram: new.min_ram,
            min_disk: new.min_disk,
            tags: new.tags,
            properties: new.properties,
            ..Image::queued(id, region.clone(), Some(owner), Timestamp::now())
        };
        images::insert(&self.db, &image).await?;
        Ok(image)
    }

    /// Applies a JSON-Patch update (either media type) and returns the updated image. The
    /// patch applies to the image as it is when its row is locked, so concurrent updates never
    /// undo each other. A patch that could not be read is refused once the image is found.
    #[tracing::instrument(skip(self, ctx, patch), fields(account = %ctx.account_id))]
    pub async fn update(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
        patch: Deferred<ImagePatch>,
    ) -> Result<Image> {
        let image = self.get(ctx, region, id).await?;
        let ImagePatch { dialect, ops } = patch?;
        let caller = PatchCaller {
            is_admin: ctx.is_admin(),
        };
        let limits = &self.settings.limits;
        // Refused before the replacement is looked up, so that a caller who may not change the
        // image cannot learn from the answer whether an id is an image of its owner (the check
        // is made again on the locked row).
        policy::require_change(ctx, &image, "modify")?;
        let replacement = self
            .replacement_in_patch(&image, dialect, &ops, &caller)
            .await?;
        let actor = EventActor::from(ctx);
        let change = self.change_by(&actor);
        let patch = |current: &mut Image| {
            policy::require_change(ctx, current, "modify")?;
            let mut changed = apply_patch(current, dialect, &ops, &caller, limits)?;
            if changed.visibility != current.visibility {
                policy::require_visibility(ctx, changed.visibility)?;
            }
            retirement::check_deprecation(current, &changed, replacement.as_ref())?;
            changed.updated_at = Timestamp::now();
            *current = changed;
            Ok(true)
        };
        let told = |before: &Image, after: &Image| {
            retirement::deprecation_told(before, after, &image.id, &change, replacement.as_ref())
        };
        images::modify_telling(&self.db, &image.id, patch, told).await
    }

    /// Deactivates (active → deactivated; a no-op when already deactivated).
    pub async fn deactivate(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
    ) -> Result<()> {
        self.toggle(ctx, region, id, ImageStatus::Deactivated, "deactivate")
            .await
    }

    /// Reactivates (deactivated → active; a no-op when already active).
    pub async fn reactivate(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
    ) -> Result<()> {
        self.toggle(ctx, region, id, ImageStatus::Active, "reactivate")
            .await
    }

    async fn toggle(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
        to: ImageStatus,
        action: &str,
    ) -> Result<()> {
        let image = self.get(ctx, region, id).await?;
        let actor = EventActor::from(ctx);
        let change = self.change_by(&actor);
        let kind = if to == ImageStatus::Deactivated {
            EventKind::Deactivated
        } else {
            EventKind::Reactivated
        };
        let told = Recording::new(kind, &image.id, change.actor, change.at);
        let released = Recording::new(EventKind::Released, &image.id, None, change.at);
        let toggle = |current: &mut Image| {
            policy::require_change(ctx, current, action)?;
            if to == ImageStatus::Active && current.is_quarantined() {
                policy::require_release(ctx, current)?;
                current.quarantined_at = None;
                current.quarantine_note = None;
            }
            let Some(status) = current.status.toggle(to, action)? else {
                return Ok(false);
            };
            current.status = status;
            current.updated_at = change.at;
            Ok(true)
        };
        let tell = |before: &Image, after: &Image| {
            if before.is_quarantined() && !after.is_quarantined() {
                Some(released)
            } else {
                Some(told)
            }
        };
        images::modify_telling(&self.db, &image.id, toggle, tell).await?;
        Ok(())
    }

    /// Deletes an image (not when protected). Returns it, so the caller can drop its data.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn delete(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
    ) -> Result<Image> {
        let image = self.get(ctx, region, id).await?;
        policy::require_change(ctx, &image, "delete")?;
        if image.protected {
            return Err(Error::Forbidden(format!(
                "Image {id} is protected and cannot be deleted."
            )));
        }
        image.status.transition(ImageStatus::Deleted)?;
        let actor = EventActor::from(ctx);
        if !images::delete(&self.db, &image.id, &self.change_by(&actor)).await? {
            return Err(policy::not_found(id.as_str()));
        }
        let in_use = glint_db::servers::image_in_use(&self.db, &image.id).await?;
        self.drop_data(&image, in_use).await;
        Ok(image)
    }
}

/// `StateConflict` unless the image is still in `expected` (another request moved it on while
/// this one ran).
pub(crate) fn require_status(image: &Image, expected: ImageStatus) -> Result<()> {
    if image.status == expected {
        Ok(())
    } else {
        Err(Error::StateConflict(format!(
            "Image {} changed status to {} while this request ran; try again",
            image.id, image.status
        )))
    }
}

/// Tags as a sorted list, as the API shows them.
pub fn sorted_tags(tags: &BTreeSet<String>) -> Vec<&str> {
    tags.iter().map(String::as_str).collect()
}
