-- The run that marked a notification 'sending' (internal/notify): a run
-- whose claim's answer was lost in a database outage finds out from the
-- row whether the claim was its own, and a run's outcome is recorded only
-- over its own claim.
ALTER TABLE notifications ADD COLUMN claim TEXT NOT NULL DEFAULT '';
