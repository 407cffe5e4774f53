//! The SQL of one list page: the branches whose union is who sees what (`visible`), each read
//! through its own index in the page's order, with the query's filters, sort and
//! marker, as numbered parameters that both engines accept.

use glint_core::image::Image;
use glint_core::image::query::{Column, Filter, ImageListQuery, MemberStatusFilter, SortDir};

use super::ListScope;
use super::visible::{Branch, always, branch_source, branches};
use crate::Backend;
use crate::images::row;
use crate::sql::{self, Value};

/// A statement under construction with its numbered parameters.
#[derive(Default)]
pub(super) struct Sql {
    pub(super) text: String,
    binds: Vec<Value>,
    /// The page's ORDER BY over the statement's result, aliased `page`.
    pub(super) page_order: String,
}

impl Sql {
    fn param(&mut self, value: Value) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }
}

/// The SQL expression a column of the table aliased `table` sorts and pages by: nullable
/// columns are coalesced so that both engines order them alike (SQLite puts NULL first,
/// PostgreSQL last).
fn sort_expr_of(table: &str, column: Column) -> String {
    let name = column.as_str();
    match column {
        Column::Name
        | Column::ContainerFormat
        | Column::DiskFormat
        | Column::Owner
        | Column::Checksum
        | Column::OsHashValue
        | Column::OsHashAlgo => {
            format!("COALESCE({table}.{name}, '')")
        }
        Column::Size | Column::VirtualSize => format!("COALESCE({table}.{name}, -1)"),
        _ => format!("{table}.{name}"),
    }
}

/// `sort_expr_of` for the images table (`i`).
fn sort_expr(column: Column) -> String {
    sort_expr_of("i", column)
}

