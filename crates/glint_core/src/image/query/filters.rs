//! One list filter parameter (`key=value`, already decoded) turned into a `Filter`: operator
//! prefixes (`eq:`, `in:`, `gt:` …), double-quoted `in:` lists, ISO-8601 thresholds, integer
//! bounds and equality, and custom properties for every key that is not an image column.

use super::iso8601::parse_iso8601;
use super::{CmpOp, Column, Filter};
use crate::Error;

/// The filter for `key=value`. Keys with their own meaning (limit, marker, sort, tag,
/// visibility, member_status, os_hidden, protected, …) are handled before this.
pub(super) fn parse_filter(key: &str, value: &str) -> Result<Filter, Error> {
    if let Some((column, is_min)) = range_column(key) {
        let bound = value
            .trim()
            .parse::<i64>()
            .map_err(|_| bad("Unable to filter on a range with a non-numeric value.".into()))?;
        let column = column.filter(|c| c.is_integer()).ok_or_else(|| {
            bad(format!(
                "Unable to filter on a range of '{}'.",
                &key[..key.len() - 4]
            ))
        })?;
        return Ok(if is_min {
            Filter::AtLeast(column, bound)
        } else {
            Filter::AtMost(column, bound)
        });
    }
    let Some(column) = Column::from_key(key) else {
        return Ok(Filter::Property(key.to_owned(), value.to_owned()));
    };
    match column {
        Column::CreatedAt | Column::UpdatedAt => {
            let (op, threshold) = split_filter_op(value);
            let at = parse_iso8601(threshold).ok_or_else(|| {
                bad(format!(
                    "Bad \"{key}\" query filter format. Use ISO 8601 DateTime notation."
                ))
            })?;
            let op = CmpOp::parse(op)
                .ok_or_else(|| bad("Unable to filter on a unknown operator.".into()))?;
            Ok(Filter::Time(column, op, at))
        }
        Column::Id
        | Column::Name
        | Column::Status
        | Column::ContainerFormat
        | Column::DiskFormat => match split_filter_op(value) {
            ("eq", one) => Ok(Filter::In(column, vec![one.to_owned()])),
            ("in", list) => Ok(Filter::In(column, split_quoted_list(list)?)),
            (op, _) => Err(bad(format!("Unable to filter by unknown operator '{op}'."))),
        },
        integer if integer.is_integer() => {
            let n = value.trim().parse::<i64>().map_err(|_| {
                bad(format!(
                    "Invalid value '{value}' for '{key}' filter: it must be an integer."
                ))
            })?;
            Ok(Filter::In(integer, vec![n.to_string()]))
        }
        text => Ok(Filter::In(text, vec![value.to_owned()])),
    }
}

/// For `<col>_min` / `<col>_max`: the column (if it is one) and whether it is a lower bound.
fn range_column(key: &str) -> Option<(Option<Column>, bool)> {
    if let Some(name) = key.strip_suffix("_min") {
        Some((Column::from_key(name), true))
    } else {
        key.strip_suffix("_max")
            .map(|name| (Column::from_key(name), false))
    }
}

/// Splits `op:threshold`; no `:` (or a value that is itself an ISO-8601 instant) means `eq`.
pub(super) fn split_filter_op(expression: &str) -> (&str, &str) {
    match expression.split_once(':') {
        Some(_) if parse_iso8601(expression).is_some() => ("eq", expression),
        Some((op, threshold)) => (op, threshold),
        None => ("eq", expression),
    }
}

/// Splits an `in:` list on commas; a value in double quotes may hold commas (`"a,b",c`). A
/// quote must open after a comma (or at the start) and close before one (or at the end); `\"`
/// is not a quote. Quoted text is kept as written.
pub(super) fn split_quoted_list(list: &str) -> Result<Vec<String>, Error> {
    check_quotes(list)?;
    let chars: Vec<char> = list.chars().collect();
    let mut values = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        if chars[at] == '"'
            && let Some(end) = closing_quote(&chars, at + 1)
        {
            values.push(chars[at + 1..end].iter().collect());
            at = end + 1;
            if chars.get(at) == Some(&',') {
                at += 1;
            }
            continue;
        }
        if chars[at] == ',' {
            values.push(String::new());
            at += 1;
            continue;
        }
        let end = chars[at..]
            .iter()
            .position(|c| *c == ',')
            .map_or(chars.len(), |n| at + n);
        values.push(chars[at..end].iter().collect());
        at = (end + 1).min(chars.len());
    }
    Ok(values)
}

/// The index of the quote closing a quoted value that starts at `from`, skipping `\x` escapes.
fn closing_quote(chars: &[char], from: usize) -> Option<usize> {
    let mut at = from;
    while at < chars.len() {
        match chars[at] {
            '\\' if at + 1 < chars.len() => at += 2,
            '\\' => return None,
            '"' => return Some(at),
            _ => at += 1,
        }
    }
    None
}

