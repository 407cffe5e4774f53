//! Compute: servers built from images, per region. No hypervisor runs them; a server is its
//! record and its own disk, copied from the image in the region's store, so it outlives the
//! share and the image. Flavors come from configuration.

mod actions;
mod boot;
mod deprecated;
mod disks;

pub use deprecated::ServerOnDeprecated;

use glint_core::compute::{Flavor, Server, ServerStatus};
use glint_core::error::Kind;
use glint_core::image::ImageId;
use glint_core::{AuthContext, Error, RegionName, Result, Role, Timestamp};
use glint_db::{Db, servers};

use crate::{ImageService, Stores};

/// The flavors a cloud offers when configuration names none.
pub fn default_flavors() -> Vec<Flavor> {
    let flavor = |id: &str, name: &str, vcpus, ram, disk| Flavor {
        id: id.into(),
        name: name.into(),
        vcpus,
        ram,
        disk,
    };
    vec![
        flavor("1", "m1.tiny", 1, 512, 1),
        flavor("2", "m1.small", 1, 2048, 20),
        flavor("3", "m1.medium", 2, 4096, 40),
        flavor("4", "m1.large", 4, 8192, 80),
    ]
}

/// What a create request asks for.
#[derive(Debug, Clone)]
pub struct NewServer {
    pub name: String,
    pub image_ref: String,
    pub flavor_ref: String,
    /// `none` or `auto`, recorded; no network is attached either way.
    pub networks: String,
}

/// Filters of a server list, as the CLI sends them.
#[derive(Debug, Clone, Default)]
pub struct ServerFilter {
    /// A regular expression in Nova; here a substring of the name.
    pub name: Option<String>,
    pub status: Option<String>,
    pub image: Option<String>,
    pub flavor: Option<String>,
}

/// The compute use cases.
#[derive(Debug, Clone)]
pub struct ComputeService {
    db: Db,
    stores: Stores,
    images: ImageService,
    flavors: Vec<Flavor>,
}

fn server_not_found(id: &str) -> Error {
    Error::not_found(Kind::Server, id)
}

impl ComputeService {
    /// A service over the store, booting from `images`, offering `flavors`.
    pub fn new(db: Db, stores: Stores, images: ImageService, flavors: Vec<Flavor>) -> Self {
        ComputeService {
            db,
            stores,
            images,
            flavors,
        }
    }

    /// Every flavor.
    pub fn flavors(&self) -> &[Flavor] {
        &self.flavors
    }

    /// A flavor by id (or, as clients fall back to, by name).
    pub fn flavor(&self, id_or_name: &str) -> Result<&Flavor> {
        self.flavors
            .iter()
            .find(|f| f.id == id_or_name)
            .or_else(|| self.flavors.iter().find(|f| f.name == id_or_name))
            .ok_or_else(|| Error::not_found(Kind::Flavor, id_or_name))
    }

    fn require_region(ctx: &AuthContext, region: &RegionName) -> Result<()> {
        if ctx.is_admin() || ctx.may_use_region(region) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "Your account may not use region {region}."
            )))
        }
    }

    /// Builds a server: checks the boot rules, records it as `BUILD`, and makes its disk in the
    /// background (then `ACTIVE`).
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn create(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        new: NewServer,
    ) -> Result<Server> {
        Self::require_region(ctx, region)?;
        ctx.require(Role::Member, "create servers")?;
        if new.name.trim().is_empty() || new.name.chars().count() > 255 {
            return Err(Error::InvalidInput(
                "A server needs a name of 1 to 255 characters.".into(),
            ));
        }
        if !matches!(new.networks.as_str(), "none" | "auto") {
            return Err(Error::InvalidInput(
                "Glint attaches no networks: give networks as \"none\" or \"auto\".".into(),
            ));
        }
        let flavor = self
            .flavor(&new.flavor_ref)
            .map_err(|_| {
                Error::InvalidInput(format!("Flavor {} could not be found.", new.flavor_ref))
            })?
            .clone();
        let image = self.bootable(ctx, region, &new.image_ref, &flavor).await?;
        let now = Timestamp::now();
        let server = Server {
            id: uuid::Uuid::new_v4().to_string(),
            region: region.clone(),
            account_id: ctx.account_id.clone(),
            user_id: ctx.user_id.clone(),
            name: new.name,
            image_id: image.id.clone(),
            flavor_id: flavor.id,
            status: ServerStatus::Build,
            task_state: Some("spawning".into()),
            networks: new.networks,
            created_at: now,
            updated_at: now,
            launched_at: None,
        };
        servers::insert(&self.db, &server).await?;
        self.spawn_disk(server.clone(), image.id, ServerStatus::Build);
        Ok(server)
    }

    /// A server of the caller's account (any, for the admin) in `region`.
    pub async fn get(&self, ctx: &AuthContext, region: &RegionName, id: &str) -> Result<Server> {
        Self::require_region(ctx, region)?;
        match servers::get(&self.db, id).await? {
            Some(s)
                if &s.region == region && (ctx.is_admin() || s.account_id == ctx.account_id) =>
            {
                Ok(s)
            }
            _ => Err(server_not_found(id)),
        }
    }

    /// The caller's account's servers in `region` that match `filter`.
    pub async fn list(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        filter: &ServerFilter,
    ) -> Result<Vec<Server>> {
        Self::require_region(ctx, region)?;
        let all = servers::list(&self.db, region, Some(&ctx.account_id)).await?;
        Ok(all
            .into_iter()
            .filter(|s| {
                filter
                    .name
                    .as_ref()
                    .is_none_or(|n| s.name.contains(n.as_str()))
            })
            .filter(|s| {
                filter
                    .status
                    .as_ref()
                    .is_none_or(|st| s.status.as_str().eq_ignore_ascii_case(st))
            })
            .filter(|s| {
                filter
                    .image
                    .as_ref()
                    .is_none_or(|i| s.image_id.as_str() == i)
            })
            .filter(|s| filter.flavor.as_ref().is_none_or(|f| &s.flavor_id == f))
            .collect())
    }

    /// Deletes a server and its disk.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn delete(&self, ctx: &AuthContext, region: &RegionName, id: &str) -> Result<()> {
        let server = self.get(ctx, region, id).await?;
        ctx.require(Role::Member, "delete servers")?;
        servers::delete(&self.db, id).await?;
        self.drop_disk(&server).await;
        self.release_image_data(&server.region, &server.image_id)
            .await;
        Ok(())
    }

    /// Drops the data of a deleted image once no live server was built from it.
    pub(crate) async fn release_image_data(&self, region: &RegionName, image: &ImageId) {
        let still_needed = match glint_db::images::get(&self.db, image.as_str()).await {
            Ok(Some(_)) => true,
            Ok(None) => servers::image_in_use(&self.db, image).await.unwrap_or(true),
            Err(_) => true,
        };
        if still_needed {
            return;
        }
        self.images.drop_stored_data(region, image).await;
    }
}
