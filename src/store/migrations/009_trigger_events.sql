-- Trigger events (seed 002): what happened (an ingest, a parse, a clock tick), the rules it met, and
-- what they started (jobs and recipes point back through their event_id).
CREATE TABLE trigger_event (
  id bigserial PRIMARY KEY,
  type text NOT NULL,
  rule jsonb,
  description jsonb NOT NULL DEFAULT '{}',
  occurred timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trigger_event_occurred_idx ON trigger_event (occurred, id);
CREATE INDEX job_event_idx ON job (event_id) WHERE event_id IS NOT NULL;
