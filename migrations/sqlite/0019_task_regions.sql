-- The legacy tasks API (`/v2/tasks`) lists each region's tasks at that region's endpoint:
-- a task belongs to the region of the image it imports into. Tasks recorded before this
-- take their image's region.
ALTER TABLE image_tasks ADD COLUMN region TEXT;
UPDATE image_tasks SET region = (SELECT images.region FROM images WHERE images.id = image_tasks.image_id);
CREATE INDEX image_tasks_region ON image_tasks (region, created_at);
-- A list first removes the tasks past their expiry.
CREATE INDEX image_tasks_expiry ON image_tasks (expires_at);
