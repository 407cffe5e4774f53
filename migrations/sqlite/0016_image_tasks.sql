-- Import tasks, as Glance records them: one row per `POST …/import`, read back through
-- `GET …/images/{id}/tasks`. `input` and `result` are JSON text; times are microseconds.
CREATE TABLE image_tasks (
    id TEXT PRIMARY KEY,
    task_type TEXT NOT NULL,
    status TEXT NOT NULL,
    owner TEXT NOT NULL,
    image_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    input TEXT NOT NULL,
    result TEXT,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX image_tasks_image ON image_tasks (image_id, created_at);
