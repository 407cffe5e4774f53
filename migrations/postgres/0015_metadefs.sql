-- Metadata definitions (Glance's metadefs catalog), cloud-wide: namespaces and what they hold
-- (resource type associations, properties, objects, tags), keyed by the namespace's name, which
-- a rename changes in every table in one transaction. Property and object definitions are kept
-- as the JSON documents the API shows. Glance's default definitions are loaded by the store
-- after migrating, each file once (metadef_loaded_files), so the admin's later changes stay.
CREATE TABLE metadef_namespaces (
    namespace TEXT PRIMARY KEY,
    display_name TEXT,
    description TEXT,
    visibility TEXT NOT NULL,
    protected BIGINT NOT NULL,
    owner TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX metadef_namespaces_owner ON metadef_namespaces (owner);
CREATE TABLE metadef_resource_types (
    name TEXT PRIMARY KEY,
    protected BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE metadef_associations (
    namespace TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    prefix TEXT,
    properties_target TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (namespace, resource_type)
);
CREATE INDEX metadef_associations_type ON metadef_associations (resource_type);
CREATE TABLE metadef_properties (
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (namespace, name)
);
CREATE TABLE metadef_objects (
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    required TEXT NOT NULL,
    properties TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (namespace, name)
);
CREATE TABLE metadef_tags (
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (namespace, name)
);
CREATE TABLE metadef_loaded_files (
    file TEXT PRIMARY KEY,
    loaded_at BIGINT NOT NULL
);