fn check_quotes(list: &str) -> Result<(), Error> {
    let chars: Vec<char> = list.chars().collect();
    let mut opening = true;
    for (i, c) in chars.iter().enumerate() {
        if *c != '"' || (i > 0 && chars[i - 1] == '\\') {
            continue;
        }
        if opening && i > 0 && chars[i - 1] != ',' {
            return Err(bad(format!(
                "Invalid filter value {list}. There is no comma before opening quotation mark."
            )));
        }
        if !opening && i + 1 != chars.len() && chars[i + 1] != ',' {
            return Err(bad(format!(
                "Invalid filter value {list}. There is no comma after closing quotation mark."
            )));
        }
        opening = !opening;
    }
    if !opening {
        return Err(bad(format!(
            "Invalid filter value {list}. The quote is not closed."
        )));
    }
    Ok(())
}

fn bad(message: String) -> Error {
    Error::InvalidInput(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    fn filter(key: &str, value: &str) -> Filter {
        parse_filter(key, value).unwrap()
    }

    fn refused(key: &str, value: &str) -> String {
        match parse_filter(key, value) {
            Err(Error::InvalidInput(m)) => m,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn operator_columns_take_eq_and_in() {
        assert_eq!(
            filter("name", "cirros"),
            Filter::In(Column::Name, strings(&["cirros"]))
        );
        assert_eq!(
            filter("status", "eq:active"),
            Filter::In(Column::Status, strings(&["active"]))
        );
        assert_eq!(
            filter("name", "in:\"a,b\",c"),
            Filter::In(Column::Name, strings(&["a,b", "c"]))
        );
        assert_eq!(filter("id", "in:"), Filter::In(Column::Id, vec![]));
        assert_eq!(
            refused("name", "foo:bar"),
            "Unable to filter by unknown operator 'foo'."
        );
        assert_eq!(
            filter("name", "2026-01-01T10:00:00"),
            Filter::In(Column::Name, strings(&["2026-01-01T10:00:00"])),
            "a whole ISO-8601 value is not an operator prefix"
        );
    }

    #[test]
    fn in_lists_split_like_glance() {
        assert_eq!(split_quoted_list("a,b,").unwrap(), strings(&["a", "b"]));
        assert_eq!(split_quoted_list("a,,b").unwrap(), strings(&["a", "", "b"]));
        assert_eq!(split_quoted_list(",a").unwrap(), strings(&["", "a"]));
        assert_eq!(
            split_quoted_list("\"x\\\"y\",z").unwrap(),
            strings(&["x\\\"y", "z"])
        );
        assert!(refused("name", "in:a\"b\"").contains("no comma before opening"));
        assert!(refused("name", "in:\"a\"b").contains("no comma after closing"));
        assert!(refused("name", "in:\"a,b").contains("not closed"));
    }

    #[test]
    fn times_take_comparison_operators() {
        let at = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
        assert_eq!(
            filter("created_at", "gt:2026-01-01T00:00:00Z"),
            Filter::Time(Column::CreatedAt, CmpOp::Gt, at)
        );
        assert_eq!(
            filter("updated_at", "2026-01-01T00:00:00"),
            Filter::Time(Column::UpdatedAt, CmpOp::Eq, at)
        );
        assert_eq!(
            filter("updated_at", "neq:2026-01-01"),
            Filter::Time(Column::UpdatedAt, CmpOp::Neq, at)
        );
        assert!(
            refused("created_at", "gt:tomorrow")
                .starts_with("Bad \"created_at\" query filter format.")
        );
        assert_eq!(
            refused("created_at", "in:2026-01-01"),
            "Unable to filter on a unknown operator."
        );
    }

    #[test]
    fn ranges_are_inclusive_integer_bounds() {
        assert_eq!(
            filter("size_min", "1024"),
            Filter::AtLeast(Column::Size, 1024)
        );
        assert_eq!(
            filter("min_ram_max", " 64 "),
            Filter::AtMost(Column::MinRam, 64)
        );
        assert_eq!(
            refused("size_max", "big"),
            "Unable to filter on a range with a non-numeric value."
        );
        assert!(refused("name_min", "1").contains("range of 'name'"));
        assert!(refused("foo_max", "1").contains("range of 'foo'"));
    }

    #[test]
    fn other_columns_are_equality_and_the_rest_properties() {
        assert_eq!(
            filter("size", "+1024"),
            Filter::In(Column::Size, strings(&["1024"]))
        );
        assert!(refused("min_disk", "x").contains("must be an integer"));
        assert_eq!(
            filter("owner", "p1"),
            Filter::In(Column::Owner, strings(&["p1"]))
        );
        assert_eq!(
            filter("checksum", "in:x"),
            Filter::In(Column::Checksum, strings(&["in:x"]))
        );
        assert_eq!(
            filter("os_distro", "ubuntu"),
            Filter::Property("os_distro".into(), "ubuntu".into())
        );
        assert_eq!(
            filter("hw:cpu", "eq:1"),
            Filter::Property("hw:cpu".into(), "eq:1".into())
        );
    }
}
