//! List queries (`GET /v2/images`): every query parameter Glance takes, parsed and validated into
//! an `ImageListQuery` the store can run (paging, sorting, member status, visibility, hidden,
//! protected, tags, column and property filters), plus the `first`/`next` links. Which images a
//! caller may see is the store's and service's business, not this module's.

mod filters;
mod form;

/// The decoded `(key, value)` pairs of a raw query string, in order.
pub fn decode_pairs(raw: &str) -> Vec<(String, String)> {
    form::decode_pairs(raw)
}

/// `key=value&…`, each part form-encoded as Python's `urlencode` does.
pub fn encode_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    form::encode_pairs(pairs)
}
mod iso8601;
mod terms;

pub use self::terms::{
    CmpOp, Column, Filter, MemberStatusFilter, SortDir, SortKey, VisibilityFilter,
};
use crate::Error;
use crate::image::MemberStatus;

/// A parsed `GET /v2/images` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageListQuery {
    /// Page size: the default when absent, never above the maximum.
    pub limit: u32,
    /// Id of the last image of the previous page.
    pub marker: Option<String>,
    /// Sort keys as requested; empty means the default (`created_at` desc).
    pub sort: Vec<(SortKey, SortDir)>,
    /// The direction of the `created_at` and `id` tie-breakers (the single requested direction
    /// when exactly one was given, else desc); see `effective_sort`.
    pub tie_break_dir: SortDir,
    /// Default `Only(Accepted)`.
    pub member_status: MemberStatusFilter,
    pub visibility: Option<VisibilityFilter>,
    /// `false` (the default) lists only unhidden images, `true` only hidden ones.
    pub os_hidden: bool,
    pub protected: Option<bool>,
    /// Every one of these tags must be present.
    pub tags: Vec<String>,
    pub filters: Vec<Filter>,
    /// The query pairs to repeat in `first`/`next` links (all but `marker`), URL-encoded as
    /// `k=v&k2=v2`; may be empty.
    pub link_query: String,
}

impl ImageListQuery {
    /// The query of a `GET /v2/images` without parameters, with pages of `limit` images.
    pub fn new(limit: u32) -> Self {
        ImageListQuery {
            limit,
            marker: None,
            sort: Vec::new(),
            tie_break_dir: SortDir::Desc,
            member_status: MemberStatusFilter::Only(MemberStatus::Accepted),
            visibility: None,
            os_hidden: false,
            protected: None,
            tags: Vec::new(),
            filters: Vec::new(),
            link_query: String::new(),
        }
    }

    /// Only images of this visibility (`visibility=`).
    pub fn with_visibility(mut self, visibility: VisibilityFilter) -> Self {
        self.visibility = Some(visibility);
        self
    }

    /// Others' shared images in this member status (`member_status=`).
    pub fn with_member_status(mut self, status: MemberStatusFilter) -> Self {
        self.member_status = status;
        self
    }

    /// Only images owned by `owner` (`owner=`).
    pub fn owned_by(mut self, owner: &str) -> Self {
        self.filters
            .push(Filter::In(Column::Owner, vec![owner.to_owned()]));
        self
    }

    /// The page after the image `marker`.
    pub fn after(mut self, marker: &str) -> Self {
        self.marker = Some(marker.to_owned());
        self
    }

    /// The full ordering to apply: the requested keys (or `created_at` desc), then `created_at`
    /// and `id` unless already present, in `tie_break_dir`.
    pub fn effective_sort(&self) -> Vec<(SortKey, SortDir)> {
        let mut sort = if self.sort.is_empty() {
            vec![(SortKey::CreatedAt, SortDir::Desc)]
        } else {
            self.sort.clone()
        };
        for key in [SortKey::CreatedAt, SortKey::Id] {
            if !sort.iter().any(|(k, _)| *k == key) {
                sort.push((key, self.tie_break_dir));
            }
        }
        sort
    }

    /// `/v2/images`, with the query (all but `marker`) when there is one.
    pub fn first_link(&self) -> String {
        if self.link_query.is_empty() {
            "/v2/images".into()
        } else {
            format!("/v2/images?{}", self.link_query)
        }
    }

