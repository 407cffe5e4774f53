//! The spec layer: what a behaviour test is written in. `client` is the wire (requests through
//! the real router in-process).

pub mod client;
