//! `GET /v2/tasks` queries as Glance's deserializer and database read them: `sort_dir` (asc or
//! desc), the `status` and `type` filters (only `import` may be asked for), `marker` (a
//! UUID), `limit` (a non-negative integer, at most the largest page), and `sort_key` (any
//! column of a task; `created_at` then `id` break ties). Other parameters are ignored, as
//! Glance ignores those that name no column. Also the `first` and `next` links.

use crate::image::query::encode_pairs;
use crate::task::TaskStatus;
use crate::{Error, Result};

/// A column tasks may be sorted by: its name in the store, and whether it holds text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskSortKey {
    pub column: &'static str,
    pub text: bool,
}

/// The sort keys a client may name, and the columns behind them. `deleted` and
/// `deleted_at` are columns of Glance's that are the same on every shown task, so they
/// sort as the tie-breakers alone.
const SORT_KEYS: [(&str, &str, bool); 12] = [
    ("created_at", "created_at", false),
    ("updated_at", "updated_at", false),
    ("expires_at", "expires_at", false),
    ("id", "id", true),
    ("type", "task_type", true),
    ("status", "status", true),
    ("owner", "owner", true),
    ("image_id", "image_id", true),
    ("request_id", "request_id", true),
    ("user_id", "user_id", true),
    ("deleted", "created_at", false),
    ("deleted_at", "created_at", false),
];

/// A parsed `GET /v2/tasks` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskQuery {
    pub status: Option<TaskStatus>,
    /// Only `import` passes.
    pub task_type: Option<String>,
    pub sort_key: TaskSortKey,
    pub ascending: bool,
    pub limit: u32,
    /// The id of the last task of the previous page.
    pub marker: Option<String>,
    /// The query without `marker`, for the links.
    link_query: String,
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn last<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn invalid(message: String) -> Error {
    Error::InvalidInput(message)
}

/// Whether `text` is shaped as a UUID (32 hex digits, hyphens as 8-4-4-4-12 or none).
fn uuid_like(text: &str) -> bool {
    let digits: String = text.chars().filter(|c| *c != '-').collect();
    let hyphens_ok = text.len() == 32
        || (text.len() == 36 && [8, 13, 18, 23].iter().all(|i| text.as_bytes()[*i] == b'-'));
    hyphens_ok && digits.len() == 32 && digits.bytes().all(|b| b.is_ascii_hexdigit())
}

impl TaskQuery {
    /// Parses the decoded pairs of the query string, refusing as Glance does and in its order;
    /// `default_limit` when no `limit` is given, never more than `max_limit`.
    pub fn parse(pairs: &[(String, String)], default_limit: u32, max_limit: u32) -> Result<Self> {
        let sort_dir = first(pairs, "sort_dir").unwrap_or("desc");
        if !matches!(sort_dir, "asc" | "desc") {
            return Err(invalid(format!("Invalid sort direction: {sort_dir}")));
        }
        let status = match last(pairs, "status").filter(|s| !s.is_empty()) {
            Some(text) => Some(
                text.parse::<TaskStatus>()
                    .map_err(|_| invalid(format!("Invalid status value: {text}")))?,
            ),
            None => None,
        };
        let task_type = match last(pairs, "type").filter(|t| !t.is_empty()) {
            Some("import") => Some("import".to_owned()),
            Some(other) => return Err(invalid(format!("Invalid type value: {other}"))),
            None => None,
        };
        let marker = first(pairs, "marker").map(str::to_owned);
        if marker
            .as_deref()
            .is_some_and(|m| !m.is_empty() && !uuid_like(m))
        {
            return Err(invalid("Invalid marker format".into()));
        }
        let limit = match first(pairs, "limit") {
            Some(text) => {
                let n: i64 = text
                    .trim()
                    .parse()
                    .map_err(|_| invalid("limit param must be an integer".into()))?;
                if n < 0 {
                    return Err(invalid("limit param must be positive".into()));
                }
                u32::try_from(n).unwrap_or(u32::MAX)
            }
            None => default_limit,
        };
        let key = first(pairs, "sort_key").unwrap_or("created_at");
        let Some((_, column, text)) = SORT_KEYS.iter().find(|(name, _, _)| *name == key) else {
            return Err(invalid("Sort key supplied was not valid.".into()));
        };
        Ok(TaskQuery {
            status,
            task_type,
            sort_key: TaskSortKey {
                column,
                text: *text,
            },
            ascending: sort_dir == "asc",
            limit: limit.min(max_limit),
            marker: marker.filter(|m| !m.is_empty()),
            link_query: link_query(pairs),
        })
    }

