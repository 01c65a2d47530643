// What the framework keeps in the database: its id (table mesos_framework, by framework name) and
// its agents' endpoints (table mesos_agent).
import type { Queryable } from '../../store/db.ts';
import type { FrameworkIdStore } from './client.ts';

export function dbFrameworkStore(db: Queryable, name: string): FrameworkIdStore {
  return {
    async load() {
      const res = await db.query<{ framework_id: string }>('SELECT framework_id FROM mesos_framework WHERE name = $1', [name]);
      return res.rows[0]?.framework_id ?? null;
    },
    async save(id) {
      await db.query(
        `INSERT INTO mesos_framework (name, framework_id) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET framework_id = EXCLUDED.framework_id, updated = now()`,
        [name, id],
      );
    },
    async forget(id) {
      // Only that id: a newer one saved in the meantime stays.
      await db.query('DELETE FROM mesos_framework WHERE name = $1 AND framework_id = $2', [name, id]);
    },
  };
}

export interface AgentUrlStore {
  load(agentIds: string[]): Promise<Map<string, string>>;
  save(agentId: string, url: string): Promise<void>;
}

export function dbAgentUrlStore(db: Queryable): AgentUrlStore {
  return {
    async load(agentIds) {
      if (!agentIds.length) return new Map();
      const res = await db.query<{ agent_id: string; url: string }>('SELECT agent_id, url FROM mesos_agent WHERE agent_id = ANY($1::text[])', [agentIds]);
      return new Map(res.rows.map((r) => [r.agent_id, r.url]));
    },
    async save(agentId, url) {
      await db.query(
        `INSERT INTO mesos_agent (agent_id, url) VALUES ($1, $2) ON CONFLICT (agent_id) DO UPDATE SET url = EXCLUDED.url, updated = now()`,
        [agentId, url],
      );
    },
  };
}
