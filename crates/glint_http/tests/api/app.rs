//! `TestApp`: the whole router over a fresh SQLite store, driven in-process (no ports, no sleeps),
//! with builders for regions, accounts and users, and a clock the test moves forward. It sends
//! requests as its `Client` (`spec::client`), which it dereferences to.

use std::time::Duration;

use glint_app::{
    AdminService, CatalogService, Clock, ComputeService, IdentityService, ImageService,
    ImageSettings, LockoutSettings, Stores, WebhookService, WebhookSettings,
};
use glint_core::Role;
use glint_http::{AppState, TrustedProxies, router};
use glint_testkit::TestDb;

pub use crate::spec::client::{Client, TestResponse, password_auth};

pub const BASE: &str = "http://glint.test";
pub const PASSWORD: &str = "correct horse";

pub struct TestApp {
    pub client: Client,
    pub admin: AdminService,
    pub images: ImageService,
    /// The webhook service; its worker runs only once a spec starts it (`webhooks.start()`).
    pub webhooks: WebhookService,
    pub db: glint_db::Db,
    pub blobs: tempfile::TempDir,
    /// The identity service's clock.
    pub clock: Clock,
    /// The image cache's folder, when the app has a cache.
    pub cache_dir: Option<tempfile::TempDir>,
    report_worker: tokio::task::JoinHandle<()>,
    cache_worker: Option<tokio::task::JoinHandle<()>>,
    _db: TestDb,
}

/// How a `TestApp` differs from the default one.
pub struct Setup {
    pub token_lifetime: Duration,
    /// The image stores' URL template; `None`: a temporary folder.
    pub store_url: Option<String>,
    pub image_settings: fn(&mut ImageSettings),
    pub lockout: LockoutSettings,
    pub trusted_proxies: TrustedProxies,
    pub webhooks: fn(&mut WebhookSettings),
    /// This node's image cache, in a temporary folder, holding at most this many bytes (its
    /// worker passes every 100 ms); `None`: no cache.
    pub image_cache: Option<u64>,
    /// Named stores in every region, each `(id, weight, is_default)`, in folders of their own
    /// under the temporary folder; none: one store per region.
    pub named_stores: &'static [(&'static str, i64, bool)],
}

impl Default for Setup {
    /// Tokens living 12 h, images in a temporary folder, the default lockout, no proxies,
    /// webhooks allowed on 127.0.0.1 with quick retries (`test_webhook_settings`).
    fn default() -> Self {
        Setup {
            token_lifetime: Duration::from_secs(43_200),
            store_url: None,
            image_settings: |_| {},
            lockout: LockoutSettings::default(),
            trusted_proxies: TrustedProxies::none(),
            webhooks: |_| {},
            image_cache: None,
            named_stores: &[],
        }
    }
}

/// The webhook service over `db` with the specs' settings changed by `tweak`.
fn webhook_service(
    db: &glint_db::Db,
    tweak: fn(&mut WebhookSettings),
    clock: &Clock,
) -> WebhookService {
    let mut settings = test_webhook_settings();
    tweak(&mut settings);
    WebhookService::new(db.clone(), settings)
        .expect("webhook service")
        .with_clock(clock.clone())
}

/// Webhooks as the specs run them: endpoints on 127.0.0.1 allowed, a look for work every
/// 20 ms, requests of at most 2 s, retries 100 ms apart doubling to 400 ms.
pub fn test_webhook_settings() -> WebhookSettings {
    WebhookSettings {
        node_id: "node-test".into(),
        networks: glint_core::network::WebhookNetworks::allowing(
            glint_core::network::parse_ranges(&["127.0.0.1/32"]).expect("range"),
        ),
        timeout: Duration::from_secs(2),
        retry: glint_core::webhook::RetryPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(400),
            give_up_after: Duration::from_secs(24 * 3600),
        },
        poll_interval: Duration::from_millis(20),
        max_endpoints: 20,
    }
}

impl TestApp {
    /// Regions DFW, IAD, LON; tokens living 12 h.
    pub async fn new() -> TestApp {
        TestApp::with(Setup::default()).await
    }

    /// The app set up as `setup` says, over SQLite.
    pub async fn with(setup: Setup) -> TestApp {
        TestApp::over(TestDb::sqlite().await, setup).await
    }

    /// The app set up as `setup` says, over a fresh PostgreSQL database when one is configured.
    pub async fn postgres_with(setup: Setup) -> Option<TestApp> {
        Some(TestApp::over(TestDb::postgres().await?, setup).await)
    }

    /// The app set up as `setup` says, on `engine`; `None` when that is PostgreSQL and none
    /// is configured.
    pub async fn on(engine: Engine, setup: Setup) -> Option<TestApp> {
        match engine {
            Engine::Sqlite => Some(TestApp::with(setup).await),
            Engine::Postgres => TestApp::postgres_with(setup).await,
        }
    }

    pub async fn with_token_lifetime(token_lifetime: Duration) -> TestApp {
        TestApp::with(Setup {
            token_lifetime,
            ..Setup::default()
        })
        .await
    }

    /// The app with its image settings changed by `tweak`.
    pub async fn with_image_settings(tweak: fn(&mut ImageSettings)) -> TestApp {
        TestApp::with(Setup {
            image_settings: tweak,
            ..Setup::default()
        })
        .await
    }

