//! Glance's legacy tasks API (`/v2/tasks`), for the cloud admin only (Glance's default
//! `tasks_api_access`). `POST /v2/tasks` with an `import` task checks everything it can
//! before anything is stored: the body, the image properties (as an image create checks
//! them), the source against the web-download filter, and that the source's host resolves to
//! an address a fetch may reach (Glance's newer behaviour: 400 otherwise, no outbound traffic
//! but the DNS query). It then creates the image in the endpoint's region, owned by the
//! caller's account, records the task and fetches the source in the background through the
//! web-download path (same filter on redirects, size cap, hashes, format check, trust report):
//! pending → processing → success (`{"image_id"}`) or failure, which deletes the image, as
//! Glance's flow reverts. `GET /v2/tasks` lists every task of the region, the imports' own
//! `api_image_import` tasks included, as Glance's table holds both.

use std::net::IpAddr;
use std::time::Duration;

use glint_core::error::Kind;
use glint_core::image::create::parse_create;
use glint_core::image::{Deferred, Image, ImageStatus};
use glint_core::legacy_task::query::TaskQuery;
use glint_core::legacy_task::{self, LEGACY_IMPORT_TYPE};
use glint_core::task::{self, ImageTask};
use glint_core::{AuthContext, Error, RegionName, Result, Timestamp};
use glint_db::region_tasks;
use glint_db::tasks::{self as stored, Ending};
use serde_json::{Value, json};
use url::{Host, Url};

use super::ImageService;

/// The longest a create waits for the source's host to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// A page of tasks and the id to ask for the next one after, when the page is full.
pub type TaskPage = (Vec<ImageTask>, Option<String>);

impl ImageService {
    /// `POST /v2/tasks`: creates the task's image and starts filling it; the task as created.
    /// A body that could not be read is refused after the access check.
    #[tracing::instrument(skip(self, ctx, body), fields(account = %ctx.account_id))]
    pub async fn create_legacy_task(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        body: Deferred<Value>,
        request_id: &str,
    ) -> Result<ImageTask> {
        legacy_task::require_access(ctx)?;
        let request = legacy_task::parse_create(&body?)?;
        let url =
            legacy_task::check_source(&request.import_from, &self.settings.web_download.filter)?;
        // A property an image create forbids (a read-only one) makes the task's body bad.
        let new = parse_create(
            &Value::Object(request.image_properties.clone()),
            &self.settings.limits,
        )
        .map_err(|e| match e {
            Error::Forbidden(why) => Error::InvalidInput(why),
            other => other,
        })?;
        if new.disk_format.is_none() || new.container_format.is_none() {
            return Err(Error::InvalidInput(
                "Properties disk_format, container_format must be set prior to saving data.".into(),
            ));
        }
        self.check_source_resolves(&url, &request.import_from)
            .await?;
        let image = self.create(ctx, region, new).await?;
        let task = ImageTask::legacy_import(
            uuid::Uuid::new_v4().to_string(),
            ctx,
            image.id.as_str(),
            request_id,
            request.input,
            Timestamp::now(),
        );
        let started = match region_tasks::insert(&self.db, &task, region).await {
            Ok(()) => self
                .claim()
                .take(&image, ImageStatus::Queued, ImageStatus::Importing)
                .await
                .map_err(|e| (e, true)),
            Err(e) => Err((e, false)),
        };
        if let Err((e, recorded)) = started {
            if recorded {
                let ending = Ending::Failure(task::failure_message(&e));
                let _ = region_tasks::end(&self.db, &task.id, &ending).await;
            }
            self.remove_task_image(ctx, &image).await;
            return Err(e);
        }
        self.run_legacy_task(ctx.clone(), task.clone(), image, url);
        Ok(task)
    }

