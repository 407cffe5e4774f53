//! Create Server and Server List, over `ComputeService`: the region dropdown offers only the
//! account's regions; the image selector groups Standard Images and Saved Images (My Images,
//! Shared Images), with the pending-share notification of that region at its top, and says
//! which images are deprecated (an obsolete one cannot be chosen), which shares end soon, and
//! which shares the enforced sharing policy refuses (they cannot be chosen either).
//! Server List marks the servers built from deprecated images and can show only those.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use glint_app::{ImageSource, NewServer, ServerFilter};
use glint_core::compute::Server;
use glint_core::image::{Image, ImageId, ImageStatus};
use glint_core::{AuthContext, RegionName, Timestamp};
use serde::Deserialize;

use super::deprecation::{self, DeprecationNote};
use super::images::RegionQuery;
use super::reply::{Flash, PanelError, Reply, page};
use super::session::Session;
use super::views::{Chrome, Pending, RegionOption, Selection, region_options};
use super::{format, policy_verdict};
use crate::paths::{RegionItemPath, Typed, region};
use crate::router::AppState;

/// A row of Server List.
#[derive(Debug, Clone)]
pub(crate) struct ServerRow {
    pub name: String,
    pub image: String,
    pub flavor: String,
    pub status: String,
    pub tone: &'static str,
    pub region: String,
    pub created: String,
    pub delete_url: String,
    /// `Deprecated: use NAME…`, when the server's image is deprecated.
    pub deprecation: Option<String>,
}

#[derive(Template)]
#[template(path = "servers.html")]
pub(crate) struct ServersPage {
    chrome: Chrome,
    rows: Vec<ServerRow>,
    create_url: String,
    /// Showing only the servers built from deprecated images.
    only_deprecated: bool,
    /// How many of the selection's servers are built from deprecated images.
    on_deprecated: usize,
    /// This selection with and without that filter.
    all_url: String,
    deprecated_url: String,
}

/// `?region=&deprecated=1` of Server List.
#[derive(Debug, Deserialize)]
pub(crate) struct ServerListQuery {
    region: Option<String>,
    deprecated: Option<String>,
}

/// An image the selector offers.
#[derive(Debug, Clone)]
pub(crate) struct ImageChoice {
    pub id: String,
    pub name: String,
    pub detail: String,
    /// `Deprecated: use NAME…`, when its owner deprecated it.
    pub deprecation: Option<String>,
    /// Obsolete, or refused by the enforced sharing policy: it boots no new servers, so it
    /// cannot be chosen.
    pub disabled: bool,
    /// Why the enforced sharing policy refuses it.
    pub refusal: Option<String>,
}

/// A flavor the form offers.
#[derive(Debug, Clone)]
pub(crate) struct FlavorChoice {
    pub id: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "create_server.html")]
pub(crate) struct CreateServerPage {
    chrome: Chrome,
    regions: Vec<RegionOption>,
    pending: Pending,
    standard: Vec<ImageChoice>,
    mine: Vec<ImageChoice>,
    shared: Vec<ImageChoice>,
    flavors: Vec<FlavorChoice>,
}

async fn server_row(
    state: &AppState,
    session: &Session,
    server: &Server,
    deprecation: Option<&String>,
) -> ServerRow {
    let image = state
        .images
        .get(&session.ctx, &server.region, &server.image_id)
        .await
        .map(|i| format::name(i.name.as_deref()))
        .unwrap_or_else(|_| format!("{} (no longer available)", server.image_id));
    let flavor = state
        .compute
        .flavor(&server.flavor_id)
        .map(|f| f.name.clone())
        .unwrap_or_else(|_| server.flavor_id.clone());
    ServerRow {
        name: server.name.clone(),
        image,
        flavor,
        status: format::server_status(server.status),
        tone: format::server_tone(server.status),
        region: server.region.to_string(),
        created: format::time(server.created_at),
        delete_url: format!("/servers/{}/{}/delete", server.region, server.id),
        deprecation: deprecation.cloned(),
    }
}