    /// The `first` link: the query as asked, without its marker.
    pub fn first_link(&self) -> String {
        if self.link_query.is_empty() {
            "/v2/tasks".into()
        } else {
            format!("/v2/tasks?{}", self.link_query)
        }
    }

    /// The `next` link, after the task `last_id`.
    pub fn next_link(&self, last_id: &str) -> String {
        let marker = encode_pairs([("marker", last_id)]);
        if self.link_query.is_empty() {
            format!("/v2/tasks?{marker}")
        } else {
            format!("/v2/tasks?{}&{marker}", self.link_query)
        }
    }
}

/// The parameters but `marker`, each once with its last value, in the order first given
/// (as Glance's `dict(request.params)`).
fn link_query(pairs: &[(String, String)]) -> String {
    let mut kept: Vec<(&str, &str)> = Vec::new();
    for (key, value) in pairs.iter().filter(|(k, _)| k != "marker") {
        match kept.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => kept.push((key, value)),
        }
    }
    encode_pairs(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn refusal(items: &[(&str, &str)]) -> String {
        match TaskQuery::parse(&pairs(items), 25, 1000) {
            Err(Error::InvalidInput(m)) => m,
            other => panic!("{items:?}: {other:?}"),
        }
    }

    #[test]
    fn defaults_are_newest_first_a_page_of_the_default_size() {
        let q = TaskQuery::parse(&[], 25, 1000).unwrap();
        assert_eq!(
            (q.limit, q.ascending, q.sort_key.column),
            (25, false, "created_at")
        );
        assert_eq!(q.first_link(), "/v2/tasks");
        assert_eq!(q.next_link("abc"), "/v2/tasks?marker=abc");
    }

    #[test]
    fn bad_parameters_are_refused_in_glances_words() {
        assert_eq!(refusal(&[("sort_dir", "up")]), "Invalid sort direction: up");
        assert_eq!(refusal(&[("status", "done")]), "Invalid status value: done");
        assert_eq!(
            refusal(&[("type", "api_image_import")]),
            "Invalid type value: api_image_import"
        );
        assert_eq!(refusal(&[("marker", "nope")]), "Invalid marker format");
        assert_eq!(refusal(&[("limit", "x")]), "limit param must be an integer");
        assert_eq!(refusal(&[("limit", "-1")]), "limit param must be positive");
        assert_eq!(
            refusal(&[("sort_key", "name")]),
            "Sort key supplied was not valid."
        );
    }

    #[test]
    fn filters_keys_and_links_follow_the_query() {
        let q = TaskQuery::parse(
            &pairs(&[
                ("type", "import"),
                ("status", "success"),
                ("sort_key", "type"),
                ("sort_dir", "asc"),
                ("limit", "5000"),
                ("marker", "0f2c3a5e-8a4b-4a7e-9d1c-2b3c4d5e6f70"),
            ]),
            25,
            1000,
        )
        .unwrap();
        assert_eq!(q.status, Some(TaskStatus::Success));
        assert_eq!(q.task_type.as_deref(), Some("import"));
        assert_eq!((q.sort_key.column, q.sort_key.text), ("task_type", true));
        assert!(q.ascending);
        assert_eq!(q.limit, 1000);
        assert_eq!(
            q.first_link(),
            "/v2/tasks?type=import&status=success&sort_key=type&sort_dir=asc&limit=5000"
        );
        assert!(q.next_link("t2").ends_with("&limit=5000&marker=t2"));
        assert!(uuid_like("0f2c3a5e8a4b4a7e9d1c2b3c4d5e6f70"));
    }
}
