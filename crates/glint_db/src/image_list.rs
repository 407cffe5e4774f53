//! Listing images: the Image API's visibility algorithm (public and community images, the
//! caller's own, and shares in the asked member status), every filter of a parsed
//! `ImageListQuery`, stable sorting with `created_at` and `id` as tie-breakers, and marker
//! paging, as one SQL statement that runs the same on SQLite and PostgreSQL.

use glint_core::image::query::{
    Column, Filter, ImageListQuery, MemberStatusFilter, SortDir, VisibilityFilter,
};
use glint_core::image::{Image, Visibility};
use glint_core::{RegionName, Result};

use crate::images::{COLUMNS, from_row, load_details};
use crate::{Db, internal};

/// Whose list it is.
#[derive(Debug, Clone, Copy)]
pub struct ListScope<'a> {
    pub region: &'a RegionName,
    /// The caller's account number.
    pub account: &'a str,
    /// The admin sees every account's images and ignores member status.
    pub is_admin: bool,
}

#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    Int(i64),
}

/// A statement under construction with its numbered parameters.
#[derive(Default)]
struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    fn param(&mut self, bind: Bind) -> String {
        self.binds.push(bind);
        format!("${}", self.binds.len())
    }
}

/// The SQL expression a column sorts and pages by: nullable columns are coalesced so that both
/// engines order them alike (SQLite puts NULL first, PostgreSQL last).
fn sort_expr(column: Column) -> String {
    let name = column.as_str();
    match column {
        Column::Name
        | Column::ContainerFormat
        | Column::DiskFormat
        | Column::Owner
        | Column::Checksum
        | Column::OsHashValue
        | Column::OsHashAlgo => {
            format!("COALESCE(i.{name}, '')")
        }
        Column::Size | Column::VirtualSize => format!("COALESCE(i.{name}, -1)"),
        _ => format!("i.{name}"),
    }
}

/// The value of `column` on `image`, as `sort_expr` sees it.
fn sort_value(image: &Image, column: Column) -> Bind {
    let text = |v: &Option<String>| Bind::Text(v.clone().unwrap_or_default());
    match column {
        Column::Id => Bind::Text(image.id.as_str().to_owned()),
        Column::Name => text(&image.name),
        Column::Status => Bind::Text(image.status.as_str().to_owned()),
        Column::ContainerFormat => text(&image.container_format),
        Column::DiskFormat => text(&image.disk_format),
        Column::Owner => text(&image.owner),
        Column::Checksum => text(&image.checksum),
        Column::OsHashValue => text(&image.os_hash_value),
        Column::OsHashAlgo => text(&image.os_hash_algo),
        Column::Size => Bind::Int(image.size.unwrap_or(-1)),
        Column::VirtualSize => Bind::Int(image.virtual_size.unwrap_or(-1)),
        Column::MinRam => Bind::Int(image.min_ram),
        Column::MinDisk => Bind::Int(image.min_disk),
        Column::CreatedAt => Bind::Int(image.created_at.micros()),
        Column::UpdatedAt => Bind::Int(image.updated_at.micros()),
    }
}

/// The full ordering, tie-breakers included.
fn ordering(query: &ImageListQuery) -> Vec<(Column, SortDir)> {
    query
        .effective_sort()
        .into_iter()
        .map(|(k, d)| (k.column(), d))
        .collect()
}

fn visibility_clause(sql: &mut Sql, scope: &ListScope<'_>, query: &ImageListQuery) -> String {
    let only = |v: Visibility| format!("i.visibility = '{}'", v.as_str());
    if scope.is_admin {
        let me = sql.param(Bind::Text(scope.account.to_owned()));
        return match query.visibility {
            None => format!("(i.visibility <> 'community' OR i.owner = {me})"),
            Some(VisibilityFilter::All) => "1 = 1".to_owned(),
            Some(VisibilityFilter::Only(v)) => only(v),
        };
    }
    let me = sql.param(Bind::Text(scope.account.to_owned()));
    let status = match query.member_status {
        MemberStatusFilter::All => String::new(),
        MemberStatusFilter::Only(s) => format!(" AND m.status = '{}'", s.as_str()),
    };
    let shared = format!(
        "(i.visibility = 'shared' AND EXISTS (SELECT 1 FROM image_members m \
         WHERE m.image_id = i.id AND m.member = {me} AND m.deleted = 0{status}))"
    );
    let union = format!("(i.visibility IN ('public', 'community') OR i.owner = {me} OR {shared})");
    match query.visibility {
        None => format!("({union} AND (i.visibility <> 'community' OR i.owner = {me}))"),
        Some(VisibilityFilter::All) => union,
        Some(VisibilityFilter::Only(v)) => format!("({union} AND {})", only(v)),
    }
}

