-- Ingest (seed 002: Strike, Scan, ingests): what watches or sweeps a directory, and one row per file
-- it brought in (or deferred, or refused), kept as the file's history.
CREATE TABLE strike (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  title text,
  description text,
  configuration jsonb NOT NULL,
  is_active boolean NOT NULL DEFAULT true,
  -- The server process that runs the monitor, and until when (a lease, so a dead one is replaced).
  monitor_owner text,
  monitor_lease timestamptz,
  created timestamptz NOT NULL DEFAULT now(),
  last_modified timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE scan (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  title text,
  description text,
  configuration jsonb NOT NULL,
  file_count integer,
  dry_run_started timestamptz,
  dry_run_ended timestamptz,
  started timestamptz,
  ended timestamptz,
  created timestamptz NOT NULL DEFAULT now(),
  last_modified timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ingest (
  id bigserial PRIMARY KEY,
  file_name text NOT NULL,
  strike_id integer REFERENCES strike (id),
  scan_id integer REFERENCES scan (id),
  status text NOT NULL CHECK (status IN ('TRANSFERRING', 'TRANSFERRED', 'DEFERRED', 'INGESTING', 'INGESTED', 'ERRORED', 'DUPLICATE')),
  bytes_transferred bigint,
  transfer_started timestamptz,
  transfer_ended timestamptz,
  media_type text,
  file_size bigint,
  data_type_tags jsonb NOT NULL DEFAULT '[]',
  -- Where the file was found (relative to the watched directory), and where it went.
  file_path text,
  workspace_id integer REFERENCES workspace (id),
  new_file_path text,
  new_workspace_id integer REFERENCES workspace (id),
  error text,
  ingest_started timestamptz,
  ingest_ended timestamptz,
  source_file_id bigint REFERENCES scale_file (id),
  created timestamptz NOT NULL DEFAULT now(),
  last_modified timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ingest_last_modified_idx ON ingest (last_modified, id);
CREATE INDEX ingest_strike_idx ON ingest (strike_id, status);
CREATE INDEX ingest_scan_idx ON ingest (scan_id);
-- A file still being copied in has one open record per Strike.
CREATE UNIQUE INDEX ingest_transferring_uq ON ingest (strike_id, file_name) WHERE status IN ('TRANSFERRING', 'INGESTING');
-- Duplicate detection (Scale #1885: by name and size).
CREATE INDEX scale_file_source_name_size_idx ON scale_file (file_name, file_size) WHERE file_type = 'SOURCE' AND NOT is_deleted;
