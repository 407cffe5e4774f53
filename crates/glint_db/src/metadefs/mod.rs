//! Metadata definitions in the store: namespaces (`metadef_namespaces`) and what they hold,
//! keyed by the namespace's name, which a rename changes in every table in one transaction.
//! Property and object definitions are kept as JSON text. Who may do what is `glint_app`'s;
//! this module reads and writes rows. `associations` keeps resource types and namespaces'
//! associations with them, `contents` properties, objects and tags, and `defaults` loads
//! Glance's default definitions after a migration.

mod associations;
mod contents;
pub(crate) mod defaults;

use glint_core::metadef::{
    Association, AssociationFields, DefinitionDocument, ListedNamespace, Namespace,
    NamespaceFields, Visibility, duplicate,
};
use glint_core::{Error, Result, Timestamp};

use crate::sql::{self, Row, Value};
use crate::{Db, WriteTx, is_unique_violation};

pub use associations::*;
pub use contents::*;

/// The tables a namespace's contents live in, each with a `namespace` column.
const CONTENT_TABLES: &[&str] = &[
    "metadef_associations",
    "metadef_properties",
    "metadef_objects",
    "metadef_tags",
];

const NAMESPACE_COLUMNS: &str =
    "namespace, display_name, description, visibility, protected, owner, created_at, updated_at";

fn namespace_from(row: &Row) -> Result<Namespace> {
    let visibility: String = row.try_get("visibility")?;
    Ok(Namespace {
        namespace: row.try_get("namespace")?,
        display_name: row.try_get("display_name")?,
        description: row.try_get("description")?,
        visibility: Visibility::parse(&visibility)
            .ok_or_else(|| Error::Internal(format!("stored visibility {visibility}")))?,
        protected: row.try_get::<i64, _>("protected")? != 0,
        owner: row.try_get("owner")?,
        created_at: Timestamp::from_micros(row.try_get("created_at")?),
        updated_at: Timestamp::from_micros(row.try_get("updated_at")?),
    })
}

