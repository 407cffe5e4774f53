//! Import tasks, as Glance records them: each `POST …/import` makes an `api_image_import` task
//! (pending → processing → success or failure), which holds the image's import lock
//! (`os_glance_import_task`) while it runs and keeps, once it ends, its result or why it failed
//! for `task_time_to_live` (48 hours). The rules of the lock, of who reads a task and of what a
//! failure tells the user are here; storing and running tasks are the layers above.

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use crate::{AuthContext, Error, Timestamp};

/// The image property naming the import task that holds the image's lock.
pub const LOCK_PROPERTY: &str = "os_glance_import_task";

/// The only task type Glint makes.
pub const IMPORT_TASK_TYPE: &str = "api_image_import";

/// How long a finished task stays readable: Glance's `[task] task_time_to_live`, 48 hours.
pub const TIME_TO_LIVE_SECS: i64 = 48 * 3600;

/// How long a lock holds without its task moving on (Glance: 60 minutes, twice that while the
/// task is still pending); past it, another import may take the lock over.
pub const LOCK_EXPIRY_SECS: i64 = 3600;

/// What the user reads when the cause of a failure is for the logs only (Glance's words).
pub const INTERNAL_FAILURE: &str = "Task failed due to Internal Error";

/// A task's status; `success` and `failure` are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    Pending,
    Processing,
    Success,
    Failure,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Processing => "processing",
            TaskStatus::Success => "success",
            TaskStatus::Failure => "failure",
        }
    }

    /// Whether the task has ended.
    pub fn is_final(self) -> bool {
        matches!(self, TaskStatus::Success | TaskStatus::Failure)
    }

    /// Glance's transitions: pending → processing or failure; processing → success or failure.
    pub fn may_become(self, next: TaskStatus) -> bool {
        matches!(
            (self, next),
            (
                TaskStatus::Pending,
                TaskStatus::Processing | TaskStatus::Failure
            ) | (
                TaskStatus::Processing,
                TaskStatus::Success | TaskStatus::Failure
            )
        )
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaskStatus {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "pending" => TaskStatus::Pending,
            "processing" => TaskStatus::Processing,
            "success" => TaskStatus::Success,
            "failure" => TaskStatus::Failure,
            other => return Err(Error::Internal(format!("unknown task status {other}"))),
        })
    }
}

/// One import of an image, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageTask {
    /// A UUID, lowercase.
    pub id: String,
    /// Always `api_image_import`.
    pub task_type: String,
    pub status: TaskStatus,
    /// The account that asked for the import.
    pub owner: String,
    pub image_id: String,
    /// The `x-openstack-request-id` of the import request.
    pub request_id: String,
    pub user_id: String,
    /// `{"image_id", "import_req": <the import body as sent>, "backend": [null]}`.
    pub input: Value,
    /// `{"image_id"}` once it succeeded; `None` before and after a failure.
    pub result: Option<Value>,
    /// Why it failed; empty otherwise.
    pub message: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Set when the task ends, `TIME_TO_LIVE_SECS` later; the task is no longer shown after it.
    pub expires_at: Option<Timestamp>,
}

impl ImageTask {
    /// A new pending import task of `image_id`, asked for by `ctx` in request `request_id`
    /// with the import body `import_req`.
    pub fn import(
        id: String,
        ctx: &AuthContext,
        image_id: &str,
        request_id: &str,
        import_req: Value,
        now: Timestamp,
    ) -> Self {
        let input = serde_json::json!({
            "image_id": image_id,
            "import_req": import_req,
            // One store per region: Glance's list of the stores asked for is `[None]` then.
            "backend": [null],
        });
        ImageTask::pending(IMPORT_TASK_TYPE, id, ctx, image_id, request_id, input, now)
    }

    /// A new pending task of `task_type`, asked for by `ctx` in request `request_id`, about
    /// the image `image_id`, with its `input`.
    pub(crate) fn pending(
        task_type: &str,
        id: String,
        ctx: &AuthContext,
        image_id: &str,
        request_id: &str,
        input: Value,
        now: Timestamp,
    ) -> Self {
        ImageTask {
            id,
            task_type: task_type.to_owned(),
            status: TaskStatus::Pending,
            owner: ctx.account_id.as_str().to_owned(),
            image_id: image_id.to_owned(),
            request_id: request_id.to_owned(),
            user_id: ctx.user_id.as_str().to_owned(),
            input,
            result: None,
            message: String::new(),
            created_at: now,
            updated_at: now,
            expires_at: None,
        }
    }

    /// The same task recording the stores it writes to (Glance's `backend` list), when the
    /// region has several.
    pub fn with_backends(mut self, stores: &[String]) -> Self {
        if !stores.is_empty() {
            self.input["backend"] = serde_json::json!(stores);
        }
        self
    }

