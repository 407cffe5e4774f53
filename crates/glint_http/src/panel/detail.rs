//! Image Detail: an image's properties and, for the account's own images, the Image Sharing
//! table of consumers with their answers and the groups of accounts it is shared with (Send reminder on pending ones: `reminders`; Remove,
//! now or on a day: `sharing`, `removals`), who uses the image (`usage`, also for the admin),
//! the impact of Delete and Deactivate, and the Deprecate form (`deprecation`). A consumer
//! looking at a shared image sees where it stands, when its access ends if that is scheduled,
//! and after a rejection is told to ask the producer to share it again (the panel has no accept
//! button for it), and what its sharing policy says of the image. Everyone who sees the image sees its deprecation and its trust report.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use glint_app::ImageSource;
use glint_core::Role;
use glint_core::image::usage::ImageUsage;
use glint_core::image::{Image, ImageMember, ImageStatus, MemberStatus, Visibility};

use super::deprecation::{self, DeprecateForm, DeprecationNote};
use super::format;
use super::group_sharing::GroupSharing;
use super::images::{PanelImagePath, label};
use super::policy_verdict::ConsumerPolicy;
use super::reply::{Flash, PanelError, page};
use super::reports::{ReasonChoice, quarantine_notice, reason_choices};
use super::session::Session;
use super::trust::TrustView;
use super::usage::{UsageView, image_impact, impact_of_consumer};
use super::views::Chrome;
use crate::paths::Typed;
use crate::router::AppState;

/// A consumer row of Image Sharing.
#[derive(Debug, Clone)]
pub(crate) struct MemberRow {
    pub account: String,
    pub status: &'static str,
    pub tone: &'static str,
    pub since: String,
    pub remove_url: String,
    /// Where Send reminder posts, on a pending share the caller's role may remind of.
    pub remind_url: Option<String>,
    pub rejected: bool,
    /// What removing it does to its servers (the confirmation's impact preview).
    pub remove_impact: String,
    /// The day its access ends, if its removal is scheduled.
    pub remove_at: Option<String>,
    pub schedule_url: String,
    pub cancel_url: String,
}

/// What only the owner and the admin see: who uses the image, and what Delete and Deactivate
/// would do to the servers built from it.
#[derive(Debug, Clone)]
pub(crate) struct OwnerView {
    pub usage: UsageView,
    pub delete_impact: String,
    pub deactivate_impact: String,
}

