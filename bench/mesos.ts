// (i) Mesos (issue 10, point 9). Two figures, printed, never asserted:
// 1. Launches per second end to end through the real server as a framework of the Mesos master
//    double (test/helpers/mesos-master.ts): 10 fake agents, BENCH_MESOS_JOBS no-op command tasks
//    (/bin/true, cpus 0.1, mem 16) queued in bulk and followed to COMPLETED; beside it, in the same
//    run, the local executor's rate on BENCH_MESOS_LOCAL_JOBS of the same jobs with the same
//    capacity (80 cpus), and the ratio.
//    The double runs in a process of its own (its agents spawn every task), with the master's
//    offer timeout set (see OFFER_TIMEOUT_MS); the CPU each side spends per job is printed.
// 2. The scheduler's decision time per offer cycle with 1,000 agents and 10,000 queued jobs (goal
//    < 100 ms): the provider side (MesosOffers.offers() and passed(), fed OFFERS events through
//    handle() by a real scheduler client that is not connected, so its calls are no-ops) and the
//    queue claim with the 1,000 offers (what the scheduler's pass() does), median and p95.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLogger } from '../src/log.ts';
import { MesosSchedulerClient } from '../src/executors/mesos/client.ts';
import { dbAgentUrlStore, dbFrameworkStore } from '../src/executors/mesos/framework-store.ts';
import { MesosOffers } from '../src/executors/mesos/mesos-offers.ts';
import { type Candidate, type ClusterNode, place } from '../src/scheduler/placement.ts';
import type { Db } from '../src/store/db.ts';
import { type MesosMaster, type MesosMasterOptions, startMesosMaster } from '../test/helpers/mesos-master.ts';
import { freshDb, fmt, kinds, percentile, server, type Kind } from './common.ts';
import { emptyJobData } from '../src/core/jobs/job-data.ts';
import { figure } from './summary.ts';

const JOBS = Number(process.env.BENCH_MESOS_JOBS ?? 5000);
const LOCAL_JOBS = Number(process.env.BENCH_MESOS_LOCAL_JOBS ?? 2000);
const AGENTS = 10;
const AGENT = { cpus: 8, mem: 16384, disk: 100_000 };
const OFFER_MS = Number(process.env.BENCH_MESOS_OFFER_MS ?? 25);
// The master's --offer_timeout (off by default in Mesos). Under bursts of calls (an ACKNOWLEDGE per
// status update, each its own HTTP request) some calls take seconds or fail with ECONNRESET; an
// ACCEPT or DECLINE lost that way leaves offers the framework has forgotten outstanding at the
// master, which then never offers that agent again, and launches waiting for it hang. The timeout
// rescinds such offers; how many it rescinded is printed.
const OFFER_TIMEOUT_MS = Number(process.env.BENCH_MESOS_OFFER_TIMEOUT_MS ?? 10_000);
// An unacknowledged status update is resent after this long (as a real agent first does).
const ACK_TIMEOUT_MS = 10_000;
const BIG_AGENTS = Number(process.env.BENCH_MESOS_BIG_AGENTS ?? 1000);
const BIG_QUEUED = Number(process.env.BENCH_MESOS_QUEUED ?? 10_000);
const PASSES = Number(process.env.BENCH_MESOS_PASSES ?? 20);
const STALL_MS = 30_000;
const QUEUE_LIMIT = 500; // SCALE_SCHEDULER_QUEUE_LIMIT's default
const NOOP = { name: 'noop', version: '1', cpus_required: 0.1, mem_required: 16, disk_out_const_required: 0, interface: { command: '/bin/true', command_arguments: '' } };

