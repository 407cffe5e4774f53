-- Failed sign-ins per user, for the lockout after too many in a row (Keystone's
-- [security_compliance] lockout): how many since the last successful sign-in, and when the
-- last one happened (microseconds since the epoch; 0: none). Kept on the users row, so that
-- the sign-in's one read of the user sees them and every node sharing the store agrees.
ALTER TABLE users ADD COLUMN failed_auth_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_auth_at BIGINT NOT NULL DEFAULT 0;
