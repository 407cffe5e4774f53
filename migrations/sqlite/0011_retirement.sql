-- Retiring an image: a producer may schedule the removal of a share at a time to come (a
-- background job removes it then, on one node); the partial index finds the shares due.
ALTER TABLE image_members ADD COLUMN remove_at BIGINT;
CREATE INDEX image_members_remove_at ON image_members (remove_at)
    WHERE remove_at IS NOT NULL AND deleted = 0;
-- An account's live servers in every region (its servers built from deprecated images).
CREATE INDEX servers_account_live ON servers (account_id, deleted);
