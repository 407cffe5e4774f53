-- Webhooks: endpoints an account registers to be told of its share events by HTTP.
-- event_cursor is the id of the last share event fanned out to the endpoint (the newest event at
-- registration, so older events are not sent): event ids grow in commit order, so the events
-- after it are exactly those still to fan out. event_types is a comma-separated list of wire
-- names, '' for every type. The secret signs deliveries; it is shown once, at registration.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    event_types TEXT NOT NULL,
    description TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    event_cursor BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id, created_at);

-- One event's delivery to one endpoint (event_id NULL and its own payload for a test
-- delivery). A node claims a due delivery (claimed_by, claimed_at; a claim older than the
-- lease is stale and taken over), sends it, and marks it delivered, or pending again with its
-- next attempt, or failed once the retry period is over.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id BIGINT,
    event_type TEXT NOT NULL,
    image_id TEXT,
    payload TEXT,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    first_attempt_at BIGINT,
    claimed_by TEXT,
    claimed_at BIGINT,
    finished_at BIGINT,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, image_id, state, event_id);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, created_at);

-- The delivery log: the latest attempts of each endpoint (older ones are trimmed).
CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    status_code BIGINT,
    latency_ms BIGINT NOT NULL,
    error TEXT
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
