-- Groups of accounts: an account keeps named lists of account numbers and shares an image with
-- a whole list at once. A share made through a group remembers the group (image_members.group_id,
-- NULL for a direct share), so that adding an account to the group later shares the group's
-- images with it, and removing it takes back the shares it has not accepted.
CREATE TABLE account_groups (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (owner, name)
);
CREATE TABLE account_group_members (
    group_id TEXT NOT NULL,
    account TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, account)
);
-- The images shared with each group (the image's live shares carry the group's id).
CREATE TABLE group_shares (
    image_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (image_id, group_id)
);
CREATE INDEX group_shares_group ON group_shares (group_id, image_id);
ALTER TABLE image_members ADD COLUMN group_id TEXT;
CREATE INDEX image_members_group ON image_members (group_id, member) WHERE group_id IS NOT NULL;
