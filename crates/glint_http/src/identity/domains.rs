//! `/identity/v3/domains`: Glint has one domain, Keystone's `default` ("Default"), which every
//! signed-in caller may read.

use axum::Json;
use axum::extract::{Path, Query, State};
use glint_app::identity::{DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME};
use glint_core::Error;
use glint_core::error::Kind;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::IdentityError;
use crate::extract::IdentityCaller;
use crate::identity::{body, views};
use crate::router::AppState;

/// `?name=` and `?enabled=` on the domain list.
#[derive(Deserialize)]
pub struct DomainQuery {
    name: Option<String>,
    enabled: Option<String>,
}

/// `GET /identity/v3/domains`.
pub async fn list_domains(
    State(state): State<AppState>,
    IdentityCaller(_caller): IdentityCaller,
    Query(query): Query<DomainQuery>,
) -> Json<Value> {
    let matches = query
        .name
        .as_deref()
        .is_none_or(|n| n == DEFAULT_DOMAIN_NAME)
        && query.enabled.as_deref().is_none_or(body::is_true);
    let domains = if matches {
        vec![views::domain(&state.catalog)]
    } else {
        Vec::new()
    };
    Json(views::list("domains", domains, &state.catalog))
}

/// `GET /identity/v3/domains/{domain_id}`: the Default domain, by id; 404 for any other.
pub async fn show_domain(
    State(state): State<AppState>,
    IdentityCaller(_caller): IdentityCaller,
    Path(domain_id): Path<String>,
) -> Result<Json<Value>, IdentityError> {
    if domain_id != DEFAULT_DOMAIN_ID {
        return Err(Error::not_found(Kind::Domain, domain_id).into());
    }
    Ok(Json(json!({"domain": views::domain(&state.catalog)})))
}