const count = async (db: Db, where: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM job WHERE ${where}`)).rows[0].n;

/** Queues n no-op jobs 500 at a time (as bench a does) and waits until all have ended; jobs/s from the first submit. */
async function runJobs(s: Awaited<ReturnType<typeof server>>, db: Db, n: number): Promise<{ rate: number; failed: string; cpuMsPerJob: number }> {
  const { jobType } = await s.core.jobTypes.create(NOOP);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i += 500) await s.core.jobs.createMany(jobType.id, Array.from({ length: Math.min(500, n - i) }, emptyJobData));
  let done = 0;
  let last = -1;
  let stuckSince = performance.now();
  let stalled = '';
  for (;;) {
    done = await count(db, `status IN ('COMPLETED', 'FAILED')`);
    if (done >= n) break;
    if (done !== last) (last = done), (stuckSince = performance.now());
    else if (performance.now() - stuckSince > STALL_MS) {
      const left = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM job WHERE status NOT IN ('COMPLETED', 'FAILED') GROUP BY 1 ORDER BY 1`);
      stalled = `stalled at ${done} of ${n} ended for ${STALL_MS / 1000} s (${left.rows.map((r) => `${r.n} ${r.status}`).join(', ')}), the rate is of those ended`;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const secs = (performance.now() - t0) / 1000;
  // This process's own CPU (server, scheduler, executor, PGlite's worker): what a job costs the server, whoever runs the task.
  const cpu = process.cpuUsage(cpu0);
  const failed = (await db.query<{ name: string | null; n: number }>(`SELECT e.name, count(*)::int AS n FROM job j LEFT JOIN error e ON e.id = j.error_id WHERE j.status = 'FAILED' GROUP BY 1`)).rows;
  return { rate: done / secs, failed: [...failed.map((r) => `${r.n} FAILED (${r.name})`), ...(stalled ? [stalled] : [])].join(', '), cpuMsPerJob: (cpu.user + cpu.system) / 1000 / Math.max(1, done) };
}

interface DoubleStats {
  accepts: number;
  rescinds: number;
  /** CPU the double's process has used (null when it shares the server's process). */
  cpuMs: number | null;
}

const statsOf = (m: MesosMaster, own: boolean): DoubleStats => {
  const cpu = process.cpuUsage();
  // RESCINDs the double sent: with no RESCIND call of its own, each is an offer that timed out outstanding.
  const rescinds = [...m.frameworks.values()].reduce((n, f) => n + f.events.filter((e) => e.type === 'RESCIND').length, 0);
  return { accepts: m.calls.filter((c) => c.type === 'ACCEPT').length, rescinds, cpuMs: own ? (cpu.user + cpu.system) / 1000 : null };
};

/**
 * The master double in a process of its own, as a real master and its agents would be: its agents
 * spawn each task, and a spawn from the server's own large process (PGlite's heap) costs ~10 ms of
 * the event loop, which would be measured instead of the framework (the local executor forks from
 * a small launcher process for the same reason). BENCH_MESOS_INPROC=1 runs it in the server's process.
 */
async function masterDouble(opts: MesosMasterOptions): Promise<{ url: string; stats(): Promise<DoubleStats>; close(): Promise<void> }> {
  if (process.env.BENCH_MESOS_INPROC === '1') {
    const m = await startMesosMaster(opts);
    return { url: m.url, stats: async () => statsOf(m, false), close: () => m.close() };
  }
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'master-double', JSON.stringify(opts)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(((await lines.next()).value as string | undefined) ?? 'null');
  const { url } = await next();
  return {
    url,
    async stats() {
      child.stdin!.write('stats\n');
      return next();
    },
    async close() {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      await exited;
    },
  };
}

if (process.argv[2] === 'master-double' && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const m = await startMesosMaster(JSON.parse(process.argv[3]));
  process.stdout.write(`${JSON.stringify({ url: m.url })}\n`);
  readline.createInterface({ input: process.stdin }).on('line', () => process.stdout.write(`${JSON.stringify(statsOf(m, true))}\n`));
  process.stdin.on('end', () => void m.close().then(() => process.exit(0)));
}

