//! The requests the loads repeat, as boxed closures from a request number to a reply: creates,
//! member adds and accepts, and list pages.

use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use reqwest::Method;

use crate::api::Caller;
use crate::load::Reply;

/// One load's request, by request number.
pub type Op = Box<dyn Fn(usize) -> BoxFuture<'static, Reply> + Send + Sync>;

/// Creates images named `{prefix}-{n}`.
pub fn creates(caller: &Caller, prefix: &str) -> Op {
    let (caller, prefix) = (caller.clone(), prefix.to_owned());
    Box::new(move |i| {
        let (caller, name) = (caller.clone(), format!("{prefix}-{i}"));
        Box::pin(async move { caller.create_image(name).await })
    })
}

/// Shares image `n` of `images` with `member`.
pub fn member_adds(caller: &Caller, images: &[String], member: &str) -> Op {
    let (caller, images, member) = (caller.clone(), images.to_vec(), member.to_owned());
    Box::new(move |i| {
        let (caller, image, member) = (
            caller.clone(),
            images.get(i).cloned().unwrap_or_default(),
            member.clone(),
        );
        Box::pin(async move { caller.add_member(&image, &member).await })
    })
}

/// Accepts the share of image `n` of `images` as `member`.
pub fn accepts(caller: &Caller, images: &[String], member: &str) -> Op {
    let (caller, images, member) = (caller.clone(), images.to_vec(), member.to_owned());
    Box::new(move |i| {
        let (caller, image, member) = (
            caller.clone(),
            images.get(i).cloned().unwrap_or_default(),
            member.clone(),
        );
        Box::pin(async move { caller.set_member_status(&image, &member, "accepted").await })
    })
}

/// Asks for the first page of 100 (counting its images on the first request only).
pub fn lists(caller: &Caller) -> Op {
    let caller = caller.clone();
    Box::new(move |i| {
        let caller = caller.clone();
        Box::pin(async move { caller.list("limit=100", i == 0).await })
    })
}

/// Reads the image schema (authenticated, no store access) for `time`, unmeasured. A server
/// idle for a minute while the other one was measured starts on cold caches and sleeping
/// cores: a fast server's short load (250 requests take Glint under a tenth of a second) was
/// measured at up to 60 % more CPU per request right after such a pause than a moment later.
/// Each server gets the same warm-up before each of its loads.
pub async fn warm_up(caller: &Caller, time: Duration) {
    let started = Instant::now();
    while started.elapsed() < time {
        if caller
            .call(Method::GET, "/schemas/image", None)
            .await
            .is_err()
        {
            break;
        }
    }
}
