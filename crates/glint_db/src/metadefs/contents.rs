//! What a namespace holds, in the store: property and object definitions (JSON text) and tags. Each name is unique within its
//! namespace (the tables' keys): a taken one is `Conflict`.

use glint_core::metadef::{Object, ObjectFields, Property, PropertyFields, Tag, duplicate};
use glint_core::{Error, Result, Timestamp};
use serde_json::{Map, Value as Json};

use super::insert_rows;
use crate::sql::{self, Row, Value};
use crate::{Db, is_unique_violation};

pub(crate) const PROPERTY_COLUMNS: &[&str] = &[
    "namespace",
    "name",
    "definition",
    "created_at",
    "updated_at",
];
pub(crate) const OBJECT_COLUMNS: &[&str] = &[
    "namespace",
    "name",
    "description",
    "required",
    "properties",
    "created_at",
    "updated_at",
];
pub(crate) const TAG_COLUMNS: &[&str] = &["namespace", "name", "created_at", "updated_at"];

/// Whether `name` cannot name anything stored (it holds NUL, which is never stored): a lookup
/// by it finds nothing.
pub(crate) fn unnameable(name: &str) -> bool {
    name.contains('\0')
}

pub(crate) fn stamp(row: &Row, column: &str) -> Result<Timestamp> {
    Ok(Timestamp::from_micros(row.try_get(column)?))
}

fn json_of(row: &Row, column: &str) -> Result<Json> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| Error::Internal(format!("stored {column}: {e}")))
}

pub(crate) fn object_row(namespace: &str, o: &ObjectFields, now: Timestamp) -> Vec<Value> {
    vec![
        Value::from(namespace),
        Value::from(o.name.as_str()),
        Value::from(o.description.clone()),
        Value::from(Json::from(o.required.clone()).to_string()),
        Value::from(Json::Object(o.properties.clone()).to_string()),
        Value::from(now.micros()),
        Value::from(now.micros()),
    ]
}

