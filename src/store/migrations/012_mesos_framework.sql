-- The Mesos framework id this server subscribed as, by framework name: a restarted (or failed
-- over) server subscribes with it again and keeps its running tasks.
CREATE TABLE mesos_framework (
  name text PRIMARY KEY,
  framework_id text NOT NULL,
  master text,
  updated timestamptz NOT NULL DEFAULT now()
);
