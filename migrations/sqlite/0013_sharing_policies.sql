-- Sharing policies: a consumer account's trusted producers (their shares are accepted without
-- a person once their trust report passes the rules), its content rules (a JSON object of rule
-- names to allow/flag/refuse) with an allow-list of SSH key fingerprints, and its mode
-- (off/audit/enforce). An account without a row has no policy. A share accepted against an
-- enforced refusal remembers the manager's override (image_members.override_*), which lets
-- servers boot from it; a new answer or a new offer forgets it.
CREATE TABLE sharing_policies (
    account_id TEXT PRIMARY KEY,
    mode TEXT NOT NULL,
    rules TEXT NOT NULL,
    allowed_ssh_keys TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE trusted_producers (
    account_id TEXT NOT NULL,
    producer TEXT NOT NULL,
    PRIMARY KEY (account_id, producer)
);
ALTER TABLE image_members ADD COLUMN override_at BIGINT;
ALTER TABLE image_members ADD COLUMN override_by TEXT;
-- The pending shares, for the sweep that accepts trusted producers' shares once their reports
-- are written.
CREATE INDEX image_members_pending ON image_members (member, image_id)
    WHERE status = 'pending' AND deleted = 0;
