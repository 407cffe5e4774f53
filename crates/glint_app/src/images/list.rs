//! Listing images for a caller: the region's checks, the marker's, and the page with its
//! `first` and `next` links. Lineage properties are hidden on images the caller does not own,
//! and a filter on them finds only the caller's own images.

use glint_core::image::Image;
use glint_core::image::lineage;
use glint_core::image::query::{Column, Filter, ImageListQuery};
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
        let owned_only;
        let query = if filters_on_hidden_lineage(ctx, query) {
            owned_only = only_owned_by(query, ctx);
            &owned_only
        } else {
            query
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

/// Whether the query filters on a lineage property the caller may not read on every image (it
/// reads them on its own images only, unless it is the admin).
fn filters_on_hidden_lineage(ctx: &AuthContext, query: &ImageListQuery) -> bool {
    !ctx.is_admin()
        && query
            .filters
            .iter()
            .any(|f| matches!(f, Filter::Property(key, _) if lineage::is_lineage(key)))
}

/// The query restricted to the caller's own images, so that a filter on lineage finds nothing
/// the caller could not read it on.
fn only_owned_by(query: &ImageListQuery, ctx: &AuthContext) -> ImageListQuery {
    let mut query = query.clone();
    query
        .filters
        .push(Filter::In(Column::Owner, vec![ctx.account_id.to_string()]));
    query
}