/// Inserts `rows` into `table` in one statement (`VALUES (…), (…)`); with `or_ignore`,
/// rows whose key is taken are skipped. Nothing when there are no rows.
async fn insert_rows(
    tx: &mut WriteTx,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
    or_ignore: bool,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut n = 0;
    let tuples: Vec<String> = rows
        .iter()
        .map(|row| {
            let marks: Vec<String> = row
                .iter()
                .map(|_| {
                    n += 1;
                    format!("${n}")
                })
                .collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let conflict = if or_ignore {
        " ON CONFLICT DO NOTHING"
    } else {
        ""
    };
    let statement = format!(
        "INSERT INTO {table} ({}) VALUES {}{conflict}",
        columns.join(", "),
        tuples.join(", ")
    );
    let mut query = sql::query(statement);
    for value in rows.into_iter().flatten() {
        query = query.bind(value);
    }
    query.execute(tx).await.map_err(|e| {
        if is_unique_violation(&e) {
            duplicate(format!("{table} entry"))
        } else {
            Error::from(e)
        }
    })?;
    Ok(())
}

/// Every namespace with its resource type associations (the catalog is small; lists are cut
/// by `glint_core::metadef::page`).
pub async fn list_all(db: &Db) -> Result<Vec<ListedNamespace>> {
    let rows = sql::query(format!(
        "SELECT {NAMESPACE_COLUMNS} FROM metadef_namespaces ORDER BY namespace"
    ))
    .fetch_all(db)
    .await?;
    let mut listed = rows
        .iter()
        .map(|row| {
            Ok(ListedNamespace {
                namespace: namespace_from(row)?,
                associations: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    for (namespace, association) in all_associations(db).await? {
        if let Some(l) = listed
            .iter_mut()
            .find(|l| l.namespace.namespace == namespace)
        {
            l.associations.push(association);
        }
    }
    Ok(listed)
}

/// The namespace `name`.
pub async fn get(db: &Db, name: &str) -> Result<Option<Namespace>> {
    if unnameable(name) {
        return Ok(None);
    }
    let row = sql::query(format!(
        "SELECT {NAMESPACE_COLUMNS} FROM metadef_namespaces WHERE namespace = $1"
    ))
    .bind(name)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(namespace_from).transpose()
}

/// Stores `documents` (each namespace with everything it holds, and its owner) in `tx`, at
/// `now`; resource types they name that do not exist yet are created. `Conflict` when a
/// namespace, or a name within one, is taken.
pub(crate) async fn insert_documents(
    tx: &mut WriteTx,
    documents: &[(&DefinitionDocument, &str)],
    now: Timestamp,
) -> Result<()> {
    let at = || Value::from(now.micros());
    let text = |s: &str| Value::from(s);
    let mut namespaces = Vec::new();
    let (mut types, mut associations, mut properties, mut objects, mut tags) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (doc, owner) in documents {
        let f = &doc.fields;
        let ns = f.namespace.as_str();
        namespaces.push(vec![
            text(ns),
            Value::from(f.display_name.clone()),
            Value::from(f.description.clone()),
            text(f.visibility.as_str()),
            Value::from(i64::from(f.protected)),
            text(f.owner.as_deref().unwrap_or(owner)),
            at(),
            at(),
        ]);
        for a in &doc.associations {
            types.push(vec![text(&a.name), Value::from(0), at(), at()]);
            associations.push(association_row(ns, a, now));
        }
        for p in &doc.properties {
            let definition = serde_json::Value::Object(p.definition.clone()).to_string();
            properties.push(vec![
                text(ns),
                text(&p.name),
                Value::from(definition),
                at(),
                at(),
            ]);
        }
        for o in &doc.objects {
            objects.push(object_row(ns, o, now));
        }
        for t in &doc.tags {
            tags.push(vec![text(ns), text(t), at(), at()]);
        }
    }
    let columns: Vec<&str> = NAMESPACE_COLUMNS.split(", ").collect();
    insert_rows(tx, "metadef_namespaces", &columns, namespaces, false).await?;
    insert_rows(tx, "metadef_resource_types", TYPE_COLUMNS, types, true).await?;
    insert_rows(
        tx,
        "metadef_associations",
        ASSOCIATION_COLUMNS,
        associations,
        false,
    )
    .await?;
    insert_rows(
        tx,
        "metadef_properties",
        PROPERTY_COLUMNS,
        properties,
        false,
    )
    .await?;
    insert_rows(tx, "metadef_objects", OBJECT_COLUMNS, objects, false).await?;
    insert_rows(tx, "metadef_tags", TAG_COLUMNS, tags, false).await
}

/// Creates the namespace of `document` with everything it holds, owned by `owner` unless the
/// document names one. `Conflict` when the name, or a name within it, is taken.
pub async fn create(db: &Db, document: &DefinitionDocument, owner: &str) -> Result<Namespace> {
    let now = Timestamp::now();
    let mut tx = db.begin_write().await?;
    insert_documents(&mut tx, &[(document, owner)], now)
        .await
        .map_err(|e| match e {
            Error::Conflict { .. } => duplicate(format!("namespace {}", document.fields.namespace)),
            other => other,
        })?;
    tx.commit().await?;
    get(db, &document.fields.namespace)
        .await?
        .ok_or_else(|| Error::Internal("a created namespace is gone".into()))
}

/// Replaces the fields of namespace `name` (its owner only when `fields` names one), renaming
/// it and everything it holds when the name changes. `None` when it does not exist; `Conflict`
/// when the new name is taken.
pub async fn update(db: &Db, name: &str, fields: &NamespaceFields) -> Result<Option<Namespace>> {
    let mut tx = db.begin_write().await?;
    let done = sql::query(
        "UPDATE metadef_namespaces SET namespace = $2, display_name = $3, description = $4, \
         visibility = $5, protected = $6, owner = COALESCE($7, owner), updated_at = $8 \
         WHERE namespace = $1",
    )
    .bind(name)
    .bind(fields.namespace.as_str())
    .bind(fields.display_name.clone())
    .bind(fields.description.clone())
    .bind(fields.visibility.as_str())
    .bind(i64::from(fields.protected))
    .bind(fields.owner.clone())
    .bind(Timestamp::now().micros())
    .execute(&mut tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            duplicate(format!("namespace {}", fields.namespace))
        } else {
            Error::from(e)
        }
    })?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    if fields.namespace != name {
        for table in CONTENT_TABLES {
            sql::query(format!(
                "UPDATE {table} SET namespace = $2 WHERE namespace = $1"
            ))
            .bind(name)
            .bind(fields.namespace.as_str())
            .execute(&mut tx)
            .await?;
        }
    }
    tx.commit().await?;
    get(db, &fields.namespace).await
}

/// Deletes namespace `name` and everything it holds; `false` when it does not exist.
pub async fn delete(db: &Db, name: &str) -> Result<bool> {
    let mut tx = db.begin_write().await?;
    for table in CONTENT_TABLES {
        sql::query(format!("DELETE FROM {table} WHERE namespace = $1"))
            .bind(name)
            .execute(&mut tx)
            .await?;
    }
    let done = sql::query("DELETE FROM metadef_namespaces WHERE namespace = $1")
        .bind(name)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// An association's row.
fn association_row(namespace: &str, a: &AssociationFields, now: Timestamp) -> Vec<Value> {
    vec![
        Value::from(namespace),
        Value::from(a.name.as_str()),
        Value::from(a.prefix.clone()),
        Value::from(a.properties_target.clone()),
        Value::from(now.micros()),
        Value::from(now.micros()),
    ]
}

/// Every association of every namespace, with its namespace's name.
async fn all_associations(db: &Db) -> Result<Vec<(String, Association)>> {
    let rows = sql::query(format!(
        "SELECT {} FROM metadef_associations ORDER BY created_at, resource_type",
        ASSOCIATION_COLUMNS.join(", ")
    ))
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("namespace")?, association_from(row)?)))
        .collect()
}