fn object_from(row: &Row) -> Result<Object> {
    let required = match json_of(row, "required")? {
        Json::Array(items) => items
            .into_iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let properties = match json_of(row, "properties")? {
        Json::Object(map) => map,
        _ => Map::new(),
    };
    Ok(Object {
        fields: ObjectFields {
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            required,
            properties,
        },
        created_at: stamp(row, "created_at")?,
        updated_at: stamp(row, "updated_at")?,
    })
}

fn property_from(row: &Row) -> Result<Property> {
    Ok(Property {
        name: row.try_get("name")?,
        definition: match json_of(row, "definition")? {
            Json::Object(map) => map,
            _ => Map::new(),
        },
    })
}

fn tag_from(row: &Row) -> Result<Tag> {
    Ok(Tag {
        name: row.try_get("name")?,
        created_at: stamp(row, "created_at")?,
        updated_at: stamp(row, "updated_at")?,
    })
}

/// `Conflict` naming `what` for a duplicate, the store's error otherwise.
fn taken(what: String) -> impl FnOnce(sql::DbError) -> Error {
    move |e| {
        if is_unique_violation(&e) {
            duplicate(what)
        } else {
            Error::from(e)
        }
    }
}

/// Rows of `table` in `namespace` (`name = ''` reads all of them), in the given order.
async fn rows_of(db: &Db, table: &str, namespace: &str, name: Option<&str>) -> Result<Vec<Row>> {
    if unnameable(namespace) || name.is_some_and(unnameable) {
        return Ok(Vec::new());
    }
    let (filter, order) = match name {
        Some(_) => (" AND name = $2", ""),
        None => ("", " ORDER BY created_at, name"),
    };
    let mut query = sql::query(format!(
        "SELECT * FROM {table} WHERE namespace = $1{filter}{order}"
    ))
    .bind(namespace);
    if let Some(name) = name {
        query = query.bind(name);
    }
    Ok(query.fetch_all(db).await?)
}

/// Deletes the row `name` of `table` in `namespace` (every row when `None`); how many went.
async fn delete_rows(db: &Db, table: &str, namespace: &str, name: Option<&str>) -> Result<u64> {
    if unnameable(namespace) || name.is_some_and(unnameable) {
        return Ok(0);
    }
    let _turn = db.write_turn().await;
    let query = match name {
        Some(name) => sql::query(format!(
            "DELETE FROM {table} WHERE namespace = $1 AND name = $2"
        ))
        .bind(namespace)
        .bind(name),
        None => sql::query(format!("DELETE FROM {table} WHERE namespace = $1")).bind(namespace),
    };
    Ok(query.execute(db).await?.rows_affected())
}

/// The property definitions of `namespace`, or the one named `name`.
pub async fn properties(db: &Db, namespace: &str, name: Option<&str>) -> Result<Vec<Property>> {
    let rows = rows_of(db, "metadef_properties", namespace, name).await?;
    rows.iter().map(property_from).collect()
}

/// Stores property `fields` in `namespace`; with `replacing`, in place of that property (which
/// may be renamed). `false` when the property to replace does not exist.
pub async fn put_property(
    db: &Db,
    namespace: &str,
    fields: &PropertyFields,
    replacing: Option<&str>,
) -> Result<bool> {
    if replacing.is_some_and(unnameable) {
        return Ok(false);
    }
    let definition = Json::Object(fields.definition.clone()).to_string();
    let now = Timestamp::now().micros();
    let _turn = db.write_turn().await;
    let query = match replacing {
        None => sql::query(
            "INSERT INTO metadef_properties (namespace, name, definition, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(namespace),
        Some(_) => sql::query(
            "UPDATE metadef_properties SET name = $2, definition = $3, updated_at = $4 \
             WHERE namespace = $1 AND name = $5",
        )
        .bind(namespace),
    };
    let query = query.bind(fields.name.as_str()).bind(definition).bind(now);
    let query = match replacing {
        Some(old) => query.bind(old),
        None => query,
    };
    let done = query.execute(db).await.map_err(taken(format!(
        "property {} in namespace {namespace}",
        fields.name
    )))?;
    Ok(done.rows_affected() == 1)
}

/// Deletes property `name` of `namespace` (all of them when `None`); how many went.
pub async fn delete_properties(db: &Db, namespace: &str, name: Option<&str>) -> Result<u64> {
    delete_rows(db, "metadef_properties", namespace, name).await
}

/// The object definitions of `namespace`, or the one named `name`.
pub async fn objects(db: &Db, namespace: &str, name: Option<&str>) -> Result<Vec<Object>> {
    let rows = rows_of(db, "metadef_objects", namespace, name).await?;
    rows.iter().map(object_from).collect()
}

/// Stores object `fields` in `namespace`; with `replacing`, in place of that object (which may
/// be renamed). `false` when the object to replace does not exist.
pub async fn put_object(
    db: &Db,
    namespace: &str,
    fields: &ObjectFields,
    replacing: Option<&str>,
) -> Result<bool> {
    if replacing.is_some_and(unnameable) {
        return Ok(false);
    }
    let row = object_row(namespace, fields, Timestamp::now());
    let mut tx = db.begin_write().await?;
    let what = format!("object {} in namespace {namespace}", fields.name);
    let done = match replacing {
        None => {
            insert_rows(&mut tx, "metadef_objects", OBJECT_COLUMNS, vec![row], false)
                .await
                .map_err(|_| duplicate(what))?;
            true
        }
        Some(old) => {
            let mut query = sql::query(
                "UPDATE metadef_objects SET name = $2, description = $3, required = $4, \
                 properties = $5, updated_at = $6 WHERE namespace = $1 AND name = $7",
            );
            // Every column of the row but `created_at`, which an object keeps.
            for (i, value) in row.into_iter().enumerate() {
                if i != 5 {
                    query = query.bind(value);
                }
            }
            let done = query
                .bind(old)
                .execute(&mut tx)
                .await
                .map_err(taken(what))?;
            done.rows_affected() == 1
        }
    };
    tx.commit().await?;
    Ok(done)
}

/// Deletes object `name` of `namespace` (all of them when `None`); how many went.
pub async fn delete_objects(db: &Db, namespace: &str, name: Option<&str>) -> Result<u64> {
    delete_rows(db, "metadef_objects", namespace, name).await
}

/// The tags of `namespace`, or the one named `name`.
pub async fn tags(db: &Db, namespace: &str, name: Option<&str>) -> Result<Vec<Tag>> {
    let rows = rows_of(db, "metadef_tags", namespace, name).await?;
    rows.iter().map(tag_from).collect()
}

/// Adds tags `names` to `namespace`, after removing its others unless `append`. `Conflict`
/// when one exists already (and is kept).
pub async fn add_tags(db: &Db, namespace: &str, names: &[String], append: bool) -> Result<()> {
    let now = Timestamp::now().micros();
    let mut tx = db.begin_write().await?;
    if !append {
        sql::query("DELETE FROM metadef_tags WHERE namespace = $1")
            .bind(namespace)
            .execute(&mut tx)
            .await?;
    }
    let rows = names
        .iter()
        .map(|n| {
            vec![
                Value::from(namespace),
                Value::from(n.as_str()),
                Value::from(now),
                Value::from(now),
            ]
        })
        .collect();
    insert_rows(&mut tx, "metadef_tags", TAG_COLUMNS, rows, false)
        .await
        .map_err(|e| match e {
            Error::Conflict { .. } => duplicate(format!("a tag in namespace {namespace}")),
            other => other,
        })?;
    tx.commit().await?;
    Ok(())
}

/// Renames tag `old` of `namespace` to `new`; `false` when there is no such tag.
pub async fn rename_tag(db: &Db, namespace: &str, old: &str, new: &str) -> Result<bool> {
    if unnameable(old) {
        return Ok(false);
    }
    let _turn = db.write_turn().await;
    let done = sql::query(
        "UPDATE metadef_tags SET name = $3, updated_at = $4 WHERE namespace = $1 AND name = $2",
    )
    .bind(namespace)
    .bind(old)
    .bind(new)
    .bind(Timestamp::now().micros())
    .execute(db)
    .await
    .map_err(taken(format!("tag {new} in namespace {namespace}")))?;
    Ok(done.rows_affected() == 1)
}

/// Deletes tag `name` of `namespace` (all of them when `None`); how many went.
pub async fn delete_tags(db: &Db, namespace: &str, name: Option<&str>) -> Result<u64> {
    delete_rows(db, "metadef_tags", namespace, name).await
}
