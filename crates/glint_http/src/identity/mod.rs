//! The OpenStack Identity v3 subset that the ecosystem's clients need: version discovery,
//! password tokens scoped to an account, token validation and revocation, and project lookup.

pub mod discovery;
pub mod projects;
pub mod tokens;
mod views;
