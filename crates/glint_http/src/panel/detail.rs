//! Image Detail: an image's properties and, for the account's own images, the Image Sharing
//! table of consumers with their answers (Send reminder on pending ones: `reminders`; Share
//! Image and Remove: `sharing`). A
//! consumer looking at a shared image sees where it stands, and after a rejection is told to
//! ask the producer to share it again (the panel has no accept button for it). Owners and
//! consumers alike see the image's trust report.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use glint_app::ImageSource;
use glint_core::Role;
use glint_core::image::{Image, ImageMember, MemberStatus, Visibility};

use super::format;
use super::images::{PanelImagePath, label};
use super::reply::{Flash, PanelError, page};
use super::session::Session;
use super::trust::TrustView;
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
    properties: Vec<(&'static str, String)>,
    custom: Vec<(String, String)>,
    tags: Vec<String>,
    members: Vec<MemberRow>,
    /// The reminders' courtesy rules in words, when a row has Send reminder.
    reminder_rules: Option<String>,
    /// For a consumer: where its share stands, and what it can do.
    consumer_note: Option<String>,
    /// What Glint found inside the image.
    trust: Option<TrustView>,
    consumer_tone: &'static str,
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
    let shareable = image.visibility == Visibility::Shared;
    let (members, my_status) = sharing(&state, &session, &image, source).await?;
    let (note, tone) = consumer_note(&image, my_status);
    let trust = state
        .images
        .trust_report(&session.ctx, &image.region, &image.id)
        .await
        .ok()
        .map(|report| TrustView::new(&report));
    let flash = Flash::read(&headers);
    let shown = flash.is_some();
    let here = format!("/images/{}/{}", image.region, image.id);
    let (rows, reminder_rules) = member_rows(&state, &session, &here, &members);
    let view = DetailPage {
        chrome: Chrome::load(&state, &session, "Image Detail", "images", here.clone())
            .await?
            .with_flash(flash),
        id: image.id.to_string(),
        name: label(&image),
        region: image.region.to_string(),
        own,
        shareable,
        visibility: image.visibility.to_string(),
        status: format::image_status(image.status),
        status_tone: format::image_tone(image.status),
        properties: properties(&image),
        custom: image
            .properties
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        tags: image.tags.iter().cloned().collect(),
        members: rows,
        reminder_rules,
        consumer_note: note,
        consumer_tone: tone,
        trust,
    };
    Ok(page(&view, shown))
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

/// The Image Sharing rows, and the reminders' rules in words when a row may send one.
fn member_rows(
    state: &AppState,
    session: &Session,
    detail: &str,
    members: &[ImageMember],
) -> (Vec<MemberRow>, Option<String>) {
    let may_remind = session.ctx.role.implies(Role::Member);
    let rows: Vec<MemberRow> = members
        .iter()
        .map(|m| MemberRow::new(detail, m, may_remind))
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
        }
    }
}