/// `GET /servers?region=&deprecated=1`: Server List (with `deprecated`, only the servers built
/// from deprecated images).
pub(crate) async fn server_list(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ServerListQuery>,
    headers: HeaderMap,
) -> Result<Response, PanelError> {
    let selection = Selection::parse(&session, q.region.as_deref());
    let only_deprecated = q.deprecated.is_some_and(|d| !d.is_empty() && d != "0");
    let deprecated = servers_on_deprecated(&state, &session).await?;
    let (mut rows, mut on_deprecated) = (Vec::new(), 0);
    for region in selection.regions(&session) {
        let servers = state
            .compute
            .list(&session.ctx, &region, &ServerFilter::default())
            .await?;
        for server in &servers {
            let note = deprecated.get(&server.id);
            on_deprecated += usize::from(note.is_some());
            if note.is_some() || !only_deprecated {
                rows.push(server_row(&state, &session, server, note).await);
            }
        }
    }
    let flash = Flash::read(&headers);
    let shown = flash.is_some();
    let create_url = match &selection {
        Selection::One(r) => format!("/servers/new?region={r}"),
        Selection::All => "/servers/new".into(),
    };
    let all_url = format!("/servers?region={}", selection.value());
    let here = if only_deprecated {
        format!("{all_url}&deprecated=1")
    } else {
        all_url.clone()
    };
    let view = ServersPage {
        chrome: Chrome::load(&state, &session, "Server List", "servers", here)
            .await?
            .with_selector(&session, &selection)
            .with_flash(flash),
        rows,
        create_url,
        only_deprecated,
        on_deprecated,
        deprecated_url: format!("{all_url}&deprecated=1"),
        all_url,
    };
    Ok(page(&view, shown))
}

/// The account's servers built from deprecated images, each with its image's notice.
async fn servers_on_deprecated(
    state: &AppState,
    session: &Session,
) -> Result<HashMap<String, String>, PanelError> {
    let now = state.images.clock().now();
    let found = state.compute.on_deprecated_images(&session.ctx).await?;
    Ok(found
        .iter()
        .map(|f| {
            let name = f.replacement_name.as_deref();
            let text = deprecation::words(&f.deprecation, name, now);
            (f.server.id.clone(), text)
        })
        .collect())
}

/// What the selector knows of an image's retirement: its deprecation, and for a share the day
/// the account's access ends.
struct Retiring<'a> {
    notes: &'a HashMap<ImageId, DeprecationNote>,
    removals: &'a BTreeMap<ImageId, Timestamp>,
    /// The shares the enforced sharing policy keeps from booting, with why.
    refused: &'a HashMap<ImageId, String>,
}

fn choice(image: &Image, show_producer: bool, retiring: &Retiring<'_>) -> ImageChoice {
    let mut detail = vec![format::size(image.size)];
    detail.extend(image.disk_format.clone());
    if show_producer && let Some(owner) = &image.owner {
        detail.push(format!("from account {owner}"));
    }
    if show_producer && let Some(at) = retiring.removals.get(&image.id) {
        detail.push(format!("your access ends on {}", format::day_or_time(*at)));
    }
    let note = retiring.notes.get(&image.id);
    let refusal = retiring.refused.get(&image.id).cloned();
    ImageChoice {
        id: image.id.to_string(),
        name: format::name(image.name.as_deref()),
        detail: detail.join(" · "),
        deprecation: note.map(|n| n.text.clone()),
        disabled: note.is_some_and(|n| n.obsolete) || refusal.is_some(),
        refusal,
    }
}

