//! `GET /v2/info/usage`: the caller's own account's image usage in the endpoint's region
//! (every image quota unlimited, as Glint sets none). Nobody reads another account's.

use glint_core::image::account_usage::AccountUsage;
use glint_core::{AuthContext, Error, RegionName, Result};

use super::ImageService;

impl ImageService {
    /// The usage of the caller's account in `region` (404 for a region that does not exist).
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn account_usage(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
    ) -> Result<AccountUsage> {
        if !ctx.may_use_region(region) && !glint_db::regions::exists(&self.db, region).await? {
            return Err(Error::not_found(
                glint_core::error::Kind::Region,
                region.as_str(),
            ));
        }
        glint_db::account_usage::of_account(&self.db, region, ctx.account_id.as_str()).await
    }
}
