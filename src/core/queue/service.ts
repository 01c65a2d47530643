// The queue: QUEUED jobs waiting for a node. Claiming reads them in priority order with
// FOR UPDATE SKIP LOCKED, so processes sharing a database never take the same job, and turns the
// placed ones into RUNNING executions in the same transaction.
import { type Db, statement } from '../../store/db.ts';
import { type Candidate, type ClusterNode, type Offer, type Runtime, type WaitReason, fits, place } from '../../scheduler/placement.ts';
import type { Resources } from '../nodes/service.ts';

export interface Claimed {
  exeId: number;
  jobId: number;
  exeNum: number;
  nodeId: number;
  jobTypeId: number;
  revId: number;
  input: any;
  timeout: number;
  resources: { cpus: number; mem: number; diskIn: number; diskOut: number; gpus?: number };
  runtime: Runtime;
  dockerImage: string | null;
  /** The job's v6 configuration (SEED: output workspaces, non-secret settings, mounts). */
  configuration: Record<string, any> | null;
}

export interface ClaimResult {
  claimed: Claimed[];
  waiting: Map<number, WaitReason>;
  /** The smallest need among the schedulable jobs read (null: none read); lets the scheduler skip passes that cannot place anything. */
  smallestNeed: Resources | null;
  /** Whether an open offer still has room for the smallest need after this pass. */
  roomLeft: boolean;
  /** Where the pass spent its time: reading the queue, placing (the decision), writing the executions. */
  timings?: { readMs: number; placeMs: number; writeMs: number };
}

export interface QueueStatusRow {
  jobTypeId: number;
  count: number;
  longestQueued: Date;
  jobTypeName: string;
  jobTypeVersion: string;
  highestPriority: number;
  isJobTypePaused: boolean;
}

export interface LoadFilter {
  started: Date;
  ended: Date;
  jobTypeIds?: number[];
  jobTypeNames?: string[];
  jobTypeCategories?: string[];
  jobTypePriorities?: number[];
}

export interface QueuedExplanation {
  reason: WaitReason | 'SCHEDULER_PAUSED' | 'JOB_TYPE_PAUSED' | 'NO_NODES' | 'IN_LINE';
  details: string;
  position: number;
}

/** A page of runnable queue rows in queue order, locked; pauses are read by the same statement (see claim). */
const pageSql = (dir: 'ASC' | 'DESC') => `
  SELECT q.job_id, q.job_type_id, q.exe_num, q.cpus, q.mem, q.disk_in, q.disk_out, q.gpus, q.timeout, q.queued, q.runtime,
         (SELECT max_scheduled FROM job_type WHERE id = q.job_type_id) AS max_scheduled,
         (SELECT queue_mode FROM scheduler WHERE id = 1) AS queue_mode,
         (SELECT array_agg(id) FROM node WHERE is_paused OR NOT is_active) AS closed_nodes
    FROM queue q
   WHERE q.job_type_id NOT IN (SELECT id FROM job_type WHERE is_paused)
     AND NOT (SELECT is_paused FROM scheduler WHERE id = 1)
   ORDER BY q.priority, q.queued ${dir}, q.job_id ${dir}
   LIMIT $1 OFFSET $2
     FOR UPDATE SKIP LOCKED`;
const PAGE_FIFO = statement('claim_page_fifo', pageSql('ASC'));
const PAGE_LIFO = statement('claim_page_lifo', pageSql('DESC'));

/** Dequeues the placed jobs, creates their executions and marks the jobs RUNNING, in one statement. */
const START_EXECUTIONS = statement(
  'start_executions',
  `WITH u AS (
     SELECT * FROM unnest($1::bigint[], $2::int[], $3::int[], $4::int[], $5::int[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::timestamptz[])
       AS u(j, n, t, nd, tmo, c, m, di, dout, q)),
   dq AS (DELETE FROM queue WHERE job_id = ANY($1::bigint[])),
   x AS (
     INSERT INTO job_exe (job_id, exe_num, job_type_id, node_id, status, cluster_id, timeout, cpus_scheduled, mem_scheduled,
                          disk_in_scheduled, disk_out_scheduled, disk_total_scheduled, queued, started)
     SELECT j, n, t, nd, 'RUNNING', 'scale_' || j || '_' || n, tmo, c, m, di, dout, di + dout, q, now() FROM u
     RETURNING id, job_id),
   jr AS (
     UPDATE job SET status = 'RUNNING', num_exes = u.n, started = coalesce(job.started, now()), error_id = NULL,
            last_status_change = now(), last_modified = now()
       FROM u WHERE job.id = u.j AND job.id = ANY($1::bigint[])
     RETURNING job.id, job.input, job.job_type_rev_id, job.runtime, job.docker_image, job.configuration)
   SELECT x.id AS exe_id, jr.id AS job_id, jr.input, jr.job_type_rev_id, jr.runtime, jr.docker_image, jr.configuration
     FROM x JOIN jr ON jr.id = x.job_id`,
);

