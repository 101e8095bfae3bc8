-- Pending orders expire (releasing stock) unless an attempt is still live.
ALTER TABLE stores ADD COLUMN pending_ttl_seconds BIGINT NOT NULL DEFAULT 1800;
ALTER TABLE orders ADD COLUMN expires_at TIMESTAMPTZ;
-- attention is set when an order needs the merchant: paid after it expired
-- with no stock left to re-reserve ("refund or fulfil").
ALTER TABLE orders ADD COLUMN attention TEXT;
CREATE INDEX orders_expiry_idx ON orders (status, expires_at);

-- Money that arrived but could not simply pay its order: a second payment
-- of a paid order, or an amount that differs from the prompt. The merchant
-- resolves each one (match it to an order, or mark it for refund).
CREATE TABLE payment_issues (
    id          TEXT PRIMARY KEY,
    store_id    TEXT NOT NULL REFERENCES stores (id),
    attempt_id  TEXT NOT NULL REFERENCES payment_attempts (id),
    order_id    TEXT NOT NULL REFERENCES orders (id),
    kind        TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    receipt     TEXT,
    status      TEXT NOT NULL,
    resolution  TEXT,
    resolved_order_id TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ,
    UNIQUE (attempt_id, kind)
);
CREATE INDEX payment_issues_store_idx ON payment_issues (store_id, status, created_at);

-- Idempotency-Key records (Stripe semantics): one row per store, route and
-- key; the first request's response is replayed to every repeat.
CREATE TABLE idempotency_keys (
    store_id        TEXT NOT NULL,
    scope           TEXT NOT NULL,
    key             TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    status          TEXT NOT NULL,
    response_status BIGINT NOT NULL,
    response_body   TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (store_id, scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
