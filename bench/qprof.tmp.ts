import { openDb } from '../src/store/open.ts';
import { server } from './common.ts';
const db = await openDb({ databaseUrl: process.env.DBURL || null, dataDir: null });
const stats = new Map<string, { n: number; ms: number }>();
const wrap = (q: any) => async (sql: string, params?: unknown[]) => {
  const t0 = performance.now();
  try { return await q(sql, params); } finally {
    const k = sql.replace(/\s+/g, ' ').slice(0, 70);
    const s = stats.get(k) ?? { n: 0, ms: 0 }; s.n++; s.ms += performance.now() - t0; stats.set(k, s);
  }
};
const origQuery = db.query.bind(db); (db as any).query = wrap(origQuery);
const origTx = db.transaction.bind(db);
(db as any).transaction = (fn: any) => origTx((tx: any) => fn({ query: wrap(tx.query.bind(tx)) }));
const s = await server(db, { SCALE_NODE_CPUS: '2', SCALE_NODE_MEM: '65536' });
const { jobType } = await s.core.jobTypes.create({ name: 'noop', version: '1', cpus_required: 0.25, mem_required: 16, disk_out_const_required: 0, interface: { command: '/bin/true', command_arguments: '' } });
stats.clear();
const t0 = performance.now();
await s.core.jobs.createMany(jobType.id, Array.from({ length: 1000 }, () => ({})));
for (;;) { const n = (await origQuery(`SELECT count(*)::int AS n FROM job WHERE status = 'COMPLETED'`)).rows[0].n; if (n >= 1000) break; await new Promise(r => setTimeout(r, 100)); }
console.log('rate', (1000 / ((performance.now() - t0) / 1000)).toFixed(0));
for (const [k, v] of [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) console.log(v.n.toString().padStart(6), v.ms.toFixed(0).padStart(7), k);
await s.close(); process.exit(0);