    /// The link to the page after the image `last_id`.
    pub fn next_link(&self, last_id: &str) -> String {
        let marker = form::encode(last_id);
        if self.link_query.is_empty() {
            format!("/v2/images?marker={marker}")
        } else {
            format!("/v2/images?{}&marker={marker}", self.link_query)
        }
    }
}

/// Parameters that are not filters.
const CONTROL_KEYS: [&str; 7] = [
    "limit",
    "marker",
    "member_status",
    "tag",
    "sort",
    "sort_key",
    "sort_dir",
];

/// Parses the raw query string (percent-encoded, as received) of `GET /v2/images`.
///
/// `limit`, `marker`, `member_status` and `sort` take their first occurrence; filter keys
/// their last; `tag`, `sort_key` and `sort_dir` every one. Errors are `InvalidInput` (400),
/// reported in the order Glance checks them.
pub fn parse_list_query(
    raw_query: Option<&str>,
    default_limit: u32,
    max_limit: u32,
) -> Result<ImageListQuery, Error> {
    let pairs = raw_query.map(form::decode_pairs).unwrap_or_default();
    let params = Params::new(&pairs);
    let visibility = parse_visibility(params.filter("visibility"))?;
    if params.filter("changes-since").is_some() {
        return Err(Error::InvalidInput(
            "The \"changes-since\" filter is no longer available on v2.".into(),
        ));
    }
    let member_status = parse_member_status(params.first("member_status"))?;
    let limit = page_size(params.first("limit"), default_limit, max_limit)?;
    let (sort, tie_break_dir) = parse_sort(
        &params.all("sort"),
        &params.all("sort_key"),
        &params.all("sort_dir"),
    )?;
    let os_hidden = match params.filter("os_hidden").map(str::to_lowercase) {
        None => false,
        Some(v) => parse_flag("os_hidden", &v)?,
    };
    let protected = params
        .filter("protected")
        .map(|v| parse_flag("protected", v))
        .transpose()?;
    Ok(ImageListQuery {
        limit,
        marker: params.first("marker").map(str::to_owned),
        sort,
        tie_break_dir,
        member_status,
        visibility,
        os_hidden,
        protected,
        tags: params
            .all("tag")
            .iter()
            .map(|t| t.trim().to_owned())
            .collect(),
        filters: params.column_filters()?,
        link_query: link_query(&pairs),
    })
}

/// The decoded query pairs, looked up the way each kind of parameter is read.
struct Params<'a> {
    /// Every pair, in the order received.
    pairs: &'a [(String, String)],
    /// The filter parameters (all but `CONTROL_KEYS`): each key once, with its last value, in
    /// the order of first occurrence.
    filters: Vec<(&'a str, &'a str)>,
}

impl<'a> Params<'a> {
    fn new(pairs: &'a [(String, String)]) -> Self {
        let mut filters: Vec<(&str, &str)> = Vec::new();
        for (key, value) in pairs
            .iter()
            .filter(|(k, _)| !CONTROL_KEYS.contains(&k.as_str()))
        {
            match filters.iter_mut().find(|(k, _)| k == key) {
                Some(entry) => entry.1 = value,
                None => filters.push((key, value)),
            }
        }
        Params { pairs, filters }
    }

    /// Every value of the parameter `name`, in order.
    fn all(&self, name: &str) -> Vec<&'a str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of the parameter `name`.
    fn first(&self, name: &str) -> Option<&'a str> {
        self.all(name).first().copied()
    }

    /// The (last) value of the filter parameter `name`.
    fn filter(&self, name: &str) -> Option<&'a str> {
        self.filters
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    }

    /// The column and property filters: every filter parameter `parse_list_query` does not
    /// read itself.
    fn column_filters(&self) -> Result<Vec<Filter>, Error> {
        const HANDLED: [&str; 5] = [
            "visibility",
            "changes-since",
            "os_hidden",
            "protected",
            "deleted",
        ];
        self.filters
            .iter()
            .filter(|(k, _)| !HANDLED.contains(k))
            .map(|(k, v)| filters::parse_filter(k, v))
            .collect()
    }
}

