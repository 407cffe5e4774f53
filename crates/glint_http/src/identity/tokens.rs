//! `/identity/v3/auth/tokens`: issue (password method, account scope), validate, check, revoke.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use glint_app::identity::{DomainRef, PasswordAuth, ProjectScope, UserRef};
use glint_core::Error;
use serde::Deserialize;

use crate::error::IdentityError;
use crate::extract::{ClientAddress, IdentityCaller};
use crate::identity::views;
use crate::router::AppState;

#[derive(Deserialize)]
struct AuthRequest {
    auth: AuthBody,
}

#[derive(Deserialize)]
struct AuthBody {
    identity: IdentityBody,
    scope: Option<ScopeBody>,
}

#[derive(Deserialize)]
struct IdentityBody {
    methods: Vec<String>,
    password: Option<PasswordBody>,
}

#[derive(Deserialize)]
struct PasswordBody {
    user: UserBody,
}

#[derive(Deserialize)]
struct UserBody {
    id: Option<String>,
    name: Option<String>,
    domain: Option<DomainBody>,
    password: String,
}

#[derive(Deserialize)]
struct DomainBody {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct ScopeBody {
    project: Option<ProjectBody>,
}

#[derive(Deserialize)]
struct ProjectBody {
    id: Option<String>,
    name: Option<String>,
    domain: Option<DomainBody>,
}

/// `?nocatalog` on issue and validate.
#[derive(Deserialize)]
pub struct CatalogQuery {
    nocatalog: Option<String>,
}

fn domain(body: Option<DomainBody>) -> Option<DomainRef> {
    let body = body?;
    match (body.id, body.name) {
        (Some(id), _) => Some(DomainRef::Id(id)),
        (None, Some(name)) => Some(DomainRef::Name(name)),
        (None, None) => None,
    }
}

fn bad(message: &str) -> Error {
    Error::InvalidInput(message.to_owned())
}

fn parse(body: &[u8], client: Option<std::net::IpAddr>) -> Result<PasswordAuth, Error> {
    let request: AuthRequest = serde_json::from_slice(body).map_err(|e| {
        Error::InvalidInput(format!(
            "The request you have made is not a valid sign-in: {e}"
        ))
    })?;
    let identity = request.auth.identity;
    let password = match (
        identity.methods.iter().any(|m| m == "password"),
        identity.password,
    ) {
        (true, Some(p)) => p,
        _ => {
            return Err(bad(
                "Glint signs in with the password method only: add \"password\" to identity.methods and an identity.password object.",
            ));
        }
    };
    let user = match (password.user.id, password.user.name) {
        (Some(id), _) => UserRef::Id(id),
        (None, Some(name)) => UserRef::Name {
            name,
            domain: domain(password.user.domain),
        },
        (None, None) => return Err(bad("identity.password.user needs an id or a name.")),
    };
    let project = request.auth.scope.and_then(|s| s.project).ok_or_else(|| {
        Error::Unauthorized("Glint issues project-scoped tokens only: add scope.project with your account's name or number.".into())
    })?;
    let scope = match (project.id, project.name) {
        (Some(id), _) => ProjectScope::Id(id),
        (None, Some(name)) => ProjectScope::Name {
            name,
            domain: domain(project.domain),
        },
        (None, None) => return Err(bad("scope.project needs an id or a name.")),
    };
    Ok(PasswordAuth {
        user,
        password: password.user.password,
        scope,
        client,
    })
}

fn with_subject(status: StatusCode, token: &str, body: Option<serde_json::Value>) -> Response {
    let headers = [("x-subject-token", token.to_owned())];
    match body {
        Some(body) => (status, headers, Json(body)).into_response(),
        None => (status, headers).into_response(),
    }
}

fn subject(headers: &HeaderMap) -> Result<String, Error> {
    headers
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| bad("The X-Subject-Token header names the token to act on; it is missing."))
}

/// `POST /identity/v3/auth/tokens`: 201 with `X-Subject-Token` and the token body.
pub async fn issue_token(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    Query(query): Query<CatalogQuery>,
    body: Bytes,
) -> Result<Response, IdentityError> {
    let unauthorized = |error: Error| IdentityError {
        error,
        www_authenticate: Some(state.catalog.identity_url()),
    };
    let auth = parse(&body, client).map_err(unauthorized)?;
    let issued = state.identity.sign_in(auth).await.map_err(unauthorized)?;
    let catalog = query.nocatalog.is_none().then_some(&state.catalog);
    let body = views::token(&issued.context, catalog);
    Ok(with_subject(
        StatusCode::CREATED,
        &issued.secret,
        Some(body),
    ))
}

/// `GET /identity/v3/auth/tokens`: 200 with the subject token's body.
pub async fn validate_token(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    Query(query): Query<CatalogQuery>,
    headers: HeaderMap,
) -> Result<Response, IdentityError> {
    let subject = subject(&headers)?;
    let found = state.identity.inspect(&caller, &subject).await?;
    let catalog = query.nocatalog.is_none().then_some(&state.catalog);
    Ok(with_subject(
        StatusCode::OK,
        &subject,
        Some(views::token(&found, catalog)),
    ))
}

/// `HEAD /identity/v3/auth/tokens`: 200 when the subject token is valid.
pub async fn check_token(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    headers: HeaderMap,
) -> Result<Response, IdentityError> {
    let subject = subject(&headers)?;
    state.identity.inspect(&caller, &subject).await?;
    Ok(with_subject(StatusCode::OK, &subject, None))
}

/// `DELETE /identity/v3/auth/tokens`: 204 once the subject token is revoked.
pub async fn revoke_token(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    headers: HeaderMap,
) -> Result<StatusCode, IdentityError> {
    let subject = subject(&headers)?;
    state.identity.revoke_subject(&caller, &subject).await?;
    Ok(StatusCode::NO_CONTENT)
}
