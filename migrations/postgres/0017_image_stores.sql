-- Several stores per region: the ids of the stores that hold an image's data, comma-separated
-- in reading order (highest weight first). NULL with one store per region, and while the image
-- has no data.
ALTER TABLE images ADD COLUMN stores TEXT;
