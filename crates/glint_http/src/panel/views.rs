//! What the templates show: the page frame (`Chrome`: top bar, the bell with the unread count,
//! region selector, Account menu, flash message) and the rows built from service results.
//! Every string reaches HTML through askama's escaping; nothing here is marked safe.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use glint_core::image::{Image, ImageId};
use glint_core::{RegionName, Role, Timestamp};

use super::deprecation::DeprecationNote;
use super::format;
use super::policy_verdict::{VerdictView, verdict_of};
use super::reply::{Flash, PanelError};
use super::session::Session;
use super::trust::TrustView;
use crate::router::AppState;

/// The label of the selector's every-region choice.
pub(crate) const ALL_REGIONS: &str = "All Regions (Global)";
/// Its value in query strings.
pub(crate) const ALL: &str = "ALL";

/// Which regions a page shows: all of the account's, or one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Selection {
    All,
    One(RegionName),
}

impl Selection {
    /// The selection a query asks for; anything the account may not use means all regions.
    pub fn parse(session: &Session, raw: Option<&str>) -> Selection {
        raw.and_then(|r| session.region(r))
            .map_or(Selection::All, Selection::One)
    }

    /// The regions it covers.
    pub fn regions(&self, session: &Session) -> Vec<RegionName> {
        match self {
            Selection::All => session.regions().to_vec(),
            Selection::One(r) => vec![r.clone()],
        }
    }

    /// Its value in query strings.
    pub fn value(&self) -> String {
        match self {
            Selection::All => ALL.into(),
            Selection::One(r) => r.to_string(),
        }
    }
}

/// One choice of a dropdown (regions, disk formats).
#[derive(Debug, Clone)]
pub(crate) struct RegionOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The account's regions as dropdown choices, optionally led by All Regions (Global).
pub(crate) fn region_options(
    session: &Session,
    selected: &str,
    with_all: bool,
) -> Vec<RegionOption> {
    let all = with_all.then(|| RegionOption {
        value: ALL.into(),
        label: ALL_REGIONS.into(),
        selected: selected == ALL,
    });
    all.into_iter()
        .chain(session.regions().iter().map(|r| RegionOption {
            value: r.to_string(),
            label: r.to_string(),
            selected: r.as_str() == selected,
        }))
        .collect()
}

/// The top bar's bell: how many of the user's notifications it has not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bell {
    /// The badge's text: `None` when nothing is unread, "99+" past 99.
    pub count: Option<String>,
    /// What a screen reader says for it.
    pub label: String,
}

impl Bell {
    /// The bell for `unread` notifications, as `EventService::unread` counts them (up to its cap).
    pub fn new(unread: u32) -> Bell {
        let count = match unread {
            0 => None,
            n if n > 99 => Some("99+".to_owned()),
            n => Some(n.to_string()),
        };
        let label = match &count {
            None => "Notifications: none unread".to_owned(),
            Some(n) => format!("Notifications: {n} unread"),
        };
        Bell { count, label }
    }
}

/// The frame of every signed-in page.
#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    pub title: String,
    /// Which top-bar entry is current: `images`, `servers`, `create`, `account`, `webhooks`, `groups`,
    /// `policy` (Sharing policy) or `notifications` (the bell).
    pub nav: &'static str,
    pub bell: Bell,
    pub account_name: String,
    pub account_number: String,
    pub username: String,
    /// The user's initial, for the Account menu's badge.
    pub initial: String,
    pub role: String,
    pub csrf: String,
    /// The top bar's region selector; empty when the page has none.
    pub selector: Vec<RegionOption>,
    pub flash: Option<Flash>,
    /// This page's path and query, for forms that come back here.
    pub here: String,
}

impl Chrome {
    /// The frame of a page for `session`, with the bell's count (one count query per page).
    pub async fn load(
        state: &AppState,
        session: &Session,
        title: &str,
        nav: &'static str,
        here: String,
    ) -> Result<Chrome, PanelError> {
        let unread = state.events.unread(&session.ctx).await?;
        Ok(Chrome::new(session, title, nav, here, Bell::new(unread)))
    }

    fn new(session: &Session, title: &str, nav: &'static str, here: String, bell: Bell) -> Chrome {
        Chrome {
            title: title.into(),
            nav,
            bell,
            account_name: session.ctx.account_name.to_string(),
            account_number: session.ctx.account_id.to_string(),
            username: session.ctx.username.to_string(),
            initial: session
                .ctx
                .username
                .as_str()
                .chars()
                .next()
                .map(|c| c.to_uppercase().to_string())
                .unwrap_or_default(),
            role: session.ctx.role.to_string(),
            csrf: session.csrf.clone(),
            selector: Vec::new(),
            flash: None,
            here,
        }
    }

    pub fn with_selector(mut self, session: &Session, selection: &Selection) -> Chrome {
        self.selector = region_options(session, &selection.value(), true);
        self
    }

    pub fn with_flash(mut self, flash: Option<Flash>) -> Chrome {
        self.flash = flash;
        self
    }
}