    /// Whether `ctx` may read this task: its own account's tasks, and every task for the cloud
    /// admin (Glance's `_is_task_visible`). Seeing the image is checked before.
    pub fn visible_to(&self, ctx: &AuthContext) -> bool {
        ctx.is_admin() || self.owner == ctx.account_id.as_str()
    }

    /// Whether the task still holds its image's import lock at `now`: it has not ended and it
    /// moved within the lock's expiry (doubled while pending: it may be about to start).
    pub fn holds_lock(&self, now: Timestamp) -> bool {
        if self.status.is_final() {
            return false;
        }
        let expiry = match self.status {
            TaskStatus::Pending => 2 * LOCK_EXPIRY_SECS,
            _ => LOCK_EXPIRY_SECS,
        };
        self.updated_at.plus_seconds(expiry) > now
    }

    /// Whether the task is still shown at `now` (not past `expires_at`).
    pub fn shown_at(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|at| at >= now)
    }
}

/// When a task that ends at `now` expires.
pub fn expiry_from(now: Timestamp) -> Timestamp {
    now.plus_seconds(TIME_TO_LIVE_SECS)
}

/// What a failed task tells the user of `error`: its message, except for internal failures,
/// whose detail is for the logs.
pub fn failure_message(error: &Error) -> String {
    match error {
        Error::Internal(_) => INTERNAL_FAILURE.to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccountId, AccountName, Role, UserId, Username};

    fn ctx(account: &str, role: Role) -> AuthContext {
        AuthContext {
            user_id: UserId::from_trusted("u1".into()),
            username: Username::from_trusted("carol".into()),
            account_id: AccountId::from_trusted(account.into()),
            account_name: AccountName::from_trusted(account.into()),
            role,
            regions: vec![],
            issued_at: Timestamp::from_micros(0),
            expires_at: Timestamp::from_micros(0),
            audit_id: String::new(),
        }
    }

    fn task(status: TaskStatus, updated_secs: i64) -> ImageTask {
        let mut t = ImageTask::import(
            "t".into(),
            &ctx("554433", Role::Member),
            "img",
            "req-1",
            serde_json::json!({"method": {"name": "glance-direct"}}),
            Timestamp::from_micros(0),
        );
        t.status = status;
        t.updated_at = Timestamp::from_micros(0).plus_seconds(updated_secs);
        t
    }

    #[test]
    fn statuses_move_as_glance_allows() {
        use TaskStatus::*;
        assert!(Pending.may_become(Processing) && Pending.may_become(Failure));
        assert!(Processing.may_become(Success) && Processing.may_become(Failure));
        assert!(!Pending.may_become(Success) && !Success.may_become(Failure));
        assert!(!Failure.may_become(Processing));
        for s in [Pending, Processing, Success, Failure] {
            assert_eq!(s.as_str().parse::<TaskStatus>().ok(), Some(s));
        }
    }

    #[test]
    fn the_input_records_the_import_body_as_sent() {
        let t = task(TaskStatus::Pending, 0);
        assert_eq!(t.input["import_req"]["method"]["name"], "glance-direct");
        assert_eq!(t.input["image_id"], "img");
        assert_eq!(t.input["backend"], serde_json::json!([null]));
        assert_eq!((t.owner.as_str(), t.message.as_str()), ("554433", ""));
    }

    #[test]
    fn a_running_task_holds_the_lock_until_it_stalls_past_the_expiry() {
        let at = |secs| Timestamp::from_micros(0).plus_seconds(secs);
        let running = task(TaskStatus::Processing, 0);
        assert!(running.holds_lock(at(LOCK_EXPIRY_SECS - 1)));
        assert!(!running.holds_lock(at(LOCK_EXPIRY_SECS)));
        let pending = task(TaskStatus::Pending, 0);
        assert!(pending.holds_lock(at(2 * LOCK_EXPIRY_SECS - 1)));
        for ended in [TaskStatus::Success, TaskStatus::Failure] {
            assert!(!task(ended, 0).holds_lock(at(1)));
        }
    }

    #[test]
    fn an_account_reads_its_own_tasks_and_the_admin_all() {
        let t = task(TaskStatus::Success, 0);
        assert!(t.visible_to(&ctx("554433", Role::Reader)));
        assert!(!t.visible_to(&ctx("778899", Role::Manager)));
        assert!(t.visible_to(&ctx("admin", Role::Admin)));
    }

    #[test]
    fn internal_failures_are_not_told_in_detail() {
        let internal = Error::Internal("disk /srv/x: EIO".into());
        assert_eq!(failure_message(&internal), INTERNAL_FAILURE);
        let refused = Error::Forbidden("the address 10.0.0.1 is not allowed".into());
        assert_eq!(
            failure_message(&refused),
            "the address 10.0.0.1 is not allowed"
        );
    }
}