async function mesosRate(kind: Kind): Promise<{ rate: number; failed: string; cpuMsPerJob: number; accepts: number; rescinds: number; doubleCpuMsPerJob: number | null }> {
  const master = await masterDouble({
    agents: Array.from({ length: AGENTS }, (_, i) => ({ hostname: `agent-${i}`, resources: AGENT })),
    offerIntervalMs: OFFER_MS,
    ...(OFFER_TIMEOUT_MS > 0 ? { offerTimeoutMs: OFFER_TIMEOUT_MS } : {}),
    ackTimeoutMs: ACK_TIMEOUT_MS,
    heartbeatIntervalSeconds: 5,
  });
  const { db, drop } = await freshDb(kind);
  const s = await server(db, { SCALE_EXECUTOR: 'mesos', MESOS_MASTER_URL: master.url, SCALE_SCHEDULER_QUEUE_LIMIT: String(QUEUE_LIMIT) });
  try {
    // Subscribed and offered before the clock starts: the rate is of launches, not of the handshake.
    for (let i = 0; i < 200 && (s.scheduler?.nodes().length ?? 0) < AGENTS; i++) await new Promise((r) => setTimeout(r, 50));
    const before = await master.stats();
    const r = await runJobs(s, db, JOBS);
    const after = await master.stats();
    return { ...r, accepts: after.accepts - before.accepts, rescinds: after.rescinds - before.rescinds, doubleCpuMsPerJob: after.cpuMs !== null && before.cpuMs !== null ? (after.cpuMs - before.cpuMs) / JOBS : null };
  } finally {
    await s.close();
    await drop();
    await master.close();
  }
}

async function localRate(kind: Kind): Promise<{ rate: number; failed: string; cpuMsPerJob: number }> {
  const { db, drop } = await freshDb(kind);
  // The same capacity as the ten agents: 80 cpus (800 no-op jobs at once), on this machine.
  const s = await server(db, { SCALE_EXECUTOR: 'local', SCALE_NODE_CPUS: String(AGENTS * AGENT.cpus), SCALE_NODE_MEM: String(AGENTS * AGENT.mem), SCALE_SCHEDULER_QUEUE_LIMIT: String(QUEUE_LIMIT) });
  try {
    return await runJobs(s, db, LOCAL_JOBS);
  } finally {
    await s.close();
    await drop();
  }
}

/** OFFERS as the master sends them (see the double's offerCycle): one offer per agent, all of it unreserved. */
function offersEvent(round: number, agents: number): { ev: Record<string, any>; ids: string[] } {
  const ids: string[] = [];
  const offers = Array.from({ length: agents }, (_, i) => {
    const id = `bench-O${round}-${i}`;
    ids.push(id);
    const scalar = (name: string, value: number) => ({ name, type: 'SCALAR', scalar: { value }, role: '*', allocation_info: { role: '*' } });
    return {
      id: { value: id }, framework_id: { value: 'bench-fw' }, agent_id: { value: `bench-S${i}` }, hostname: `agent-${i}`, allocation_info: { role: '*' },
      resources: [scalar('cpus', AGENT.cpus), scalar('mem', AGENT.mem), scalar('disk', AGENT.disk), { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] }, role: '*' }],
      attributes: [], executor_ids: [], url: { scheme: 'http', address: { hostname: `agent-${i}`, ip: '127.0.0.1', port: 5051 }, path: '/slave(1)' },
    };
  });
  return { ev: { type: 'OFFERS', offers: { offers } }, ids };
}

interface PassFigures {
  offersMs: number[];
  claimMs: number[];
  passedMs: number[];
  totalMs: number[];
  placed: number[];
  firstOffersMs: number;
  nextOffersMs: number[];
  /** place() alone, on QUEUE_LIMIT candidates and the same offers. */
  placeMs: number[];
  /** Inside the claim: reading the queue pages, placing on the offers (with offers() and passed(): the decision), writing the executions. */
  readMs: number[];
  placingMs: number[];
  writeMs: number[];
  decisionMs: number[];
}

