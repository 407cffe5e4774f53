//! The image row codec: the one place that knows how an `Image` lies in the `images` table.
//! `COLUMNS` names each column once, with its SQL type and how its value is taken from an
//! image and put back; from that table come the select and insert lists, the assignments of an
//! update, the binding of an image's fields, and the reading of a row, whether a driver's row
//! (by position) or a list page's packed JSON (`image_list::packed`, in sequence). Every query,
//! bulk load and list page goes through it, so a new image column is one entry here (and the
//! migration). Tags and properties live in their own tables and are not part of the row.

use std::sync::LazyLock;

use glint_core::image::{Image, ImageId};
use glint_core::{Error, RegionName, Result, Timestamp};

use crate::sql::{Query, Row, Value};

/// How a column is stored: TEXT or BIGINT (booleans as 0/1, times as microseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Int,
}

/// One column of the image row.
pub(crate) struct Column {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    /// Set when the image is stored, never by an update (the image's identity and place).
    fixed: bool,
    /// The column's value for `image`.
    value: fn(&Image) -> Value,
    /// Puts the column's stored value into the image being read.
    put: fn(&mut Image, Value) -> Result<()>,
}

/// Every image column, in the one order in which statements select, bind and pack them.
pub(crate) const COLUMNS: [Column; 22] = [
    fixed(text(
        "id",
        |i| i.id.as_str().into(),
        |i, v| set(&mut i.id, ImageId::from_trusted(required("id", v)?)),
    )),
    fixed(text(
        "region",
        |i| i.region.as_str().into(),
        |i, v| {
            set(
                &mut i.region,
                RegionName::from_trusted(required("region", v)?),
            )
        },
    )),
    text(
        "name",
        |i| i.name.as_deref().into(),
        |i, v| set(&mut i.name, as_text(v)),
    ),
    text(
        "owner",
        |i| i.owner.as_deref().into(),
        |i, v| set(&mut i.owner, as_text(v)),
    ),
    text(
        "status",
        |i| i.status.as_str().into(),
        |i, v| set(&mut i.status, parse(required("status", v)?)?),
    ),
    text(
        "visibility",
        |i| i.visibility.as_str().into(),
        |i, v| set(&mut i.visibility, parse(required("visibility", v)?)?),
    ),
    int(
        "protected",
        |i| flag(i.protected),
        |i, v| set(&mut i.protected, as_int(v) == Some(1)),
    ),
    int(
        "os_hidden",
        |i| flag(i.os_hidden),
        |i, v| set(&mut i.os_hidden, as_int(v) == Some(1)),
    ),
    text(
        "checksum",
        |i| i.checksum.as_deref().into(),
        |i, v| set(&mut i.checksum, as_text(v)),
    ),
    text(
        "os_hash_algo",
        |i| i.os_hash_algo.as_deref().into(),
        |i, v| set(&mut i.os_hash_algo, as_text(v)),
    ),
    text(
        "os_hash_value",
        |i| i.os_hash_value.as_deref().into(),
        |i, v| set(&mut i.os_hash_value, as_text(v)),
    ),
    int(
        "size",
        |i| i.size.into(),
        |i, v| set(&mut i.size, as_int(v)),
    ),
    int(
        "virtual_size",
        |i| i.virtual_size.into(),
        |i, v| set(&mut i.virtual_size, as_int(v)),
    ),
    text(
        "disk_format",
        |i| i.disk_format.as_deref().into(),
        |i, v| set(&mut i.disk_format, as_text(v)),
    ),
    text(
        "container_format",
        |i| i.container_format.as_deref().into(),
        |i, v| set(&mut i.container_format, as_text(v)),
    ),
    int(
        "min_ram",
        |i| i.min_ram.into(),
        |i, v| set(&mut i.min_ram, as_int(v).unwrap_or(0)),
    ),
    int(
        "min_disk",
        |i| i.min_disk.into(),
        |i, v| set(&mut i.min_disk, as_int(v).unwrap_or(0)),
    ),
    fixed(int(
        "created_at",
        |i| i.created_at.micros().into(),
        |i, v| set(&mut i.created_at, time(v)),
    )),
    int(
        "updated_at",
        |i| i.updated_at.micros().into(),
        |i, v| set(&mut i.updated_at, time(v)),
    ),
    int(
        "quarantined_at",
        |i| i.quarantined_at.map(Timestamp::micros).into(),
        |i, v| set(&mut i.quarantined_at, as_int(v).map(Timestamp::from_micros)),
    ),
    text(
        "quarantine_note",
        |i| i.quarantine_note.as_deref().into(),
        |i, v| set(&mut i.quarantine_note, as_text(v)),
    ),
    text(
        "stores",
        |i| (!i.stores.is_empty()).then(|| i.stores.join(",")).into(),
        |i, v| {
            let listed = as_text(v).unwrap_or_default();
            let ids = listed.split(',').filter(|s| !s.is_empty());
            set(&mut i.stores, ids.map(str::to_owned).collect())
        },
    ),
];

