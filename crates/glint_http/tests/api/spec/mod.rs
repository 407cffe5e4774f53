//! The spec layer: what a behaviour test is written in, so that it reads in a few lines.
//! `client` is the wire (requests through the real router in-process); `actor` gives signed-in
//! users of accounts and their images; `sharing` and `compute` add the member and server calls;
//! `checks` holds the shared assertions and test data; `worlds` the accounts most specs start
//! from. Helpers only ever send HTTP requests, never call a service, so the wire stays tested.

pub mod actor;
pub mod checks;
pub mod client;
pub mod compute;
pub mod sharing;
pub mod worlds;

pub use actor::{Actor, Image, OCTET, V20, V21};
pub use checks::{assert_glance_error, md5_hex, pattern, sha512_hex};
pub use compute::SERVERS;
