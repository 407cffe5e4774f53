//! Background clean-ups: work that must still happen after its owner was dropped, such as
//! aborting the multipart upload of a request that was cancelled half-way. Counts what is
//! pending so that shutdown (and tests) can wait for it instead of losing it with the runtime.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

/// Clean-ups in flight for one store.
#[derive(Debug, Default)]
pub(crate) struct Cleanups {
    pending: AtomicUsize,
    idle: Notify,
}

impl Cleanups {
    /// Runs `work` on the current runtime and counts it until done; without a runtime (the
    /// process is ending) the work is dropped.
    pub(crate) fn spawn(self: &Arc<Self>, work: impl Future<Output = ()> + Send + 'static) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        self.pending.fetch_add(1, Ordering::SeqCst);
        let this = Arc::clone(self);
        runtime.spawn(async move {
            work.await;
            if this.pending.fetch_sub(1, Ordering::SeqCst) == 1 {
                this.idle.notify_waiters();
            }
        });
    }

    /// Waits until no clean-up is pending.
    pub(crate) async fn settle(&self) {
        loop {
            let idle = self.idle.notified();
            tokio::pin!(idle);
            idle.as_mut().enable();
            if self.pending.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn settle_waits_for_every_cleanup() {
        let cleanups = Arc::new(Cleanups::default());
        cleanups.settle().await;
        let done = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let done = Arc::clone(&done);
            cleanups.spawn(async move {
                tokio::task::yield_now().await;
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
        cleanups.settle().await;
        assert_eq!(done.load(Ordering::SeqCst), 3);
    }
}
