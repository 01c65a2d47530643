-- What the WPS door keeps about the workflow runs it starts (OGC job id wf-<recipe id>): the outputs
-- the Execute asked for and how (value or reference), so GetResult and the stored 1.0.0 response
-- answer as that request asked. Runs started through the OGC API have no row (their results are links).
CREATE TABLE ogc_run (
  recipe_id bigint PRIMARY KEY REFERENCES recipe (id),
  -- Requested outputs by id: 'value' or 'reference'.
  outputs jsonb NOT NULL,
  created timestamptz NOT NULL DEFAULT now()
);
