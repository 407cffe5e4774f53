//! Image API v2 records: create with its defaults and checks in Glance's order; show, update
//! with both PATCH media types, tags, deactivate and delete; who may deprecate and who reads
//! lineage; and the wire around them (version discovery, 401s, request ids, error bodies per
//! `Accept`, routing errors).

mod changes;
mod create;
mod deprecation;
mod lineage;
mod wire;
