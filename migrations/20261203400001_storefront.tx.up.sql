-- Storefront branding, product images, delivery notes and the merchant's
-- notification preferences (issue 7). Defaults keep existing rows valid;
-- the application always writes every column.
ALTER TABLE stores ADD COLUMN tagline TEXT NOT NULL DEFAULT '';
ALTER TABLE stores ADD COLUMN logo TEXT NOT NULL DEFAULT '';
ALTER TABLE stores ADD COLUMN brand_color TEXT NOT NULL DEFAULT '';
ALTER TABLE stores ADD COLUMN accent_color TEXT NOT NULL DEFAULT '';
ALTER TABLE stores ADD COLUMN notify_email TEXT NOT NULL DEFAULT '';
ALTER TABLE stores ADD COLUMN notify_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE stores ADD COLUMN notify_paid_email BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE stores ADD COLUMN notify_paid_sms BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE products ADD COLUMN image TEXT NOT NULL DEFAULT '';

ALTER TABLE orders ADD COLUMN delivery_note TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN fulfilled_at TIMESTAMPTZ;
