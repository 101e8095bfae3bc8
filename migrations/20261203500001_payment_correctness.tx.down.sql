DROP TABLE idempotency_keys;
DROP TABLE payment_issues;
DROP INDEX orders_expiry_idx;
ALTER TABLE orders DROP COLUMN attention;
ALTER TABLE orders DROP COLUMN expires_at;
ALTER TABLE stores DROP COLUMN pending_ttl_seconds;
