// (o) OGC API - Processes synchronous execute of the built-in echo (POST /processes/echo/execution,
// the server's sync mode, a JSON document answer) with CLIENTS keep-alive clients, on PGlite and
// PostgreSQL, beside a bare express route in the same process answering the same JSON: p50, p95
// and requests/s. Every execute is a whole job (queue, scheduler, execution, outputs, log); echo
// runs in the server's process (src/executors/local/in-process.ts). Issue 24's goals: p50 < 15 ms
// and p95 < 50 ms at 8 clients. The clients run in a worker thread (bench/wps.ts's load loop).
import { freshDb, fmt, kinds, server } from './common.ts';
import { figure } from './summary.ts';
import { type Load, loadTest, withBareRoute } from './load.ts';

const CLIENTS = Number(process.env.BENCH_ECHO_CLIENTS ?? 8);
const SECONDS = Number(process.env.BENCH_ECHO_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_ECHO_WARMUP_SECONDS ?? 1);
const P50_GOAL = 15;
const P95_GOAL = 50;

const BODY = JSON.stringify({ inputs: { message: 'hi' }, response: 'document' });
const ANSWER = { message: 'hi' };

/** The answer is echo's: 200 and the message back, as a results document. */
async function check(url: string): Promise<string | null> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
    const text = await res.text();
    return res.status === 200 && text === JSON.stringify(ANSWER) ? null : `HTTP ${res.status}: ${text.slice(0, 200)}`;
  } catch (err) {
    return (err as Error).message;
  }
}

const measure = (url: string): Promise<Load> => loadTest({ url, method: 'POST', body: BODY, contentType: 'application/json', concurrency: CLIENTS, seconds: SECONDS, warmup: WARMUP });

const row = (label: string, r: Load) => `  ${label.padEnd(34)} ${fmt(r.rps).padStart(7)} req/s   p50 ${fmt(r.p50, 1).padStart(6)} ms   p95 ${fmt(r.p95, 1).padStart(6)} ms${r.errors ? `   ${r.errors} errors` : ''}`;

export async function echoSync(): Promise<void> {
  console.log(`\n(o) OGC API sync execute of echo (a whole job each): ${CLIENTS} keep-alive clients × ${SECONDS} s after ${WARMUP} s of warm-up, beside a bare express route`);
  // The bare route parses the same JSON body and answers the same JSON.
  const base = await withBareRoute(JSON.stringify(ANSWER), measure, 'post');
  console.log(row('bare express route (same JSON)', base));
  for (const kind of kinds()) {
    const { db, drop } = await freshDb(kind);
    const s = await server(db, { LISTEN: '1', SCALE_NODE_MEM: '65536' });
    try {
      const url = `${s.url}/processes/echo/execution`;
      const problem = await check(url);
      if (problem) {
        console.log(`  ${kind}: the answer is wrong (${problem}); not measured`);
        continue;
      }
      const r = await measure(url);
      console.log(`${row(`${kind} POST /processes/echo/execution`, r)}   ${fmt((100 * r.rps) / base.rps, 1)}% of the bare route   goals p50 < ${P50_GOAL} ms: ${r.p50 < P50_GOAL ? 'met' : 'NOT met'}, p95 < ${P95_GOAL} ms: ${r.p95 < P95_GOAL ? 'met' : 'NOT met'}`);
      const name = (what: string) => `OGC sync execute echo ${what}, ${CLIENTS} clients, ${kind}`;
      figure({ section: 'o', name: name('p50'), value: r.p50, unit: 'ms', goal: { op: '<=', target: P50_GOAL } });
      figure({ section: 'o', name: name('p95'), value: r.p95, unit: 'ms', goal: { op: '<=', target: P95_GOAL } });
      figure({ section: 'o', name: name('req/s'), value: r.rps, unit: 'req/s' });
      figure({ section: 'o', name: name('req/s'), value: (100 * r.rps) / base.rps, unit: '%', reference: 'bare express route (same JSON answer)' });
    } finally {
      await s.close();
      await drop();
    }
  }
  figure({ section: 'o', name: `bare express route p50, ${CLIENTS} clients`, value: base.p50, unit: 'ms' });
}
