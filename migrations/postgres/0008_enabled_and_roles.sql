-- Keystone's enabled flag on accounts (projects) and users, and an account's description. A
-- disabled user or account cannot sign in and its tokens stop working. A user's role may now
-- be empty (''): a user created through the Identity API holds no role until one is granted,
-- as in Keystone, and cannot sign in until then.
ALTER TABLE accounts ADD COLUMN enabled BIGINT NOT NULL DEFAULT 1;
ALTER TABLE accounts ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN enabled BIGINT NOT NULL DEFAULT 1;
CREATE INDEX tokens_user ON tokens (user_id);
CREATE INDEX tokens_account ON tokens (account_id);
