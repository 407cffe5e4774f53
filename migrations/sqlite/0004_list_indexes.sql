-- Image lists read through one index per branch of the visibility algorithm (own images, one
-- visibility, the caller's shares) and take the page in index order: `created_at` then `id`,
-- the default sort with its tie-breaker, so a list never reads or sorts the whole region.
DROP INDEX images_owner;
DROP INDEX images_visibility;
CREATE INDEX images_owner_created ON images (region, owner, deleted, created_at, id);
CREATE INDEX images_visibility_created ON images (region, visibility, deleted, created_at, id);
-- The admin's list: the whole region, newest first.
CREATE INDEX images_region_created ON images (region, deleted, created_at, id);

-- A share keeps its image's created_at (which never changes), so a consumer's shares are read
-- newest first straight from an index and the list stops at the page's end, instead of
-- fetching and sorting every shared image. Set on insert by the trigger below.
ALTER TABLE image_members ADD COLUMN image_created_at BIGINT NOT NULL DEFAULT 0;
UPDATE image_members SET image_created_at = COALESCE(
    (SELECT i.created_at FROM images i WHERE i.id = image_members.image_id), 0);
CREATE TRIGGER image_members_image_created_at AFTER INSERT ON image_members
BEGIN
    UPDATE image_members SET image_created_at = COALESCE(
        (SELECT i.created_at FROM images i WHERE i.id = NEW.image_id), 0)
    WHERE image_id = NEW.image_id AND member = NEW.member;
END;
DROP INDEX image_members_member;
CREATE INDEX image_members_member_created
    ON image_members (member, deleted, status, image_created_at, image_id);
