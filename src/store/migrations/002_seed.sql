-- SEED job types (a manifest, a Docker image, a v6 configuration) and where jobs may run.

ALTER TABLE job_type ADD COLUMN manifest jsonb;
ALTER TABLE job_type ADD COLUMN configuration jsonb NOT NULL DEFAULT '{}';
ALTER TABLE job_type ADD COLUMN package_version text;
-- Secret setting values, encrypted (see src/core/secrets.ts); configuration holds them masked.
ALTER TABLE job_type ADD COLUMN secrets text;
ALTER TABLE job_type_revision ADD COLUMN docker_image text;

-- A job pins the image it runs (its type's at creation) and its own configuration.
ALTER TABLE job ADD COLUMN docker_image text;
ALTER TABLE job ADD COLUMN configuration jsonb;
-- What a node must offer to run the job: a Docker engine for images, a process otherwise.
ALTER TABLE job ADD COLUMN runtime text GENERATED ALWAYS AS (CASE WHEN docker_image IS NULL THEN 'process' ELSE 'docker' END) STORED;
ALTER TABLE queue ADD COLUMN runtime text NOT NULL DEFAULT 'process';
ALTER TABLE node ADD COLUMN runtimes jsonb NOT NULL DEFAULT '["process"]';

-- SEED errors belong to their job type; JSON outputs of a job are kept with its results.
CREATE INDEX error_job_type_idx ON error (job_type_name) WHERE job_type_name IS NOT NULL;
