-- The life of each share, for its two parties: one row per event, written in the transaction
-- of the change it records (an outbox). Ids grow in commit order (SQLite writes one
-- transaction at a time), so a poller that asks for the events after the last id it saw never
-- misses one. The id is the rowid without AUTOINCREMENT (which would write sqlite_sequence on
-- every event, one more page per commit): the next id is the largest plus one, so events are
-- never deleted from the top (a prune keeps the newest). The image's name and region are
-- copied, so the event still reads after the image is gone. actor_* are empty for changes the
-- service makes by itself (an expiry).
CREATE TABLE share_events (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    image_id TEXT NOT NULL,
    image_name TEXT,
    region TEXT NOT NULL,
    producer TEXT NOT NULL,
    consumer TEXT NOT NULL,
    actor_user_id TEXT,
    actor_user_name TEXT,
    detail TEXT
);
CREATE INDEX share_events_producer ON share_events (producer, id);
CREATE INDEX share_events_consumer ON share_events (consumer, id);

-- Which events each user has read (the panel's bell counts the others).
CREATE TABLE share_event_reads (
    user_id TEXT NOT NULL,
    event_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, event_id)
);

-- A share's reminders (the courtesy rules count them), kept on the share: a new offer of the
-- image starts again from none.
ALTER TABLE image_members ADD COLUMN reminders_sent BIGINT NOT NULL DEFAULT 0;
ALTER TABLE image_members ADD COLUMN last_reminder_at BIGINT;