async function decisionTime(kind: Kind): Promise<PassFigures> {
  const { db, drop } = await freshDb(kind);
  const s = await server(db, { SCALE_SCHEDULER: 'off' });
  const log = createLogger({}, 'error');
  try {
    const { jobType } = await s.core.jobTypes.create(NOOP);
    for (let i = 0; i < BIG_QUEUED; i += 1000) await s.core.jobs.createMany(jobType.id, Array.from({ length: Math.min(1000, BIG_QUEUED - i) }, emptyJobData));
    // A real client, never started: not connected, so DECLINE/SUPPRESS/REVIVE are skipped as when the stream is down.
    const client = new MesosSchedulerClient('http://127.0.0.1:1', { user: 'root', name: 'bench', roles: ['*'], checkpoint: true, failoverTimeoutSeconds: 0 }, dbFrameworkStore(db, 'bench'), log);
    const provider = new MesosOffers(client, s.core.nodes, dbAgentUrlStore(db), { role: '*', incarnation: randomUUID(), refuseSeconds: 5, runtimes: ['process', 'docker'], suppressRecheckMs: 10_000, launchTimeoutMs: 60_000 }, log);
    // OFFERS are handled asynchronously (new agents are registered as nodes); onChange marks the end.
    const feed = (ev: Record<string, any>) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('the OFFERS event was not handled within 60 s')), 60_000);
        provider.onChange = () => (clearTimeout(t), resolve());
        provider.handle(ev);
      });
    const f: PassFigures = { offersMs: [], claimMs: [], passedMs: [], totalMs: [], placed: [], firstOffersMs: 0, nextOffersMs: [], placeMs: [], readMs: [], placingMs: [], writeMs: [], decisionMs: [] };
    let held: string[] = [];
    // The first OFFERS registers the 1,000 agents as nodes.
    {
      const { ev, ids } = offersEvent(0, BIG_AGENTS);
      const t = performance.now();
      await feed(ev);
      f.firstOffersMs = performance.now() - t;
      held = ids;
    }
    // What the scheduler reads (and caches for a second) as "the live nodes of the cluster".
    const clusterNodes: ClusterNode[] = (
      await db.query(`SELECT cpus_total, mem_total, disk_total, runtimes FROM node WHERE is_active AND NOT is_paused AND last_heartbeat > now() - make_interval(secs => 30)`)
    ).rows.map((r) => ({ total: { cpus: r.cpus_total, mem: r.mem_total, disk: r.disk_total }, runtimes: r.runtimes }));
    let smallest: { cpus: number; mem: number; disk: number } | null = null;
    for (let p = 1; p <= PASSES + 1; p++) {
      // One pass, as the scheduler's pass() makes it.
      const t0 = performance.now();
      const offers = await provider.offers();
      const t1 = performance.now();
      const room = smallest ? offers.reduce((n, o) => n + Math.floor(Math.min(...(['cpus', 'mem', 'disk'] as const).map((d) => (smallest![d] > 0 ? o.free[d] / smallest![d] : Infinity)))), 0) : 32;
      const result = await s.core.queue.claim({ offers, clusterNodes, limit: QUEUE_LIMIT, pageSize: Math.max(4, Math.min(QUEUE_LIMIT, room + 2)) });
      smallest = result.smallestNeed;
      const t2 = performance.now();
      provider.passed({
        placed: result.claimed.map((c) => ({ exeId: c.exeId, nodeId: c.nodeId, need: { cpus: c.resources.cpus, mem: c.resources.mem, disk: c.resources.diskIn + c.resources.diskOut } })),
        queued: result.claimed.length > 0 || result.waiting.size > 0,
      });
      const t3 = performance.now();
      // The first pass warms up (prepared statements, JIT): not counted.
      if (p > 1) {
        f.offersMs.push(t1 - t0);
        f.claimMs.push(t2 - t1);
        f.passedMs.push(t3 - t2);
        f.totalMs.push(t3 - t0);
        f.placed.push(result.claimed.length);
        const tm = result.timings ?? { readMs: 0, placeMs: 0, writeMs: 0 };
        f.readMs.push(tm.readMs);
        f.placingMs.push(tm.placeMs);
        f.writeMs.push(tm.writeMs);
        f.decisionMs.push(t1 - t0 + tm.readMs + tm.placeMs + (t3 - t2));
      }
      // Between passes (not timed): the placed tasks are launched and gone, the offers used up and
      // the next cycle's offers arrive; the queue is topped up to its depth again.
      for (const c of result.claimed) provider.release(c.exeId);
      for (const id of held) provider.handle({ type: 'RESCIND', rescind: { offer_id: { value: id } } });
      if (result.claimed.length) await s.core.jobs.createMany(jobType.id, Array.from({ length: result.claimed.length }, emptyJobData));
      const { ev, ids } = offersEvent(p, BIG_AGENTS);
      const t = performance.now();
      await feed(ev);
      f.nextOffersMs.push(performance.now() - t);
      held = ids;
    }
    // The placement alone (no database): one call over a full queue limit of candidates.
    const offers = await provider.offers();
    const candidates: Candidate[] = Array.from({ length: QUEUE_LIMIT }, (_, i) => ({ jobId: i + 1, jobTypeId: jobType.id, need: { cpus: NOOP.cpus_required, mem: NOOP.mem_required, disk: 0 }, runtime: 'process', maxScheduled: null }));
    for (let i = 0; i < PASSES; i++) {
      const t = performance.now();
      place(candidates, offers, clusterNodes, new Map());
      f.placeMs.push(performance.now() - t);
    }
    return f;
  } finally {
    await s.close();
    await drop();
  }
}