/// A pending share, as its notification dialog shows it.
#[derive(Debug, Clone)]
pub(crate) struct PendingView {
    pub id: String,
    pub name: String,
    pub producer: String,
    pub region: String,
    pub size: String,
    pub created: String,
    pub accept_url: String,
    pub reject_url: String,
    /// Where a manager's Accept anyway (override) posts.
    pub override_url: String,
    /// The account's sharing policy's verdict, when it has an active one.
    pub policy: Option<VerdictView>,
    /// What Glint found inside the image, warnings first.
    pub trust: TrustView,
    /// `Deprecated: use NAME…`, when the producer deprecated it.
    pub deprecation: Option<String>,
}

impl PendingView {
    /// The enforced policy refuses it: Accept becomes a manager's override.
    pub fn blocked(&self) -> bool {
        self.policy.as_ref().is_some_and(|v| v.blocked)
    }
}

/// The pending-share notification and its dialogs.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub items: Vec<PendingView>,
    /// Display only: whether the user's role lets it answer (the service decides).
    pub can_decide: bool,
}

impl Pending {
    /// The shares waiting for the account's answer in `regions`, with their trust reports and
    /// deprecations.
    pub async fn load(
        state: &AppState,
        session: &Session,
        regions: &[RegionName],
    ) -> Result<Pending, PanelError> {
        let ctx = &session.ctx;
        let pending = super::trust::pending_with_reports(state, ctx, regions).await?;
        let images: Vec<&Image> = pending.iter().map(|(i, _)| i).collect();
        let notes = super::deprecation::notes(state, ctx, &images).await?;
        let mut verdicts = Vec::with_capacity(pending.len());
        for (image, _) in &pending {
            verdicts.push(verdict_of(state, ctx, image).await?);
        }
        Ok(Pending::new(session, pending, verdicts, &notes))
    }

    fn new(
        session: &Session,
        images: Vec<(Image, TrustView)>,
        verdicts: Vec<Option<VerdictView>>,
        notes: &HashMap<ImageId, DeprecationNote>,
    ) -> Pending {
        let items = images
            .into_iter()
            .zip(verdicts)
            .map(|((i, trust), policy)| {
                let base = format!("/shares/{}/{}", i.region, i.id);
                PendingView {
                    id: i.id.to_string(),
                    name: format::name(i.name.as_deref()),
                    producer: i.owner.clone().unwrap_or_default(),
                    region: i.region.to_string(),
                    size: format::size(i.size),
                    created: format::time(i.created_at),
                    accept_url: format!("{base}/accept"),
                    reject_url: format!("{base}/reject"),
                    override_url: format!("{base}/override"),
                    policy,
                    deprecation: notes.get(&i.id).map(|n| n.text.clone()),
                    trust,
                }
            })
            .collect();
        Pending {
            items,
            can_decide: session.ctx.role.implies(Role::Manager),
        }
    }
}

/// A row of Saved Images.
#[derive(Debug, Clone)]
pub(crate) struct ImageRow {
    pub id: String,
    pub name: String,
    pub region: String,
    pub source: &'static str,
    pub own: bool,
    pub status: String,
    pub status_tone: &'static str,
    pub size: String,
    pub created: String,
    pub producer: String,
    pub visibility: String,
    pub shareable: bool,
    pub detail_url: String,
    /// `Deprecated: use NAME…`, when its owner deprecated it.
    pub deprecation: Option<String>,
    /// For a shared image whose removal is scheduled: the day the account's access ends.
    pub access_ends: Option<String>,
}

impl ImageRow {
    pub fn new(image: &Image, source: glint_app::ImageSource) -> ImageRow {
        ImageRow {
            id: image.id.to_string(),
            name: format::name(image.name.as_deref()),
            region: image.region.to_string(),
            source: format::source(source),
            own: source == glint_app::ImageSource::Saved,
            status: format::image_status(image.status),
            status_tone: format::image_tone(image.status),
            size: format::size(image.size),
            created: format::time(image.created_at),
            producer: image.owner.clone().unwrap_or_default(),
            visibility: image.visibility.to_string(),
            shareable: image.visibility == glint_core::image::Visibility::Shared,
            detail_url: format!("/images/{}/{}", image.region, image.id),
            deprecation: None,
            access_ends: None,
        }
    }

    /// The row with its deprecation notice and, for a share, the end of the account's access.
    pub fn with_retirement(
        mut self,
        notes: &HashMap<ImageId, DeprecationNote>,
        removals: &BTreeMap<ImageId, Timestamp>,
        id: &ImageId,
    ) -> ImageRow {
        self.deprecation = notes.get(id).map(|n| n.text.clone());
        if !self.own {
            self.access_ends = removals.get(id).map(|at| format::day_or_time(*at));
        }
        self
    }
}

/// The sign-in page.
#[derive(Template)]
#[template(path = "sign_in.html")]
pub(crate) struct SignInPage {
    pub csrf: String,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub username: String,
    pub account: String,
}

/// A page for a failure that ends a request.
#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage<'a> {
    pub status: u16,
    pub reason: &'a str,
    pub message: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bell_shows_no_zero_and_stops_at_99_plus() {
        assert_eq!(Bell::new(0).count, None);
        assert_eq!(Bell::new(0).label, "Notifications: none unread");
        assert_eq!(Bell::new(1).count.as_deref(), Some("1"));
        assert_eq!(Bell::new(99).count.as_deref(), Some("99"));
        let capped = Bell::new(glint_app::events::UNREAD_CAP);
        assert_eq!(capped.count.as_deref(), Some("99+"));
        assert_eq!(capped.label, "Notifications: 99+ unread");
    }
}