/// The value of `column` on `image`, as `sort_expr` sees it.
fn sort_value(image: &Image, column: Column) -> Value {
    let text = |v: &Option<String>| Value::from(v.clone().unwrap_or_default());
    match column {
        Column::Id => Value::from(image.id.as_str().to_owned()),
        Column::Name => text(&image.name),
        Column::Status => Value::from(image.status.as_str().to_owned()),
        Column::ContainerFormat => text(&image.container_format),
        Column::DiskFormat => text(&image.disk_format),
        Column::Owner => text(&image.owner),
        Column::Checksum => text(&image.checksum),
        Column::OsHashValue => text(&image.os_hash_value),
        Column::OsHashAlgo => text(&image.os_hash_algo),
        Column::Size => Value::from(image.size.unwrap_or(-1)),
        Column::VirtualSize => Value::from(image.virtual_size.unwrap_or(-1)),
        Column::MinRam => Value::from(image.min_ram),
        Column::MinDisk => Value::from(image.min_disk),
        Column::CreatedAt => Value::from(image.created_at.micros()),
        Column::UpdatedAt => Value::from(image.updated_at.micros()),
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

fn filter_clause(sql: &mut Sql, filter: &Filter) -> String {
    match filter {
        Filter::In(_, values) if values.is_empty() => "1 = 0".to_owned(),
        Filter::In(column, values) => {
            let params: Vec<String> = values
                .iter()
                .map(|v| {
                    let bind = if column.is_integer() {
                        Value::from(v.parse().unwrap_or(i64::MIN))
                    } else {
                        Value::from(v.clone())
                    };
                    sql.param(bind)
                })
                .collect();
            format!("i.{} IN ({})", column.as_str(), params.join(", "))
        }
        Filter::Time(column, op, at) => {
            let p = sql.param(Value::from(at.micros()));
            format!("i.{} {} {p}", column.as_str(), op.symbol())
        }
        Filter::AtLeast(column, n) => {
            let p = sql.param(Value::from(*n));
            format!("i.{} >= {p}", column.as_str())
        }
        Filter::AtMost(column, n) => {
            let p = sql.param(Value::from(*n));
            format!("i.{} <= {p}", column.as_str())
        }
        Filter::Property(name, value) => {
            let n = sql.param(Value::from(name.clone()));
            let v = sql.param(Value::from(value.clone()));
            format!(
                "EXISTS (SELECT 1 FROM image_properties p WHERE p.image_id = i.id \
                 AND p.name = {n} AND p.value = {v})"
            )
        }
    }
}

/// Rows after `marker` in the full ordering. With one direction throughout it is a row-value
/// comparison, which both engines turn into a range on the `(created_at, id)` indexes.
fn marker_clause(sql: &mut Sql, keys: &[(Column, SortDir)], marker: &Image) -> String {
    let op = |dir: SortDir| if dir == SortDir::Asc { ">" } else { "<" };
    if let [(_, first), rest @ ..] = keys
        && !rest.is_empty()
        && rest.iter().all(|(_, d)| d == first)
    {
        let exprs: Vec<String> = keys.iter().map(|(c, _)| sort_expr(*c)).collect();
        let params: Vec<String> = keys
            .iter()
            .map(|(c, _)| sql.param(sort_value(marker, *c)))
            .collect();
        return format!(
            "({}) {} ({})",
            exprs.join(", "),
            op(*first),
            params.join(", ")
        );
    }
    let mut alternatives = Vec::with_capacity(keys.len());
    for (j, (column, dir)) in keys.iter().enumerate() {
        let mut terms = Vec::with_capacity(j + 1);
        for (prior, _) in &keys[..j] {
            let p = sql.param(sort_value(marker, *prior));
            terms.push(format!("{} = {p}", sort_expr(*prior)));
        }
        let p = sql.param(sort_value(marker, *column));
        terms.push(format!("{} {} {p}", sort_expr(*column), op(*dir)));
        alternatives.push(format!("({})", terms.join(" AND ")));
    }
    format!("({})", alternatives.join(" OR "))
}

/// The statement for one page: each branch ordered and cut to the page size through its own
/// index, then their union (the branches are disjoint) ordered and cut again: the page is
/// within the branches' pages. With several branches on SQLite the rows come in no particular
/// order (`packed` orders them by `page_order`).
pub(super) fn statement(
    scope: &ListScope<'_>,
    query: &ImageListQuery,
    marker: Option<&Image>,
    backend: Backend,
) -> Sql {
    let mut sql = Sql::default();
    let region = sql.param(Value::from(scope.region.as_str().to_owned()));
    let branches = branches(scope, query);
    let me = account_param(&mut sql, scope, &branches);
    let keys = ordering(query);
    let by_creation = creation_order(&keys);
    let shares_by_creation = by_creation.filter(|_| query.member_status != MemberStatusFilter::All);
    let mut conditions = vec![format!("i.region = {region}")];
    conditions.extend(filter_conditions(&mut sql, query));
    let (past_marker, share_marker) = match (marker, by_creation) {
        (Some(marker), Some(dir)) => creation_marker(&mut sql, marker, dir),
        (Some(marker), None) => (Some(marker_clause(&mut sql, &keys, marker)), None),
        (None, _) => (None, None),
    };
    conditions.extend(past_marker);
    let share_marker = share_marker.filter(|_| shares_by_creation.is_some());
    let common = conditions.join(" AND ");
    let order = order_of(&keys, "i");
    // The page size is written into the text, not bound: SQLite plans a bound LIMIT again on
    // every execution (re-preparing the whole statement took 40 % of a page's time), and the
    // few page sizes clients use each keep their own cached statement.
    let limit = query.limit.to_string();
    let others_only = !scope.is_admin && branches.iter().any(|b| matches!(b, Branch::Own(_)));
    // SQLite sorts each branch's rows to merge them (temp B-trees), so there the branches give
    // only the id and the sort keys and the page's rows are read once the page is known:
    // sorting wide rows cost more than the rest. PostgreSQL merges the index-ordered branches
    // without sorting, and would hash-join the page back to a small table.
    let narrow = branches.len() > 1 && backend == Backend::Sqlite;
    let columns = branch_columns(narrow, &keys);
    let selects = branches
        .iter()
        .map(|branch| {
            let own = matches!(branch, Branch::Own(_));
            let source =
                branch_source(*branch, &me, others_only && !own, shares_by_creation, query);
            let extra = match (branch, &share_marker) {
                (Branch::SharedWithMe, Some(extra)) => extra.as_str(),
                _ => "",
            };
            format!(
                "SELECT {columns} FROM {} WHERE {} AND {common}{extra} ORDER BY {} LIMIT {limit}",
                source.from,
                source.condition,
                source.order.as_deref().unwrap_or(&order)
            )
        })
        .collect();
    sql.text = one_page(selects, &keys, &limit, narrow);
    sql.page_order = order_of(&keys, "page");
    sql
}

/// The caller's account as a parameter, when a branch needs it (its own images, its shares).
fn account_param(sql: &mut Sql, scope: &ListScope<'_>, branches: &[Branch]) -> String {
    if branches
        .iter()
        .any(|b| matches!(b, Branch::Own(_) | Branch::SharedWithMe))
    {
        sql.param(Value::from(scope.account.to_owned()))
    } else {
        String::new()
    }
}

/// The direction of the default order, `created_at` then `id` in one direction, which is read
/// off the indexes (for shares, only within one member status: the index puts the status
/// first); `None` for any other order.
fn creation_order(keys: &[(Column, SortDir)]) -> Option<SortDir> {
    match keys {
        [(Column::CreatedAt, a), (Column::Id, b)] if a == b => Some(*a),
        _ => None,
    }
}

/// The conditions of the query's own filters: protected, tags and column filters.
fn filter_conditions(sql: &mut Sql, query: &ImageListQuery) -> Vec<String> {
    let mut conditions = Vec::from(always(query));
    if let Some(protected) = query.protected {
        conditions.push(format!("i.protected = {}", i64::from(protected)));
    }
    for tag in &query.tags {
        let p = sql.param(Value::from(tag.clone()));
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM image_tags t WHERE t.image_id = i.id AND t.value = {p})"
        ));
    }
    for filter in &query.filters {
        conditions.push(filter_clause(sql, filter));
    }
    conditions
}

