-- A share's copy of its image's created_at is now written by the statement that adds the
-- share when it knows it; the trigger fills it in only for inserts that leave it out.
DROP TRIGGER image_members_image_created_at ON image_members;
CREATE TRIGGER image_members_image_created_at BEFORE INSERT ON image_members
    FOR EACH ROW WHEN (NEW.image_created_at = 0)
    EXECUTE FUNCTION image_members_image_created_at();
