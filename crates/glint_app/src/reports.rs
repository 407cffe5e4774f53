//! Reports of suspicious images and the operators' answer to them. An account that may see an
//! image it does not own (a share in any member status, directly or through a group, or a
//! public or community image) reports it with a reason and a comment; the image's producer is
//! never told that a report exists, let alone who made it. The cloud's operators (the admin
//! role in the API and the panel, or the `glint` admin commands, which need no caller) list
//! reports with the image's trust report, dismiss them, or quarantine the image: deactivated
//! for everyone but the admin, its open reports closed, every consumer and the producer told
//! with the operators' note. Lifting the quarantine makes the image active again.

use glint_core::error::Kind;
use glint_core::image::{Image, ImageId, ImageStatus};
use glint_core::report::{
    ImageReport, NewReport, ReportId, ReportStatus, Reporter, Resolution, operator_note,
};
use glint_core::{AuthContext, Error, RegionName, Result, Role};
use glint_db::reports::{self, ListedReport, ReportFilter};
use glint_db::{Db, images, trust_reports};
use glint_inspect::TrustReport;

use crate::ImageService;

/// Most reports a list shows.
const LIST_LIMIT: u32 = 500;

/// A report as the operators see it: the report, its image now, and the image's trust report.
#[derive(Debug, Clone)]
pub struct ReportForOperators {
    pub listed: ListedReport,
    /// The trust report's warnings; `None` while there is no complete report.
    pub warnings: Option<Vec<String>>,
}

/// Who acts for the cloud's operators: the admin user's name, or the admin command's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator(String);

impl Operator {
    /// The cloud admin calling through the API or the panel; `Forbidden` for anyone else.
    pub fn of(ctx: &AuthContext) -> Result<Operator> {
        ctx.require(Role::Admin, "review image reports")?;
        Ok(Operator(ctx.username.as_str().to_owned()))
    }

    /// The `glint` admin commands, which run with the store's own rights.
    pub fn command() -> Operator {
        Operator("glint admin command".into())
    }
}

/// Reports and the quarantine.
#[derive(Debug, Clone)]
pub struct ReportService {
    db: Db,
    images: ImageService,
}

impl ReportService {
    /// A service over the store; `images` decides who sees an image and keeps the clock.
    pub fn new(db: Db, images: ImageService) -> Self {
        ReportService { db, images }
    }

    /// Reports image `id` in `region` for the caller's account. `NotFound` for an image the
    /// caller may not see, `Forbidden` for its own image, `StateConflict` while the account
    /// already has an open report of it.
    #[tracing::instrument(skip(self, ctx, new), fields(account = %ctx.account_id))]
    pub async fn report(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
        new: NewReport,
    ) -> Result<ImageReport> {
        let image = self.images.get(ctx, region, id).await?;
        if image.owner.as_deref() == Some(ctx.account_id.as_str()) {
            return Err(Error::Forbidden(format!(
                "Image {id} belongs to your account; an account cannot report its own image."
            )));
        }
        let report = ImageReport {
            id: ReportId::random(&uuid::Uuid::new_v4().to_string()),
            image_id: image.id.clone(),
            region: image.region.clone(),
            image_name: image.name.clone(),
            reporter: Reporter {
                account: ctx.account_id.as_str().to_owned(),
                user_id: ctx.user_id.as_str().to_owned(),
                user_name: ctx.username.as_str().to_owned(),
            },
            reason: new.reason,
            comment: new.comment,
            status: ReportStatus::Open,
            created_at: self.images.clock().now(),
            resolution: None,
        };
        match reports::insert(&self.db, &report).await {
            Err(Error::Conflict { .. }) => Err(Error::StateConflict(format!(
                "Your account already reported image {id}; that report is open until the \
                 cloud's operators review it."
            ))),
            other => other.map(|()| report),
        }
    }

    /// The reports the caller's account made, newest first, in `status` (`None`: any).
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn own_reports(
        &self,
        ctx: &AuthContext,
        status: Option<ReportStatus>,
    ) -> Result<Vec<ImageReport>> {
        let filter = ReportFilter {
            status,
            reporter: Some(ctx.account_id.as_str()),
            limit: LIST_LIMIT,
        };
        let listed = reports::list(&self.db, &filter).await?;
        Ok(listed.into_iter().map(|l| l.report).collect())
    }

    /// Image `id` in `region` with its quarantine, for anyone who may see it (`NotFound`
    /// otherwise): how its producer and consumers read the operators' note.
    pub async fn quarantine_of(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
    ) -> Result<Image> {
        self.images.get(ctx, region, id).await
    }

