//! A browser for the panel specs: a cookie jar over the in-process router (with an optional
//! client address, as a server recording peers would see it), form posts with or without the
//! CSRF token, and a router whose public URL is https.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use glint_core::Role;

use crate::app::{Client, PASSWORD, TestApp};
use crate::spec::Actor;

/// A page as the browser gets it.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

fn encode(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A browser: a cookie jar and, optionally, the client address the server sees.
pub struct Browser<'a> {
    router: &'a axum::Router,
    pub jar: BTreeMap<String, String>,
    pub address: Option<SocketAddr>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Browser<'a> {
        Browser::on(&app.router)
    }

    pub fn on(router: &'a axum::Router) -> Browser<'a> {
        Browser {
            router,
            jar: BTreeMap::new(),
            address: None,
        }
    }

    pub fn csrf(&self) -> String {
        self.jar.get("glint_csrf").cloned().unwrap_or_default()
    }

    pub async fn send(&mut self, mut request: Request<Body>) -> Page {
        let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !cookies.is_empty() {
            let value = cookies.join("; ").parse().expect("cookie header");
            request.headers_mut().insert(header::COOKIE, value);
        }
        if let Some(address) = self.address {
            request.extensions_mut().insert(ConnectInfo(address));
        }
        let client = Client {
            router: self.router.clone(),
        };
        let (status, headers, bytes) = client.exchange(request).await;
        for value in headers.get_all(header::SET_COOKIE) {
            let text = value.to_str().expect("cookie");
            let pair = text.split(';').next().expect("pair");
            let (name, value) = pair.split_once('=').expect("name=value");
            if value.is_empty() || text.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = Request::get(path).body(Body::empty()).expect("request");
        self.send(request).await
    }

    /// A plain form post; `csrf` adds the browser's token as the form field.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)], csrf: bool) -> Page {
        let token = self.csrf();
        let mut all = fields.to_vec();
        if csrf {
            all.push(("csrf", &token));
        }
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(encode(&all)))
            .expect("request");
        self.send(request).await
    }

    pub async fn sign_in_as(&mut self, user: &str, password: &str, account: &str) -> Page {
        self.get("/sign-in").await;
        let fields = [
            ("username", user),
            ("password", password),
            ("account", account),
        ];
        self.post("/sign-in", &fields, true).await
    }

    pub async fn signed_in(app: &'a TestApp, user: &str, account: &str) -> Browser<'a> {
        let mut browser = Browser::new(app);
        let page = browser.sign_in_as(user, PASSWORD, account).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        browser
    }

    /// A browser signed in as the actor's user, in the actor's account.
    pub async fn of(app: &'a TestApp, actor: &Actor) -> Browser<'a> {
        Browser::signed_in(app, &actor.user, &actor.account).await
    }
}

/// The whole router with a public URL on https, over a fresh store with account acme
/// (alice, member).
pub async fn https_router() -> (axum::Router, glint_testkit::TestDb, tempfile::TempDir) {
    use glint_app::{
        AdminService, CatalogService, ComputeService, IdentityService, ImageService, Stores,
    };
    let db = glint_testkit::TestDb::sqlite().await;
    let admin = AdminService::new(db.db.clone());
    admin
        .bootstrap(&["DFW".into()], Some(PASSWORD.into()))
        .await
        .expect("bootstrap");
    admin
        .create_account("acme", Some("554433"), Some(&["DFW".to_owned()]))
        .await
        .expect("account");
    admin
        .create_user("alice", "acme", Role::Member, PASSWORD.into())
        .await
        .expect("user");
    let blobs = tempfile::tempdir().expect("blob folder");
    let stores = Stores::new(
        format!("file://{}/{{region}}", blobs.path().display()),
        Default::default(),
    );
    let images = ImageService::new(db.db.clone(), stores.clone(), Default::default());
    let ops = glint_http::Ops::new(glint_app::HealthService::new(db.db.clone(), stores.clone()));
    let compute = ComputeService::new(db.db.clone(), stores, images.clone(), Vec::new());
    let groups = glint_app::GroupService::new(db.db.clone(), images.settings().limits.member_quota);
    let reports = glint_app::ReportService::new(db.db.clone(), images.clone());
    let state = glint_http::AppState::new(glint_http::Services {
        identity: IdentityService::new(db.db.clone(), std::time::Duration::from_secs(3600)),
        images,
        reports,
        metadefs: glint_app::MetadefService::new(db.db.clone()),
        compute,
        events: glint_app::EventService::new(db.db.clone()),
        webhooks: glint_app::WebhookService::new(db.db.clone(), Default::default())
            .expect("webhook service"),
        groups,
        catalog: CatalogService::new("https://panel.example.com"),
        trusted_proxies: glint_http::TrustedProxies::none(),
        ops,
    });
    (glint_http::router(state), db, blobs)
}
