//! Listing images for a caller: the region's checks, the marker's, and the page with its
//! `first` and `next` links.

use glint_core::image::Image;
use glint_core::image::query::ImageListQuery;
use glint_core::{AuthContext, Error, RegionName, Result};
use glint_db::image_list::{self, ListScope};
use glint_db::{images, regions};

use super::{ImageService, policy};

/// One page of a list.
#[derive(Debug, Clone)]
pub struct ImagePage {
    pub images: Vec<Image>,
    /// `/v2/images?…` without the marker.
    pub first: String,
    /// The next page's link, whenever this page is full.
    pub next: Option<String>,
}

impl ImageService {
    /// The images the caller may list in `region` that match `query`.
    #[tracing::instrument(skip(self, ctx, query), fields(account = %ctx.account_id))]
    pub async fn list(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        query: &ImageListQuery,
    ) -> Result<ImagePage> {
        let first = query.first_link();
        // A region granted to the account exists (regions are never removed), so only a
        // region outside the grant costs a query: unknown is 404.
        if !ctx.may_use_region(region) && !regions::exists(&self.db, region).await? {
            return Err(Error::not_found(
                glint_core::error::Kind::Region,
                region.as_str(),
            ));
        }
        if !policy::may_use_region(ctx, region) {
            return Ok(ImagePage {
                images: Vec::new(),
                first,
                next: None,
            });
        }
        let marker = match &query.marker {
            None => None,
            Some(id) => Some(self.marker(ctx, region, id).await?),
        };
        let scope = ListScope {
            region,
            account: ctx.account_id.as_str(),
            is_admin: ctx.is_admin(),
        };
        let mut images = image_list::list(&self.db, &scope, query, marker.as_ref()).await?;
        for image in &mut images {
            policy::hide_lineage(ctx, image);
        }
        let full = query.limit > 0 && images.len() == query.limit as usize;
        let next = match images.last() {
            Some(last) if full => Some(query.next_link(last.id.as_str())),
            _ => None,
        };
        Ok(ImagePage {
            images,
            first,
            next,
        })
    }

    /// The image a list resumes after. One the caller cannot see is refused exactly as one
    /// that does not exist (the reference answers 403 there, which tells a stranger that the
    /// image exists; Glint deliberately does not).
    async fn marker(&self, ctx: &AuthContext, region: &RegionName, id: &str) -> Result<Image> {
        let unknown = || Error::InvalidInput(format!("marker {id} could not be found."));
        let Some(found) = images::get(&self.db, id)
            .await?
            .filter(|m| &m.region == region)
        else {
            return Err(unknown());
        };
        let membership = self.membership(ctx, &found).await?;
        if policy::can_see(ctx, &found, membership.as_ref()) {
            Ok(found)
        } else {
            Err(unknown())
        }
    }
}
