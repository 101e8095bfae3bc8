-- One schema for PostgreSQL and SQLite: only types both accept (SQLite maps
-- TIMESTAMPTZ/BYTEA/BOOLEAN to NUMERIC affinity and keeps bun's values as
-- written). Ids are ULID strings made in Go, so no serial/identity columns.
-- Money is BIGINT minor units next to an ISO currency code.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE auth_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX auth_tokens_user_idx ON auth_tokens (user_id);

CREATE TABLE stores (
    id         TEXT PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    owner_id   TEXT NOT NULL REFERENCES users (id),
    status     TEXT NOT NULL,
    currency   TEXT NOT NULL,
    order_seq  BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE store_members (
    store_id   TEXT NOT NULL REFERENCES stores (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    role       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_id, user_id)
);
CREATE INDEX store_members_user_idx ON store_members (user_id);

-- Secrets are sealed by internal/secrets (envelope encryption, key id inside
-- the value); *_last4 keep what the merchant may see again.
CREATE TABLE mpesa_credentials (
    store_id            TEXT PRIMARY KEY REFERENCES stores (id),
    environment         TEXT NOT NULL,
    type                TEXT NOT NULL,
    shortcode           TEXT NOT NULL,
    till_number         TEXT NOT NULL,
    passkey_sealed      TEXT NOT NULL,
    consumer_key_sealed TEXT NOT NULL,
    secret_sealed       TEXT NOT NULL,
    passkey_last4       TEXT NOT NULL,
    consumer_key_last4  TEXT NOT NULL,
    secret_last4        TEXT NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE products (
    id          TEXT PRIMARY KEY,
    store_id    TEXT NOT NULL REFERENCES stores (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    price       BIGINT NOT NULL CHECK (price > 0),
    currency    TEXT NOT NULL,
    stock       BIGINT NOT NULL CHECK (stock >= 0),
    active      BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX products_store_idx ON products (store_id, created_at);

-- sequence counts the order's state changes so webhook receivers can drop
-- stale updates.
CREATE TABLE orders (
    id             TEXT PRIMARY KEY,
    store_id       TEXT NOT NULL REFERENCES stores (id),
    number         BIGINT NOT NULL,
    status         TEXT NOT NULL,
    total          BIGINT NOT NULL CHECK (total > 0),
    currency       TEXT NOT NULL,
    phone          TEXT NOT NULL,
    customer_name  TEXT NOT NULL,
    customer_email TEXT NOT NULL,
    token_hash     TEXT NOT NULL,
    receipt        TEXT,
    sequence       BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    paid_at        TIMESTAMPTZ,
    UNIQUE (store_id, number)
);
CREATE INDEX orders_store_status_idx ON orders (store_id, status, created_at);

CREATE TABLE order_items (
    id         TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES orders (id),
    store_id   TEXT NOT NULL REFERENCES stores (id),
    product_id TEXT NOT NULL REFERENCES products (id),
    name       TEXT NOT NULL,
    unit_price BIGINT NOT NULL,
    quantity   BIGINT NOT NULL CHECK (quantity > 0),
    line_total BIGINT NOT NULL
);
CREATE INDEX order_items_order_idx ON order_items (order_id);

-- callback_token is the unguessable last path segment of the attempt's
-- CallBackURL (stored hashed); it ties a callback to its attempt even when
-- the push answer (and so the CheckoutRequestID) was lost.
CREATE TABLE payment_attempts (
    id                  TEXT PRIMARY KEY,
    store_id            TEXT NOT NULL REFERENCES stores (id),
    order_id            TEXT NOT NULL REFERENCES orders (id),
    status              TEXT NOT NULL,
    phone               TEXT NOT NULL,
    amount              BIGINT NOT NULL,
    currency            TEXT NOT NULL,
    callback_token_hash TEXT NOT NULL UNIQUE,
    merchant_request_id TEXT,
    checkout_request_id TEXT UNIQUE,
    receipt             TEXT UNIQUE,
    result_code         TEXT,
    result_desc         TEXT,
    failure_reason      TEXT,
    merchant_reason     TEXT,
    payer_phone         TEXT,
    queries             BIGINT NOT NULL,
    push_started_at     TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    resolved_at         TIMESTAMPTZ
);
CREATE INDEX payment_attempts_order_idx ON payment_attempts (order_id, created_at);
CREATE INDEX payment_attempts_status_idx ON payment_attempts (status, updated_at);
-- At most one live attempt per order, enforced by the database.
CREATE UNIQUE INDEX payment_attempts_one_live_idx ON payment_attempts (order_id)
    WHERE status IN ('queued', 'prompted');

-- The callback inbox: every body Daraja (or anyone) posts, stored before we
-- answer, processed after.
CREATE TABLE callbacks (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL,
    -- bytes, not text: a forged body may hold NULs or invalid UTF-8 that
    -- PostgreSQL's text refuses, and every body must be stored.
    body        BYTEA NOT NULL,
    remote_addr TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    processed_at TIMESTAMPTZ,
    outcome     TEXT,
    attempt_id  TEXT,
    store_id    TEXT
);
CREATE INDEX callbacks_unprocessed_idx ON callbacks (processed_at, received_at);

-- The outbox: written in the same transaction as the change it reports.
CREATE TABLE events (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores (id),
    type       TEXT NOT NULL,
    order_id   TEXT,
    payload    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    relayed_at TIMESTAMPTZ
);
CREATE INDEX events_store_idx ON events (store_id, created_at);
CREATE INDEX events_unrelayed_idx ON events (relayed_at, created_at);

CREATE TABLE webhook_endpoints (
    id            TEXT PRIMARY KEY,
    store_id      TEXT NOT NULL REFERENCES stores (id),
    url           TEXT NOT NULL,
    events        TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_endpoints_store_idx ON webhook_endpoints (store_id);

CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    store_id         TEXT NOT NULL REFERENCES stores (id),
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id),
    event_id         TEXT NOT NULL REFERENCES events (id),
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    last_status_code BIGINT NOT NULL,
    last_error       TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    delivered_at     TIMESTAMPTZ,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_status_idx ON webhook_deliveries (status, updated_at);

CREATE TABLE webhook_attempts (
    id               TEXT PRIMARY KEY,
    delivery_id      TEXT NOT NULL REFERENCES webhook_deliveries (id),
    store_id         TEXT NOT NULL,
    request_headers  TEXT NOT NULL,
    status_code      BIGINT NOT NULL,
    response_body    TEXT NOT NULL,
    duration_ms      BIGINT NOT NULL,
    error            TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, created_at);

-- One row per message to a person; (event_id, kind) makes a relayed event
-- produce each message once however often the relay runs.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores (id),
    event_id   TEXT NOT NULL REFERENCES events (id),
    order_id   TEXT,
    kind       TEXT NOT NULL,
    channel    TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    body       TEXT NOT NULL,
    status     TEXT NOT NULL,
    provider   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at    TIMESTAMPTZ,
    UNIQUE (event_id, kind, channel)
);
CREATE INDEX notifications_store_idx ON notifications (store_id, created_at);