/// A TEXT column that updates may change.
const fn text(
    name: &'static str,
    value: fn(&Image) -> Value,
    put: fn(&mut Image, Value) -> Result<()>,
) -> Column {
    Column {
        name,
        kind: Kind::Text,
        fixed: false,
        value,
        put,
    }
}

/// A BIGINT column that updates may change.
const fn int(
    name: &'static str,
    value: fn(&Image) -> Value,
    put: fn(&mut Image, Value) -> Result<()>,
) -> Column {
    Column {
        name,
        kind: Kind::Int,
        fixed: false,
        value,
        put,
    }
}

/// `column`, set when the image is stored and never by an update.
const fn fixed(column: Column) -> Column {
    Column {
        fixed: true,
        ..column
    }
}

fn set<T>(slot: &mut T, value: T) -> Result<()> {
    *slot = value;
    Ok(())
}

fn time(value: Value) -> Timestamp {
    Timestamp::from_micros(as_int(value).unwrap_or(0))
}

fn flag(b: bool) -> Value {
    Value::from(i64::from(b))
}

fn as_text(value: Value) -> Option<String> {
    match value {
        Value::Text(text) => text,
        Value::Int(_) => None,
    }
}

fn as_int(value: Value) -> Option<i64> {
    match value {
        Value::Int(n) => n,
        Value::Text(_) => None,
    }
}

fn required(column: &str, value: Value) -> Result<String> {
    as_text(value).ok_or_else(|| Error::Internal(format!("stored image without {column}")))
}

/// Parses a stored status or visibility.
fn parse<T: std::str::FromStr<Err = Error>>(value: String) -> Result<T> {
    value
        .parse()
        .map_err(|e: Error| Error::Internal(format!("stored image value: {e}")))
}

fn joined(item: impl Fn(usize, &Column) -> String) -> String {
    let items: Vec<String> = COLUMNS
        .iter()
        .enumerate()
        .map(|(n, c)| item(n, c))
        .collect();
    items.join(", ")
}

/// `i.id, i.region, …`: the columns as a select list over the images table aliased `i`.
pub(crate) fn select_list() -> &'static str {
    static LIST: LazyLock<String> = LazyLock::new(|| joined(|_, c| format!("i.{}", c.name)));
    &LIST
}

/// `id, region, …`: the columns as an insert list.
pub(crate) fn insert_list() -> &'static str {
    static LIST: LazyLock<String> = LazyLock::new(|| joined(|_, c| c.name.to_owned()));
    &LIST
}

/// `$1, $2, …`: the parameters of one image's columns, as `bind` numbers them.
pub(crate) fn params() -> &'static str {
    static LIST: LazyLock<String> = LazyLock::new(|| joined(|n, _| format!("${}", n + 1)));
    &LIST
}

/// `name = $3, owner = $4, …`: every column an update may change, from the parameters `bind`
/// numbers (`$1` is the id).
pub(crate) fn assignments() -> &'static str {
    static LIST: LazyLock<String> = LazyLock::new(|| {
        let set: Vec<String> = COLUMNS
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.fixed)
            .map(|(n, c)| format!("{} = ${}", c.name, n + 1))
            .collect();
        set.join(", ")
    });
    &LIST
}