    /// One of the reports the caller's account made (`NotFound` for any other).
    pub async fn own_report(&self, ctx: &AuthContext, id: &ReportId) -> Result<ImageReport> {
        match reports::get(&self.db, id).await? {
            Some(listed) if listed.report.reporter.account == ctx.account_id.as_str() => {
                Ok(listed.report)
            }
            _ => Err(Error::not_found(Kind::Report, id.as_str())),
        }
    }

    /// Every account's reports in `status` (`None`: any), newest first, with each image's
    /// trust report warnings.
    #[tracing::instrument(skip(self))]
    pub async fn for_operators(
        &self,
        _operator: &Operator,
        status: Option<ReportStatus>,
    ) -> Result<Vec<ReportForOperators>> {
        let filter = ReportFilter {
            status,
            reporter: None,
            limit: LIST_LIMIT,
        };
        let listed = reports::list(&self.db, &filter).await?;
        let mut found = Vec::with_capacity(listed.len());
        for listed in listed {
            let warnings = self.warnings(&listed.report.image_id).await?;
            found.push(ReportForOperators { listed, warnings });
        }
        Ok(found)
    }

    async fn warnings(&self, image: &ImageId) -> Result<Option<Vec<String>>> {
        let Some(stored) = trust_reports::get(&self.db, image).await? else {
            return Ok(None);
        };
        let Some(json) = stored.report else {
            return Ok(None);
        };
        let report: TrustReport = serde_json::from_str(&json)
            .map_err(|e| Error::Internal(format!("stored trust report: {e}")))?;
        Ok(Some(report.warnings()))
    }

    /// Dismisses the open report `id` with the operator's note.
    #[tracing::instrument(skip(self, note))]
    pub async fn dismiss(&self, operator: &Operator, id: &ReportId, note: &str) -> Result<()> {
        let resolution = self.resolution(operator, note)?;
        if reports::dismiss(&self.db, id, &resolution).await? {
            return Ok(());
        }
        match reports::get(&self.db, id).await? {
            None => Err(Error::not_found(Kind::Report, id.as_str())),
            Some(listed) => Err(Error::StateConflict(format!(
                "Report {id} is already {}; only an open report can be dismissed.",
                listed.report.status
            ))),
        }
    }

    /// Quarantines image `id` (in `region`, when given) with the operator's note.
    #[tracing::instrument(skip(self, note))]
    pub async fn quarantine(
        &self,
        operator: &Operator,
        region: Option<&RegionName>,
        id: &ImageId,
        note: &str,
    ) -> Result<Image> {
        let resolution = self.resolution(operator, note)?;
        let image = self.image(region, id).await?;
        if image.is_quarantined() {
            return Err(Error::StateConflict(format!(
                "Image {id} is already quarantined."
            )));
        }
        if !matches!(image.status, ImageStatus::Active | ImageStatus::Deactivated) {
            return Err(Error::StateConflict(format!(
                "Image {id} is {}: only an active or deactivated image can be quarantined.",
                image.status
            )));
        }
        if !reports::quarantine(&self.db, &image.id, &resolution).await? {
            return Err(changed_meanwhile(id));
        }
        self.image(region, id).await
    }

    /// Lifts the quarantine of image `id` (in `region`, when given): it is active again.
    #[tracing::instrument(skip(self))]
    pub async fn release(
        &self,
        _operator: &Operator,
        region: Option<&RegionName>,
        id: &ImageId,
    ) -> Result<Image> {
        let image = self.image(region, id).await?;
        if !image.is_quarantined() {
            return Err(Error::StateConflict(format!(
                "Image {id} is not quarantined."
            )));
        }
        if !reports::release(&self.db, &image.id, self.images.clock().now()).await? {
            return Err(changed_meanwhile(id));
        }
        self.image(region, id).await
    }

    fn resolution(&self, operator: &Operator, note: &str) -> Result<Resolution> {
        Ok(Resolution {
            at: self.images.clock().now(),
            by: operator.0.clone(),
            note: operator_note(note)?,
        })
    }

    async fn image(&self, region: Option<&RegionName>, id: &ImageId) -> Result<Image> {
        match images::get(&self.db, id.as_str()).await? {
            Some(image) if region.is_none_or(|r| r == &image.region) => Ok(image),
            _ => Err(Error::not_found(Kind::Image, id.as_str())),
        }
    }
}

fn changed_meanwhile(id: &ImageId) -> Error {
    Error::StateConflict(format!(
        "Image {id} changed while this request ran; try again."
    ))
}
