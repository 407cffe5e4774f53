//! A list page as one row: the page's images, each with its tags and properties, packed by the
//! engine into one JSON text (an array of arrays, in the page's order), and read back here.
//!
//! A page used to take three round trips (the page, its tags, its properties) and carried 100
//! rows of 19 columns through sqlx's Any driver, each converted value by value; now it is one
//! round trip and one value. The JSON functions are the one place where the two engines' SQL
//! differs by name (SQLite's `json_group_array`, PostgreSQL's `json_agg`, …).

use std::collections::{BTreeMap, BTreeSet};

use glint_core::image::{Image, ImageId};
use glint_core::{Error, RegionName, Result, Timestamp};
use serde::Deserialize;

use super::statement::Sql;
use crate::Backend;
use crate::images::parse;

/// The image columns of the statement's result, in the order `Packed` reads them.
const FIELDS: [&str; 19] = [
    "id",
    "region",
    "name",
    "owner",
    "status",
    "visibility",
    "protected",
    "os_hidden",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "size",
    "virtual_size",
    "disk_format",
    "container_format",
    "min_ram",
    "min_disk",
    "created_at",
    "updated_at",
];

/// Wraps the page's statement so that it answers one row: its images as JSON text.
pub(super) fn pack(sql: &mut Sql, backend: Backend) {
    let fields: Vec<String> = FIELDS.iter().map(|f| format!("page.{f}")).collect();
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

/// One image as `pack` writes it.
#[derive(Deserialize)]
struct Packed(
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<BTreeSet<String>>,
    Option<BTreeMap<String, String>>,
);

/// The page's images from the text `pack`'s statement answered (`None`: an empty page on
/// PostgreSQL, whose aggregates give NULL over no rows).
pub(super) fn unpack(text: Option<&str>) -> Result<Vec<Image>> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    let packed: Vec<Packed> = serde_json::from_str(text)
        .map_err(|e| Error::Internal(format!("stored image list: {e}")))?;
    packed
        .into_iter()
        .map(|p| {
            Ok(Image {
                id: ImageId::from_trusted(p.0),
                region: RegionName::from_trusted(p.1),
                name: p.2,
                owner: p.3,
                status: parse(p.4)?,
                visibility: parse(p.5)?,
                protected: p.6 == Some(1),
                os_hidden: p.7 == Some(1),
                checksum: p.8,
                os_hash_algo: p.9,
                os_hash_value: p.10,
                size: p.11,
                virtual_size: p.12,
                disk_format: p.13,
                container_format: p.14,
                min_ram: p.15.unwrap_or(0),
                min_disk: p.16.unwrap_or(0),
                created_at: Timestamp::from_micros(p.17.unwrap_or(0)),
                updated_at: Timestamp::from_micros(p.18.unwrap_or(0)),
                tags: p.19.unwrap_or_default(),
                properties: p.20.unwrap_or_default(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::unpack;

    #[test]
    fn reads_both_engines_shapes() -> glint_core::Result<()> {
        assert!(unpack(None)?.is_empty());
        assert!(unpack(Some("[]"))?.is_empty());
        let text = r#"[["a","DFW",null,"1","active","shared",1,0,null,null,null,5,null,
            "raw","bare",0,null,10,20,["x","y"],{"k":"v"}],
            ["b","DFW","n",null,"queued","private",0,1,"c","sha512","h",null,null,
            null,null,3,4,30,40,null,null]]"#;
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
        Ok(())
    }
}
