//! Who uses an image: for its owner (and the admin), per consumer account its share and how many
//! live servers in how many regions were built from the image, the last boot, and the images
//! saved from such servers. Counts only: never a server's name or id of another account.
//! Accounts that use the image without ever having been offered it (public or community
//! images) are counted together, not named.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::Timestamp;
use crate::image::{ImageId, MemberStatus};

/// Live servers of one account in one region built from the image, and its last boot from it
/// (of any of its servers, live or deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUse {
    pub account: String,
    pub region: String,
    pub live: u64,
    pub last_boot_at: Option<Timestamp>,
}

/// A share of the image as the store keeps it, live or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareRecord {
    pub account: String,
    pub status: MemberStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Removed: the row stays, so the account is still named to the producer.
    pub removed: bool,
    /// When the producer scheduled the share's removal, if it did.
    pub remove_at: Option<Timestamp>,
}

/// What one account (or a group of them) does with the image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UseFigures {
    pub servers: u64,
    pub regions: u64,
    pub last_boot_at: Option<Timestamp>,
    /// Live images saved from servers built from the image.
    pub copies: u64,
}

impl UseFigures {
    fn to_wire(&self) -> Value {
        json!({
            "servers": self.servers,
            "regions": self.regions,
            "last_boot_at": self.last_boot_at.map(Timestamp::to_glance),
            "copies": self.copies,
        })
    }
}

/// One consumer account: its share (live or removed) and its use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerUsage {
    pub share: ShareRecord,
    pub uses: UseFigures,
}

/// The usage report of one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUsage {
    pub image_id: ImageId,
    pub region: String,
    pub owner: UseFigures,
    /// Every account ever offered the image, live shares first, then in the order offered.
    pub consumers: Vec<ConsumerUsage>,
    /// Accounts never offered the image that use it (servers, copies or past boots): how many,
    /// how many of them with live servers, and their use together.
    pub other_accounts: u64,
    pub other_accounts_with_servers: u64,
    pub others: UseFigures,
}

/// Figures of every account, built from the rows.
#[derive(Default)]
struct Tally {
    regions: BTreeSet<String>,
    figures: UseFigures,
}

impl Tally {
    fn add(&mut self, row: &ServerUse) {
        if row.live > 0 {
            self.regions.insert(row.region.clone());
        }
        self.figures.servers += row.live;
        self.figures.last_boot_at = self.figures.last_boot_at.max(row.last_boot_at);
    }

    fn merge(&mut self, other: Tally) {
        self.regions.extend(other.regions);
        self.figures.servers += other.figures.servers;
        self.figures.copies += other.figures.copies;
        self.figures.last_boot_at = self.figures.last_boot_at.max(other.figures.last_boot_at);
    }

    fn is_empty(&self) -> bool {
        self.figures.servers == 0 && self.figures.copies == 0 && self.figures.last_boot_at.is_none()
    }

    fn done(mut self) -> UseFigures {
        self.figures.regions = self.regions.len() as u64;
        self.figures
    }
}

impl ImageUsage {
    /// The report of the image owned by `owner`, from its shares, its servers per account and
    /// region, and its copies per account.
    pub fn build(
        image_id: ImageId,
        region: String,
        owner: Option<&str>,
        mut shares: Vec<ShareRecord>,
        servers: &[ServerUse],
        copies: &[(String, u64)],
    ) -> ImageUsage {
        let mut by_account: BTreeMap<&str, Tally> = BTreeMap::new();
        for row in servers {
            by_account.entry(&row.account).or_default().add(row);
        }
        for (account, n) in copies {
            by_account.entry(account).or_default().figures.copies += n;
        }
        let owner_uses = owner.and_then(|o| by_account.remove(o)).unwrap_or_default();
        shares.sort_by_key(|s| (s.removed, s.created_at));
        let consumers = shares
            .into_iter()
            .map(|share| {
                let uses = by_account
                    .remove(share.account.as_str())
                    .unwrap_or_default();
                ConsumerUsage {
                    share,
                    uses: uses.done(),
                }
            })
            .collect();
        let mut others = Tally::default();
        let (mut other_accounts, mut other_accounts_with_servers) = (0, 0);
        for (_, tally) in by_account {
            other_accounts += u64::from(!tally.is_empty());
            other_accounts_with_servers += u64::from(tally.figures.servers > 0);
            others.merge(tally);
        }
        ImageUsage {
            image_id,
            region,
            owner: owner_uses.done(),
            consumers,
            other_accounts,
            other_accounts_with_servers,
            others: others.done(),
        }
    }

    /// Accounts with live servers from the image (the owner's included), and those servers.
    pub fn in_use(&self) -> (u64, u64) {
        let named = std::iter::once(&self.owner).chain(self.consumers.iter().map(|c| &c.uses));
        let (mut accounts, mut servers) = (self.other_accounts_with_servers, self.others.servers);
        for uses in named.filter(|u| u.servers > 0) {
            accounts += 1;
            servers += uses.servers;
        }
        (accounts, servers)
    }

    /// The report on the wire (`GET …/images/{id}/glint-usage`).
    pub fn to_wire(&self) -> Value {
        let (accounts, servers) = self.in_use();
        let consumers: Vec<Value> = self
            .consumers
            .iter()
            .map(|c| {
                let share = &c.share;
                let mut row = c.uses.to_wire();
                let fields = [
                    ("account_id", json!(share.account)),
                    (
                        "member_status",
                        json!(if share.removed {
                            "removed"
                        } else {
                            share.status.as_str()
                        }),
                    ),
                    ("shared_at", json!(share.created_at.to_glance())),
                    ("status_updated_at", json!(share.updated_at.to_glance())),
                    (
                        "removal_scheduled_at",
                        json!(share.remove_at.map(Timestamp::to_glance)),
                    ),
                ];
                if let Value::Object(map) = &mut row {
                    for (k, v) in fields {
                        map.insert(k.into(), v);
                    }
                }
                row
            })
            .collect();
        let mut others = self.others.to_wire();
        if let Value::Object(map) = &mut others {
            map.insert("accounts".into(), json!(self.other_accounts));
        }
        json!({
            "image_id": self.image_id.as_str(),
            "region": self.region,
            "in_use": {"accounts": accounts, "servers": servers},
            "owner": self.owner.to_wire(),
            "consumers": consumers,
            "others": others,
        })
    }
}

#[cfg(test)]
mod tests;
