-- Each Mesos agent's own HTTP endpoint (Offer.url), so a restarted server reads the sandbox logs of
-- the tasks it adopts before any new offer from that agent arrives.
CREATE TABLE mesos_agent (
  agent_id text PRIMARY KEY,
  url text NOT NULL,
  updated timestamptz NOT NULL DEFAULT now()
);