/// Past the marker in the default order (`created_at`, `id` in `dir`): the condition on the
/// images, and the same on the share index's copy of those columns.
fn creation_marker(
    sql: &mut Sql,
    marker: &Image,
    dir: SortDir,
) -> (Option<String>, Option<String>) {
    let at = sql.param(Value::from(marker.created_at.micros()));
    let id = sql.param(Value::from(marker.id.as_str().to_owned()));
    let op = if dir == SortDir::Asc { ">" } else { "<" };
    (
        Some(format!("(i.created_at, i.id) {op} ({at}, {id})")),
        Some(format!(
            " AND (m.image_created_at, m.image_id) {op} ({at}, {id})"
        )),
    )
}

/// `ORDER BY` terms for the sort keys on `table`'s columns.
fn order_of(keys: &[(Column, SortDir)], table: &str) -> String {
    let terms: Vec<String> = keys
        .iter()
        .map(|(c, d)| format!("{} {}", sort_expr_of(table, *c), d.as_str().to_uppercase()))
        .collect();
    terms.join(", ")
}

/// What each branch selects: the whole row, or (`narrow`) only the id and the sort keys.
fn branch_columns(narrow: bool, keys: &[(Column, SortDir)]) -> String {
    if !narrow {
        return row::select_list().to_owned();
    }
    let mut key_columns = vec!["i.id".to_owned()];
    for (column, _) in keys {
        let name = format!("i.{}", column.as_str());
        if !key_columns.contains(&name) {
            key_columns.push(name);
        }
    }
    key_columns.join(", ")
}

/// The page from the branches' selects: one select as it is; several merged, ordered and cut,
/// and (`narrow`) joined back to their rows.
fn one_page(
    mut selects: Vec<String>,
    keys: &[(Column, SortDir)],
    limit: &str,
    narrow: bool,
) -> String {
    if selects.len() == 1 {
        return selects.remove(0);
    }
    let union: Vec<String> = selects
        .iter()
        .enumerate()
        .map(|(n, select)| format!("SELECT * FROM ({select}) AS b{n}"))
        .collect();
    let page = format!(
        "SELECT * FROM ({}) AS page ORDER BY {} LIMIT {limit}",
        union.join(" UNION ALL "),
        order_of(keys, "page")
    );
    if narrow {
        format!(
            "SELECT {} FROM ({page}) AS k CROSS JOIN images i WHERE i.id = k.id",
            row::select_list()
        )
    } else {
        page
    }
}

pub(super) fn bound(sql: Sql) -> sql::Query {
    let mut statement = sql::query(sql.text);
    for value in sql.binds {
        statement = statement.bind(value);
    }
    statement
}
