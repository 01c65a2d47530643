// Shared pieces of the reliability tests: servers as child processes on one PostgreSQL database
// (killed and restarted at will), a client that counts what the servers accepted, and an audit of
// the database and the workspaces once the servers have settled.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { freePort, spawnServer, type ServerProcess } from '../helpers/process.ts';

export const TRACE_SCRIPT = path.join(import.meta.dirname, 'fixtures', 'trace.sh');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Settings for a child server in these tests: local executor, fast heartbeats, sweeps and scheduling. */
export function serverEnv(fields: { databaseUrl: string; dataDir: string; nodeName: string; port: number; extra?: Record<string, string> }): Record<string, string> {
  return {
    DATABASE_URL: fields.databaseUrl,
    SCALE_DATA_DIR: fields.dataDir,
    SCALE_NODE_NAME: fields.nodeName,
    PORT: String(fields.port),
    SCALE_EXECUTOR: 'local',
    SCALE_NODE_CPUS: '4',
    SCALE_NODE_MEM: '8192',
    SCALE_HEARTBEAT_SECONDS: '0.5',
    SCALE_NODE_LOST_SECONDS: '3',
    SCALE_SCHEDULER_INTERVAL_MS: '100',
    SCALE_STRIKE_POLL_MS: '250',
    SCALE_KILL_GRACE_SECONDS: '1',
    SCALE_CLOCK_TICK_MS: '3600000',
    LOG_LEVEL: 'warn',
    ...fields.extra,
  };
}

/** One named server process that can be crashed and started again on the same port and data. */
export class Member {
  proc: ServerProcess | null = null;
  private log = '';
  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  static async create(name: string, fields: { databaseUrl: string; dataDir: string; extra?: Record<string, string> }): Promise<Member> {
    const port = await freePort();
    return new Member(name, port, serverEnv({ ...fields, nodeName: name, port }));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get up(): boolean {
    return !!this.proc && this.proc.proc.exitCode === null && this.proc.proc.signalCode === null;
  }

  get pid(): number | null {
    return this.proc?.proc.pid ?? null;
  }

  async start(): Promise<void> {
    this.proc = await spawnServer(this.env);
  }

  /** kill -9; with `withChildren` its launcher dies too, so the job processes live on as orphans. */
  async crash(withChildren = false): Promise<void> {
    if (!this.proc) return;
    this.log += this.proc.output();
    await this.proc.crash({ withChildren });
    this.proc = null;
  }

  async stop(): Promise<void> {
    if (!this.proc) return;
    this.log += this.proc.output();
    await this.proc.stop();
    this.proc = null;
  }

  output(): string {
    return this.log + (this.proc?.output() ?? '');
  }
}

/**
 * Posts to whichever server is up, again and again until one answers: a 201 is an accepted
 * object; a request cut by a crash is "in doubt" (it may or may not have been done) and sent again.
 */
export class Client {
  accepted: number[] = [];
  inDoubt = 0;
  refused = 0;
  serverErrors: string[] = [];
  inflight = 0;

  /** @param patienceMs how long a request is tried again before the client gives up (no server up, or only 5xx) */
  constructor(
    private readonly urls: () => string[],
    private readonly patienceMs = 60_000,
  ) {}

