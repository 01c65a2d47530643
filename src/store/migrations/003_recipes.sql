-- Recipes: recipe types with revisions, recipes (DAG instances), their nodes, and the marks that
-- tell the recipe engine which recipes need another look.

CREATE TABLE recipe_type (
  id serial PRIMARY KEY,
  name text NOT NULL,
  version text NOT NULL,
  title text,
  description text,
  is_system boolean NOT NULL DEFAULT false,
  is_active boolean NOT NULL DEFAULT true,
  -- The definition in the wire format it was given in (1.0 or v6), defaults filled in.
  definition jsonb NOT NULL,
  revision_num integer NOT NULL DEFAULT 1,
  trigger_rule jsonb,
  created timestamptz NOT NULL DEFAULT now(),
  archived timestamptz,
  last_modified timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, version)
);
CREATE INDEX recipe_type_last_modified_idx ON recipe_type (last_modified);

CREATE TABLE recipe_type_revision (
  id serial PRIMARY KEY,
  recipe_type_id integer NOT NULL REFERENCES recipe_type (id),
  revision_num integer NOT NULL,
  definition jsonb NOT NULL,
  created timestamptz NOT NULL DEFAULT now(),
  UNIQUE (recipe_type_id, revision_num)
);

CREATE TABLE recipe (
  id bigserial PRIMARY KEY,
  recipe_type_id integer NOT NULL REFERENCES recipe_type (id),
  recipe_type_rev_id integer NOT NULL REFERENCES recipe_type_revision (id),
  event_id bigint,
  -- A sub-recipe's parent and the top of its tree.
  recipe_id bigint REFERENCES recipe (id),
  root_recipe_id bigint REFERENCES recipe (id),
  -- Recipe data as given (1.0 or v6), defaults filled in.
  input jsonb NOT NULL,
  configuration jsonb,
  input_file_size double precision NOT NULL DEFAULT 0,
  is_superseded boolean NOT NULL DEFAULT false,
  superseded timestamptz,
  superseded_recipe_id bigint REFERENCES recipe (id),
  root_superseded_recipe_id bigint REFERENCES recipe (id),
  is_canceled boolean NOT NULL DEFAULT false,
  is_completed boolean NOT NULL DEFAULT false,
  completed timestamptz,
  created timestamptz NOT NULL DEFAULT now(),
  last_modified timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recipe_last_modified_idx ON recipe (last_modified, id);
CREATE INDEX recipe_recipe_type_idx ON recipe (recipe_type_id, last_modified, id);
CREATE INDEX recipe_parent_idx ON recipe (recipe_id) WHERE recipe_id IS NOT NULL;
CREATE INDEX recipe_root_idx ON recipe (root_recipe_id) WHERE root_recipe_id IS NOT NULL;
CREATE INDEX recipe_superseded_idx ON recipe (superseded_recipe_id) WHERE superseded_recipe_id IS NOT NULL;
CREATE INDEX recipe_created_idx ON recipe (created);

-- What each node of a recipe became: a job (one per file when it fans out), a sub-recipe, a
-- condition's verdict, or nothing (skipped, or a fan-out over no files).
CREATE TABLE recipe_node (
  id bigserial PRIMARY KEY,
  recipe_id bigint NOT NULL REFERENCES recipe (id),
  node_name text NOT NULL,
  fork_index integer NOT NULL DEFAULT 0,
  -- false: taken over from the recipe this one supersedes, not run again.
  is_original boolean NOT NULL DEFAULT true,
  job_id bigint REFERENCES job (id),
  sub_recipe_id bigint REFERENCES recipe (id),
  outcome text CHECK (outcome IN ('ACCEPTED', 'REJECTED', 'SKIPPED', 'EMPTY')),
  -- A condition's data, passed on to the nodes that depend on it.
  data jsonb,
  created timestamptz NOT NULL DEFAULT now(),
  UNIQUE (recipe_id, node_name, fork_index)
);
CREATE INDEX recipe_node_job_idx ON recipe_node (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX recipe_node_sub_recipe_idx ON recipe_node (sub_recipe_id) WHERE sub_recipe_id IS NOT NULL;

-- Jobs of recipes: PENDING and BLOCKED jobs exist before their input does.
ALTER TABLE job ADD COLUMN recipe_id bigint REFERENCES recipe (id);
ALTER TABLE job ALTER COLUMN input DROP NOT NULL;
CREATE INDEX job_recipe_idx ON job (recipe_id) WHERE recipe_id IS NOT NULL;

-- Recipes the engine must look at again. `seq` orders the marks so the engine clears only those
-- it has seen (a mark made while it worked survives).
CREATE SEQUENCE recipe_update_seq;
CREATE TABLE recipe_update (
  recipe_id bigint PRIMARY KEY REFERENCES recipe (id),
  seq bigint NOT NULL
);

-- Whatever ends a recipe's job (an execution's end, a cancel, lost-node recovery) or brings it back
-- (requeue, uncancel) marks its recipes, in the same transaction, so no path has to remember to.
-- The engine's own moves (PENDING/BLOCKED to QUEUED) do not match and so do not mark.
CREATE FUNCTION mark_recipe_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO recipe_update (recipe_id, seq)
    SELECT r, nextval('recipe_update_seq') FROM (SELECT DISTINCT recipe_id AS r FROM recipe_node WHERE job_id = NEW.id) s
  ON CONFLICT (recipe_id) DO UPDATE SET seq = EXCLUDED.seq;
  RETURN NULL;
END
$$;

CREATE TRIGGER job_marks_recipe AFTER UPDATE OF status ON job
  FOR EACH ROW
  WHEN (NEW.recipe_id IS NOT NULL AND OLD.status IS DISTINCT FROM NEW.status
        AND (NEW.status IN ('COMPLETED', 'FAILED', 'CANCELED') OR OLD.status IN ('FAILED', 'CANCELED')))
  EXECUTE FUNCTION mark_recipe_update();
