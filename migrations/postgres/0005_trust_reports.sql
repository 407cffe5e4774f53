-- The trust report of each image with data: what its filesystems say about who could log in
-- to a server built from it. One row per image, queued when the image becomes active and
-- worked on by one node at a time (claimed_by, claimed_at); a node that stops mid-report
-- leaves it to be taken over once its claim is stale. The report is JSON, written once.
CREATE TABLE trust_reports (
    image_id TEXT PRIMARY KEY REFERENCES images (id),
    state TEXT NOT NULL,
    detected_format TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_at BIGINT,
    report TEXT,
    queued_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX trust_reports_waiting ON trust_reports (state, queued_at);

-- Images that already had data get their report too.
INSERT INTO trust_reports (image_id, state, detected_format, queued_at)
SELECT id, 'pending', COALESCE(disk_format, 'raw'), updated_at
FROM images
WHERE deleted = 0 AND status IN ('active', 'deactivated');
