//! Several image stores per region (Glance's multi-store): the rules for a store's id, the
//! order in which an image's stores are read and shown (highest weight first), and which stores
//! an import or an upload asks for. No I/O here.

use crate::Error;

/// Store ids Glance keeps for itself (its staging and tasks stores) and never shows.
pub const RESERVED_PREFIX: &str = "os_glance_";

/// The longest store id.
pub const MAX_ID_LEN: usize = 255;

/// Why `id` cannot name a store, if it cannot: it must be 1 to 255 letters, digits, `-` or
/// `_`, and not start with Glance's reserved `os_glance_`.
pub fn id_problem(id: &str) -> Option<String> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Some(format!(
            "store id '{id}' must be 1 to {MAX_ID_LEN} characters long"
        ));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Some(format!(
            "store id '{id}' may hold only letters, digits, '-' and '_'"
        ));
    }
    if id.starts_with(RESERVED_PREFIX) {
        return Some(format!(
            "store id '{id}' starts with '{RESERVED_PREFIX}', which Glance reserves for its own stores"
        ));
    }
    None
}

/// `ids` in reading order: highest weight first, then by id, without repeats.
pub fn in_read_order(ids: &[String], weight: impl Fn(&str) -> i64) -> Vec<String> {
    let mut ordered: Vec<String> = ids.to_vec();
    ordered.sort_by(|a, b| weight(b).cmp(&weight(a)).then_with(|| a.cmp(b)));
    ordered.dedup();
    ordered
}

/// The stores a data request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreChoice {
    /// None named: the default store.
    Default,
    /// These stores, by id, in the order asked.
    Named(Vec<String>),
    /// Every store (`all_stores: true`).
    All,
}

impl StoreChoice {
    /// The choice of an import body (`stores`, `all_stores`) and its `X-Image-Meta-Store`
    /// header, refused as Glance refuses them: `all_stores` with either of the others, or the
    /// body's `stores` with the header.
    pub fn of_import(
        stores: Option<Vec<String>>,
        all_stores: bool,
        header: Option<&str>,
    ) -> Result<StoreChoice, Error> {
        if all_stores {
            if stores.is_some() || header.is_some() {
                return Err(Error::InvalidInput(
                    "All_stores parameter can't be used with x-image-meta-store header or \
                     stores parameter"
                        .into(),
                ));
            }
            return Ok(StoreChoice::All);
        }
        match (stores, header) {
            (Some(_), Some(_)) => Err(Error::InvalidInput(
                "Stores parameter and x-image-meta-store header can't be both specified".into(),
            )),
            (Some(stores), None) => Ok(StoreChoice::Named(stores)),
            (None, Some(header)) => Ok(StoreChoice::Named(vec![header.to_owned()])),
            (None, None) => Ok(StoreChoice::Default),
        }
    }
}

/// The property Glance lists the stores an import still writes to in.
pub const IMPORTING: &str = "os_glance_importing_to_stores";
/// The property Glance lists the stores an import failed to write to in.
pub const FAILED: &str = "os_glance_failed_import";

/// A comma-separated store list (`existing`) with `stores` added (or taken away), sorted by
/// id, as Glance keeps `os_glance_importing_to_stores` and `os_glance_failed_import`.
pub fn merge_store_list(existing: Option<&str>, stores: &[String], subtract: bool) -> String {
    let mut listed: std::collections::BTreeSet<&str> = existing
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .collect();
    for store in stores {
        if subtract {
            listed.remove(store.as_str());
        } else {
            listed.insert(store.as_str());
        }
    }
    listed.into_iter().collect::<Vec<_>>().join(",")
}

/// What Glance says of a store id it does not know.
pub fn unknown_store(id: &str) -> String {
    format!("Store for identifier {id} not found")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_ids_are_plain_and_never_glances_own() {
        for good in ["fast", "cheap-2", "ceph_1"] {
            assert_eq!(id_problem(good), None, "{good}");
        }
        for bad in [
            "",
            "os_glance_staging_store",
            "with space",
            "a/b",
            &"x".repeat(256),
        ] {
            assert!(id_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn stores_are_read_heaviest_first_then_by_id() {
        let weight = |id: &str| match id {
            "slow" => 10,
            "fast" => 100,
            _ => 50,
        };
        let ids: Vec<String> = ["slow", "b", "fast", "a", "b"].map(String::from).to_vec();
        assert_eq!(in_read_order(&ids, weight), vec!["fast", "a", "b", "slow"]);
    }

    #[test]
    fn marker_lists_stay_sorted_and_unique() {
        let ab = ["b".to_owned(), "a".to_owned()];
        assert_eq!(merge_store_list(None, &ab, false), "a,b");
        assert_eq!(merge_store_list(Some("c,a"), &ab, false), "a,b,c");
        assert_eq!(merge_store_list(Some("a,b,c"), &ab, true), "c");
        assert_eq!(merge_store_list(Some(""), &ab, true), "");
    }

    #[test]
    fn all_stores_goes_alone() {
        let named = Some(vec!["a".to_owned()]);
        assert!(matches!(
            StoreChoice::of_import(None, true, None),
            Ok(StoreChoice::All)
        ));
        assert!(StoreChoice::of_import(named.clone(), true, None).is_err());
        assert!(StoreChoice::of_import(None, true, Some("a")).is_err());
        assert!(StoreChoice::of_import(named.clone(), false, Some("a")).is_err());
        assert!(matches!(
            StoreChoice::of_import(None, false, Some("a")),
            Ok(StoreChoice::Named(ids)) if ids == ["a"]
        ));
        assert!(matches!(
            StoreChoice::of_import(None, false, None),
            Ok(StoreChoice::Default)
        ));
    }
}
