-- What the OGC API - Processes door keeps about the jobs it starts: how the client asked for the
-- results, whom to call back, and whether the client dismissed the job (a dismissed job is gone for
-- OGC clients; the Scale API still shows it, CANCELED or as it ended).
CREATE TABLE ogc_job (
  job_id bigint PRIMARY KEY REFERENCES job (id),
  response text NOT NULL DEFAULT 'document' CHECK (response IN ('raw', 'document')),
  -- Requested outputs by id: {transmissionMode, format}; null means every output.
  outputs jsonb,
  -- {successUri, inProgressUri, failedUri}, and the server URL the client used (for links in callbacks).
  subscriber jsonb,
  base_url text,
  -- The last job state a subscriber was told of ('running', 'successful', 'failed'), the attempts
  -- at the next one and when to make it (also a lease: a process delivering it moves it on).
  notified text,
  callback_attempts integer NOT NULL DEFAULT 0,
  callback_next timestamptz,
  callback_done boolean NOT NULL DEFAULT false,
  dismissed timestamptz,
  created timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ogc_job_callbacks_idx ON ogc_job (callback_next) WHERE subscriber IS NOT NULL AND NOT callback_done;
CREATE INDEX ogc_job_dismissed_idx ON ogc_job (job_id) WHERE dismissed IS NOT NULL;

-- The OGC job list pages through jobs newest first.
CREATE INDEX job_created_id_idx ON job (created, id);
