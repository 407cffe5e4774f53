-- A share's copy of its image's created_at is now written by the statement that adds the
-- share when it knows it; the trigger fills it in only for inserts that leave it out, instead
-- of updating every new share a second time.
DROP TRIGGER image_members_image_created_at;
CREATE TRIGGER image_members_image_created_at AFTER INSERT ON image_members
WHEN NEW.image_created_at = 0
BEGIN
    UPDATE image_members SET image_created_at = COALESCE(
        (SELECT i.created_at FROM images i WHERE i.id = NEW.image_id), 0)
    WHERE image_id = NEW.image_id AND member = NEW.member;
END;
