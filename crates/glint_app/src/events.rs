//! The share events feed: each account's events (its shares as producer and as consumer) in the
//! regions it may use, newest first, in pages; per-user read marks (a user's own changes count
//! as read for it) and the unread count. An account sees only events where it is a party; the
//! admin sees every event.

use glint_core::error::Kind;
use glint_core::event::{EventId, EventQuery, FeedRequest, ShareEvent};
use glint_core::{AuthContext, Error, Result};
use glint_db::{Db, events, regions};

/// Page sizes of the feed.
const DEFAULT_PAGE: u32 = 25;
const MAX_PAGE: u32 = 200;
/// The unread count stops here (the panel shows "99+").
pub const UNREAD_CAP: u32 = 100;

/// An event in a user's feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    pub event: ShareEvent,
    /// Whether the caller (the user) has marked it read.
    pub read: bool,
}

/// One page of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPage {
    pub events: Vec<FeedEvent>,
    /// The marker of the next page, when there are older events.
    pub next: Option<EventId>,
}

/// The feed use cases.
#[derive(Debug, Clone)]
pub struct EventService {
    db: Db,
}

impl EventService {
    pub fn new(db: Db) -> Self {
        EventService { db }
    }

    /// The events the caller may see, in the regions it may use.
    fn scope(ctx: &AuthContext, limit: u32) -> EventQuery {
        if ctx.is_admin() {
            EventQuery::new(None, limit)
        } else {
            let mut query = EventQuery::new(Some(ctx.account_id.clone()), limit);
            query.regions = Some(ctx.regions.clone());
            query
        }
    }

    /// A page of the caller's events. A region it may not use gives an empty page (an unknown
    /// one `NotFound`), as the image list does.
    #[tracing::instrument(skip(self, ctx, request), fields(account = %ctx.account_id))]
    pub async fn feed(&self, ctx: &AuthContext, request: &FeedRequest) -> Result<EventPage> {
        let limit = match request.limit {
            None => DEFAULT_PAGE,
            Some(n) if n <= MAX_PAGE => n,
            Some(n) => {
                return Err(Error::InvalidInput(format!(
                    "limit {n} is too large: at most {MAX_PAGE} events per page"
                )));
            }
        };
        let mut query = Self::scope(ctx, limit + 1);
        if let Some(region) = &request.region {
            if !ctx.may_use_region(region) && !regions::exists(&self.db, region).await? {
                return Err(Error::not_found(Kind::Region, region.as_str()));
            }
            let allowed = ctx.is_admin() || ctx.may_use_region(region);
            query.regions = Some(if allowed {
                vec![region.clone()]
            } else {
                vec![]
            });
        }
        query.kinds.clone_from(&request.kinds);
        query.image.clone_from(&request.image);
        query.before = request.marker;
        query.after = request.since;
        let mut events = events::list(&self.db, &query, &ctx.user_id).await?;
        let more = events.len() > limit as usize;
        events.truncate(limit as usize);
        let next = if more {
            events.last().map(|(e, _)| e.id)
        } else {
            None
        };
        Ok(EventPage {
            events: events
                .into_iter()
                .map(|(event, read)| FeedEvent { event, read })
                .collect(),
            next,
        })
    }

    /// How many of the caller's events its user has not read (up to `UNREAD_CAP`).
    pub async fn unread(&self, ctx: &AuthContext) -> Result<u32> {
        events::unread(&self.db, &Self::scope(ctx, 0), &ctx.user_id, UNREAD_CAP).await
    }

    /// Opens one of the caller's events: marks it read for its user and returns it. An event
    /// the caller may not see is `NotFound`, as one that does not exist.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn open(&self, ctx: &AuthContext, id: EventId) -> Result<ShareEvent> {
        // The one event with this id: the window between its neighbours' ids.
        let mut query = Self::scope(ctx, 1);
        query.before = Some(EventId::from_stored(id.get().saturating_add(1)));
        query.after = Some(EventId::from_stored(id.get().saturating_sub(1)));
        let found = events::list(&self.db, &query, &ctx.user_id).await?;
        let Some((event, read)) = found.into_iter().next() else {
            return Err(Error::not_found(Kind::Event, id.to_string()));
        };
        if !read {
            events::mark_read(&self.db, &Self::scope(ctx, 0), &ctx.user_id, Some(&[id])).await?;
        }
        Ok(event)
    }

    /// Marks events read for the caller's user: `ids`, or every event when `None`. Ids of events
    /// the caller may not see are ignored (it learns nothing of them).
    pub async fn mark_read(&self, ctx: &AuthContext, ids: Option<&[EventId]>) -> Result<u64> {
        events::mark_read(&self.db, &Self::scope(ctx, 0), &ctx.user_id, ids).await
    }
}