fn filter_clause(sql: &mut Sql, filter: &Filter) -> String {
    match filter {
        Filter::In(_, values) if values.is_empty() => "1 = 0".to_owned(),
        Filter::In(column, values) => {
            let params: Vec<String> = values
                .iter()
                .map(|v| {
                    let bind = if column.is_integer() {
                        Bind::Int(v.parse().unwrap_or(i64::MIN))
                    } else {
                        Bind::Text(v.clone())
                    };
                    sql.param(bind)
                })
                .collect();
            format!("i.{} IN ({})", column.as_str(), params.join(", "))
        }
        Filter::Time(column, op, at) => {
            let p = sql.param(Bind::Int(at.micros()));
            format!("i.{} {} {p}", column.as_str(), op.symbol())
        }
        Filter::AtLeast(column, n) => {
            let p = sql.param(Bind::Int(*n));
            format!("i.{} >= {p}", column.as_str())
        }
        Filter::AtMost(column, n) => {
            let p = sql.param(Bind::Int(*n));
            format!("i.{} <= {p}", column.as_str())
        }
        Filter::Property(name, value) => {
            let n = sql.param(Bind::Text(name.clone()));
            let v = sql.param(Bind::Text(value.clone()));
            format!(
                "EXISTS (SELECT 1 FROM image_properties p WHERE p.image_id = i.id \
                 AND p.name = {n} AND p.value = {v})"
            )
        }
    }
}

fn marker_clause(sql: &mut Sql, keys: &[(Column, SortDir)], marker: &Image) -> String {
    let mut alternatives = Vec::with_capacity(keys.len());
    for (j, (column, dir)) in keys.iter().enumerate() {
        let mut terms = Vec::with_capacity(j + 1);
        for (prior, _) in &keys[..j] {
            let p = sql.param(sort_value(marker, *prior));
            terms.push(format!("{} = {p}", sort_expr(*prior)));
        }
        let p = sql.param(sort_value(marker, *column));
        let op = if *dir == SortDir::Asc { ">" } else { "<" };
        terms.push(format!("{} {op} {p}", sort_expr(*column)));
        alternatives.push(format!("({})", terms.join(" AND ")));
    }
    format!("({})", alternatives.join(" OR "))
}

/// One page of the images `scope` may list that match `query`, after `marker` if given.
pub async fn list(
    db: &Db,
    scope: &ListScope<'_>,
    query: &ImageListQuery,
    marker: Option<&Image>,
) -> Result<Vec<Image>> {
    let mut sql = Sql::default();
    let region = sql.param(Bind::Text(scope.region.as_str().to_owned()));
    let mut conditions = vec![
        format!("i.region = {region}"),
        "i.deleted = 0".to_owned(),
        "i.status <> 'killed'".to_owned(),
        visibility_clause(&mut sql, scope, query),
        format!("i.os_hidden = {}", i64::from(query.os_hidden)),
    ];
    if let Some(protected) = query.protected {
        conditions.push(format!("i.protected = {}", i64::from(protected)));
    }
    for tag in &query.tags {
        let p = sql.param(Bind::Text(tag.clone()));
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM image_tags t WHERE t.image_id = i.id AND t.value = {p})"
        ));
    }
    for filter in &query.filters {
        conditions.push(filter_clause(&mut sql, filter));
    }
    let keys = ordering(query);
    if let Some(marker) = marker {
        conditions.push(marker_clause(&mut sql, &keys, marker));
    }
    let order: Vec<String> = keys
        .iter()
        .map(|(c, d)| format!("{} {}", sort_expr(*c), d.as_str().to_uppercase()))
        .collect();
    let limit = sql.param(Bind::Int(i64::from(query.limit)));
    sql.text = format!(
        "SELECT {COLUMNS} FROM images i WHERE {} ORDER BY {} LIMIT {limit}",
        conditions.join(" AND "),
        order.join(", ")
    );
    let mut statement = sqlx::query(sqlx::AssertSqlSafe(sql.text));
    for bind in sql.binds {
        statement = match bind {
            Bind::Text(s) => statement.bind(s),
            Bind::Int(n) => statement.bind(n),
        };
    }
    let rows = statement.fetch_all(db.pool()).await.map_err(internal)?;
    let mut images = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    load_details(db, &mut images).await?;
    Ok(images)
}
