-- Servers booted from images. No hypervisor runs them: a server is its record and its own disk
-- (a copy of the image's data in the region's store). Deleted servers stay as rows (deleted = 1).
CREATE TABLE servers (
    id TEXT PRIMARY KEY,
    region TEXT NOT NULL REFERENCES regions (name),
    account_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    image_id TEXT NOT NULL,
    flavor_id TEXT NOT NULL,
    status TEXT NOT NULL,
    task_state TEXT,
    networks TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    launched_at BIGINT,
    deleted BIGINT NOT NULL DEFAULT 0,
    deleted_at BIGINT
);
CREATE INDEX servers_account ON servers (region, account_id, deleted, created_at);
CREATE INDEX servers_image ON servers (image_id, deleted);
