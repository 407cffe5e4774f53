//! The crate's integration tests, in one binary: format inspection, the trust report, and
//! the fuzz tests that hold both to "no panic, no hang" on hostile input.

#![expect(clippy::expect_used, reason = "test support fails loudly by design")]

mod fixtures;
mod formats;
mod fuzz;
mod trust;

use glint_testkit::disk_images as support;
