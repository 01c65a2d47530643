-- Scale 6's ingest lifecycle has QUEUED between TRANSFERRED and INGESTING (the ingest is waiting
-- for its ingest job; here, for its batch to start moving files). A QUEUED ingest is open, as an
-- INGESTING one is: one per Strike and file name.
ALTER TABLE ingest DROP CONSTRAINT ingest_status_check;
ALTER TABLE ingest ADD CONSTRAINT ingest_status_check
  CHECK (status IN ('TRANSFERRING', 'TRANSFERRED', 'DEFERRED', 'QUEUED', 'INGESTING', 'INGESTED', 'ERRORED', 'DUPLICATE'));
DROP INDEX ingest_transferring_uq;
CREATE UNIQUE INDEX ingest_transferring_uq ON ingest (strike_id, file_name) WHERE status IN ('TRANSFERRING', 'QUEUED', 'INGESTING');
