//! Test support: `TestDb` gives each test its own fresh metadata store, a SQLite file in a temp
//! folder or a new PostgreSQL database on the server named by `GLINT_TEST_DATABASE_URL`, and
//! removes it afterwards. Never a mock: the same SQL runs as in production. `disk_images`
//! builds real disk images (ext4 trees, qcow2, partition tables) for the inspection tests;
//! `stored` writes the rows storage tests start from.

#![expect(clippy::expect_used, reason = "test support fails loudly by design")]

pub mod disk_images;
pub mod stored;

use glint_db::Db;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
use tempfile::TempDir;

/// The environment variable naming a PostgreSQL database the tests may create databases from.
pub const POSTGRES_ENV: &str = "GLINT_TEST_DATABASE_URL";
/// When set to 1, a missing `GLINT_TEST_DATABASE_URL` fails the PostgreSQL tests instead of
/// skipping them (the test command sets it, so CI can never silently skip PostgreSQL).
pub const REQUIRE_POSTGRES_ENV: &str = "GLINT_REQUIRE_POSTGRES";

/// A fresh store for one test.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[expect(dead_code, reason = "held for its Drop")] TempDir),
    Postgres { admin: AnyPool, name: String },
}

impl TestDb {
    /// A new SQLite store in a temp folder.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("glint.db").display()
        );
        let db = Db::connect(&url).await.expect("open SQLite");
        TestDb {
            db,
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A new PostgreSQL database, or `None` when no server is configured (and not required).
    pub async fn postgres() -> Option<TestDb> {
        let Ok(base) = std::env::var(POSTGRES_ENV) else {
            assert!(
                std::env::var(REQUIRE_POSTGRES_ENV).as_deref() != Ok("1"),
                "{REQUIRE_POSTGRES_ENV}=1 but {POSTGRES_ENV} is not set"
            );
            eprintln!("skipping: {POSTGRES_ENV} is not set");
            return None;
        };
        sqlx::any::install_default_drivers();
        let admin = AnyPoolOptions::new()
            .max_connections(2)
            .connect(&base)
            .await
            .expect("connect to the PostgreSQL test server");
        let name = format!("glint_t_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create test database");
        let url = match base.rfind('/') {
            Some(slash) => format!("{}/{name}", &base[..slash]),
            None => panic!("{POSTGRES_ENV} has no database name: {base}"),
        };
        let db = Db::connect(&url).await.expect("open PostgreSQL");
        Some(TestDb {
            db,
            url,
            cleanup: Cleanup::Postgres { admin, name },
        })
    }

    /// Closes the store and removes its database.
    pub async fn finish(self) {
        self.db.close().await;
        if let Cleanup::Postgres { admin, name } = self.cleanup {
            admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .await
                .expect("drop test database");
            admin.close().await;
        }
    }
}

/// Declares each listed `async fn(&Db)` in the calling module as two tests, `sqlite::NAME` and
/// `postgres::NAME`, so one storage suite runs on both engines.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let t = $crate::TestDb::sqlite().await;
                    super::$name(&t.db).await;
                    t.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(t) = $crate::TestDb::postgres().await else { return };
                    super::$name(&t.db).await;
                    t.finish().await;
                }
            )*
        }
    };
}
