//! The namespace list's query (`GET /v2/metadefs/namespaces?…`) and its page: which namespaces
//! a caller is shown, in what order, and where the next page starts. A cloud's catalog holds
//! tens of namespaces, so the page is cut from every namespace the caller may see.

use std::cmp::Ordering;

use super::{ListedNamespace, Visibility, can_see};
use crate::{AuthContext, Error, Result};

/// The most namespaces a page holds, and the default.
const MAX_LIMIT: usize = 1000;
const DEFAULT_LIMIT: usize = 25;

/// What a namespace list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Namespace,
    CreatedAt,
    UpdatedAt,
}

/// The parameters of a namespace list.
#[derive(Debug, Clone, PartialEq)]
pub struct NamespaceQuery {
    pub limit: usize,
    /// The namespace after which the page starts.
    pub marker: Option<String>,
    pub sort_key: SortKey,
    pub ascending: bool,
    pub visibility: Option<Visibility>,
    /// Only namespaces associated with any of these resource types.
    pub resource_types: Vec<String>,
}

impl Default for NamespaceQuery {
    fn default() -> Self {
        NamespaceQuery {
            limit: DEFAULT_LIMIT,
            marker: None,
            sort_key: SortKey::CreatedAt,
            ascending: false,
            visibility: None,
            resource_types: Vec::new(),
        }
    }
}

impl NamespaceQuery {
    /// The query from its `key=value` pairs; an unknown key or a bad value is 400.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut query = NamespaceQuery::default();
        for (key, value) in pairs {
            match key {
                "limit" => {
                    query.limit = value
                        .parse::<usize>()
                        .map_err(|_| Error::InvalidInput("limit param must be an integer".into()))?
                        .min(MAX_LIMIT);
                }
                "marker" => query.marker = Some(value.to_owned()),
                "sort_key" => {
                    query.sort_key = match value {
                        "namespace" => SortKey::Namespace,
                        "created_at" => SortKey::CreatedAt,
                        "updated_at" => SortKey::UpdatedAt,
                        _ => return Err(Error::InvalidInput(format!("Invalid sort key: {value}"))),
                    }
                }
                "sort_dir" => {
                    query.ascending = match value {
                        "asc" => true,
                        "desc" => false,
                        _ => {
                            return Err(Error::InvalidInput(format!(
                                "Invalid sort direction: {value}"
                            )));
                        }
                    }
                }
                "visibility" => {
                    query.visibility = Some(Visibility::parse(value).ok_or_else(|| {
                        Error::InvalidInput(format!("Invalid visibility value: {value}"))
                    })?)
                }
                "resource_types" => {
                    query.resource_types = value
                        .split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned)
                        .collect()
                }
                _ => {
                    return Err(Error::InvalidInput(format!(
                        "Unknown query parameter: {key}"
                    )));
                }
            }
        }
        Ok(query)
    }
}

impl NamespaceQuery {
    /// The link to the page after `marker`, with this query's other parameters.
    pub fn next_link(&self, marker: &str) -> String {
        let limit = self.limit.to_string();
        let sort_key = match self.sort_key {
            SortKey::Namespace => "namespace",
            SortKey::CreatedAt => "created_at",
            SortKey::UpdatedAt => "updated_at",
        };
        let sort_dir = if self.ascending { "asc" } else { "desc" };
        let types = self.resource_types.join(",");
        let mut pairs = vec![
            ("marker", marker),
            ("limit", limit.as_str()),
            ("sort_key", sort_key),
            ("sort_dir", sort_dir),
        ];
        if let Some(v) = self.visibility {
            pairs.push(("visibility", v.as_str()));
        }
        if !types.is_empty() {
            pairs.push(("resource_types", types.as_str()));
        }
        format!(
            "/v2/metadefs/namespaces?{}",
            crate::image::query::encode_pairs(pairs)
        )
    }
}

fn compare(key: SortKey, a: &ListedNamespace, b: &ListedNamespace) -> Ordering {
    let (a, b) = (&a.namespace, &b.namespace);
    let primary = match key {
        SortKey::Namespace => Ordering::Equal,
        SortKey::CreatedAt => a.created_at.cmp(&b.created_at),
        SortKey::UpdatedAt => a.updated_at.cmp(&b.updated_at),
    };
    primary.then_with(|| a.namespace.cmp(&b.namespace))
}

/// The page of `all` that `caller` is shown for `query`, and the marker of the next page (the
/// last namespace of a full page). A marker the caller cannot see is 400, as an unknown one.
pub fn page(
    mut all: Vec<ListedNamespace>,
    caller: &AuthContext,
    query: &NamespaceQuery,
) -> Result<(Vec<ListedNamespace>, Option<String>)> {
    all.retain(|listed| {
        can_see(caller, &listed.namespace)
            && query
                .visibility
                .is_none_or(|v| listed.namespace.visibility == v)
            && (query.resource_types.is_empty()
                || listed
                    .associations
                    .iter()
                    .any(|a| query.resource_types.contains(&a.fields.name)))
    });
    all.sort_by(|a, b| {
        let order = compare(query.sort_key, a, b);
        if query.ascending {
            order
        } else {
            order.reverse()
        }
    });
    let start = match &query.marker {
        None => 0,
        Some(marker) => {
            all.iter()
                .position(|l| &l.namespace.namespace == marker)
                .ok_or_else(|| {
                    Error::InvalidInput(format!("marker {marker} could not be found."))
                })?
                + 1
        }
    };
    let page: Vec<_> = all.into_iter().skip(start).take(query.limit).collect();
    let next = (query.limit > 0 && page.len() == query.limit)
        .then(|| page.last().map(|l| l.namespace.namespace.clone()))
        .flatten();
    Ok((page, next))
}
