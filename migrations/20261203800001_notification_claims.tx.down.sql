ALTER TABLE notifications DROP COLUMN claim;
