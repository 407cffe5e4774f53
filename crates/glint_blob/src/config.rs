//! What a store URL means: parses `file://…`, bare paths and `s3://bucket…?…` into a checked
//! configuration, before anything is opened. Reads AWS_* variables only through the `env`
//! lookup it is given, and never puts a secret into an error message or a description.

use std::fmt;
use std::path::PathBuf;

use crate::BlobError;

/// Query parameters an `s3://` URL may carry.
const S3_PARAMS: [&str; 6] = [
    "endpoint",
    "region",
    "access_key_id",
    "secret_access_key",
    "session_token",
    "allow_http",
];

/// The region used when neither the URL nor the environment names one.
const DEFAULT_REGION: &str = "us-east-1";

/// Where a store keeps its objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreConfig {
    /// A folder on local disk; `shown` is the path as the operator wrote it.
    Local { path: PathBuf, shown: String },
    /// An S3-compatible bucket.
    S3(S3Config),
}

/// Settings of an S3-compatible store, always addressed path-style.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct S3Config {
    pub bucket: String,
    /// Folder inside the bucket under which all keys live, without slashes at either end.
    pub prefix: Option<String>,
    /// `http(s)://host:port`; `None` means AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub allow_http: bool,
}

impl S3Config {
    /// `s3://bucket/prefix at endpoint`, without credentials.
    pub(crate) fn describe(&self) -> String {
        let prefix = self
            .prefix
            .as_ref()
            .map_or(String::new(), |p| format!("/{p}"));
        match &self.endpoint {
            Some(endpoint) => format!("s3://{}{prefix} at {endpoint}", self.bucket),
            None => format!("s3://{}{prefix} in AWS region {}", self.bucket, self.region),
        }
    }
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

fn invalid(msg: impl Into<String>) -> BlobError {
    BlobError::InvalidConfig(msg.into())
}

/// Parses a store URL. `env` looks up environment variables (AWS_ACCESS_KEY_ID,
/// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_DEFAULT_REGION).
pub(crate) fn parse(
    url: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<StoreConfig, BlobError> {
    if url.trim().is_empty() {
        return Err(invalid("the blob store URL is empty"));
    }
    if let Some(rest) = url.strip_prefix("file://") {
        return local(rest);
    }
    if let Some(rest) = url.strip_prefix("s3://") {
        return s3(rest, env).map(StoreConfig::S3);
    }
    if let Some((scheme, _)) = url.split_once("://") {
        return Err(invalid(format!(
            "unsupported blob store scheme {scheme:?}: use file://PATH, a plain path, or s3://BUCKET?endpoint=…"
        )));
    }
    local(url)
}

fn local(path: &str) -> Result<StoreConfig, BlobError> {
    if path.is_empty() {
        return Err(invalid(
            "file:// needs a path, e.g. file:///var/lib/glint/images",
        ));
    }
    if path.contains('?') || path.contains('#') {
        return Err(invalid("a file:// store takes no query or fragment"));
    }
    Ok(StoreConfig::Local {
        path: PathBuf::from(path),
        shown: path.to_owned(),
    })
}

/// Reads `bucket[/prefix][?params]` (what follows `s3://`); credentials and the region not in
/// the URL come from the environment.
fn s3(rest: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<S3Config, BlobError> {
    let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
    check_bucket(bucket)?;
    let prefix = check_prefix(prefix)?;
    let params = S3Params::parse(query)?;
    let allow_http = match params.get("allow_http").as_deref() {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => return Err(invalid("allow_http must be true or false")),
    };
    let endpoint = match params.get("endpoint") {
        None => None,
        Some(e) => Some(check_endpoint(&e, allow_http)?),
    };
    let region = params
        .get("region")
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());
    let (access_key_id, secret_access_key, session_token) = credentials(&params, env)?;
    Ok(S3Config {
        bucket: bucket.to_owned(),
        prefix,
        endpoint,
        region,
        access_key_id,
        secret_access_key,
        session_token,
        allow_http,
    })
}

/// The query parameters of an `s3://` URL, percent-decoded.
struct S3Params<'a>(Vec<(&'a str, String)>);

