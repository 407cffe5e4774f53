//! The schema migrations, embedded in the binary: one folder per engine with the same file names
//! (a test checks they stay in lockstep), applied in order by sqlx's migrator.

use std::borrow::Cow;

use glint_core::{Error, Result};
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::Backend;

/// The migration file names, shared by both engines.
pub const MIGRATION_NAMES: &[&str] = &[
    "0001_identity.sql",
    "0002_images.sql",
    "0003_servers.sql",
    "0004_list_indexes.sql",
    "0005_trust_reports.sql",
    "0006_share_created_at.sql",
    "0007_sign_in_failures.sql",
    "0008_enabled_and_roles.sql",
    "0009_share_events.sql",
    "0010_webhooks.sql",
    "0011_retirement.sql",
    "0012_account_groups.sql",
    "0013_sharing_policies.sql",
    "0014_image_reports.sql",
    "0015_metadefs.sql",
    "0016_image_tasks.sql",
    "0017_image_stores.sql",
    "0019_task_regions.sql",
];

const SQLITE: &[&str] = &[
    include_str!("../../../migrations/sqlite/0001_identity.sql"),
    include_str!("../../../migrations/sqlite/0002_images.sql"),
    include_str!("../../../migrations/sqlite/0003_servers.sql"),
    include_str!("../../../migrations/sqlite/0004_list_indexes.sql"),
    include_str!("../../../migrations/sqlite/0005_trust_reports.sql"),
    include_str!("../../../migrations/sqlite/0006_share_created_at.sql"),
    include_str!("../../../migrations/sqlite/0007_sign_in_failures.sql"),
    include_str!("../../../migrations/sqlite/0008_enabled_and_roles.sql"),
    include_str!("../../../migrations/sqlite/0009_share_events.sql"),
    include_str!("../../../migrations/sqlite/0010_webhooks.sql"),
    include_str!("../../../migrations/sqlite/0011_retirement.sql"),
    include_str!("../../../migrations/sqlite/0012_account_groups.sql"),
    include_str!("../../../migrations/sqlite/0013_sharing_policies.sql"),
    include_str!("../../../migrations/sqlite/0014_image_reports.sql"),
    include_str!("../../../migrations/sqlite/0015_metadefs.sql"),
    include_str!("../../../migrations/sqlite/0016_image_tasks.sql"),
    include_str!("../../../migrations/sqlite/0017_image_stores.sql"),
    include_str!("../../../migrations/sqlite/0019_task_regions.sql"),
];
const POSTGRES: &[&str] = &[
    include_str!("../../../migrations/postgres/0001_identity.sql"),
    include_str!("../../../migrations/postgres/0002_images.sql"),
    include_str!("../../../migrations/postgres/0003_servers.sql"),
    include_str!("../../../migrations/postgres/0004_list_indexes.sql"),
    include_str!("../../../migrations/postgres/0005_trust_reports.sql"),
    include_str!("../../../migrations/postgres/0006_share_created_at.sql"),
    include_str!("../../../migrations/postgres/0007_sign_in_failures.sql"),
    include_str!("../../../migrations/postgres/0008_enabled_and_roles.sql"),
    include_str!("../../../migrations/postgres/0009_share_events.sql"),
    include_str!("../../../migrations/postgres/0010_webhooks.sql"),
    include_str!("../../../migrations/postgres/0011_retirement.sql"),
    include_str!("../../../migrations/postgres/0012_account_groups.sql"),
    include_str!("../../../migrations/postgres/0013_sharing_policies.sql"),
    include_str!("../../../migrations/postgres/0014_image_reports.sql"),
    include_str!("../../../migrations/postgres/0015_metadefs.sql"),
    include_str!("../../../migrations/postgres/0016_image_tasks.sql"),
    include_str!("../../../migrations/postgres/0017_image_stores.sql"),
    include_str!("../../../migrations/postgres/0019_task_regions.sql"),
];

/// A migration's version: the number its file name starts with (`0014_…` is 14), so that a
/// number left free for a migration written elsewhere keeps its place.
fn version_of(name: &str) -> Result<i64> {
    name.split('_')
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| Error::Internal(format!("migration {name} does not start with its number")))
}

/// Applies every migration not yet applied, on `conn` (a pool or one connection).
pub(crate) async fn run<'a, A>(conn: A, backend: Backend) -> Result<()>
where
    A: sqlx::Acquire<'a, Database = sqlx::Any>,
    <A::Connection as std::ops::Deref>::Target: sqlx::migrate::Migrate,
{
    let sources = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    let migrations = MIGRATION_NAMES
        .iter()
        .zip(sources)
        .map(|(name, sql)| {
            Ok(Migration::new(
                version_of(name)?,
                Cow::Borrowed(*name),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Migrator::with_migrations(migrations)
        .run(conn)
        .await
        .map_err(|e| Error::Internal(format!("migration failed: {e}")))
}