/// The parameter (`$n`) that `bind` gives the column `name`.
pub(crate) fn param(name: &str) -> Result<String> {
    COLUMNS
        .iter()
        .position(|c| c.name == name)
        .map(|n| format!("${}", n + 1))
        .ok_or_else(|| Error::Internal(format!("no image column {name}")))
}

/// Binds every column of `image`, in `COLUMNS` order, as the query's next parameters.
pub(crate) fn bind(query: Query, image: &Image) -> Query {
    COLUMNS
        .iter()
        .fold(query, |query, column| query.bind((column.value)(image)))
}

/// Reads an image (without tags and properties) from its columns in `COLUMNS` order:
/// `next(position, kind)` gives each column's stored value.
pub(crate) fn read(mut next: impl FnMut(usize, Kind) -> Result<Value>) -> Result<Image> {
    let mut image = Image::queued(
        ImageId::from_trusted(String::new()),
        RegionName::from_trusted(String::new()),
        None,
        Timestamp::from_micros(0),
    );
    for (at, column) in COLUMNS.iter().enumerate() {
        (column.put)(&mut image, next(at, column.kind)?)?;
    }
    Ok(image)
}

/// Reads an image (without tags and properties) from a row whose first columns are
/// `select_list`'s.
pub(crate) fn from_row(row: &Row) -> Result<Image> {
    read(|at, kind| {
        Ok(match kind {
            Kind::Text => Value::Text(row.try_get(at)?),
            Kind::Int => Value::Int(row.try_get(at)?),
        })
    })
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use glint_core::image::{Image, ImageId, ImageStatus, Visibility};
    use glint_core::{RegionName, Timestamp};

    use super::{COLUMNS, Kind, assignments, read};
    use crate::sql::Value;

    #[test]
    fn every_column_reads_back_the_value_it_binds() {
        let image = Image {
            id: ImageId::from_trusted("id".into()),
            region: RegionName::from_trusted("DFW".into()),
            name: Some("name".into()),
            owner: Some("owner".into()),
            status: ImageStatus::Deactivated,
            visibility: Visibility::Community,
            protected: true,
            os_hidden: false,
            checksum: Some("checksum".into()),
            os_hash_algo: Some("algo".into()),
            os_hash_value: Some("hash".into()),
            size: Some(1),
            virtual_size: Some(2),
            disk_format: Some("disk".into()),
            container_format: Some("container".into()),
            min_ram: 3,
            min_disk: 4,
            created_at: Timestamp::from_micros(5),
            updated_at: Timestamp::from_micros(6),
            tags: BTreeSet::new(),
            properties: BTreeMap::new(),
            quarantined_at: Some(Timestamp::from_micros(7)),
            quarantine_note: Some("held".into()),
            stores: vec!["fast".into(), "cheap".into()],
        };
        let values: Vec<Value> = COLUMNS.iter().map(|c| (c.value)(&image)).collect();
        for (value, column) in values.iter().zip(&COLUMNS) {
            let kind = match value {
                Value::Text(_) => Kind::Text,
                Value::Int(_) => Kind::Int,
            };
            assert_eq!(
                kind, column.kind,
                "{} binds a value of another kind",
                column.name
            );
        }
        let back = read(|at, _| Ok(values[at].clone())).expect("read");
        assert_eq!(back, image);
    }

    #[test]
    fn an_update_sets_every_column_but_the_images_identity_and_place() {
        assert_eq!(
            assignments(),
            "name = $3, owner = $4, status = $5, visibility = $6, protected = $7, \
             os_hidden = $8, checksum = $9, os_hash_algo = $10, os_hash_value = $11, size = $12, \
             virtual_size = $13, disk_format = $14, container_format = $15, min_ram = $16, \
             min_disk = $17, updated_at = $19, quarantined_at = $20, quarantine_note = $21, \
             stores = $22"
        );
    }
}
