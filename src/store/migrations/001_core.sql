-- The Scale core: errors, workspaces, files, job types, jobs, executions, the queue, nodes, the scheduler.
-- Column names follow Scale's models so the REST codecs stay thin.

CREATE TABLE error (
  id serial PRIMARY KEY,
  name text NOT NULL,
  job_type_name text,
  title text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  category text NOT NULL CHECK (category IN ('SYSTEM', 'ALGORITHM', 'DATA')),
  is_builtin boolean NOT NULL DEFAULT false,
  should_be_retried boolean NOT NULL DEFAULT false,
  exit_code integer,
  created timestamptz NOT NULL DEFAULT now(),
  last_modified timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX error_name_uq ON error ((coalesce(job_type_name, '')), name);
CREATE INDEX error_last_modified_idx ON error (last_modified);

CREATE TABLE workspace (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  title text,
  description text,
  base_url text,
  is_active boolean NOT NULL DEFAULT true,
  json_config jsonb NOT NULL,
  used_size bigint,
  total_size bigint,
  created timestamptz NOT NULL DEFAULT now(),
  archived timestamptz,
  last_modified timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workspace_last_modified_idx ON workspace (last_modified);

CREATE TABLE job_type (
  id serial PRIMARY KEY,
  name text NOT NULL,
  version text NOT NULL,
  title text,
  description text,
  category text,
  author_name text,
  author_url text,
  is_system boolean NOT NULL DEFAULT false,
  is_long_running boolean NOT NULL DEFAULT false,
  is_active boolean NOT NULL DEFAULT true,
  is_operational boolean NOT NULL DEFAULT true,
  is_paused boolean NOT NULL DEFAULT false,
  icon_code text,
  docker_image text,
  docker_privileged boolean NOT NULL DEFAULT false,
  revision_num integer NOT NULL DEFAULT 1,
  priority integer NOT NULL DEFAULT 100,
  timeout integer NOT NULL DEFAULT 1800,
  max_scheduled integer,
  max_tries integer NOT NULL DEFAULT 3,
  cpus_required double precision NOT NULL DEFAULT 1,
  mem_required double precision NOT NULL DEFAULT 64,
  disk_out_const_required double precision NOT NULL DEFAULT 64,
  disk_out_mult_required double precision NOT NULL DEFAULT 0,
  interface_kind text NOT NULL DEFAULT 'scale-1.0',
  interface jsonb NOT NULL,
  error_mapping jsonb NOT NULL,
  trigger_rule jsonb,
  created timestamptz NOT NULL DEFAULT now(),
  archived timestamptz,
  paused timestamptz,
  last_modified timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, version)
);
CREATE INDEX job_type_category_idx ON job_type (category);
CREATE INDEX job_type_last_modified_idx ON job_type (last_modified);

CREATE TABLE job_type_revision (
  id serial PRIMARY KEY,
  job_type_id integer NOT NULL REFERENCES job_type (id),
  revision_num integer NOT NULL,
  interface_kind text NOT NULL DEFAULT 'scale-1.0',
  interface jsonb NOT NULL,
  error_mapping jsonb NOT NULL,
  created timestamptz NOT NULL DEFAULT now(),
  UNIQUE (job_type_id, revision_num)
);

CREATE TABLE node (
  id serial PRIMARY KEY,
  hostname text NOT NULL,
  port integer,
  slave_id text NOT NULL UNIQUE,
  executor text NOT NULL DEFAULT 'local',
  pause_reason text,
  is_paused boolean NOT NULL DEFAULT false,
  is_paused_errors boolean NOT NULL DEFAULT false,
  is_active boolean NOT NULL DEFAULT true,
  deprecated timestamptz,
  cpus_total double precision NOT NULL DEFAULT 0,
  mem_total double precision NOT NULL DEFAULT 0,
  disk_total double precision NOT NULL DEFAULT 0,
  incarnation text,
  -- Where a local node keeps its execution directories, so a process on the same host can kill
  -- the orphans of a node whose owner died.
  work_dir text,
  last_heartbeat timestamptz,
  archived timestamptz,
  created timestamptz NOT NULL DEFAULT now(),
  last_offer timestamptz,
  last_modified timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE scheduler (
  id integer PRIMARY KEY CHECK (id = 1),
  is_paused boolean NOT NULL DEFAULT false,
  queue_mode text NOT NULL DEFAULT 'FIFO' CHECK (queue_mode IN ('FIFO', 'LIFO')),
  last_modified timestamptz NOT NULL DEFAULT now()
);
INSERT INTO scheduler (id) VALUES (1);

CREATE TABLE job (
  id bigserial PRIMARY KEY,
  job_type_id integer NOT NULL REFERENCES job_type (id),
  job_type_rev_id integer NOT NULL REFERENCES job_type_revision (id),
  event_id bigint,
  status text NOT NULL CHECK (status IN ('PENDING', 'BLOCKED', 'QUEUED', 'RUNNING', 'FAILED', 'COMPLETED', 'CANCELED')),
  error_id integer REFERENCES error (id),
  priority integer NOT NULL,
  num_exes integer NOT NULL DEFAULT 0,
  timeout integer NOT NULL,
  max_tries integer NOT NULL,
  cpus_required double precision NOT NULL,
  mem_required double precision NOT NULL,
  disk_in_required double precision NOT NULL DEFAULT 0,
  disk_out_required double precision NOT NULL DEFAULT 0,
  input jsonb NOT NULL,
  output jsonb,
  created timestamptz NOT NULL DEFAULT now(),
  queued timestamptz,
  started timestamptz,
  ended timestamptz,
  last_status_change timestamptz NOT NULL DEFAULT now(),
  last_modified timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_last_modified_idx ON job (last_modified, id);
CREATE INDEX job_status_last_modified_idx ON job (status, last_modified, id);
CREATE INDEX job_job_type_last_modified_idx ON job (job_type_id, last_modified, id);
CREATE INDEX job_created_idx ON job (created);
CREATE INDEX job_error_idx ON job (error_id) WHERE error_id IS NOT NULL;

CREATE TABLE job_exe (
  id bigserial PRIMARY KEY,
  job_id bigint NOT NULL REFERENCES job (id),
  exe_num integer NOT NULL,
  job_type_id integer NOT NULL REFERENCES job_type (id),
  node_id integer REFERENCES node (id),
  status text NOT NULL CHECK (status IN ('RUNNING', 'FAILED', 'COMPLETED', 'CANCELED')),
  cluster_id text,
  command_arguments text,
  timeout integer NOT NULL,
  cpus_scheduled double precision NOT NULL,
  mem_scheduled double precision NOT NULL,
  disk_in_scheduled double precision NOT NULL,
  disk_out_scheduled double precision NOT NULL,
  disk_total_scheduled double precision NOT NULL,
  environment jsonb,
  error_id integer REFERENCES error (id),
  exit_code integer,
  pid integer,
  pid_started text,
  pre_started timestamptz,
  pre_completed timestamptz,
  pre_exit_code integer,
  job_started timestamptz,
  job_completed timestamptz,
  job_exit_code integer,
  post_started timestamptz,
  post_completed timestamptz,
  post_exit_code integer,
  results jsonb,
  results_manifest jsonb,
  log_path text,
  created timestamptz NOT NULL DEFAULT now(),
  queued timestamptz,
  started timestamptz,
  ended timestamptz,
  last_modified timestamptz NOT NULL DEFAULT now(),
  UNIQUE (job_id, exe_num)
);
CREATE INDEX job_exe_last_modified_idx ON job_exe (last_modified, id);
CREATE INDEX job_exe_running_idx ON job_exe (node_id) WHERE status = 'RUNNING';
CREATE INDEX job_exe_node_idx ON job_exe (node_id, last_modified);
CREATE INDEX job_exe_type_idx ON job_exe (job_type_id, last_modified);

-- The runnable projection of QUEUED jobs: one row per job waiting for a node, read in
-- priority order and claimed with FOR UPDATE SKIP LOCKED.
CREATE TABLE queue (
  job_id bigint PRIMARY KEY REFERENCES job (id),
  job_type_id integer NOT NULL REFERENCES job_type (id),
  exe_num integer NOT NULL,
  priority integer NOT NULL,
  queued timestamptz NOT NULL DEFAULT now(),
  cpus double precision NOT NULL,
  mem double precision NOT NULL,
  disk_in double precision NOT NULL,
  disk_out double precision NOT NULL,
  timeout integer NOT NULL
);
CREATE INDEX queue_order_idx ON queue (priority, queued, job_id);
CREATE INDEX queue_job_type_idx ON queue (job_type_id);

CREATE TABLE scale_file (
  id bigserial PRIMARY KEY,
  workspace_id integer NOT NULL REFERENCES workspace (id),
  file_name text NOT NULL,
  file_path text NOT NULL,
  file_type text NOT NULL CHECK (file_type IN ('SOURCE', 'PRODUCT')),
  media_type text NOT NULL,
  file_size bigint NOT NULL,
  checksum text,
  uuid text NOT NULL,
  data_type_tags jsonb NOT NULL DEFAULT '[]',
  meta_data jsonb NOT NULL DEFAULT '{}',
  geometry jsonb,
  center_point jsonb,
  countries jsonb NOT NULL DEFAULT '[]',
  data_started timestamptz,
  data_ended timestamptz,
  source_started timestamptz,
  source_ended timestamptz,
  is_deleted boolean NOT NULL DEFAULT false,
  deleted timestamptz,
  job_id bigint REFERENCES job (id),
  job_exe_id bigint REFERENCES job_exe (id),
  job_type_id integer REFERENCES job_type (id),
  job_output text,
  is_published boolean NOT NULL DEFAULT false,
  published timestamptz,
  created timestamptz NOT NULL DEFAULT now(),
  last_modified timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX scale_file_path_uq ON scale_file (workspace_id, file_path) WHERE NOT is_deleted;
CREATE INDEX scale_file_last_modified_idx ON scale_file (last_modified, id);
CREATE INDEX scale_file_job_idx ON scale_file (job_id) WHERE job_id IS NOT NULL;

-- Job load samples (GET /load/): counts per job type, one row per type per minute.
CREATE TABLE job_load (
  measured timestamptz NOT NULL,
  job_type_id integer NOT NULL REFERENCES job_type (id),
  pending_count integer NOT NULL,
  queued_count integer NOT NULL,
  running_count integer NOT NULL,
  PRIMARY KEY (measured, job_type_id)
);
