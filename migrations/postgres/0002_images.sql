-- Images, their tags and custom properties, and their members (shares). Deleted images stay as
-- rows (deleted = 1) so that an id is never reused; deleted members likewise (deleted = 1).
CREATE TABLE images (
    id TEXT PRIMARY KEY,
    region TEXT NOT NULL REFERENCES regions (name),
    name TEXT,
    owner TEXT,
    status TEXT NOT NULL,
    visibility TEXT NOT NULL,
    protected BIGINT NOT NULL DEFAULT 0,
    os_hidden BIGINT NOT NULL DEFAULT 0,
    checksum TEXT,
    os_hash_algo TEXT,
    os_hash_value TEXT,
    size BIGINT,
    virtual_size BIGINT,
    disk_format TEXT,
    container_format TEXT,
    min_ram BIGINT NOT NULL DEFAULT 0,
    min_disk BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted BIGINT NOT NULL DEFAULT 0,
    deleted_at BIGINT,
    -- While data streams in (status saving or uploading): the node receiving it and when it
    -- last said it is alive, so an upload cut by a crash can be retried.
    upload_node TEXT,
    upload_heartbeat BIGINT
);
CREATE INDEX images_owner ON images (region, owner, deleted, created_at);
CREATE INDEX images_visibility ON images (region, visibility, deleted, created_at);

CREATE TABLE image_tags (
    image_id TEXT NOT NULL REFERENCES images (id),
    value TEXT NOT NULL,
    PRIMARY KEY (image_id, value)
);
CREATE INDEX image_tags_value ON image_tags (value, image_id);

CREATE TABLE image_properties (
    image_id TEXT NOT NULL REFERENCES images (id),
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (image_id, name)
);
CREATE INDEX image_properties_name ON image_properties (name, value, image_id);

CREATE TABLE image_members (
    image_id TEXT NOT NULL REFERENCES images (id),
    member TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (image_id, member)
);
CREATE INDEX image_members_member ON image_members (member, deleted, status, image_id);
