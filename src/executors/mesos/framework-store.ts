// The framework id kept in the database (table mesos_framework), by framework name.
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
  };
}
