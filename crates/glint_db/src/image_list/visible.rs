//! The list form of who sees an image, in SQL: this module restates
//! `glint_core::image::visible::listed` (which is `can_see` narrowed by a list's filters) for the
//! list statement, and nothing else in the statement says who sees what. The rule's region gate
//! stays outside: the service lists only in a region the caller may use. What every list leaves
//! out is `always`; who sees what is the union of index-backed branches (own images, one
//! visibility, shares, the admin's region), each arm of the core rule a branch or two, so that
//! no list reads the whole region. `crates/glint_db/tests/visibility.rs` checks this module
//! against the core rule on a generated population of images and callers; change both together.

use glint_core::image::Visibility;
use glint_core::image::query::{ImageListQuery, MemberStatusFilter, SortDir, VisibilityFilter};

use super::ListScope;

/// One way into the images a caller may list, each served by its own index, so that no list
/// reads the whole region: the caller's own images, everyone's images of one visibility, the
/// images shared with the caller, or (for the admin) the region in `created_at` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Branch {
    /// `i.owner = me`, of this visibility if given (index `images_owner_created`).
    Own(Option<Visibility>),
    /// Every account's images of this visibility (index `images_visibility_created`).
    Everyone(Visibility),
    /// Shared with me in the asked member status (index `image_members_member_created`).
    SharedWithMe,
    /// The admin's view of the whole region, community images included or not (index
    /// `images_region_created`, which walks the region in `created_at` order).
    Region { community: bool },
}

/// The conditions every list puts on an image, whoever lists: not deleted, not killed, hidden
/// or not as asked.
pub(super) fn always(query: &ImageListQuery) -> [String; 3] {
    [
        "i.deleted = 0".to_owned(),
        "i.status <> 'killed'".to_owned(),
        format!("i.os_hidden = {}", i64::from(query.os_hidden)),
    ]
}

/// The branches whose union is exactly the images `listed` admits for `query` (with `always`).
pub(super) fn branches(scope: &ListScope<'_>, query: &ImageListQuery) -> Vec<Branch> {
    use Visibility::{Community, Private, Public, Shared};
    if scope.is_admin {
        return match query.visibility {
            None => vec![
                Branch::Region { community: false },
                Branch::Own(Some(Community)),
            ],
            Some(VisibilityFilter::All) => vec![Branch::Region { community: true }],
            Some(VisibilityFilter::Only(v)) => vec![Branch::Everyone(v)],
        };
    }
    match query.visibility {
        None => vec![
            Branch::Own(None),
            Branch::Everyone(Public),
            Branch::SharedWithMe,
        ],
        Some(VisibilityFilter::All) => vec![
            Branch::Own(None),
            Branch::Everyone(Public),
            Branch::Everyone(Community),
            Branch::SharedWithMe,
        ],
        Some(VisibilityFilter::Only(Public)) => vec![Branch::Everyone(Public)],
        Some(VisibilityFilter::Only(Community)) => vec![Branch::Everyone(Community)],
        Some(VisibilityFilter::Only(Shared)) => {
            vec![Branch::Own(Some(Shared)), Branch::SharedWithMe]
        }
        Some(VisibilityFilter::Only(Private)) => vec![Branch::Own(Some(Private))],
    }
}

/// How a branch reads and orders its rows.
pub(super) struct Source {
    pub(super) from: &'static str,
    pub(super) condition: String,
    /// The branch's own ORDER BY, when it differs from the page's.
    pub(super) order: Option<String>,
}

/// The branch's tables and condition. `me` is the caller's parameter; `others_only` excludes
/// the caller's own images (they come from the `Own` branch, so the branches stay disjoint);
/// `by_creation` is the direction of the default order, which the shares' index serves.
pub(super) fn branch_source(
    branch: Branch,
    me: &str,
    others_only: bool,
    by_creation: Option<SortDir>,
    query: &ImageListQuery,
) -> Source {
    let only = |v: Visibility| format!("i.visibility = '{}'", v.as_str());
    let not_mine = if others_only {
        format!(" AND COALESCE(i.owner, '') <> {me}")
    } else {
        String::new()
    };
    let plain = |condition: String| Source {
        from: "images i",
        condition,
        order: None,
    };
    match branch {
        Branch::Own(None) => plain(format!("i.owner = {me}")),
        // The visibility is an expression here, not a column, so that no engine reads the
        // whole region's images of that visibility instead of the caller's own few.
        Branch::Own(Some(v)) => plain(format!(
            "i.owner = {me} AND (i.visibility || '') = '{}'",
            v.as_str()
        )),
        Branch::Everyone(v) => plain(format!("{}{not_mine}", only(v))),
        Branch::SharedWithMe => {
            let status = match query.member_status {
                MemberStatusFilter::All => String::new(),
                MemberStatusFilter::Only(s) => format!(" AND m.status = '{}'", s.as_str()),
            };
            // CROSS JOIN keeps SQLite from turning the join around: the caller's shares are
            // few, the region's images many. A share keeps its image's created_at, so the
            // default order walks the shares' index and stops at the page's end.
            let order = by_creation.map(|d| {
                let d = d.as_str().to_uppercase();
                format!("m.image_created_at {d}, m.image_id {d}")
            });
            Source {
                from: "image_members m CROSS JOIN images i",
                condition: format!(
                    "m.member = {me} AND m.deleted = 0{status} AND i.id = m.image_id \
                     AND {}{not_mine}",
                    only(Visibility::Shared)
                ),
                order,
            }
        }
        // The admin's own community images come from `Own`.
        Branch::Region { community: false } => plain("i.visibility <> 'community'".to_owned()),
        Branch::Region { community: true } => plain("1 = 1".to_owned()),
    }
}