    /// Refuses (400, as a filter refusal) a source whose host resolves to no address a fetch
    /// may connect to, or does not resolve. An address written in the URI is checked as is.
    async fn check_source_resolves(&self, url: &Url, uri: &str) -> Result<()> {
        let networks = &self.settings.web_download.networks;
        let port = url.port_or_known_default().unwrap_or(80);
        let addresses: Vec<IpAddr> = match url.host() {
            Some(Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
            Some(Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
            Some(Host::Domain(name)) => {
                match tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, port)))
                    .await
                {
                    Ok(Ok(found)) => found.map(|a| a.ip()).collect(),
                    _ => Vec::new(),
                }
            }
            None => Vec::new(),
        };
        if addresses.iter().any(|ip| networks.permits(*ip)) {
            Ok(())
        } else {
            Err(legacy_task::not_passing(uri))
        }
    }

    /// Fills `image` from `url` in the background as `task`: processing, then success, or
    /// failure with why, the image deleted.
    fn run_legacy_task(&self, ctx: AuthContext, task: ImageTask, image: Image, url: Url) {
        let service = self.clone();
        tokio::spawn(async move {
            if let Err(e) = stored::begin_processing(&service.db, &task.id).await {
                tracing::warn!(error = %e, task = %task.id, "could not start the import task");
            }
            let targets = service.default_targets();
            let ending = match service.download_into(&image, url, &targets).await {
                Ok(()) => Ending::Success(json!({ "image_id": image.id.as_str() })),
                Err(e) => {
                    tracing::warn!(error = %e, image = %image.id, task = %task.id, "legacy import failed");
                    service
                        .claim()
                        .release(&image, ImageStatus::Importing)
                        .await;
                    service.remove_task_image(&ctx, &image).await;
                    Ending::Failure(task::failure_message(&e))
                }
            };
            if let Err(e) = region_tasks::end(&service.db, &task.id, &ending).await {
                tracing::warn!(error = %e, task = %task.id, "could not record the end of the import task");
            }
        });
    }

    /// Deletes the image a task made, once the task could not fill it.
    async fn remove_task_image(&self, ctx: &AuthContext, image: &Image) {
        if let Err(e) = self.delete(ctx, &image.region, &image.id).await {
            tracing::warn!(error = %e, image = %image.id, "could not remove a failed task's image");
        }
    }

    /// Fails the legacy import task of `image` that a restart of this node cut off.
    pub(super) async fn end_cut_legacy_task(&self, image: &str) {
        let ending = Ending::Failure(
            "The import was cut off: the node running it stopped before it finished.".into(),
        );
        if let Err(e) =
            region_tasks::end_running_of_image(&self.db, image, LEGACY_IMPORT_TYPE, &ending).await
        {
            tracing::warn!(error = %e, image, "could not end a cut import task");
        }
    }

    /// `GET /v2/tasks`: a page of the region's tasks as `query` asks. Tasks past their expiry
    /// are removed first, as Glance's list does.
    #[tracing::instrument(skip(self, ctx, query), fields(account = %ctx.account_id))]
    pub async fn list_tasks(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        query: &TaskQuery,
    ) -> Result<TaskPage> {
        legacy_task::require_access(ctx)?;
        let now = Timestamp::now();
        if let Err(e) = region_tasks::sweep_expired(&self.db, now).await {
            tracing::warn!(error = %e, "could not remove expired tasks");
        }
        let marker = match &query.marker {
            Some(id) => Some(
                region_tasks::get(&self.db, region, id, now)
                    .await?
                    .ok_or_else(|| {
                        Error::InvalidInput(format!("Task with the given id {id} was not found"))
                    })?,
            ),
            None => None,
        };
        let page = region_tasks::list(&self.db, region, query, marker.as_ref(), now).await?;
        let full = !page.is_empty() && page.len() == query.limit as usize;
        let next = full.then(|| page.last().map(|t| t.id.clone())).flatten();
        Ok((page, next))
    }

    /// `GET /v2/tasks/{id}`: the task, if it is in the region and not past its expiry.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn show_task(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &str,
    ) -> Result<ImageTask> {
        legacy_task::require_access(ctx)?;
        region_tasks::get(&self.db, region, id, Timestamp::now())
            .await?
            .ok_or_else(|| Error::not_found(Kind::Task, id))
    }
}
