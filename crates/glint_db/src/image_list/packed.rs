//! A list page as one row: the page's images, each with its tags and properties, packed by the
//! engine into one JSON text (an array of arrays, in the page's order), and read back here. An
//! image's columns are packed and read in the row codec's order (`images::row`), its tags and
//! properties after them.
//!
//! A page used to take three round trips (the page, its tags, its properties) and carried 100
//! rows of 19 columns through sqlx's Any driver, each converted value by value; now it is one
//! round trip and one value. The JSON functions are the one place where the two engines' SQL
//! differs by name (SQLite's `json_group_array`, PostgreSQL's `json_agg`, …).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use glint_core::image::Image;
use glint_core::{Error, Result};
use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};

use super::statement::Sql;
use crate::Backend;
use crate::images::row::{self, Kind};
use crate::sql::Value;

/// Wraps the page's statement so that it answers one row: its images as JSON text.
pub(super) fn pack(sql: &mut Sql, backend: Backend) {
    let fields: Vec<String> = row::COLUMNS
        .iter()
        .map(|c| format!("page.{}", c.name))
        .collect();
    let fields = fields.join(", ");
    let (array, group, object) = match backend {
        Backend::Sqlite => ("json_array", "json_group_array", "json_group_object"),
        Backend::Postgres => ("json_build_array", "json_agg", "json_object_agg"),
    };
    // SQLite passes a subquery's JSON on as a string unless `json()` marks it as JSON;
    // PostgreSQL's `json` type is JSON already.
    let nested = |expr: String| match backend {
        Backend::Sqlite => format!("json({expr})"),
        Backend::Postgres => expr,
    };
    let tags = nested(format!(
        "(SELECT {group}(t.value) FROM image_tags t WHERE t.image_id = page.id)"
    ));
    let properties = nested(format!(
        "(SELECT {object}(p.name, p.value) FROM image_properties p WHERE p.image_id = page.id)"
    ));
    sql.text = format!(
        "SELECT CAST({group}({array}({fields}, {tags}, {properties}) ORDER BY {}) AS TEXT) \
         AS images FROM ({}) AS page",
        sql.page_order, sql.text
    );
}

/// One image as `pack` writes it: its columns as the row codec reads them, then its tags and
/// its properties.
struct Packed(Image);

impl<'de> Deserialize<'de> for Packed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(PackedVisitor)
    }
}

struct PackedVisitor;

impl<'de> Visitor<'de> for PackedVisitor {
    type Value = Packed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an image's columns, tags and properties")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Packed, A::Error> {
        let columns = row::COLUMNS.len();
        let mut image = row::read(|at, kind| {
            let value = match kind {
                Kind::Text => seq
                    .next_element::<Option<String>>()
                    .map(|v| v.map(Value::Text)),
                Kind::Int => seq.next_element::<Option<i64>>().map(|v| v.map(Value::Int)),
            };
            value
                .map_err(|e| Error::Internal(e.to_string()))?
                .ok_or_else(|| {
                    Error::Internal(format!(
                        "a packed image ends after {at} of its {columns} columns"
                    ))
                })
        })
        .map_err(de::Error::custom)?;
        let tags: Option<Option<BTreeSet<String>>> = seq.next_element()?;
        let properties: Option<Option<BTreeMap<String, String>>> = seq.next_element()?;
        let (Some(tags), Some(properties)) = (tags, properties) else {
            return Err(de::Error::invalid_length(columns, &self));
        };
        image.tags = tags.unwrap_or_default();
        image.properties = properties.unwrap_or_default();
        Ok(Packed(image))
    }
}

/// The page's images from the text `pack`'s statement answered (`None`: an empty page on
/// PostgreSQL, whose aggregates give NULL over no rows).
pub(super) fn unpack(text: Option<&str>) -> Result<Vec<Image>> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    let packed: Vec<Packed> = serde_json::from_str(text)
        .map_err(|e| Error::Internal(format!("stored image list: {e}")))?;
    Ok(packed.into_iter().map(|p| p.0).collect())
}

#[cfg(test)]
mod tests {
    use super::unpack;

    #[test]
    fn reads_both_engines_shapes() -> glint_core::Result<()> {
        assert!(unpack(None)?.is_empty());
        assert!(unpack(Some("[]"))?.is_empty());
        let text = r#"[["a","DFW",null,"1","active","shared",1,0,null,null,null,5,null,
            "raw","bare",0,null,10,20,null,null,null,["x","y"],{"k":"v"}],
            ["b","DFW","n",null,"queued","private",0,1,"c","sha512","h",null,null,
            null,null,3,4,30,40,50,"held","fast,cheap",null,null]]"#;
        let images = unpack(Some(text))?;
        assert_eq!(images.len(), 2);
        let (a, b) = (&images[0], &images[1]);
        assert_eq!(a.id.as_str(), "a");
        assert!(a.protected && !a.os_hidden);
        assert_eq!(a.size, Some(5));
        assert_eq!(a.min_disk, 0);
        assert_eq!(a.tags.len(), 2);
        assert_eq!(a.properties.get("k").map(String::as_str), Some("v"));
        assert_eq!(b.name.as_deref(), Some("n"));
        assert!(b.tags.is_empty() && b.properties.is_empty());
        assert_eq!((b.min_ram, b.min_disk), (3, 4));
        assert_eq!(b.created_at.micros(), 30);
        assert!(!a.is_quarantined());
        assert_eq!(b.quarantined_at.map(|t| t.micros()), Some(50));
        assert_eq!(b.quarantine_note.as_deref(), Some("held"));
        assert!(a.stores.is_empty());
        assert_eq!(b.stores, ["fast", "cheap"]);
        Ok(())
    }
}
