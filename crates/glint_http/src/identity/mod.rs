//! The OpenStack Identity v3 subset that the ecosystem's clients need: version discovery,
//! password tokens scoped to an account, token validation and revocation, and the admin subset:
//! projects, users, self-service password change, roles, role assignments and the one domain.

mod body;
pub mod discovery;
pub mod domains;
pub mod projects;
pub mod roles;
pub mod tokens;
pub mod users;
mod views;
