//! Resource types and namespaces' associations with them, in the store. A resource type is
//! created with the first association that names it, as Glance does.

use glint_core::metadef::{Association, AssociationFields, ResourceType, duplicate};
use glint_core::{Error, Result, Timestamp};

use super::contents::{stamp, unnameable};
use super::{association_row, insert_rows};
use crate::Db;
use crate::sql::{self, Row, Value};

pub(crate) const TYPE_COLUMNS: &[&str] = &["name", "protected", "created_at", "updated_at"];
pub(crate) const ASSOCIATION_COLUMNS: &[&str] = &[
    "namespace",
    "resource_type",
    "prefix",
    "properties_target",
    "created_at",
    "updated_at",
];
pub(crate) fn association_from(row: &Row) -> Result<Association> {
    Ok(Association {
        fields: AssociationFields {
            name: row.try_get("resource_type")?,
            prefix: row.try_get("prefix")?,
            properties_target: row.try_get("properties_target")?,
        },
        created_at: stamp(row, "created_at")?,
        updated_at: stamp(row, "updated_at")?,
    })
}

/// Every resource type, oldest first.
pub async fn resource_types(db: &Db) -> Result<Vec<ResourceType>> {
    let rows = sql::query("SELECT * FROM metadef_resource_types ORDER BY created_at, name")
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(ResourceType {
                name: row.try_get("name")?,
                created_at: stamp(row, "created_at")?,
                updated_at: stamp(row, "updated_at")?,
            })
        })
        .collect()
}

/// The resource type associations of `namespace`.
pub async fn associations(db: &Db, namespace: &str) -> Result<Vec<Association>> {
    let rows = sql::query(
        "SELECT * FROM metadef_associations WHERE namespace = $1 \
         ORDER BY created_at, resource_type",
    )
    .bind(namespace)
    .fetch_all(db)
    .await?;
    rows.iter().map(association_from).collect()
}

/// Associates `namespace` with a resource type, which is created when it does not exist yet.
pub async fn associate(
    db: &Db,
    namespace: &str,
    fields: &AssociationFields,
) -> Result<Association> {
    let now = Timestamp::now();
    let mut tx = db.begin_write().await?;
    let type_row = vec![
        Value::from(fields.name.as_str()),
        Value::from(0),
        Value::from(now.micros()),
        Value::from(now.micros()),
    ];
    insert_rows(
        &mut tx,
        "metadef_resource_types",
        TYPE_COLUMNS,
        vec![type_row],
        true,
    )
    .await?;
    let row = association_row(namespace, fields, now);
    insert_rows(
        &mut tx,
        "metadef_associations",
        ASSOCIATION_COLUMNS,
        vec![row],
        false,
    )
    .await
    .map_err(|e| match e {
        Error::Conflict { .. } => duplicate(format!(
            "resource type association {} of namespace {namespace}",
            fields.name
        )),
        other => other,
    })?;
    tx.commit().await?;
    Ok(Association {
        fields: fields.clone(),
        created_at: now,
        updated_at: now,
    })
}

/// Removes the association of `namespace` with `resource_type`; `false` when there is none.
pub async fn dissociate(db: &Db, namespace: &str, resource_type: &str) -> Result<bool> {
    if unnameable(resource_type) {
        return Ok(false);
    }
    let _turn = db.write_turn().await;
    let done =
        sql::query("DELETE FROM metadef_associations WHERE namespace = $1 AND resource_type = $2")
            .bind(namespace)
            .bind(resource_type)
            .execute(db)
            .await?;
    Ok(done.rows_affected() == 1)
}