    /// The app with its image data in the S3-compatible store named by `GLINT_TEST_S3_URL`, when
    /// one is configured (`GLINT_REQUIRE_S3=1` makes its absence a failure).
    pub async fn on_s3() -> Option<TestApp> {
        let Ok(url) = std::env::var("GLINT_TEST_S3_URL") else {
            assert!(
                std::env::var("GLINT_REQUIRE_S3").as_deref() != Ok("1"),
                "GLINT_REQUIRE_S3=1 but GLINT_TEST_S3_URL is not set"
            );
            eprintln!("skipping: GLINT_TEST_S3_URL is not set");
            return None;
        };
        Some(
            TestApp::with(Setup {
                store_url: Some(url),
                ..Setup::default()
            })
            .await,
        )
    }

    /// The same app over a fresh PostgreSQL database, when one is configured.
    pub async fn postgres() -> Option<TestApp> {
        TestApp::postgres_with(Setup::default()).await
    }

    async fn over(db: TestDb, setup: Setup) -> TestApp {
        let admin = AdminService::new(db.db.clone());
        admin
            .bootstrap(
                &["DFW".into(), "IAD".into(), "LON".into()],
                Some(PASSWORD.into()),
            )
            .await
            .expect("bootstrap");
        let blobs = tempfile::tempdir().expect("blob folder");
        let template = setup
            .store_url
            .unwrap_or_else(|| format!("file://{}/{{region}}", blobs.path().display()));
        let stores = if setup.named_stores.is_empty() {
            Stores::new(template, Default::default())
        } else {
            let specs = setup
                .named_stores
                .iter()
                .map(|&(id, weight, is_default)| glint_app::StoreSpec {
                    id: id.into(),
                    url: format!("file://{}/{id}/{{region}}", blobs.path().display()),
                    description: format!("The {id} store"),
                    weight,
                    is_default,
                })
                .collect();
            Stores::named(specs).expect("named stores")
        };
        let mut settings = ImageSettings {
            limits: glint_core::image::ImageLimits {
                size_cap: 1 << 20,
                ..Default::default()
            },
            ..ImageSettings::default()
        };
        (setup.image_settings)(&mut settings);
        let clock = Clock::system();
        let mut images =
            ImageService::new(db.db.clone(), stores.clone(), settings).with_clock(clock.clone());
        let cache_dir = setup
            .image_cache
            .map(|_| tempfile::tempdir().expect("cache folder"));
        if let (Some(dir), Some(max_size)) = (&cache_dir, setup.image_cache) {
            let cache = glint_app::DiskCache::open(dir.path().to_path_buf(), max_size)
                .await
                .expect("image cache");
            images = images.with_cache(cache, Duration::from_millis(100));
        }
        let report_worker = images.start_trust_reports();
        let cache_worker = images.start_cache_worker();
        let ops =
            glint_http::Ops::new(glint_app::HealthService::new(db.db.clone(), stores.clone()));
        let compute = ComputeService::new(
            db.db.clone(),
            stores,
            images.clone(),
            glint_app::compute::default_flavors(),
        );
        let identity = IdentityService::new(db.db.clone(), setup.token_lifetime)
            .with_lockout(setup.lockout)
            .with_clock(clock.clone());
        let webhooks = webhook_service(&db.db, setup.webhooks, &clock);
        let state = AppState::new(glint_http::Services {
            identity,
            images: images.clone(),
            compute,
            events: glint_app::EventService::new(db.db.clone()),
            webhooks: webhooks.clone(),
            groups: glint_app::GroupService::new(
                db.db.clone(),
                images.settings().limits.member_quota,
            )
            .with_clock(clock.clone()),
            reports: glint_app::ReportService::new(db.db.clone(), images.clone()),
            metadefs: glint_app::MetadefService::new(db.db.clone()),
            catalog: CatalogService::new(BASE),
            trusted_proxies: setup.trusted_proxies,
            ops,
        });
        TestApp {
            client: Client {
                router: router(state),
            },
            admin,
            images,
            webhooks,
            db: db.db.clone(),
            blobs,
            clock,
            cache_dir,
            report_worker,
            cache_worker,
            _db: db,
        }
    }

    /// The app with its trust report worker stopped, so that tests drive reports by hand
    /// (`images.write_next_report()`).
    pub fn without_report_worker(self) -> TestApp {
        self.report_worker.abort();
        self
    }

    /// Creates an account with the given number and regions.
    pub async fn account(&self, name: &str, number: &str, regions: &[&str]) {
        let regions: Vec<String> = regions.iter().map(|r| r.to_string()).collect();
        self.admin
            .create_account(name, Some(number), Some(&regions))
            .await
            .expect("create account");
    }

    /// Creates a user with `PASSWORD`.
    pub async fn user(&self, name: &str, account: &str, role: Role) {
        self.admin
            .create_user(name, account, role, PASSWORD.into())
            .await
            .expect("create user");
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(worker) = &self.cache_worker {
            worker.abort();
        }
    }
}

impl std::ops::Deref for TestApp {
    type Target = Client;

    /// The app answers requests as its `Client` sends them.
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// The store a spec declared with `on_both_engines!` runs on.
#[derive(Debug, Clone, Copy)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Declares each spec once and runs it on both engines.
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::app::Engine::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::app::Engine::Postgres).await;
                }
            )*
        }
    };
}
pub(crate) use on_both_engines;