/** Jobs no node could run as things stand: they neither take room nor tell how much room is needed. */
const isHopeless = (w: WaitReason | undefined) => w === 'INSUFFICIENT_RESOURCES' || w === 'NO_RUNTIME';

export type QueueService = ReturnType<typeof createQueueService>;

export function createQueueService({ db }: { db: Db }) {
  // The scheduler's FIFO/LIFO setting as last seen; a claim that finds it changed reads again.
  let queueMode: 'FIFO' | 'LIFO' = 'FIFO';

  /**
   * One scheduling pass: reads runnable rows in queue order a page at a time, places what fits on
   * the offers, and turns the placed jobs into RUNNING executions, all in one transaction. Pages
   * stop once the offers have no room left for the jobs seen, so a pass costs in proportion to the
   * work it starts, not to the queue's length; at most `limit` rows are read (Scale's
   * SCHEDULER_QUEUE_LIMIT), so unschedulable jobs at the head never hide the jobs behind them.
   */
  async function claim(opts: { offers: Offer[]; clusterNodes: ClusterNode[]; limit: number; pageSize?: number }): Promise<ClaimResult> {
    const none: ClaimResult = { claimed: [], waiting: new Map(), smallestNeed: null, roomLeft: false };
    if (!opts.offers.length) return none;
    return db.transaction(async (tx) => {
      let offers = opts.offers;
      // Only queue rows are read and locked: a queue row exists exactly while its job is QUEUED, and
      // whoever else changes a queued job (a cancel) deletes the queue row first, so it waits for
      // this claim or is skipped by it. Reading the queue alone, in its index order, keeps the plan
      // an index scan even without statistics (PGlite runs no autoanalyze).
      // Pages grow (32, 64, 128 …) so a pass with much room reads the queue in few round trips.
      // Paused and deactivated nodes take no work: each page says which they are (read inside the
      // transaction by the page's statement, once: usually none), and their offers are dropped
      // before anything is placed.
      let closedSeen = false;
      let pageSize = Math.min(opts.limit, opts.pageSize ?? 32);
      const rows: any[] = [];
      const running = new Map<number, number>();
      // Placement goes on page by page from where the last page left the offers.
      let result: ReturnType<typeof place> = { placed: [], waiting: new Map(), remaining: offers, counts: new Map() };
      // Whether the last page read came back short: every runnable row of the queue was seen.
      let drained = false;
      const timings = { readMs: 0, placeMs: 0, writeMs: 0 };
      for (;;) {
        const want = Math.min(pageSize, opts.limit - rows.length);
        // Pauses (scheduler, job types) are read by the same statement, inside the transaction, so a
        // pause is honoured from the next pass on. Each uncorrelated subquery runs once per statement.
        const readStart = performance.now();
        const page = (
          await tx.query(
            queueMode === 'LIFO' ? PAGE_LIFO : PAGE_FIFO,
            [want, rows.length],
          )
        ).rows;
        timings.readMs += performance.now() - readStart;
        if (page.length && !closedSeen) {
          closedSeen = true;
          const closed = new Set<number>((page[0].closed_nodes ?? []).map(Number));
          if (closed.size) {
            offers = offers.filter((o) => !closed.has(o.nodeId));
            if (!offers.length) return none;
            result = { ...result, remaining: offers };
          }
        }
        if (page.length && page[0].queue_mode !== queueMode) {
          // The queue mode was switched (FIFO/LIFO): read again in the new order.
          queueMode = page[0].queue_mode;
          rows.length = 0;
          result = { placed: [], waiting: new Map(), remaining: offers, counts: new Map() };
          continue;
        }
        rows.push(...page);
        const limited = [...new Set(page.filter((r) => r.max_scheduled !== null && !running.has(r.job_type_id)).map((r) => r.job_type_id))];
        if (limited.length) {
          for (const id of limited) running.set(id, 0);
          const res = await tx.query(`SELECT job_type_id, count(*)::int AS n FROM job_exe WHERE status = 'RUNNING' AND job_type_id = ANY($1::int[]) GROUP BY 1`, [limited]);
          for (const r of res.rows) running.set(r.job_type_id, r.n);
          for (const id of limited) if (!result.counts.has(id)) result.counts.set(id, running.get(id)!);
        }
        const candidates: Candidate[] = page.map((r) => ({
          jobId: r.job_id,
          jobTypeId: r.job_type_id,
          need: { cpus: r.cpus, mem: r.mem, disk: r.disk_in + r.disk_out, gpus: r.gpus },
          runtime: r.runtime,
          maxScheduled: r.max_scheduled,
        }));
        const placeStart = performance.now();
        const step = place(candidates, result.remaining, opts.clusterNodes, result.counts);
        timings.placeMs += performance.now() - placeStart;
        result = { placed: [...result.placed, ...step.placed], waiting: new Map([...result.waiting, ...step.waiting]), remaining: step.remaining, counts: step.counts };
        drained = page.length < want;
        if (drained || rows.length >= opts.limit) break;
        // Read on only while some open offer could still take a job of a shape seen so far.
        const shapes = new Map<string, Candidate>();
        for (const r of rows) {
          if (isHopeless(result.waiting.get(r.job_id))) continue;
          const c = { need: { cpus: r.cpus, mem: r.mem, disk: r.disk_in + r.disk_out, gpus: r.gpus }, runtime: r.runtime } as Candidate;
          shapes.set(`${c.runtime}|${c.need.cpus}|${c.need.mem}|${c.need.disk}|${c.need.gpus}`, c);
        }
        const room = result.remaining.some((o) => [...shapes.values()].some((c) => o.runtimes.includes(c.runtime) && fits(c.need, o.free)));
        if (!room) break;
        pageSize *= 2;
      }
      const { placed, waiting } = result;
      const schedulable = rows.filter((r) => !isHopeless(waiting.get(r.job_id)));
      const smallestNeed = schedulable.length
        ? schedulable.reduce<Resources>((m, r) => ({ cpus: Math.min(m.cpus, r.cpus), mem: Math.min(m.mem, r.mem), disk: Math.min(m.disk, r.disk_in + r.disk_out), gpus: Math.min(m.gpus!, r.gpus) }), { cpus: Infinity, mem: Infinity, disk: Infinity, gpus: Infinity })
        : null;
      // A queue read to its end holds nothing more a pass could place now (what waits here waits for room).
      const roomLeft = !drained && smallestNeed !== null && result.remaining.some((o) => fits(smallestNeed, o.free));
      if (!placed.length) return { claimed: [], waiting, smallestNeed, roomLeft, timings };
      const writeStart = performance.now();
      const byJob = new Map(rows.map((r) => [r.job_id, r]));
      const picked = placed.map((p) => ({ ...p, row: byJob.get(p.jobId)! }));
      const col = (f: (p: (typeof picked)[number]) => unknown) => picked.map(f);
      // Dequeue, create the executions and mark the jobs RUNNING in one statement.
      const made = await tx.query(
        START_EXECUTIONS,
        [col((p) => p.jobId), col((p) => p.row.exe_num), col((p) => p.row.job_type_id), col((p) => p.nodeId), col((p) => p.row.timeout), col((p) => p.row.cpus),
          col((p) => p.row.mem), col((p) => p.row.disk_in), col((p) => p.row.disk_out), col((p) => p.row.queued)],
      );
      const madeByJob = new Map(made.rows.map((r) => [r.job_id, r]));
      const claimed = picked.map((p) => {
        const m = madeByJob.get(p.jobId)!;
        return {
          exeId: m.exe_id,
          jobId: p.jobId,
          exeNum: p.row.exe_num,
          nodeId: p.nodeId,
          jobTypeId: p.row.job_type_id,
          revId: m.job_type_rev_id,
          input: m.input,
          timeout: p.row.timeout,
          resources: { cpus: p.row.cpus, mem: p.row.mem, diskIn: p.row.disk_in, diskOut: p.row.disk_out, gpus: p.row.gpus },
          runtime: m.runtime,
          dockerImage: m.docker_image,
          configuration: m.configuration,
        };
      });
      timings.writeMs = performance.now() - writeStart;
      return { claimed, waiting, smallestNeed, roomLeft, timings };
    });
  }

  /** The claims of executions already running (to supervise them again after a restart). */
  async function claimsOf(exeIds: number[]): Promise<{ claim: Claimed; started: Date | null }[]> {
    if (!exeIds.length) return [];
    const res = await db.query(
      `SELECT x.id AS exe_id, x.job_id, x.exe_num, x.node_id, x.job_type_id, x.timeout, x.started, x.cpus_scheduled, x.mem_scheduled,
              x.disk_in_scheduled, x.disk_out_scheduled, j.job_type_rev_id, j.input, j.runtime, j.docker_image, j.configuration
         FROM job_exe x JOIN job j ON j.id = x.job_id WHERE x.id = ANY($1::bigint[]) AND x.status = 'RUNNING'`,
      [exeIds],
    );
    return res.rows.map((r) => ({
      started: r.started,
      claim: {
        exeId: r.exe_id, jobId: r.job_id, exeNum: r.exe_num, nodeId: r.node_id, jobTypeId: r.job_type_id, revId: r.job_type_rev_id, input: r.input,
        timeout: r.timeout, resources: { cpus: r.cpus_scheduled, mem: r.mem_scheduled, diskIn: r.disk_in_scheduled, diskOut: r.disk_out_scheduled },
        runtime: r.runtime, dockerImage: r.docker_image, configuration: r.configuration,
      },
    }));
  }

  async function depth(): Promise<number> {
    const res = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM queue');
    return res.rows[0].n;
  }

  /** Jobs waiting or running, and the resources they ask for, by status (v6 queued-resources). */
  async function demand(): Promise<Map<'PENDING' | 'QUEUED' | 'RUNNING', { count: number; cpus: number; mem: number; disk: number; gpus: number }>> {
    const res = await db.query(
      `SELECT status, count(*)::int AS count, coalesce(sum(cpus_required), 0)::float8 AS cpus, coalesce(sum(mem_required), 0)::float8 AS mem,
              coalesce(sum(disk_in_required + disk_out_required), 0)::float8 AS disk, coalesce(sum(gpus_required), 0)::float8 AS gpus
         FROM job WHERE status IN ('PENDING', 'QUEUED', 'RUNNING') GROUP BY status`,
    );
    const out = new Map((['PENDING', 'QUEUED', 'RUNNING'] as const).map((s) => [s, { count: 0, cpus: 0, mem: 0, disk: 0, gpus: 0 }]));
    for (const r of res.rows) out.set(r.status, { count: r.count, cpus: r.cpus, mem: r.mem, disk: r.disk, gpus: r.gpus });
    return out;
  }

  async function status(): Promise<QueueStatusRow[]> {
    const res = await db.query(
      `SELECT jt.id, count(*)::int AS count, min(q.queued) AS longest_queued, jt.name, jt.version, min(q.priority) AS highest_priority, jt.is_paused
         FROM queue q JOIN job_type jt ON jt.id = q.job_type_id
        GROUP BY jt.id, jt.name, jt.version, jt.is_paused
        ORDER BY highest_priority, longest_queued`,
    );
    return res.rows.map((r) => ({
      jobTypeId: r.id, count: r.count, longestQueued: r.longest_queued, jobTypeName: r.name, jobTypeVersion: r.version,
      highestPriority: r.highest_priority, isJobTypePaused: r.is_paused,
    }));
  }

  /** What each runtime runs, for a queued job's reason. */
  const RUNTIME_WORDS: Record<string, string> = { docker: 'a Docker image', process: 'a process', cwl: 'CWL on cwltool' };

  /** Says why a QUEUED job has not started: pauses, no node large enough, or jobs ahead of it. */
  async function explain(jobId: number, clusterNodes: ClusterNode[], schedulerPaused: boolean): Promise<QueuedExplanation | null> {
    const res = await db.query(
      `SELECT q.*, jt.is_paused, jt.max_scheduled, jt.name,
              (SELECT count(*)::int FROM queue o WHERE (o.priority, o.queued, o.job_id) < (q.priority, q.queued, q.job_id)) AS ahead
         FROM queue q JOIN job_type jt ON jt.id = q.job_type_id WHERE q.job_id = $1`,
      [jobId],
    );
    const r = res.rows[0];
    if (!r) return null;
    const position = r.ahead + 1;
    const need = { cpus: r.cpus, mem: r.mem, disk: r.disk_in + r.disk_out, gpus: r.gpus ?? 0 };
    const needText = `cpus ${need.cpus}, mem ${need.mem} MiB, disk ${need.disk.toFixed(1)} MiB${need.gpus ? `, gpus ${need.gpus}` : ''}`;
    if (schedulerPaused) return { reason: 'SCHEDULER_PAUSED', details: 'the scheduler is paused', position };
    if (r.is_paused) return { reason: 'JOB_TYPE_PAUSED', details: `job type ${r.name} is paused`, position };
    if (!clusterNodes.length) return { reason: 'NO_NODES', details: 'no active, unpaused node is available', position };
    const able = clusterNodes.filter((n) => n.runtimes.includes(r.runtime)).map((n) => n.total);
    if (!able.length) {
      return { reason: 'NO_RUNTIME', details: `the job runs ${RUNTIME_WORDS[r.runtime as string] ?? r.runtime} and no available node offers the ${r.runtime} runtime`, position };
    }
    if (!able.some((t) => fits(need, t))) {
      const largest = able.reduce((a, b) => (b.cpus + b.mem > a.cpus + a.mem ? b : a));
      const gpus = need.gpus ? `; ${able.some((t) => (t.gpus ?? 0) >= need.gpus) ? 'nodes with enough GPUs are too small otherwise' : `no node has ${need.gpus} GPUs`}` : '';
      return {
        reason: 'INSUFFICIENT_RESOURCES',
        details: `the job needs ${needText}; the largest node offers cpus ${largest.cpus}, mem ${largest.mem} MiB, disk ${largest.disk} MiB${gpus}`,
        position,
      };
    }
    if (r.max_scheduled !== null) {
      const running = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM job_exe WHERE status = 'RUNNING' AND job_type_id = $1`, [r.job_type_id]);
      if (running.rows[0].n >= r.max_scheduled) {
        return { reason: 'MAX_SCHEDULED', details: `job type ${r.name} already runs its maximum of ${r.max_scheduled} jobs`, position };
      }
    }
    if (r.ahead > 0) return { reason: 'IN_LINE', details: `${r.ahead} queued job(s) are ahead of it`, position };
    return { reason: 'WAITING_FOR_RESOURCES', details: `waiting for a node with ${needText} free`, position };
  }

  /** Records one job-load sample per job type with pending, queued or running jobs (idempotent per minute). */
  async function recordLoad(): Promise<void> {
    await db.query(
      `INSERT INTO job_load (measured, job_type_id, pending_count, queued_count, running_count)
       SELECT date_trunc('minute', now()), job_type_id,
              count(*) FILTER (WHERE status IN ('PENDING', 'BLOCKED')), count(*) FILTER (WHERE status = 'QUEUED'), count(*) FILTER (WHERE status = 'RUNNING')
         FROM job WHERE status IN ('PENDING', 'BLOCKED', 'QUEUED', 'RUNNING')
        GROUP BY job_type_id
       ON CONFLICT DO NOTHING`,
    );
  }

  async function load(f: LoadFilter & { page: number; pageSize: number }): Promise<{ count: number; rows: { time: Date; pending: number; queued: number; running: number }[] }> {
    const params: unknown[] = [f.started, f.ended];
    const clauses = ['l.measured >= $1', 'l.measured <= $2'];
    const any = (sql: string, v: unknown[] | undefined, type: string) => {
      if (!v?.length) return;
      params.push(v);
      clauses.push(sql.replace('?', `$${params.length}::${type}[]`));
    };
    any('l.job_type_id = ANY(?)', f.jobTypeIds, 'int');
    any('jt.name = ANY(?)', f.jobTypeNames, 'text');
    any('jt.category = ANY(?)', f.jobTypeCategories, 'text');
    any('jt.priority = ANY(?)', f.jobTypePriorities, 'int');
    params.push(f.pageSize, (f.page - 1) * f.pageSize);
    const res = await db.query(
      `SELECT l.measured, sum(l.pending_count)::int AS pending, sum(l.queued_count)::int AS queued, sum(l.running_count)::int AS running,
              count(*) OVER ()::int AS total
         FROM job_load l JOIN job_type jt ON jt.id = l.job_type_id
        WHERE ${clauses.join(' AND ')}
        GROUP BY l.measured ORDER BY l.measured
        LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return { count: res.rows[0]?.total ?? 0, rows: res.rows.map((r) => ({ time: r.measured, pending: r.pending, queued: r.queued, running: r.running })) };
  }

  return { claim, claimsOf, depth, demand, status, explain, recordLoad, load };
}
