//! The scale run's synthetic store, the same on every run: image number `n` always has the same
//! id, owner, visibility and time. The measured owner has 2,000 images and the measured
//! consumer 500 accepted shares (plus pending and rejected ones); everything else belongs to a
//! thousand other accounts and is shared with many more, so the store grows while both
//! callers' own slices stay the same size.

use std::collections::{BTreeMap, BTreeSet};

use glint_core::image::{Image, ImageId, ImageMember, ImageStatus, MemberStatus, Visibility};
use glint_core::{RegionName, Timestamp};

/// The measured owner's and consumer's account numbers.
pub const OWNER: &str = "720001";
pub const CONSUMER: &str = "720002";
/// Images the owner has, and shares the consumer accepted, in the first stage.
pub const OWNER_IMAGES: usize = 2_000;
pub const ACCEPTED: usize = 500;
const PENDING: usize = 100;
const REJECTED: usize = 50;
/// One public (operator) image in this many, among the first stage's images.
const PUBLIC_EVERY: usize = 500;

/// 2025-01-01T00:00:00Z in microseconds.
const EPOCH: i64 = 1_735_689_600_000_000;

fn mix(n: usize) -> u64 {
    // splitmix64: a fixed, well-spread number per image.
    let mut z = (n as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Image number `n`'s id: UUID-shaped, unique by `n`, unrelated to its age.
pub fn image_id(n: usize) -> String {
    let h = mix(n);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h >> 20) & 0xfff,
        n
    )
}

/// Whether image `n` is one of the measured owner's, in a first stage of `first` images.
fn owned(n: usize, first: usize) -> bool {
    let step = (first / OWNER_IMAGES).max(1);
    n < first && n.is_multiple_of(step) && n / step < OWNER_IMAGES
}

/// Image number `n` of a store whose first stage has `first` images.
pub fn image(n: usize, first: usize) -> Image {
    let h = mix(n);
    let roll = h % 100;
    let created = Timestamp::from_micros(EPOCH + n as i64 * 1_000_000);
    let (owner, visibility, status, region) = placement(n, first, h);
    let active = status == ImageStatus::Active;
    Image {
        id: ImageId::from_trusted(image_id(n)),
        region: RegionName::from_trusted(region.to_owned()),
        name: Some(format!("image-{n}")),
        owner: Some(owner),
        status,
        visibility,
        protected: false,
        os_hidden: false,
        checksum: None,
        os_hash_algo: None,
        os_hash_value: None,
        size: active.then_some(((h >> 40) % (8 << 30)) as i64),
        virtual_size: None,
        disk_format: Some(
            if roll.is_multiple_of(2) {
                "raw"
            } else {
                "qcow2"
            }
            .to_owned(),
        ),
        container_format: Some("bare".to_owned()),
        min_ram: 0,
        min_disk: 0,
        created_at: created,
        updated_at: created,
        tags: BTreeSet::new(),
        properties: BTreeMap::new(),
        quarantined_at: None,
        quarantine_note: None,
        stores: Vec::new(),
    }
}

/// Image `n`'s owner, visibility, status and region, from its number's hash `h`: the measured
/// owner's images are active in DFW, a fifth of them private; the others' are spread over the
/// visibilities (a few public ones in the first stage), statuses and both regions.
fn placement(n: usize, first: usize, h: u64) -> (String, Visibility, ImageStatus, &'static str) {
    let roll = h % 100;
    if owned(n, first) {
        let v = if roll < 20 {
            Visibility::Private
        } else {
            Visibility::Shared
        };
        return (OWNER.to_owned(), v, ImageStatus::Active, "DFW");
    }
    let owner = format!("8{:05}", (h >> 8) % 1_000);
    let visibility = if n < first && n % PUBLIC_EVERY == 7 {
        Visibility::Public
    } else if roll < 5 {
        Visibility::Community
    } else if roll < 25 {
        Visibility::Private
    } else {
        Visibility::Shared
    };
    let status = match roll {
        99 => ImageStatus::Deleted,
        r if r % 7 == 0 => ImageStatus::Queued,
        _ => ImageStatus::Active,
    };
    let region = if n % 10 == 9 { "IAD" } else { "DFW" };
    (owner, visibility, status, region)
}

/// The shares of a first stage of `first` images, `total` in all: the measured consumer's
/// (accepted, pending, rejected, on other accounts' shared images in DFW), then shares of every
/// shared image with other accounts, round-robin, so no (image, member) pair repeats.
pub fn members(first: usize, total: usize) -> Vec<ImageMember> {
    let shared: Vec<Image> = (0..first)
        .map(|n| image(n, first))
        .filter(|i| i.visibility == Visibility::Shared && i.status != ImageStatus::Deleted)
        .collect();
    let theirs: Vec<&Image> = shared
        .iter()
        .filter(|i| i.owner.as_deref() != Some(OWNER) && i.region.as_str() == "DFW")
        .collect();
    let mine = ACCEPTED + PENDING + REJECTED;
    let mut out = Vec::with_capacity(total);
    let share = |image: &Image, member: String, status: MemberStatus| {
        let at = Timestamp::from_micros(image.created_at.micros() + 3_600_000_000);
        ImageMember {
            image_id: image.id.clone(),
            member_id: member,
            status,
            created_at: at,
            updated_at: at,
        }
    };
    for k in 0..mine.min(theirs.len()) {
        let image = theirs[k * theirs.len() / mine];
        let status = if k < ACCEPTED {
            MemberStatus::Accepted
        } else if k < ACCEPTED + PENDING {
            MemberStatus::Pending
        } else {
            MemberStatus::Rejected
        };
        out.push(share(image, CONSUMER.to_owned(), status));
    }
    if shared.is_empty() {
        return out;
    }
    for k in 0..total.saturating_sub(out.len()) {
        let image = &shared[k % shared.len()];
        let status = match k % 10 {
            0..=5 => MemberStatus::Accepted,
            6..=8 => MemberStatus::Pending,
            _ => MemberStatus::Rejected,
        };
        out.push(share(image, format!("9{:06}", k / shared.len()), status));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_stage_gives_the_owner_and_consumer_their_fixed_slices() {
        let first = 10_000;
        let owned = (0..first)
            .map(|n| image(n, first))
            .filter(|i| i.owner.as_deref() == Some(OWNER))
            .count();
        assert_eq!(owned, OWNER_IMAGES);
        let shares = members(first, 20_000);
        assert_eq!(shares.len(), 20_000);
        let accepted = shares
            .iter()
            .filter(|m| m.member_id == CONSUMER && m.status == MemberStatus::Accepted)
            .count();
        assert_eq!(accepted, ACCEPTED);
        let pairs: BTreeSet<(&str, &str)> = shares
            .iter()
            .map(|m| (m.image_id.as_str(), m.member_id.as_str()))
            .collect();
        assert_eq!(pairs.len(), shares.len());
    }

    #[test]
    fn ids_are_unique_and_stable() {
        assert_eq!(image_id(42), image_id(42));
        assert_ne!(image_id(42), image_id(43));
        assert_eq!(image_id(7).len(), 36);
    }
}
