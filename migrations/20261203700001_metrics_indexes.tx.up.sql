-- Indexes for the worker's metrics (internal/observability), which count
-- rows that reached a state in a time window every refresh interval
-- (callbacks already have callbacks_unprocessed_idx on processed_at).
CREATE INDEX payment_attempts_resolved_idx ON payment_attempts (resolved_at);
CREATE INDEX webhook_attempts_created_idx ON webhook_attempts (created_at);
