-- Batches (Scale 6.0.0's batch app): a user's collection of recipes of one recipe type. A v6 batch
-- reprocesses the recipes of an earlier batch and supersedes it (the two share a root, so a chain
-- of iterations can be compared); a v5 batch reprocesses the recipe type's recipes (a date range,
-- forced job names) and starts recipes for files the type never processed. Counts and progress
-- are read from the batch's recipes and jobs when asked for, so nothing here needs refreshing.
CREATE TABLE batch (
  id serial PRIMARY KEY,
  title text,
  description text,
  recipe_type_id integer NOT NULL REFERENCES recipe_type (id),
  recipe_type_rev_id integer NOT NULL REFERENCES recipe_type_revision (id),
  event_id bigint NOT NULL REFERENCES trigger_event (id),
  -- As stored by Scale: v6 {"version": "6", "previous_batch": {...}} or 1.0 (v5: date_range, job_names, all_jobs, priority, trigger_rule).
  definition jsonb NOT NULL,
  -- v6 {"version": "6", "priority": n}.
  configuration jsonb NOT NULL,
  is_creation_done boolean NOT NULL DEFAULT false,
  -- How far recipe creation got ({"phase": "recipes" | "files", "cursor": id}: recipes are taken in
  -- descending id, as Scale's create_batch_recipes message takes them), so a restarted server
  -- resumes where it stopped; and since when a server has been creating them (another waits).
  creation_state jsonb NOT NULL DEFAULT '{}',
  creation_claimed timestamptz,
  -- v5: recipes the batch could not create.
  failed_count integer NOT NULL DEFAULT 0,
  recipes_estimated integer NOT NULL DEFAULT 0,
  is_superseded boolean NOT NULL DEFAULT false,
  root_batch_id integer REFERENCES batch (id),
  superseded_batch_id integer UNIQUE REFERENCES batch (id),
  created timestamptz NOT NULL DEFAULT now(),
  superseded timestamptz,
  last_modified timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX batch_last_modified_idx ON batch (last_modified, id);
CREATE INDEX batch_recipe_type_idx ON batch (recipe_type_id);
CREATE INDEX batch_root_idx ON batch (root_batch_id);
-- One live batch per chain: two new batches cannot both supersede the same one.
CREATE UNIQUE INDEX batch_live_root_idx ON batch (root_batch_id) WHERE NOT is_superseded AND root_batch_id IS NOT NULL;
CREATE INDEX batch_creating_idx ON batch (id) WHERE NOT is_creation_done;

ALTER TABLE recipe ADD COLUMN batch_id integer REFERENCES batch (id);
CREATE INDEX recipe_batch_idx ON recipe (batch_id, id) WHERE batch_id IS NOT NULL;
CREATE INDEX recipe_root_superseded_idx ON recipe (root_superseded_recipe_id) WHERE root_superseded_recipe_id IS NOT NULL;

-- Jobs of a batch's recipes name the batch; a job run again by a reprocess is superseded by the new
-- one (Scale's is_superseded / superseded_job / root_superseded_job; superseded_by_job is the reverse).
ALTER TABLE job ADD COLUMN batch_id integer REFERENCES batch (id);
ALTER TABLE job ADD COLUMN is_superseded boolean NOT NULL DEFAULT false;
ALTER TABLE job ADD COLUMN superseded timestamptz;
ALTER TABLE job ADD COLUMN superseded_job_id bigint REFERENCES job (id);
ALTER TABLE job ADD COLUMN root_superseded_job_id bigint REFERENCES job (id);
CREATE INDEX job_batch_idx ON job (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX job_superseded_job_idx ON job (superseded_job_id) WHERE superseded_job_id IS NOT NULL;

-- The recipes of a batch and every sub-recipe below them (copied ones included, as Scale's recipe
-- counters include them): what a batch's counts and progress are read from.
CREATE FUNCTION batch_recipe_tree(bid integer) RETURNS TABLE (recipe_id bigint, is_top boolean)
LANGUAGE sql STABLE AS $$
  WITH RECURSIVE tree(id, top) AS (
    SELECT id, true FROM recipe WHERE batch_id = bid AND recipe_id IS NULL
    UNION ALL SELECT rn.sub_recipe_id, false FROM tree t JOIN recipe_node rn ON rn.recipe_id = t.id WHERE rn.sub_recipe_id IS NOT NULL)
  SELECT id, top FROM tree
$$;
