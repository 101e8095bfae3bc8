-- Webhook endpoints: secret rotation (the previous secret keeps signing
-- until previous_secret_expires_at), failure tracking (failing_since is
-- the first failure since the last success; 5 days of it pause the
-- endpoint) and the reason shown to the merchant when paused or disabled.
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_sealed TEXT;
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_expires_at TIMESTAMPTZ;
ALTER TABLE webhook_endpoints ADD COLUMN failing_since TIMESTAMPTZ;
ALTER TABLE webhook_endpoints ADD COLUMN paused_at TIMESTAMPTZ;
ALTER TABLE webhook_endpoints ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';

-- Deliveries schedule their own retries: next_attempt_at is when the next
-- try is due, schedule_step how many tries of the current schedule failed
-- (a replay starts a new schedule), locked_until a short lease so that a
-- duplicated task never sends twice at once.
ALTER TABLE webhook_deliveries ADD COLUMN next_attempt_at TIMESTAMPTZ;
ALTER TABLE webhook_deliveries ADD COLUMN schedule_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN locked_until TIMESTAMPTZ;
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);

ALTER TABLE webhook_attempts ADD COLUMN request_url TEXT NOT NULL DEFAULT '';

-- Notifications keep what the provider said; sender is the per-store name
-- the message went out under.
ALTER TABLE notifications ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN sender TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN provider_ref TEXT NOT NULL DEFAULT '';
CREATE INDEX notifications_pending_idx ON notifications (status, created_at);

-- Per-store sender names: the SMS sender id (approved with the provider)
-- and the display name of emails. Empty means the platform default.
CREATE TABLE notification_settings (
    store_id        TEXT PRIMARY KEY REFERENCES stores (id),
    sms_sender_id   TEXT NOT NULL,
    email_from_name TEXT NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

-- The pull API pages orders by (updated_at, id) and events by id.
CREATE INDEX orders_store_updated_idx ON orders (store_id, updated_at, id);
CREATE INDEX events_store_id_idx ON events (store_id, id);
