-- Reports of suspicious images and the operators' quarantine. A consumer reports an image with
-- a reason and a comment; the cloud's operators dismiss the report or quarantine the image.
-- The quarantine is a fact on the image's row (quarantined_at, quarantine_note), so that the
-- reactivation that would undo it is refused with the row it reads anyway.
ALTER TABLE images ADD COLUMN quarantined_at BIGINT;
ALTER TABLE images ADD COLUMN quarantine_note TEXT;
CREATE TABLE image_reports (
    id TEXT PRIMARY KEY,
    image_id TEXT NOT NULL,
    region TEXT NOT NULL,
    image_name TEXT,
    reporter_account TEXT NOT NULL,
    reporter_user_id TEXT NOT NULL,
    reporter_user_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    comment TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolved_by TEXT,
    resolution_note TEXT
);
-- One open report per image and reporting account.
CREATE UNIQUE INDEX image_reports_open ON image_reports (image_id, reporter_account)
    WHERE status = 'open';
CREATE INDEX image_reports_status ON image_reports (status, created_at);
CREATE INDEX image_reports_reporter ON image_reports (reporter_account, created_at);
