//! The tasks of imports (`GET …/images/{id}/tasks`) and their life: an import opens its task,
//! which takes the image's import lock (a second import meanwhile is 409), and runs it in the
//! background, pending → processing → success or failure, recording why a failure happened.
//! Whoever may see the image reads the tasks of its own account (all of them for the admin),
//! as Glance's `get_task_info`; everyone else gets the image's 404.

use std::future::Future;

use glint_core::image::{Image, ImageId, ImageStatus, ImportRequest};
use glint_core::task::{self, ImageTask, LOCK_PROPERTY};
use glint_core::{AuthContext, Error, RegionName, Result, Timestamp};
use glint_db::tasks::{self as stored, Ending};
use serde_json::json;

use super::ImageService;

impl ImageService {
    /// The import tasks of the image `id` that the caller may read, newest first.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn image_tasks(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
    ) -> Result<Vec<ImageTask>> {
        let image = self.get(ctx, region, id).await?;
        let owner = (!ctx.is_admin()).then(|| ctx.account_id.as_str());
        stored::of_image(&self.db, image.id.as_str(), owner, Timestamp::now()).await
    }

    /// Refuses an import while another import of `image` holds its lock (409, Glance's
    /// "Image has active task"); returns the id of a lock that has expired, to take over.
    pub(super) async fn check_import_lock(&self, image: &Image) -> Result<Option<String>> {
        let Some(holder) = image.properties.get(LOCK_PROPERTY) else {
            return Ok(None);
        };
        match stored::get(&self.db, holder).await? {
            Some(task) if task.holds_lock(Timestamp::now()) => {
                Err(Error::StateConflict("Image has active task".into()))
            }
            _ => Ok(Some(holder.clone())),
        }
    }

    /// Records the import task of `image` for the request `request_id`, writing to the stores
    /// `backends` (none named with one store per region), and takes the image's lock for it
    /// (`stale`: the expired lock it takes over).
    pub(super) async fn open_task(
        &self,
        ctx: &AuthContext,
        image: &Image,
        request: &ImportRequest,
        request_id: &str,
        stale: Option<&str>,
        backends: &[String],
    ) -> Result<ImageTask> {
        let task = ImageTask::import(
            uuid::Uuid::new_v4().to_string(),
            ctx,
            image.id.as_str(),
            request_id,
            request.body.clone(),
            Timestamp::now(),
        )
        .with_backends(backends);
        stored::start(&self.db, &task, stale).await?;
        Ok(task)
    }

    /// Moves `image` from `from` to `importing` for `task`; when another request moved it
    /// first, the task fails with the same answer and gives the lock back.
    pub(super) async fn claim_for_task(
        &self,
        task: &ImageTask,
        image: &Image,
        from: ImageStatus,
    ) -> Result<()> {
        let Err(e) = self.claim().take(image, from, ImageStatus::Importing).await else {
            return Ok(());
        };
        self.fail_task(task, &e).await;
        Err(e)
    }

    /// Records that `task` failed with `error` before it could run, giving the lock back.
    pub(super) async fn fail_task(&self, task: &ImageTask, error: &Error) {
        let ending = Ending::Failure(task::failure_message(error));
        if let Err(e) = stored::finish(&self.db, &task.id, &task.image_id, &ending).await {
            tracing::warn!(error = %e, task = %task.id, "could not record the end of the import task");
        }
    }

    /// Fails the import task of `image` that a restart of this node cut off.
    pub(super) async fn end_cut_task(&self, image: &ImageId) {
        let ending = Ending::Failure(
            "The import was cut off: the node running it stopped before it finished.".into(),
        );
        if let Err(e) = stored::finish_lock_holder(&self.db, image.as_str(), &ending).await {
            tracing::warn!(error = %e, image = %image, "could not end a cut import task");
        }
        self.end_cut_legacy_task(image.as_str()).await;
    }

    /// Runs `work` as the body of `task` in the background: processing while it runs, then
    /// success, or failure with what went wrong; `undo` runs first after a failure (putting the
    /// image back as it was).
    pub(super) fn run_task<W, U>(&self, task: ImageTask, work: W, undo: U)
    where
        W: Future<Output = Result<()>> + Send + 'static,
        U: Future<Output = ()> + Send + 'static,
    {
        let service = self.clone();
        tokio::spawn(async move {
            if let Err(e) = stored::begin_processing(&service.db, &task.id).await {
                tracing::warn!(error = %e, task = %task.id, "could not start the import task");
            }
            let ending = match work.await {
                Ok(()) => Ending::Success(json!({ "image_id": task.image_id })),
                Err(e) => {
                    tracing::warn!(error = %e, image = %task.image_id, task = %task.id, "import failed");
                    undo.await;
                    Ending::Failure(task::failure_message(&e))
                }
            };
            if let Err(e) = stored::finish(&service.db, &task.id, &task.image_id, &ending).await {
                tracing::warn!(error = %e, task = %task.id, "could not record the end of the import task");
            }
        });
    }
}
