-- Access control (issue 6): browser sessions, per-store API keys, the
-- Casbin policy, the audit log, store status history, support access and
-- staff invitations. Secrets and tokens are stored only as hashes.

-- token_hash is tokens.Hash of the cookie value; the cookie alone opens it.
CREATE TABLE auth_sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    ip           TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    store_id     TEXT NOT NULL REFERENCES stores (id),
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    last4        TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    created_by   TEXT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_keys_store_idx ON api_keys (store_id, created_at);

-- Casbin rules as its adapters conventionally store them: ptype p/g/g2 and
-- up to six values. The unique index makes adding a rule twice a no-op.
CREATE TABLE casbin_rules (
    id    TEXT PRIMARY KEY,
    ptype TEXT NOT NULL,
    v0    TEXT NOT NULL,
    v1    TEXT NOT NULL,
    v2    TEXT NOT NULL,
    v3    TEXT NOT NULL,
    v4    TEXT NOT NULL,
    v5    TEXT NOT NULL
);
CREATE UNIQUE INDEX casbin_rules_rule_idx ON casbin_rules (ptype, v0, v1, v2, v3, v4, v5);

-- Append-only: the application only inserts and reads. actor is who did it,
-- subject whom they acted as (the same unless a platform admin is using
-- support access); never a secret in detail.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    store_id    TEXT NOT NULL,
    store_slug  TEXT NOT NULL,
    action      TEXT NOT NULL,
    ip          TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_store_idx ON audit_log (store_id, at);
CREATE INDEX audit_log_action_idx ON audit_log (action, at);

-- Every suspension and reactivation, with its reason: the store row keeps
-- only the current status.
CREATE TABLE store_status_changes (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores (id),
    status     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    actor_id   TEXT NOT NULL REFERENCES users (id),
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX store_status_changes_store_idx ON store_status_changes (store_id, at);

-- A platform admin acting as a store's owner: bound to one session, with a
-- reason and at most an hour.
CREATE TABLE support_grants (
    id           TEXT PRIMARY KEY,
    session_hash TEXT NOT NULL REFERENCES auth_sessions (token_hash),
    actor_id     TEXT NOT NULL REFERENCES users (id),
    store_id     TEXT NOT NULL REFERENCES stores (id),
    subject_id   TEXT NOT NULL REFERENCES users (id),
    subject_email TEXT NOT NULL,
    reason       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    ended_at     TIMESTAMPTZ
);
CREATE INDEX support_grants_session_idx ON support_grants (session_hash, expires_at);

CREATE TABLE staff_invitations (
    id          TEXT PRIMARY KEY,
    store_id    TEXT NOT NULL REFERENCES stores (id),
    email       TEXT NOT NULL,
    role        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ
);
CREATE INDEX staff_invitations_store_idx ON staff_invitations (store_id, created_at);