impl<'a> S3Params<'a> {
    /// Reads `name=value&…`: only the names of `S3_PARAMS`, each at most once.
    fn parse(query: &'a str) -> Result<Self, BlobError> {
        let mut params: Vec<(&str, String)> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, raw) = pair.split_once('=').unwrap_or((pair, ""));
            if !S3_PARAMS.contains(&name) {
                return Err(invalid(format!(
                    "unknown s3 URL parameter {name:?}; known: {}",
                    S3_PARAMS.join(", ")
                )));
            }
            if params.iter().any(|(n, _)| *n == name) {
                return Err(invalid(format!(
                    "the s3 URL parameter {name} is given twice"
                )));
            }
            let value = percent_decode(raw).ok_or_else(|| {
                invalid(format!(
                    "the s3 URL parameter {name} is badly percent-encoded"
                ))
            })?;
            params.push((name, value));
        }
        Ok(S3Params(params))
    }

    /// The value of `name`; an empty value counts as absent.
    fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    }
}

/// The access key id, the secret and the session token.
///
/// Keys come either both from the URL or both from the environment, never mixed, so that
/// a session token of the environment is not paired with the URL's keys.
fn credentials(
    params: &S3Params<'_>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, String, Option<String>), BlobError> {
    match (params.get("access_key_id"), params.get("secret_access_key")) {
        (Some(id), Some(secret)) => Ok((id, secret, params.get("session_token"))),
        (None, None) => match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => Ok((
                id,
                secret,
                env("AWS_SESSION_TOKEN").filter(|t| !t.is_empty()),
            )),
            _ => Err(invalid(
                "the s3 store needs credentials: access_key_id and secret_access_key in \
                 the URL, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment",
            )),
        },
        _ => Err(invalid(
            "the s3 URL must carry both access_key_id and secret_access_key, or neither",
        )),
    }
}

/// S3 bucket naming rules: 3 to 63 lowercase letters, digits, '.' and '-', starting and
/// ending with a letter or digit.
fn check_bucket(bucket: &str) -> Result<(), BlobError> {
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let body_ok = bucket
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    if (3..=63).contains(&bucket.len())
        && body_ok
        && edge_ok(bucket.chars().next())
        && edge_ok(bucket.chars().last())
    {
        Ok(())
    } else {
        Err(invalid(format!(
            "invalid s3 bucket name {bucket:?}: 3 to 63 lowercase letters, digits, '.' or '-'"
        )))
    }
}

/// The optional folder after the bucket: segments of letters, digits, '.', '_' and '-', no
/// `.` or `..` segments.
fn check_prefix(prefix: &str) -> Result<Option<String>, BlobError> {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return Ok(None);
    }
    for segment in prefix.split('/') {
        let chars_ok = segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if segment.is_empty() || segment == "." || segment == ".." || !chars_ok {
            return Err(invalid(format!(
                "invalid folder {prefix:?} after the s3 bucket: use segments of letters, digits, '.', '_' or '-'"
            )));
        }
    }
    Ok(Some(prefix.to_owned()))
}

fn check_endpoint(endpoint: &str, allow_http: bool) -> Result<String, BlobError> {
    let endpoint = endpoint.trim_end_matches('/');
    let host = if let Some(host) = endpoint.strip_prefix("https://") {
        host
    } else if let Some(host) = endpoint.strip_prefix("http://") {
        if !allow_http {
            return Err(invalid(format!(
                "the endpoint {endpoint} is plain http: add allow_http=true to the s3 URL to allow it"
            )));
        }
        host
    } else {
        return Err(invalid(format!(
            "the endpoint {endpoint:?} must start with http:// or https://"
        )));
    };
    if host.is_empty() || host.contains(['/', '?', '#', '@']) {
        return Err(invalid(format!(
            "the endpoint {endpoint:?} must be scheme://host[:port] with no path"
        )));
    }
    Ok(endpoint.to_owned())
}

/// Decodes `%XX` escapes; `+` stays a plus (it is common in secret keys).
fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