/// `GET /servers/new?region=`: Create Server.
pub(crate) async fn create_server_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<RegionQuery>,
    headers: HeaderMap,
) -> Result<Response, PanelError> {
    let region = q
        .region
        .as_deref()
        .and_then(|r| session.region(r))
        .or_else(|| session.regions().first().cloned());
    let regions: Vec<RegionName> = region.iter().cloned().collect();
    let ctx = &session.ctx;
    let (standard, mine, shared) = match &region {
        Some(r) => bootable_images(&state, ctx, r).await?,
        None => Default::default(),
    };
    let pending = Pending::load(&state, &session, &regions).await?;
    let flash = Flash::read(&headers);
    let shown = flash.is_some();
    let value = region.as_ref().map(|r| r.to_string()).unwrap_or_default();
    let view = CreateServerPage {
        chrome: Chrome::load(
            &state,
            &session,
            "Create Server",
            "create",
            format!("/servers/new?region={value}"),
        )
        .await?
        .with_flash(flash),
        regions: region_options(&session, &value, false),
        pending,
        standard,
        mine,
        shared,
        flavors: state
            .compute
            .flavors()
            .iter()
            .map(|f| FlavorChoice {
                id: f.id.clone(),
                label: format!(
                    "{} — {} vCPU, {} MB RAM, {} GB disk",
                    f.name, f.vcpus, f.ram, f.disk
                ),
            })
            .collect(),
    };
    Ok(page(&view, shown))
}

/// The active images a server can be built from in `region`: standard images, the account's
/// own, and those shared with it (with their producer shown).
async fn bootable_images(
    state: &AppState,
    ctx: &AuthContext,
    region: &RegionName,
) -> Result<(Vec<ImageChoice>, Vec<ImageChoice>, Vec<ImageChoice>), PanelError> {
    let standard = state.images.standard_images(ctx, region).await?;
    let (mut mine, mut shared) = (Vec::new(), Vec::new());
    let saved = state
        .images
        .saved_images(ctx, std::slice::from_ref(region))
        .await?;
    for saved in saved {
        match saved.source {
            ImageSource::Saved => mine.push(saved.image),
            ImageSource::Shared => shared.push(saved.image),
        }
    }
    let active = |list: Vec<Image>| -> Vec<Image> {
        let mut list = list;
        list.retain(|i| i.status == ImageStatus::Active);
        list
    };
    let (standard, mine, shared) = (active(standard), active(mine), active(shared));
    let every: Vec<&Image> = standard.iter().chain(&mine).chain(&shared).collect();
    let notes = deprecation::notes(state, ctx, &every).await?;
    let removals = state.images.scheduled_removals(ctx).await?;
    let refused = if shared.is_empty() {
        HashMap::new()
    } else {
        policy_verdict::refused_boots(state, ctx).await?
    };
    let retiring = Retiring {
        notes: &notes,
        removals: &removals,
        refused: &refused,
    };
    let bootable = |list: &[Image], show_producer: bool| -> Vec<ImageChoice> {
        list.iter()
            .map(|i| choice(i, show_producer, &retiring))
            .collect()
    };
    Ok((
        bootable(&standard, false),
        bootable(&mine, false),
        bootable(&shared, true),
    ))
}

/// The Create Server form.
#[derive(Debug, Deserialize)]
pub(crate) struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    image: String,
    #[serde(default)]
    flavor: String,
}

/// `POST /servers`: builds the server, then goes to Server List.
pub(crate) async fn create_server(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Form(form): Form<CreateForm>,
) -> Response {
    let back = format!("/servers/new?region={}", form.region);
    let region = match region(&form.region) {
        Ok(region) => region,
        Err(e) => return reply.failed(&e, &back),
    };
    let new = NewServer {
        name: form.name.trim().to_owned(),
        image_ref: form.image,
        flavor_ref: form.flavor,
        networks: "none".into(),
    };
    match state.compute.create(&session.ctx, &region, new).await {
        Ok(server) => reply.done(
            &format!("/servers?region={}", server.region),
            Flash::ok(format!(
                "Server {} is being built in {}.",
                server.name, server.region
            )),
        ),
        Err(e) => reply.failed(&e, &back),
    }
}

/// `POST /servers/{region}/{id}/delete`.
pub(crate) async fn delete_server(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): Typed<RegionItemPath, PanelError>,
) -> Response {
    let back = format!("/servers?region={}", p.region);
    let region = p.region;
    let name = state
        .compute
        .get(&session.ctx, &region, &p.id)
        .await
        .map(|s| s.name)
        .unwrap_or_else(|_| p.id.clone());
    match state.compute.delete(&session.ctx, &region, &p.id).await {
        Ok(()) => reply.done(&back, Flash::ok(format!("Server {name} was deleted."))),
        Err(e) => reply.failed(&e, &back),
    }
}
