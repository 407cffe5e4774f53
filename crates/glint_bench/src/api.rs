//! The Image API calls the workloads make, the same for both servers: a `Caller` knows the
//! server's `/v2` base and how it proves who it is (a Glint token, or the reference's trusted
//! identity headers).

use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Method, RequestBuilder};
use serde_json::{Value, json};

use crate::load::Reply;

/// The HTTP client: keep-alive (where the server allows it), no proxy, loopback only.
pub fn client() -> Result<Client> {
    Ok(Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(64)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(600))
        .connect_timeout(Duration::from_secs(10))
        .build()?)
}

/// One account acting on one server.
#[derive(Debug, Clone)]
pub struct Caller {
    client: Client,
    /// `…/v2`, without a trailing slash.
    base: String,
    headers: HeaderMap,
}

fn header(name: &'static str, value: &str) -> Result<(HeaderName, HeaderValue)> {
    Ok((HeaderName::from_static(name), HeaderValue::from_str(value)?))
}

impl Caller {
    /// A Glint account, by token, at its region's Image API.
    pub fn glint(client: &Client, url: &str, token: &str) -> Result<Caller> {
        let mut headers = HeaderMap::new();
        let (k, v) = header("x-auth-token", token)?;
        headers.insert(k, v);
        Ok(Caller {
            client: client.clone(),
            base: format!("{url}/image/DFW/v2"),
            headers,
        })
    }

    /// A project on the reference, by its trusted identity headers.
    pub fn reference(client: &Client, url: &str, project: &str) -> Result<Caller> {
        let mut headers = HeaderMap::new();
        for (k, v) in [
            header("x-identity-status", "Confirmed")?,
            header("x-project-id", project)?,
            header("x-user-id", &format!("user-{project}"))?,
            header("x-roles", "member,reader")?,
        ] {
            headers.insert(k, v);
        }
        Ok(Caller {
            client: client.clone(),
            base: format!("{url}/v2"),
            headers,
        })
    }

    /// A request to `path` under `/v2`.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .headers(self.headers.clone())
            .header("accept", "application/json")
    }

    /// Creates an image record; the reply carries its id.
    pub async fn create_image(&self, name: String) -> Reply {
        let body = json!({"name": name, "disk_format": "raw", "container_format": "bare"});
        let response = self
            .request(Method::POST, "/images")
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        let id = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_owned));
        Ok((status, id))
    }

    /// Sends a request with an optional JSON body and reads the whole answer.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        response.bytes().await.map_err(|e| e.to_string())?;
        Ok((status, None))
    }

    /// Shares `image` with `member`.
    pub async fn add_member(&self, image: &str, member: &str) -> Reply {
        let path = format!("/images/{image}/members");
        self.call(Method::POST, &path, Some(json!({"member": member})))
            .await
    }

    /// Sets this caller's (`member`'s) status on a share of `image`.
    pub async fn set_member_status(&self, image: &str, member: &str, status: &str) -> Reply {
        let path = format!("/images/{image}/members/{member}");
        self.call(Method::PUT, &path, Some(json!({"status": status})))
            .await
    }

    /// A list page. With `count`, the reply's value is the number of images on it (parsing the
    /// page costs the client time, so only the first request of a load asks for it).
    pub async fn list(&self, query: &str, count: bool) -> Reply {
        let response = self
            .request(Method::GET, &format!("/images?{query}"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let bytes: Bytes = response.bytes().await.map_err(|e| e.to_string())?;
        if !count {
            return Ok((status, None));
        }
        let images = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v.get("images").and_then(Value::as_array).map(Vec::len));
        Ok((
            status,
            Some(images.map_or_else(|| "none".into(), |n| n.to_string())),
        ))
    }

    /// Deletes an image (to give its disk space back).
    pub async fn delete_image(&self, image: &str) -> Result<()> {
        let (status, _) = self
            .call(Method::DELETE, &format!("/images/{image}"), None)
            .await
            .map_err(|e| anyhow!(e))?;
        if !(200..300).contains(&status) {
            return Err(anyhow!("deleting image {image}: status {status}"));
        }
        Ok(())
    }
}

/// A project-scoped token from Glint's Identity API, for a user named like its account.
pub async fn glint_token(client: &Client, url: &str, name: &str, password: &str) -> Result<String> {
    let body = json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": name, "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": name, "domain": {"name": "Default"}}}
    }});
    let response = client
        .post(format!("{url}/identity/v3/auth/tokens"))
        .json(&body)
        .send()
        .await
        .context("asking Glint for a token")?;
    let status = response.status();
    let token = response
        .headers()
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    token.ok_or_else(|| anyhow!("no token for {name}: status {status}"))
}
