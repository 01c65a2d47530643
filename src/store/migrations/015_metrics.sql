-- Metrics (seed 002 "Metrics Services"): hourly roll-ups, as Scale keeps them (metrics_job_type,
-- metrics_error, metrics_ingest with an `occurred` hour), so plot data reads a few rows per hour
-- instead of every job. `occurred` is the start of a UTC hour. Times are seconds; each statistic
-- keeps its count, sum, min and max so hours add up to days exactly (an average is sum / count).

CREATE TABLE metrics_job_type (
  occurred timestamptz NOT NULL,
  job_type_id integer NOT NULL,
  completed_count integer NOT NULL DEFAULT 0,
  failed_count integer NOT NULL DEFAULT 0,
  canceled_count integer NOT NULL DEFAULT 0,
  total_count integer NOT NULL DEFAULT 0,
  error_system_count integer NOT NULL DEFAULT 0,
  error_data_count integer NOT NULL DEFAULT 0,
  error_algorithm_count integer NOT NULL DEFAULT 0,
  queue_time_count integer NOT NULL DEFAULT 0,
  queue_time_sum double precision,
  queue_time_min double precision,
  queue_time_max double precision,
  pre_time_count integer NOT NULL DEFAULT 0,
  pre_time_sum double precision,
  pre_time_min double precision,
  pre_time_max double precision,
  job_time_count integer NOT NULL DEFAULT 0,
  job_time_sum double precision,
  job_time_min double precision,
  job_time_max double precision,
  post_time_count integer NOT NULL DEFAULT 0,
  post_time_sum double precision,
  post_time_min double precision,
  post_time_max double precision,
  run_time_count integer NOT NULL DEFAULT 0,
  run_time_sum double precision,
  run_time_min double precision,
  run_time_max double precision,
  stage_time_count integer NOT NULL DEFAULT 0,
  stage_time_sum double precision,
  stage_time_min double precision,
  stage_time_max double precision,
  PRIMARY KEY (occurred, job_type_id)
);
CREATE INDEX metrics_job_type_choice_idx ON metrics_job_type (job_type_id, occurred);

CREATE TABLE metrics_error (
  occurred timestamptz NOT NULL,
  error_id integer NOT NULL,
  total_count integer NOT NULL DEFAULT 0,
  PRIMARY KEY (occurred, error_id)
);
CREATE INDEX metrics_error_choice_idx ON metrics_error (error_id, occurred);

CREATE TABLE metrics_ingest (
  occurred timestamptz NOT NULL,
  strike_id integer NOT NULL,
  deferred_count integer NOT NULL DEFAULT 0,
  ingested_count integer NOT NULL DEFAULT 0,
  errored_count integer NOT NULL DEFAULT 0,
  duplicate_count integer NOT NULL DEFAULT 0,
  total_count integer NOT NULL DEFAULT 0,
  file_size_count integer NOT NULL DEFAULT 0,
  file_size_sum double precision,
  file_size_min double precision,
  file_size_max double precision,
  transfer_time_count integer NOT NULL DEFAULT 0,
  transfer_time_sum double precision,
  transfer_time_min double precision,
  transfer_time_max double precision,
  ingest_time_count integer NOT NULL DEFAULT 0,
  ingest_time_sum double precision,
  ingest_time_min double precision,
  ingest_time_max double precision,
  PRIMARY KEY (occurred, strike_id)
);
CREATE INDEX metrics_ingest_choice_idx ON metrics_ingest (strike_id, occurred);

-- How far the roll-up has looked at changed rows (their last_modified): hours touched since then
-- are recomputed by the next roll-up, and read live until they are. NULL: never rolled up.
CREATE TABLE metrics_rollup (
  id integer PRIMARY KEY CHECK (id = 1),
  scanned_to timestamptz
);
INSERT INTO metrics_rollup (id) VALUES (1);

-- Recomputing an hour reads only the rows that ended in it.
CREATE INDEX job_ended_idx ON job (ended) WHERE ended IS NOT NULL;
CREATE INDEX job_exe_ended_idx ON job_exe (ended) WHERE ended IS NOT NULL;
CREATE INDEX ingest_metrics_idx ON ingest ((coalesce(ingest_ended, transfer_ended, created)))
  WHERE strike_id IS NOT NULL AND status IN ('DEFERRED', 'INGESTED', 'ERRORED', 'DUPLICATE');
