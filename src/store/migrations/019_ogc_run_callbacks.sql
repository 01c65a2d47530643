-- Callbacks for workflow runs (the callback conformance class): a subscriber given with the execute
-- request of a deployed workflow is told when the run starts, succeeds or fails, as for a job. A run
-- started through the OGC API may have a subscriber and no output choices (outputs then null).
ALTER TABLE ogc_run ALTER COLUMN outputs DROP NOT NULL;
ALTER TABLE ogc_run ADD COLUMN subscriber jsonb;
ALTER TABLE ogc_run ADD COLUMN base_url text;
ALTER TABLE ogc_run ADD COLUMN notified text;
ALTER TABLE ogc_run ADD COLUMN callback_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE ogc_run ADD COLUMN callback_next timestamptz;
ALTER TABLE ogc_run ADD COLUMN callback_done boolean NOT NULL DEFAULT false;
CREATE INDEX ogc_run_callbacks_idx ON ogc_run (callback_next) WHERE subscriber IS NOT NULL AND NOT callback_done;
