//! Identity wire views, as Keystone shows them: the token body of issue and validate, projects,
//! users, roles, role assignments, the domain, and the `links` of a list.

use glint_app::identity::{Assignment, DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME};
use glint_app::{Catalog, CatalogService};
use glint_core::{Account, AuthContext, Role, User};
use serde_json::{Value, json};

fn domain_ref() -> Value {
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
            "domain": domain_ref(),
            "password_expires_at": null,
        },
        "project": {
            "id": ctx.account_id.as_str(),
            "name": ctx.account_name.as_str(),
            "domain": domain_ref(),
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
        "enabled": account.enabled,
        "description": account.description,
        "is_domain": false,
        "parent_id": DEFAULT_DOMAIN_ID,
        "tags": [],
        "options": {},
        "links": {"self": format!("{}/projects/{}", catalog.identity_url(), account.id)},
    })
}

/// `{"<key>": [...], "links": {...}}`, a list as Keystone wraps it (one page, always).
pub(crate) fn list(key: &str, items: Vec<Value>, catalog: &CatalogService) -> Value {
    let base = catalog.identity_url();
    json!({
        key: items,
        "links": {"self": format!("{base}/{key}"), "previous": null, "next": null},
    })
}

/// A user as Keystone shows it; its account is its `default_project_id`.
pub(crate) fn user(user: &User, catalog: &CatalogService) -> Value {
    json!({
        "id": user.id.as_str(),
        "name": user.name.as_str(),
        "domain_id": DEFAULT_DOMAIN_ID,
        "enabled": user.enabled,
        "default_project_id": user.account_id.as_str(),
        "password_expires_at": null,
        "options": {},
        "links": {"self": format!("{}/users/{}", catalog.identity_url(), user.id)},
    })
}

/// A role as Keystone shows a global role.
pub(crate) fn role(role: Role, catalog: &CatalogService) -> Value {
    json!({
        "id": role.id(),
        "name": role.as_str(),
        "domain_id": null,
        "description": null,
        "options": {},
        "links": {"self": format!("{}/roles/{}", catalog.identity_url(), role.id())},
    })
}

/// The Default domain.
pub(crate) fn domain(catalog: &CatalogService) -> Value {
    json!({
        "id": DEFAULT_DOMAIN_ID,
        "name": DEFAULT_DOMAIN_NAME,
        "description": "The one domain of every Glint user and account.",
        "enabled": true,
        "tags": [],
        "options": {},
        "links": {"self": format!("{}/domains/{DEFAULT_DOMAIN_ID}", catalog.identity_url())},
    })
}

/// A role assignment on a project, with names when `names` (Keystone's `include_names`).
pub(crate) fn assignment(a: &Assignment, names: bool, catalog: &CatalogService) -> Value {
    let base = catalog.identity_url();
    let (user, project) = (a.user.id.as_str(), a.user.account_id.as_str());
    let held = a.implied_by.unwrap_or(a.role);
    let mut links = json!({
        "assignment": format!("{base}/projects/{project}/users/{user}/roles/{}", held.id()),
    });
    if let (Some(prior), Some(obj)) = (a.implied_by, links.as_object_mut()) {
        obj.insert(
            "prior_role".into(),
            json!(format!("{base}/roles/{}", prior.id())),
        );
    }
    let mut body = json!({
        "role": {"id": a.role.id()},
        "user": {"id": user},
        "scope": {"project": {"id": project}},
        "links": links,
    });
    if names {
        body["role"]["name"] = json!(a.role.as_str());
        body["user"]["name"] = json!(a.user.name.as_str());
        body["user"]["domain"] = domain_ref();
        body["scope"]["project"]["name"] = json!(a.account_name.as_str());
        body["scope"]["project"]["domain"] = domain_ref();
    }
    body
}
