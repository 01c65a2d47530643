-- Runs: what the core keeps about one execution of a process beyond its job (or, for a deployed
-- workflow, its recipe), whichever door started it: how its results were asked for, whom to call
-- back and how far that got, whether a client dismissed it, and the inputs still to be fetched
-- (an asynchronous execute is accepted before its inputs are staged). Replaces ogc_job and ogc_run.
CREATE TABLE run (
  id bigserial PRIMARY KEY,
  job_id bigint UNIQUE REFERENCES job (id),
  recipe_id bigint UNIQUE REFERENCES recipe (id),
  response text NOT NULL DEFAULT 'document' CHECK (response IN ('raw', 'document')),
  -- Requested outputs by id: 'value' or 'reference'; null means every output, by value.
  outputs jsonb,
  -- {successUri, inProgressUri, failedUri}, and the server URL the client used (links in callbacks).
  subscriber jsonb,
  base_url text,
  -- The last run status a subscriber was told of, the attempts at the next one and when to make it
  -- (also a lease: a process delivering it moves it on).
  notified text,
  callback_attempts integer NOT NULL DEFAULT 0,
  callback_next timestamptz,
  callback_done boolean NOT NULL DEFAULT false,
  dismissed timestamptz,
  -- Staging: the inputs given by reference that are still to be fetched, whether that is pending,
  -- done or failed (and why), and a lease so that one process stages a run at a time.
  stage jsonb,
  stage_state text CHECK (stage_state IN ('pending', 'done', 'failed')),
  stage_error text,
  stage_lease timestamptz,
  created timestamptz NOT NULL DEFAULT now(),
  CHECK ((job_id IS NULL) <> (recipe_id IS NULL))
);
CREATE INDEX run_callbacks_idx ON run (callback_next) WHERE subscriber IS NOT NULL AND NOT callback_done;
CREATE INDEX run_dismissed_job_idx ON run (job_id) WHERE dismissed IS NOT NULL;
CREATE INDEX run_staging_idx ON run (stage_lease) WHERE stage_state = 'pending';

INSERT INTO run (job_id, response, outputs, subscriber, base_url, notified, callback_attempts, callback_next, callback_done, dismissed, created)
SELECT job_id, response, outputs, subscriber, base_url, notified, callback_attempts, callback_next, callback_done, dismissed, created FROM ogc_job;
INSERT INTO run (recipe_id, outputs, subscriber, base_url, notified, callback_attempts, callback_next, callback_done, created)
SELECT recipe_id, outputs, subscriber, base_url, notified, callback_attempts, callback_next, callback_done, created FROM ogc_run;
DROP TABLE ogc_job;
DROP TABLE ogc_run;
