//! Who sees an image: the one statement of the rule, for a caller, an image and the caller's own
//! live share of it (if any). `can_see` decides for one image (a read, a change, a share, a
//! list's marker); `listed` is the same rule for lists: `can_see`, narrowed by the list's
//! visibility and member-status filters and by what lists always leave out. The list statement
//! restates `listed` in SQL, in `glint_db::image_list::visible`, and a test checks the two
//! against each other on a generated population of images and callers on both engines
//! (`crates/glint_db/tests/visibility.rs`). A change to who sees what starts here and is
//! restated there.

use crate::image::query::{ImageListQuery, MemberStatusFilter, VisibilityFilter};
use crate::image::{Image, ImageMember, ImageStatus, Visibility};
use crate::{AuthContext, RegionName};

/// Whether the caller owns the image (acts for the owning account).
pub fn owns(caller: &AuthContext, image: &Image) -> bool {
    image.owner.as_deref() == Some(caller.account_id.as_str())
}

/// Whether the caller may use the region at all (the admin may use every region).
pub fn may_use_region(caller: &AuthContext, region: &RegionName) -> bool {
    caller.is_admin() || caller.may_use_region(region)
}

/// Whether the caller can see the image, given its own live share of it (if any): in a region
/// it may use, the admin sees every image, an account its own, everyone's public and community
/// images, and shared images shared with it, whatever its answer to the share.
pub fn can_see(caller: &AuthContext, image: &Image, membership: Option<&ImageMember>) -> bool {
    if !may_use_region(caller, &image.region) {
        return false;
    }
    caller.is_admin()
        || owns(caller, image)
        || matches!(image.visibility, Visibility::Public | Visibility::Community)
        || (image.visibility == Visibility::Shared && membership.is_some())
}

/// Whether a list with `query`'s filters shows the image to the caller, given its own live
/// share of it (if any). Lists leave out killed and deleted images, and show hidden images
/// only when asked for them, and then only those. Among the images the caller can see:
/// - the admin's lists ignore member status; by default they leave out other accounts'
///   community images; `visibility=all` shows everything, one visibility everyone's of it;
/// - another caller's default list has its own images, the public ones, and those shared with
///   it in the asked member status (accepted by default); `visibility=all` adds the community
///   images; `public` and `community` are everyone's of that visibility; `shared` is its own
///   shared images and those shared with it; `private` its own private ones.
///
/// The query's other filters (tags, properties, columns, `protected`) narrow any list further;
/// they say nothing about who sees what.
pub fn listed(
    caller: &AuthContext,
    image: &Image,
    membership: Option<&ImageMember>,
    query: &ImageListQuery,
) -> bool {
    if !can_see(caller, image, membership)
        || matches!(image.status, ImageStatus::Killed | ImageStatus::Deleted)
        || image.os_hidden != query.os_hidden
    {
        return false;
    }
    let visibility = image.visibility;
    let mine = owns(caller, image);
    if caller.is_admin() {
        return match query.visibility {
            None => visibility != Visibility::Community || mine,
            Some(VisibilityFilter::All) => true,
            Some(VisibilityFilter::Only(v)) => visibility == v,
        };
    }
    let shared_with_me = !mine
        && visibility == Visibility::Shared
        && membership.is_some_and(|m| match query.member_status {
            MemberStatusFilter::All => true,
            MemberStatusFilter::Only(status) => m.status == status,
        });
    match query.visibility {
        None => mine || visibility == Visibility::Public || shared_with_me,
        Some(VisibilityFilter::All) => {
            mine || matches!(visibility, Visibility::Public | Visibility::Community)
                || shared_with_me
        }
        Some(VisibilityFilter::Only(Visibility::Shared)) => {
            (mine && visibility == Visibility::Shared) || shared_with_me
        }
        Some(VisibilityFilter::Only(Visibility::Private)) => {
            mine && visibility == Visibility::Private
        }
        Some(VisibilityFilter::Only(v)) => visibility == v,
    }
}

#[cfg(test)]
mod tests;