/// `visibility=`: `all` or one visibility.
fn parse_visibility(value: Option<&str>) -> Result<Option<VisibilityFilter>, Error> {
    value
        .map(|v| match v {
            "all" => Ok(VisibilityFilter::All),
            other => other.parse().map(VisibilityFilter::Only),
        })
        .transpose()
}

/// `member_status=`: `all` or one member status; `accepted` when absent.
fn parse_member_status(value: Option<&str>) -> Result<MemberStatusFilter, Error> {
    match value {
        None => Ok(MemberStatusFilter::Only(MemberStatus::Accepted)),
        Some("all") => Ok(MemberStatusFilter::All),
        Some(value) => MemberStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .map(MemberStatusFilter::Only)
            .ok_or_else(|| Error::InvalidInput(format!("Invalid status: {value}"))),
    }
}

/// `limit=`, capped at `max_limit`; `default_limit` (also capped) when absent.
fn page_size(value: Option<&str>, default_limit: u32, max_limit: u32) -> Result<u32, Error> {
    let limit = match value {
        Some(value) => parse_limit(value)?.min(u64::from(max_limit)),
        None => u64::from(default_limit.min(max_limit)),
    };
    Ok(u32::try_from(limit).unwrap_or(max_limit))
}

/// The pairs to repeat in `first`/`next` links: all but `marker`, encoded again.
fn link_query(pairs: &[(String, String)]) -> String {
    form::encode_pairs(
        pairs
            .iter()
            .filter(|(k, _)| k != "marker")
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )
}

/// An integer ≥ 0 (surrounding blanks and a sign allowed, as Python's `int` does); huge values
/// saturate.
fn parse_limit(value: &str) -> Result<u64, Error> {
    let text = value.trim();
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidInput("limit param must be an integer".into()));
    }
    if negative && digits.bytes().any(|b| b != b'0') {
        return Err(Error::InvalidInput("limit param must be positive".into()));
    }
    Ok(digits.parse().unwrap_or(u64::MAX))
}

/// The requested order and the tie-breakers' direction, from the new (`sort=k:dir,…`) or the
/// classic (`sort_key`/`sort_dir`, repeatable) syntax.
fn parse_sort(
    new: &[&str],
    keys: &[&str],
    dirs: &[&str],
) -> Result<(Vec<(SortKey, SortDir)>, SortDir), Error> {
    if let Some(spec) = new.first() {
        if !keys.is_empty() || !dirs.is_empty() {
            return Err(Error::InvalidInput(
                "Old and new sorting syntax cannot be combined".into(),
            ));
        }
        let sort = spec
            .trim()
            .split(',')
            .map(|part| {
                let (key, dir) = part.split_once(':').unwrap_or((part, ""));
                let key = SortKey::parse(key.trim())?;
                let dir = if dir.is_empty() {
                    SortDir::Desc
                } else {
                    SortDir::parse(dir.trim())?
                };
                Ok((key, dir))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let tie = match sort.as_slice() {
            [(_, dir)] => *dir,
            _ => SortDir::Desc,
        };
        return Ok((sort, tie));
    }
    let keys = keys
        .iter()
        .map(|k| SortKey::parse(k.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    let dirs = dirs
        .iter()
        .map(|d| SortDir::parse(d.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    if dirs.len() > 1 && dirs.len() != keys.len() {
        return Err(Error::InvalidInput(
            "Number of sort dirs does not match the number of sort keys".into(),
        ));
    }
    let keys = if keys.is_empty() && !dirs.is_empty() {
        vec![SortKey::CreatedAt]
    } else {
        keys
    };
    let tie = match dirs.as_slice() {
        [dir] => *dir,
        _ => SortDir::Desc,
    };
    let sort = keys
        .iter()
        .enumerate()
        .map(|(i, key)| (*key, dirs.get(i).copied().unwrap_or(tie)))
        .collect();
    Ok((sort, tie))
}

fn parse_flag(name: &str, value: &str) -> Result<bool, Error> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Error::InvalidInput(format!(
            "Invalid value '{value}' for '{name}' filter. Valid values are 'true' or 'false'."
        ))),
    }
}

#[cfg(test)]
mod tests;
