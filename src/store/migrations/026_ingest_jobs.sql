-- Strikes and Scans as Scale shows them: each has a job of a system job type (scale-strike,
-- scale-scan), RUNNING while the Strike's monitor runs or the Scan sweeps. Those jobs are run by
-- the core's ingest service in the server process, never by the scheduler on a node: a job type
-- marked is_service has jobs that are made RUNNING by their service with no queue row, are never
-- created through the jobs API, and are handed back to their service (PENDING) when requeued,
-- never put on the queue (see src/core/ingest/ingest-jobs.ts).
ALTER TABLE job_type ADD COLUMN is_service boolean NOT NULL DEFAULT false;

-- The Strike's current job (a new one each time the Strike is started again).
ALTER TABLE strike ADD COLUMN job_id bigint REFERENCES job (id);
-- The Scan's ingesting run (once only, as in Scale) and its latest dry run.
ALTER TABLE scan ADD COLUMN job_id bigint REFERENCES job (id);
ALTER TABLE scan ADD COLUMN dry_run_job_id bigint REFERENCES job (id);

-- A source file's ingests (/sources/{id}/ingests/, purging the file) and an ingest by file name
-- (/ingests/{file_name}/) are read without scanning every ingest.
CREATE INDEX ingest_source_file_idx ON ingest (source_file_id) WHERE source_file_id IS NOT NULL;
CREATE INDEX ingest_file_name_idx ON ingest (file_name, created);