  async post(p: string, body: unknown, headers: Record<string, string> = {}): Promise<any> {
    const deadline = Date.now() + this.patienceMs;
    // One key for every try of this request: a try whose answer was lost and is sent again gets
    // what the first made (the audit counts anything made twice).
    headers = { 'Idempotency-Key': randomUUID(), ...headers };
    for (;;) {
      if (Date.now() > deadline) throw new Error(`POST ${p}: no server answered within ${this.patienceMs} ms (last errors: ${this.serverErrors.slice(-3).join(' | ')})`);
      const urls = this.urls();
      if (!urls.length) {
        await sleep(50);
        continue;
      }
      const url = urls[Math.floor(Math.random() * urls.length)];
      this.inflight++;
      let res: Response;
      let text: string;
      try {
        res = await fetch(`${url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
        text = await res.text();
      } catch (err: any) {
        const code = err?.cause?.code ?? err?.code;
        if (code === 'ECONNREFUSED') this.refused++;
        else this.inDoubt++;
        await sleep(50);
        continue;
      } finally {
        this.inflight--;
      }
      if (res.status === 201 || res.status === 200) return JSON.parse(text);
      if (res.status >= 500) {
        this.serverErrors.push(`${res.status} ${p}: ${text.slice(0, 300)}`);
        await sleep(50);
        continue;
      }
      throw new Error(`POST ${p} answered ${res.status}: ${text}`);
    }
  }

  async get(p: string): Promise<any> {
    const deadline = Date.now() + this.patienceMs;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`GET ${p}: no server answered within ${this.patienceMs} ms`);
      const urls = this.urls();
      const url = urls[Math.floor(Math.random() * urls.length)];
      if (!url) {
        await sleep(50);
        continue;
      }
      try {
        const res = await fetch(`${url}${p}`, { signal: AbortSignal.timeout(30_000) });
        const text = await res.text();
        if (res.status >= 500) this.serverErrors.push(`${res.status} GET ${p}: ${text.slice(0, 300)}`);
        if (res.ok) return JSON.parse(text);
      } catch {
        /* down: try again */
      }
      await sleep(100);
    }
  }
}

/** A PostgreSQL client of its own for watching and auditing the database. */
export async function watcher(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  await c.connect();
  return c;
}

export async function until<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number, intervalMs = 10): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => null);
    if (v) return v;
    await sleep(intervalMs);
  }
  return null;
}

/** Every regular file under dir, relative to it (dot files too: a leftover .part would show). */
export async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, r)));
    else out.push(r);
  }
  return out;
}

export async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

/** The execution intervals a job's trace file shows: exe id → first and last time (ns) and whether it ended. */
export async function readTrace(file: string): Promise<Map<number, { start: bigint; last: bigint; ended: boolean }>> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const runs = new Map<number, { start: bigint; last: bigint; ended: boolean }>();
  for (const line of text.split('\n')) {
    const [kind, exe, ts] = line.split(' ');
    if (!ts) continue;
    const id = Number(exe);
    const t = BigInt(ts);
    const r = runs.get(id) ?? { start: t, last: t, ended: false };
    if (kind === 'start') r.start = t;
    if (t > r.last) r.last = t;
    if (kind === 'end') r.ended = true;
    runs.set(id, r);
  }
  return runs;
}

export interface AuditOptions {
  db: pg.Client;
  /** Job ids the client got a 201 for. */
  accepted: number[];
  /** Recipe ids the client got a 201 for. */
  recipes: number[];
  traceDir: string;
  /** Job type ids whose jobs leave traces. */
  tracedTypes: number[];
  /** Files dropped for ingest, by name, and the workspace they go to. */
  dropped?: string[];
  ingestWorkspace?: string;
}

export interface AuditResult {
  jobs: number;
  accepted: number;
  completed: number;
  lost: number;
  notTerminal: number;
  duplicateRuns: number;
  overlaps: number;
  ghostRuns: number;
  runningExes: number;
  queueMismatch: number;
  products: number;
  missingFiles: number;
  orphanFiles: number;
  badChecksums: number;
  recipesIncomplete: number;
  recipeNodeDuplicates: number;
  ingested: number;
  ingestMissing: number;
  ingestDuplicates: number;
  ingestOpen: number;
  retries: number;
  /** Jobs made by requests whose answer never came (cut by a kill); they must end too. */
  unacknowledged: number;
  problems: string[];
}

/** Checks the settled database and workspaces; `problems` lists every broken promise found. */
export async function audit(o: AuditOptions): Promise<AuditResult> {
  const { db } = o;
  const problems: string[] = [];
  const note = (p: string) => problems.length < 40 && problems.push(p);
  // Service jobs (a Strike's scale-strike job, a Scan's) are the ingest service's, running while it runs: not audited as work.
  const jobs = (await db.query('SELECT j.id, j.status, j.num_exes, j.job_type_id, j.recipe_id FROM job j JOIN job_type t ON t.id = j.job_type_id WHERE NOT t.is_service')).rows;
  const exes = (await db.query(`SELECT x.id, x.job_id, x.exe_num, x.status, e.name AS error FROM job_exe x JOIN job j ON j.id = x.job_id JOIN job_type t ON t.id = j.job_type_id
                                  LEFT JOIN error e ON e.id = x.error_id WHERE NOT t.is_service ORDER BY x.job_id, x.exe_num`)).rows;
  const queue = (await db.query('SELECT job_id FROM queue')).rows.map((r) => Number(r.job_id));
  const files = (await db.query(`SELECT f.id, f.job_id, f.job_exe_id, f.file_type, f.file_name, f.file_path, f.file_size, f.checksum, w.name AS ws, w.json_config->'broker'->>'host_path' AS root
                                    FROM scale_file f JOIN workspace w ON w.id = f.workspace_id WHERE NOT f.is_deleted`)).rows;
  const byId = new Map(jobs.map((j) => [Number(j.id), j]));
  const exesOf = new Map<number, any[]>();
  for (const x of exes) exesOf.set(Number(x.job_id), [...(exesOf.get(Number(x.job_id)) ?? []), x]);

  const r: AuditResult = {
    jobs: jobs.length, accepted: o.accepted.length, completed: 0, lost: 0, notTerminal: 0, duplicateRuns: 0, overlaps: 0, ghostRuns: 0, runningExes: 0, queueMismatch: 0,
    products: 0, missingFiles: 0, orphanFiles: 0, badChecksums: 0, recipesIncomplete: 0, recipeNodeDuplicates: 0, ingested: 0, ingestMissing: 0, ingestDuplicates: 0, ingestOpen: 0,
    retries: exes.filter((x) => x.exe_num > 1).length, problems,
    unacknowledged: jobs.filter((j) => !j.recipe_id && !o.accepted.includes(Number(j.id))).length,
  };

  // Requests are sent again under their Idempotency-Key until one answers: a job no answer
  // acknowledged was made twice.
  if (r.unacknowledged) note(`${r.unacknowledged} jobs were made by no acknowledged request (a request sent again made a second job): ${jobs.filter((j) => !j.recipe_id && !o.accepted.includes(Number(j.id))).slice(0, 5).map((j) => j.id).join(', ')}`);
  // Every accepted job exists and ended COMPLETED (they all can: tries are plenty).
  for (const id of o.accepted) {
    const j = byId.get(id);
    if (!j) {
      r.lost++;
      note(`accepted job ${id} is not in the database`);
    } else if (j.status !== 'COMPLETED') {
      r.lost++;
      note(`accepted job ${id} ended ${j.status}`);
    }
  }
  // Every job at all (those of requests cut in flight and of recipes too) is at rest.
  for (const j of jobs) {
    if (!['COMPLETED', 'FAILED', 'CANCELED'].includes(j.status)) {
      r.notTerminal++;
      note(`job ${j.id} is still ${j.status}`);
    }
    const xs = exesOf.get(Number(j.id)) ?? [];
    if (xs.length !== j.num_exes) note(`job ${j.id} counts ${j.num_exes} executions but has ${xs.length}`);
    const done = xs.filter((x) => x.status === 'COMPLETED');
    if (j.status === 'COMPLETED' && done.length !== 1) {
      r.duplicateRuns++;
      note(`job ${j.id} has ${done.length} completed executions`);
    }
    for (const x of xs) {
      if (x.status === 'FAILED' && !['scheduler-lost', 'node-lost'].includes(x.error)) note(`job ${j.id} execution ${x.exe_num} failed with ${x.error}`);
    }
    if (j.status === 'COMPLETED') r.completed++;
  }
  r.runningExes = exes.filter((x) => x.status === 'RUNNING').length;
  if (r.runningExes) note(`${r.runningExes} executions are still RUNNING`);
  const queued = new Set(jobs.filter((j) => j.status === 'QUEUED').map((j) => Number(j.id)));
  r.queueMismatch = queue.filter((id) => !queued.has(id)).length + [...queued].filter((id) => !queue.includes(id)).length;
  if (r.queueMismatch) note(`queue rows ${JSON.stringify(queue.slice(0, 10))} do not match QUEUED jobs ${JSON.stringify([...queued].slice(0, 10))}`);

  // No two executions of one job overlapped; each completed one is the one that wrote its end.
  const traced = new Set(o.tracedTypes);
  for (const j of jobs) {
    if (!traced.has(j.job_type_id)) continue;
    const runs = await readTrace(path.join(o.traceDir, String(j.id)));
    const known = new Map((exesOf.get(Number(j.id)) ?? []).map((x) => [Number(x.id), x]));
    for (const exeId of runs.keys()) {
      if (!known.has(exeId)) {
        r.ghostRuns++;
        note(`job ${j.id}: a run as execution ${exeId} that the database does not know`);
      }
    }
    const sorted = [...runs.entries()].sort((a, b) => (a[1].start < b[1].start ? -1 : 1));
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i][1].start <= sorted[i - 1][1].last) {
        r.overlaps++;
        note(`job ${j.id}: execution ${sorted[i][0]} started while ${sorted[i - 1][0]} still ran`);
      }
    }
    const done = [...known.values()].filter((x) => x.status === 'COMPLETED');
    for (const x of done) {
      if (!runs.get(Number(x.id))?.ended) note(`job ${j.id}: completed execution ${x.id} has no finished run in the trace`);
    }
  }

  // Products: each completed execution's files are recorded once and are there, whole; none else.
  const products = files.filter((f) => f.file_type === 'PRODUCT');
  r.products = products.length;
  const doneExe = new Set(exes.filter((x) => x.status === 'COMPLETED').map((x) => Number(x.id)));
  for (const f of products) {
    if (!doneExe.has(Number(f.job_exe_id))) note(`product ${f.file_path} belongs to execution ${f.job_exe_id}, which did not complete`);
    const full = path.join(f.root, f.file_path);
    const st = await fs.stat(full).catch(() => null);
    if (!st) {
      r.missingFiles++;
      note(`product ${f.file_path} is recorded but missing`);
    } else if (st.size !== Number(f.file_size) || (await sha256(full)) !== f.checksum) {
      r.badChecksums++;
      note(`product ${f.file_path} is not what was recorded`);
    }
  }
  const perExe = new Map<number, number>();
  for (const f of products) perExe.set(Number(f.job_exe_id), (perExe.get(Number(f.job_exe_id)) ?? 0) + 1);
  for (const j of jobs.filter((x) => x.status === 'COMPLETED')) {
    const x = (exesOf.get(Number(j.id)) ?? []).find((e) => e.status === 'COMPLETED');
    const n = x ? (perExe.get(Number(x.id)) ?? 0) : 0;
    const want = j.recipe_id ? 1 : 3;
    if (n !== want) note(`job ${j.id} completed with ${n} products, not ${want}`);
  }
  const roots = new Map<string, Set<string>>();
  for (const f of products) {
    if (!roots.has(f.root)) roots.set(f.root, new Set());
    roots.get(f.root)!.add(f.file_path);
  }
  for (const [root, recorded] of roots) {
    for (const rel of (await walk(root)).filter((p) => p.startsWith('jobs/'))) {
      if (!recorded.has(rel)) {
        r.orphanFiles++;
        note(`${rel} is in the workspace but recorded nowhere`);
      }
    }
  }

  // Recipes: every accepted one completed, each node made once.
  if (o.recipes.length) {
    const extra = (await db.query('SELECT id FROM recipe WHERE root_recipe_id IS NULL AND NOT (id = ANY($1::bigint[]))', [o.recipes])).rows;
    if (extra.length) note(`recipes made by no acknowledged request (made twice): ${extra.slice(0, 5).map((x) => x.id).join(', ')}`);
    const rs = (await db.query('SELECT id, is_completed FROM recipe WHERE id = ANY($1::bigint[])', [o.recipes])).rows;
    r.recipesIncomplete = o.recipes.length - rs.filter((x) => x.is_completed).length;
    if (r.recipesIncomplete) note(`${r.recipesIncomplete} recipes did not complete`);
    const nodes = (await db.query('SELECT recipe_id, node_name, count(*)::int AS n FROM recipe_node GROUP BY recipe_id, node_name HAVING count(*) > 1')).rows;
    const jobsPer = (await db.query('SELECT recipe_id, count(*)::int AS n FROM job WHERE recipe_id IS NOT NULL GROUP BY recipe_id HAVING count(*) <> 2')).rows;
    r.recipeNodeDuplicates = nodes.length + jobsPer.length;
    if (r.recipeNodeDuplicates) note(`recipe nodes made twice: ${JSON.stringify(nodes.slice(0, 5))} ${JSON.stringify(jobsPer.slice(0, 5))}`);
  }

  // Ingest: every dropped file became exactly one SOURCE file, there at its path; no record open.
  if (o.dropped) {
    const sources = files.filter((f) => f.file_type === 'SOURCE' && f.ws === o.ingestWorkspace);
    const byName = new Map<string, any[]>();
    for (const f of sources) byName.set(f.file_name, [...(byName.get(f.file_name) ?? []), f]);
    for (const name of o.dropped) {
      const got = byName.get(name) ?? [];
      if (got.length === 0) {
        r.ingestMissing++;
        note(`dropped file ${name} was never ingested`);
      } else if (got.length > 1) {
        r.ingestDuplicates++;
        note(`dropped file ${name} was ingested ${got.length} times`);
      } else {
        r.ingested++;
        const full = path.join(got[0].root, got[0].file_path);
        if (!(await fs.stat(full).catch(() => null))) {
          r.missingFiles++;
          note(`ingested ${name} is recorded at ${got[0].file_path} but missing`);
        }
      }
    }
    const open = (await db.query(`SELECT status, count(*)::int AS n FROM ingest WHERE status IN ('TRANSFERRING', 'TRANSFERRED', 'INGESTING') GROUP BY status`)).rows;
    r.ingestOpen = open.reduce((n, x) => n + x.n, 0);
    if (r.ingestOpen) note(`ingest records left open: ${JSON.stringify(open)}`);
    const dups = (await db.query(`SELECT count(*)::int AS n FROM ingest WHERE status = 'DUPLICATE'`)).rows[0].n;
    if (dups) {
      r.ingestDuplicates += dups;
      note(`${dups} dropped files were seen twice (DUPLICATE)`);
    }
    if (sources[0]) {
      const root = sources[0].root;
      const recorded = new Set(sources.map((f) => f.file_path));
      for (const rel of await walk(root)) {
        if (!recorded.has(rel)) {
          r.orphanFiles++;
          note(`${rel} is in the ingest workspace but recorded nowhere`);
        }
      }
    }
  }
  return r;
}

export function assertClean(r: AuditResult, output: () => string): void {
  assert.deepEqual(r.problems, [], `${r.problems.join('\n')}\n--- server output (tail) ---\n${output().slice(-4000)}`);
}
