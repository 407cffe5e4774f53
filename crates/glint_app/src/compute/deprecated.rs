//! A consumer's view of retirement: its own live servers, in every region, whose image is
//! deprecated, with what to move to and by when.

use std::collections::BTreeMap;

use glint_core::compute::Server;
use glint_core::image::deprecation::Deprecation;
use glint_core::image::{Image, ImageId};
use glint_core::{AuthContext, Result};
use glint_db::{images, servers};

use super::ComputeService;

/// A server built from a deprecated image.
#[derive(Debug, Clone)]
pub struct ServerOnDeprecated {
    pub server: Server,
    pub image: Image,
    pub deprecation: Deprecation,
    /// The replacement's name, when the caller can see the replacement.
    pub replacement_name: Option<String>,
}

impl ComputeService {
    /// The caller's account's live servers whose image is deprecated, newest first.
    pub async fn on_deprecated_images(&self, ctx: &AuthContext) -> Result<Vec<ServerOnDeprecated>> {
        let found = servers::on_deprecated_images(&self.db, &ctx.account_id).await?;
        let mut images_by_id: BTreeMap<ImageId, Option<(Image, Deprecation, Option<String>)>> =
            BTreeMap::new();
        let mut out = Vec::with_capacity(found.len());
        for server in found {
            if !images_by_id.contains_key(&server.image_id) {
                let entry = self.deprecated_image(ctx, &server.image_id).await?;
                images_by_id.insert(server.image_id.clone(), entry);
            }
            if let Some(Some((image, deprecation, replacement_name))) =
                images_by_id.get(&server.image_id)
            {
                out.push(ServerOnDeprecated {
                    image: image.clone(),
                    deprecation: deprecation.clone(),
                    replacement_name: replacement_name.clone(),
                    server,
                });
            }
        }
        Ok(out)
    }

    async fn deprecated_image(
        &self,
        ctx: &AuthContext,
        id: &ImageId,
    ) -> Result<Option<(Image, Deprecation, Option<String>)>> {
        let Some(image) = images::get(&self.db, id.as_str()).await? else {
            return Ok(None);
        };
        let Some(deprecation) = Deprecation::of(&image) else {
            return Ok(None);
        };
        let replacement_name = match &deprecation.replacement {
            Some(r) => self
                .images
                .get(ctx, &image.region, r)
                .await
                .ok()
                .and_then(|r| r.name),
            None => None,
        };
        Ok(Some((image, deprecation, replacement_name)))
    }
}