const stat = (v: number[]) => `median ${fmt(percentile(v, 50), 1)} ms, p95 ${fmt(percentile(v, 95), 1)} ms`;

export async function mesos(): Promise<void> {
  console.log(`\n(i) Mesos: ${fmt(JOBS)} no-op command tasks (/bin/true, cpus 0.1, mem 16) through the master double, ${AGENTS} agents of ${AGENT.cpus} cpus / ${fmt(AGENT.mem)} MiB,\n` +
      `    offer cycle every ${OFFER_MS} ms, offer timeout ${OFFER_TIMEOUT_MS > 0 ? `${fmt(OFFER_TIMEOUT_MS)} ms` : 'off'}, updates resent after ${fmt(ACK_TIMEOUT_MS)} ms`);
  for (const kind of kinds()) {
    const m = await mesosRate(kind);
    const l = await localRate(kind);
    console.log(
      `  ${kind.padEnd(8)} mesos ${fmt(m.rate)} jobs/s   ${fmt(m.accepts)} ACCEPTs, ${m.rescinds} offers rescinded by the offer timeout, server CPU ${fmt(m.cpuMsPerJob, 1)} ms/job` +
        `${m.doubleCpuMsPerJob !== null ? `, the double's own process (agents spawning the tasks) ${fmt(m.doubleCpuMsPerJob, 1)} ms/job` : ' (double in the server\'s process)'}${m.failed ? `   ${m.failed}` : ''}\n` +
        `           local executor ${fmt(l.rate)} jobs/s on ${fmt(LOCAL_JOBS)} of the same jobs, same ${AGENTS * AGENT.cpus} cpus, server CPU ${fmt(l.cpuMsPerJob, 1)} ms/job${l.failed ? `   ${l.failed}` : ''}   mesos/local ${fmt(m.rate / l.rate, 2)}`,
    );
    figure({ section: 'i', name: `Mesos launches through the master double vs local executor, ${kind}`, value: m.rate / l.rate, unit: '×', reference: `local executor, same jobs and cpus, ${fmt(l.rate)} jobs/s` });
  }
  console.log(`  scheduler decision per offer cycle: ${fmt(BIG_AGENTS)} agents offering, ${fmt(BIG_QUEUED)} queued jobs, queue limit ${QUEUE_LIMIT}, ${PASSES} passes after one warm-up`);
  for (const kind of kinds()) {
    const f = await decisionTime(kind);
    const placed = [...new Set(f.placed)].join('/');
    console.log(
      `  ${kind.padEnd(8)} decision ${stat(f.decisionMs)}   goal < 100 ms: ${percentile(f.decisionMs, 95) < 100 ? 'met' : 'NOT met'}   ${placed} jobs placed per pass\n` +
        `           (offers() + reading the queue ${stat(f.readMs)} + placement ${stat(f.placingMs)} + passed())\n` +
        `           whole pass with the executions written ${stat(f.totalMs)}: offers() ${stat(f.offersMs)}; queue claim ${stat(f.claimMs)} of which writing ${stat(f.writeMs)}; passed() ${stat(f.passedMs)}\n` +
        `           place() alone, ${QUEUE_LIMIT} jobs on ${fmt(BIG_AGENTS)} offers: ${stat(f.placeMs)} (the claim places each page once, going on from the offers the last page left)\n` +
        `           OFFERS of ${fmt(BIG_AGENTS)} agents handled in ${fmt(f.firstOffersMs)} ms the first time (nodes registered), ${stat(f.nextOffersMs)} after`,
    );
    figure({ section: 'i', name: `scheduler decision per offer cycle p95, ${fmt(BIG_AGENTS)} agents, ${kind}`, value: percentile(f.decisionMs, 95), unit: 'ms', goal: { op: '<=', target: 100 } });
  }
}
