//! The HTTP API as specs: in-process requests against the real router over a real store.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail loudly by design"
)]

mod account_usage;
mod app;
mod compute;
mod concurrency;
mod data;
mod events;
mod groups;
mod identity;
mod identity_admin;
mod image_cache;
mod image_updates;
mod images;
mod import_tasks;
mod inspection;
mod leftovers;
mod legacy_tasks;
mod lockout;
mod markers;
mod matrix;
mod metadefs;
mod multi_store;
mod nul_text;
mod operations;
mod panel;
mod region_copy;
mod reports;
mod retirement;
mod s3;
mod sharing;
mod sharing_policy;
mod sign_in_throttle;
mod spec;
mod tokens_cached;
mod transitions;
mod trust_report;
mod unknown_regions;
mod web_download;
mod webhooks;
