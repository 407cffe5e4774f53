//! Identity wire views: the token body Keystone returns on issue and validate, and projects.

use glint_app::identity::{DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME};
use glint_app::{Catalog, CatalogService};
use glint_core::{Account, AuthContext};
use serde_json::{Value, json};

fn domain() -> Value {
    json!({"id": DEFAULT_DOMAIN_ID, "name": DEFAULT_DOMAIN_NAME})
}

fn catalog_view(catalog: &Catalog) -> Value {
    catalog
        .iter()
        .map(|service| {
            json!({
                "id": service.id,
                "type": service.service_type,
                "name": service.name,
                "endpoints": service.endpoints.iter().map(|e| json!({
                    "id": e.id,
                    "interface": e.interface.as_str(),
                    "region_id": e.region.as_str(),
                    "region": e.region.as_str(),
                    "url": e.url,
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// `{"token": {...}}` for a caller, with the catalog unless `nocatalog` was asked.
pub(crate) fn token(ctx: &AuthContext, catalog: Option<&CatalogService>) -> Value {
    let roles: Vec<Value> = ctx
        .role
        .effective()
        .map(|r| json!({"id": r.id(), "name": r.as_str()}))
        .collect();
    let mut body = json!({
        "methods": ["password"],
        "expires_at": ctx.expires_at.to_keystone(),
        "issued_at": ctx.issued_at.to_keystone(),
        "audit_ids": [ctx.audit_id],
        "is_domain": false,
        "user": {
            "id": ctx.user_id.as_str(),
            "name": ctx.username.as_str(),
            "domain": domain(),
            "password_expires_at": null,
        },
        "project": {
            "id": ctx.account_id.as_str(),
            "name": ctx.account_name.as_str(),
            "domain": domain(),
        },
        "roles": roles,
    });
    if let (Some(catalog), Some(obj)) = (catalog, body.as_object_mut()) {
        obj.insert(
            "catalog".into(),
            catalog_view(&catalog.for_regions(&ctx.regions)),
        );
    }
    json!({"token": body})
}

/// A project as Keystone shows it.
pub(crate) fn project(account: &Account, catalog: &CatalogService) -> Value {
    json!({
        "id": account.id.as_str(),
        "name": account.name.as_str(),
        "domain_id": DEFAULT_DOMAIN_ID,
        "enabled": true,
        "description": "",
        "is_domain": false,
        "parent_id": DEFAULT_DOMAIN_ID,
        "tags": [],
        "options": {},
        "links": {"self": format!("{}/projects/{}", catalog.identity_url(), account.id)},
    })
}
