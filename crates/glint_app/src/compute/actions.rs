//! Server actions: `rebuild` remakes the disk from the same image (usable even after the share
//! or the image is gone) or from another bootable one; `createImage` saves the disk as a new
//! image owned by the server's account, which is how a consumer keeps a shared image for good;
//! the new image records its lineage (the image the server was built from).

use std::collections::BTreeMap;

use futures::StreamExt;
use glint_core::compute::{Server, ServerStatus};
use glint_core::error::Kind;
use glint_core::image::{Image, ImageId, ImageStatus, Visibility, lineage};
use glint_core::{AuthContext, Error, RegionName, Result, Role, Timestamp};
use glint_db::{images, servers};

use super::ComputeService;
use super::disks::disk_key;

impl ComputeService {
    /// Rebuilds the server's disk from `image_ref`.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn rebuild(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &str,
        image_ref: &str,
    ) -> Result<Server> {
        let server = self.get(ctx, region, id).await?;
        ctx.require(Role::Member, "rebuild servers")?;
        let image = if image_ref == server.image_id.as_str() {
            images::get_any(&self.db, image_ref)
                .await?
                .ok_or_else(|| {
                    Error::InvalidInput(format!("Image {image_ref} could not be found."))
                })?
                .id
        } else {
            let flavor = self.flavor(&server.flavor_id)?.clone();
            self.bootable(ctx, region, image_ref, &flavor).await?.id
        };
        servers::transition(
            &self.db,
            id,
            ServerStatus::Active,
            ServerStatus::Rebuild,
            Some("rebuild_spawning"),
            Some(&image),
        )
        .await
        .map_err(|_| {
            Error::StateConflict(format!(
                "Cannot 'rebuild' server {id} while it is {}",
                server.status
            ))
        })?;
        let previous = server.image_id.clone();
        let rebuilt = servers::get(&self.db, id)
            .await?
            .ok_or_else(|| Error::not_found(Kind::Server, id))?;
        self.spawn_disk(rebuilt.clone(), image, ServerStatus::Rebuild);
        if previous != rebuilt.image_id {
            self.release_image_data(region, &previous).await;
        }
        Ok(rebuilt)
    }

    /// Saves the server's disk as a new private image of the server's account, in its region;
    /// returns the new image's id at once, the data follows in the background.
    #[tracing::instrument(skip(self, ctx, metadata), fields(account = %ctx.account_id))]
    pub async fn create_image(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &str,
        name: &str,
        metadata: BTreeMap<String, String>,
    ) -> Result<ImageId> {
        let server = self.get(ctx, region, id).await?;
        ctx.require(Role::Member, "save servers as images")?;
        if server.status != ServerStatus::Active || server.task_state.is_some() {
            return Err(Error::StateConflict(format!(
                "Cannot 'createImage' server {id} while it is {} ({})",
                server.status,
                server.task_state.as_deref().unwrap_or("no task")
            )));
        }
        if name.trim().is_empty() || name.chars().count() > 255 {
            return Err(Error::InvalidInput(
                "The image needs a name of 1 to 255 characters.".into(),
            ));
        }
        if let Some(bad) = metadata.keys().find(|k| {
            k.starts_with("os_glance") || lineage::is_lineage(k) || k.chars().count() > 255
        }) {
            return Err(Error::InvalidInput(format!(
                "Image metadata key '{bad}' is not allowed."
            )));
        }
        let base = images::get_any(&self.db, server.image_id.as_str()).await?;
        let image = snapshot_record(&server, base.as_ref(), name, metadata, ctx);
        images::insert(&self.db, &image).await?;
        servers::set_task(&self.db, id, Some("image_uploading")).await?;
        let service = self.clone();
        let (snapshot, owner) = (image.clone(), server.clone());
        tokio::spawn(async move {
            if let Err(e) = service.save_disk(&owner, &snapshot).await {
                tracing::error!(error = %e, image = %snapshot.id, "could not save the server's disk");
                service
                    .images
                    .claim()
                    .release(&snapshot, ImageStatus::Saving)
                    .await;
            }
            if let Err(e) = servers::set_task(&service.db, &owner.id, None).await {
                tracing::warn!(error = %e, server = %owner.id, "could not clear the task state");
            }
        });
        Ok(image.id)
    }

    async fn save_disk(&self, server: &Server, image: &Image) -> Result<()> {
        let claim = self.images.claim();
        claim
            .take(image, ImageStatus::Queued, ImageStatus::Saving)
            .await?;
        let store = self.stores.for_region(&server.region).await?;
        let cap = self.images.settings().limits.size_cap;
        let disk = store
            .get(&disk_key(server)?, None)
            .await
            .map_err(|e| Error::Unavailable(format!("reading the server's disk: {e}")))?
            .into_inner()
            .map(|chunk| chunk.map_err(|e| e.to_string()));
        let mut check = self.images.format_check(image);
        let key = glint_blob::BlobKey::image(image.id.as_str())
            .map_err(|e| Error::Internal(e.to_string()))?;
        let outcome = claim
            .receive(image, &store, &key, Box::pin(disk), cap, &mut check)
            .await?;
        self.images
            .activate(image, outcome, &check, ImageStatus::Saving)
            .await?;
        Ok(())
    }
}

fn snapshot_record(
    server: &Server,
    base: Option<&Image>,
    name: &str,
    metadata: BTreeMap<String, String>,
    ctx: &AuthContext,
) -> Image {
    let mut properties = metadata;
    properties.insert("image_type".into(), "snapshot".into());
    properties.insert("instance_uuid".into(), server.id.clone());
    properties.insert("base_image_ref".into(), server.image_id.to_string());
    properties.insert("user_id".into(), ctx.user_id.to_string());
    if let Some(base) = base {
        lineage::record(&mut properties, base, server.account_id.as_str());
    }
    let id = ImageId::random(&uuid::Uuid::new_v4().to_string());
    let owner = Some(server.account_id.to_string());
    Image {
        name: Some(name.to_owned()),
        visibility: Visibility::Private,
        disk_format: Some(
            base.and_then(|b| b.disk_format.clone())
                .unwrap_or_else(|| "raw".into()),
        ),
        container_format: Some(
            base.and_then(|b| b.container_format.clone())
                .unwrap_or_else(|| "bare".into()),
        ),
        min_ram: base.map_or(0, |b| b.min_ram),
        min_disk: base.map_or(0, |b| b.min_disk),
        properties,
        ..Image::queued(id, server.region.clone(), owner, Timestamp::now())
    }
}