#[derive(Template)]
#[template(path = "image_detail.html")]
pub(crate) struct DetailPage {
    chrome: Chrome,
    id: String,
    name: String,
    region: String,
    own: bool,
    shareable: bool,
    visibility: String,
    status: String,
    status_tone: &'static str,
    /// Deactivate is offered for an active image, Reactivate for a deactivated one.
    active: bool,
    deactivated: bool,
    properties: Vec<(&'static str, String)>,
    custom: Vec<(String, String)>,
    tags: Vec<String>,
    members: Vec<MemberRow>,
    /// The groups of accounts the image is shared with, and the owner's other groups.
    groups: GroupSharing,
    /// The reminders' courtesy rules in words, when a row has Send reminder.
    reminder_rules: Option<String>,
    /// For a consumer: where its share stands, and what it can do.
    consumer_note: Option<String>,
    /// What Glint found inside the image.
    trust: Option<TrustView>,
    consumer_tone: &'static str,
    /// For a consumer: what its account's sharing policy says of the image.
    consumer_policy: Option<ConsumerPolicy>,
    /// For a consumer whose removal is scheduled: the day its access ends.
    access_ends: Option<String>,
    owner_view: Option<OwnerView>,
    deprecation: Option<DeprecationNote>,
    deprecate: Option<DeprecateForm>,
    /// The earliest day Remove on takes (tomorrow).
    earliest: String,
    /// The regions Copy to Region offers (none: no such action).
    copy_regions: Vec<String>,
    /// `Quarantined by the cloud's operators: NOTE`, for a quarantined image.
    quarantine: Option<String>,
    /// Display only: the admin may lift the quarantine here.
    may_release: bool,
    /// The Report Image form's reasons, for an image another account made.
    report_reasons: Option<Vec<ReasonChoice>>,
}

fn properties(image: &Image) -> Vec<(&'static str, String)> {
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    vec![
        ("Image ID", image.id.to_string()),
        ("Region", image.region.to_string()),
        ("Status", format::image_status(image.status)),
        ("Visibility", image.visibility.to_string()),
        ("Owner (account number)", or_dash(&image.owner)),
        ("Size", format::size(image.size)),
        ("Virtual size", format::size(image.virtual_size)),
        ("Disk format", or_dash(&image.disk_format)),
        ("Container format", or_dash(&image.container_format)),
        ("Minimum disk", format!("{} GB", image.min_disk)),
        ("Minimum RAM", format!("{} MB", image.min_ram)),
        (
            "Protected",
            if image.protected { "Yes" } else { "No" }.into(),
        ),
        ("Checksum (MD5)", or_dash(&image.checksum)),
        ("Created", format::time(image.created_at)),
        ("Updated", format::time(image.updated_at)),
    ]
}

fn consumer_note(image: &Image, status: Option<MemberStatus>) -> (Option<String>, &'static str) {
    let producer = image.owner.clone().unwrap_or_default();
    match status {
        Some(MemberStatus::Pending) => (
            Some("This image is shared with your account and waits for an answer: accept or reject it from the notification on Saved Images.".into()),
            "warn",
        ),
        Some(MemberStatus::Accepted) => (
            Some(format!("Account {producer} shared this image with your account and you accepted it. To drop it, use the gear menu's Remove Image on Saved Images.")),
            "info",
        ),
        Some(MemberStatus::Rejected) => (
            Some(format!("Your account rejected (or removed) this image, so it stays out of your image lists. To use it, ask the producer (account {producer}) to share it again: they remove your account from the image and add it back, and a new notification appears for you to accept.")),
            "bad",
        ),
        None => (None, "info"),
    }
}

/// `GET /images/{region}/{id}`.
pub(crate) async fn image_detail(
    State(state): State<AppState>,
    session: Session,
    Typed(p, _): PanelImagePath,
    headers: HeaderMap,
) -> Result<Response, PanelError> {
    let image = state.images.get(&session.ctx, &p.region, &p.image).await?;
    let source = ImageSource::of(&session.ctx, &image);
    let own = source == Some(ImageSource::Saved);
    let (members, my_status) = sharing(&state, &session, &image, source).await?;
    let (note, tone) = consumer_note(&image, my_status);
    let usage = if own || session.ctx.is_admin() {
        Some(
            state
                .images
                .usage(&session.ctx, &p.region, &p.image)
                .await?,
        )
    } else {
        None
    };
    let trust = state
        .images
        .trust_report(&session.ctx, &image.region, &image.id)
        .await
        .ok()
        .map(|report| TrustView::new(&report));
    let flash = Flash::read(&headers);
    let shown = flash.is_some();
    let here = format!("/images/{}/{}", image.region, image.id);
    let groups = GroupSharing::load(&state, &session, &image, own).await?;
    let (rows, reminder_rules) = member_rows(&state, &session, &here, &members, usage.as_ref());
    let now = state.images.clock().now();
    let view = DetailPage {
        chrome: Chrome::load(&state, &session, "Image Detail", "images", here.clone())
            .await?
            .with_flash(flash),
        id: image.id.to_string(),
        name: label(&image),
        region: image.region.to_string(),
        own,
        shareable: image.visibility == Visibility::Shared,
        visibility: image.visibility.to_string(),
        status: format::image_status(image.status),
        status_tone: format::image_tone(image.status),
        active: image.status == ImageStatus::Active,
        deactivated: image.status == ImageStatus::Deactivated,
        properties: properties(&image),
        custom: image
            .properties
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        tags: image.tags.iter().cloned().collect(),
        members: rows,
        groups,
        reminder_rules,
        consumer_note: note,
        consumer_tone: tone,
        consumer_policy: ConsumerPolicy::load(&state, &session.ctx, &image, my_status).await?,
        access_ends: access_ends(&state, &session, &image, my_status).await?,
        owner_view: usage.as_ref().map(OwnerView::new),
        deprecation: deprecation::note(&state, &session.ctx, &image).await?,
        deprecate: deprecate_form(&state, &session, &image, own).await?,
        earliest: format::day(now.plus_seconds(86_400)),
        copy_regions: super::region_copy::copy_targets(&session.ctx, &image, own),
        quarantine: quarantine_notice(&image),
        may_release: image.is_quarantined() && session.ctx.is_admin(),
        report_reasons: (!own && !session.ctx.is_admin()).then(reason_choices),
        trust,
    };
    Ok(page(&view, shown))
}

impl OwnerView {
    fn new(usage: &ImageUsage) -> OwnerView {
        OwnerView {
            usage: UsageView::new(usage),
            delete_impact: image_impact(usage, false),
            deactivate_impact: image_impact(usage, true),
        }
    }
}

/// For a consumer with a live share: the day its access ends, if the producer scheduled it.
async fn access_ends(
    state: &AppState,
    session: &Session,
    image: &Image,
    my_status: Option<MemberStatus>,
) -> Result<Option<String>, PanelError> {
    if my_status.is_none() {
        return Ok(None);
    }
    let me = session.ctx.account_id.as_str();
    let at = state
        .images
        .scheduled_removal(&session.ctx, &image.region, &image.id, me)
        .await?;
    Ok(at.map(format::day_or_time))
}

/// The owner's Deprecate form, offering its other images in the image's region.
async fn deprecate_form(
    state: &AppState,
    session: &Session,
    image: &Image,
    own: bool,
) -> Result<Option<DeprecateForm>, PanelError> {
    if !own {
        return Ok(None);
    }
    let region = std::slice::from_ref(&image.region);
    let saved = state.images.saved_images(&session.ctx, region).await?;
    let mine: Vec<Image> = saved
        .into_iter()
        .filter(|s| s.source == ImageSource::Saved)
        .map(|s| s.image)
        .collect();
    let now = state.images.clock().now();
    Ok(Some(DeprecateForm::new(image, &mine, now)))
}

/// The image's consumers, for its owner (when it is shareable), and the caller's own answer,
/// for a consumer.
async fn sharing(
    state: &AppState,
    session: &Session,
    image: &Image,
    source: Option<ImageSource>,
) -> Result<(Vec<ImageMember>, Option<MemberStatus>), PanelError> {
    let (ctx, region, id) = (&session.ctx, &image.region, &image.id);
    match source {
        Some(ImageSource::Saved) if image.visibility == Visibility::Shared => {
            Ok((state.images.list_members(ctx, region, id).await?, None))
        }
        Some(ImageSource::Shared) => {
            let me = ctx.account_id.as_str();
            let mine = state.images.get_member(ctx, region, id, me).await.ok();
            Ok((Vec::new(), mine.map(|m| m.status)))
        }
        _ => Ok((Vec::new(), None)),
    }
}

/// The Image Sharing rows, with each consumer's figures from the usage report, and the
/// reminders' rules in words when a row may send one.
fn member_rows(
    state: &AppState,
    session: &Session,
    detail: &str,
    members: &[ImageMember],
    usage: Option<&ImageUsage>,
) -> (Vec<MemberRow>, Option<String>) {
    let may_remind = session.ctx.role.implies(Role::Member);
    let rows: Vec<MemberRow> = members
        .iter()
        .map(|m| MemberRow::new(detail, m, may_remind).with_usage(usage))
        .collect();
    let rules = rows
        .iter()
        .any(|r| r.remind_url.is_some())
        .then(|| super::reminders::rules_text(&state.images.settings().reminders));
    (rows, rules)
}

impl MemberRow {
    /// The row of `member`; `may_remind` is display only (the service decides).
    fn new(detail: &str, member: &ImageMember, may_remind: bool) -> MemberRow {
        let consumer = format!("{detail}/consumers/{}", member.member_id);
        let pending = member.status == MemberStatus::Pending;
        MemberRow {
            account: member.member_id.clone(),
            status: format::member_status(member.status),
            tone: format::member_tone(member.status),
            since: format::time(member.updated_at),
            remove_url: format!("{consumer}/remove"),
            remind_url: (pending && may_remind).then(|| format!("{consumer}/remind")),
            rejected: member.status == MemberStatus::Rejected,
            remove_impact: String::new(),
            remove_at: None,
            schedule_url: format!("{consumer}/schedule-removal"),
            cancel_url: format!("{consumer}/cancel-removal"),
        }
    }

    /// The row with its consumer's figures and scheduled removal from `usage`.
    fn with_usage(mut self, usage: Option<&ImageUsage>) -> MemberRow {
        let Some(usage) = usage else {
            return self;
        };
        self.remove_impact = impact_of_consumer(usage, &self.account).unwrap_or_default();
        self.remove_at = usage
            .consumers
            .iter()
            .find(|c| c.share.account == self.account && !c.share.removed)
            .and_then(|c| c.share.remove_at)
            .map(format::day_or_time);
        self
    }
}
