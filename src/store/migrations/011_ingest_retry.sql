-- A file whose ingest failed is tried again from its source only after retry_after (not every sweep).
ALTER TABLE ingest ADD COLUMN retry_after timestamptz;
