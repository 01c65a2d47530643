// The queue: QUEUED jobs waiting for a node. Claiming reads them in priority order with
// FOR UPDATE SKIP LOCKED, so processes sharing a database never take the same job, and turns the
// placed ones into RUNNING executions in the same transaction.
import type { Db } from '../../store/db.ts';
import { type Candidate, type Offer, type WaitReason, place } from '../../scheduler/placement.ts';
import { NotFound } from '../domain-errors.ts';
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
  resources: { cpus: number; mem: number; diskIn: number; diskOut: number };
}

export interface ClaimResult {
  claimed: Claimed[];
  waiting: Map<number, WaitReason>;
}

export interface QueueStatusRow {
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

export type QueueService = ReturnType<typeof createQueueService>;

export function createQueueService({ db }: { db: Db }) {
  /**
   * One scheduling pass: reads up to `limit` runnable rows, places what fits on the offers, and
   * creates RUNNING executions for those, all in one transaction.
   */
  async function claim(opts: { offers: Offer[]; clusterNodes: Resources[]; limit: number; lifo?: boolean }): Promise<ClaimResult> {
    if (!opts.offers.length) return { claimed: [], waiting: new Map() };
    return db.transaction(async (tx) => {
      const rows = (
        await tx.query(
          `SELECT q.job_id, q.job_type_id, q.exe_num, q.cpus, q.mem, q.disk_in, q.disk_out, q.timeout, q.queued, jt.max_scheduled,
                  j.job_type_rev_id, j.input
             FROM queue q
             JOIN job_type jt ON jt.id = q.job_type_id
             JOIN job j ON j.id = q.job_id
            WHERE NOT jt.is_paused AND j.status = 'QUEUED'
            ORDER BY q.priority, q.queued ${opts.lifo ? 'DESC' : 'ASC'}, q.job_id ${opts.lifo ? 'DESC' : 'ASC'}
            LIMIT $1
              FOR UPDATE OF q, j SKIP LOCKED`,
          [opts.limit],
        )
      ).rows;
      if (!rows.length) return { claimed: [], waiting: new Map() };
      const limited = [...new Set(rows.filter((r) => r.max_scheduled !== null).map((r) => r.job_type_id))];
      const running = new Map<number, number>();
      if (limited.length) {
        const res = await tx.query(`SELECT job_type_id, count(*)::int AS n FROM job_exe WHERE status = 'RUNNING' AND job_type_id = ANY($1::int[]) GROUP BY 1`, [limited]);
        for (const r of res.rows) running.set(r.job_type_id, r.n);
      }
      const candidates: Candidate[] = rows.map((r) => ({
        jobId: r.job_id,
        jobTypeId: r.job_type_id,
        need: { cpus: r.cpus, mem: r.mem, disk: r.disk_in + r.disk_out },
        maxScheduled: r.max_scheduled,
      }));
      const { placed, waiting } = place(candidates, opts.offers, opts.clusterNodes, running);
      if (!placed.length) return { claimed: [], waiting };
      const byJob = new Map(rows.map((r) => [r.job_id, r]));
      const picked = placed.map((p) => ({ ...p, row: byJob.get(p.jobId)! }));
      const ids = picked.map((p) => p.jobId);
      await tx.query('DELETE FROM queue WHERE job_id = ANY($1::bigint[])', [ids]);
      const col = (f: (p: (typeof picked)[number]) => unknown) => picked.map(f);
      const exes = await tx.query<{ id: number; job_id: number }>(
        `INSERT INTO job_exe (job_id, exe_num, job_type_id, node_id, status, cluster_id, timeout, cpus_scheduled, mem_scheduled,
                              disk_in_scheduled, disk_out_scheduled, disk_total_scheduled, queued, started)
         SELECT j, n, t, nd, 'RUNNING', 'scale_' || j || '_' || n, tmo, c, m, di, dout, di + dout, q, now()
           FROM unnest($1::bigint[], $2::int[], $3::int[], $4::int[], $5::int[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::timestamptz[])
             AS u(j, n, t, nd, tmo, c, m, di, dout, q)
         RETURNING id, job_id`,
        [ids, col((p) => p.row.exe_num), col((p) => p.row.job_type_id), col((p) => p.nodeId), col((p) => p.row.timeout), col((p) => p.row.cpus),
          col((p) => p.row.mem), col((p) => p.row.disk_in), col((p) => p.row.disk_out), col((p) => p.row.queued)],
      );
      await tx.query(
        `UPDATE job SET status = 'RUNNING', num_exes = u.n, started = coalesce(job.started, now()), error_id = NULL,
                last_status_change = now(), last_modified = now()
           FROM unnest($1::bigint[], $2::int[]) AS u(id, n)
          WHERE job.id = u.id`,
        [ids, col((p) => p.row.exe_num)],
      );
      const exeByJob = new Map(exes.rows.map((r) => [r.job_id, r.id]));
      const claimed = picked.map((p) => ({
        exeId: exeByJob.get(p.jobId)!,
        jobId: p.jobId,
        exeNum: p.row.exe_num,
        nodeId: p.nodeId,
        jobTypeId: p.row.job_type_id,
        revId: p.row.job_type_rev_id,
        input: p.row.input,
        timeout: p.row.timeout,
        resources: { cpus: p.row.cpus, mem: p.row.mem, diskIn: p.row.disk_in, diskOut: p.row.disk_out },
      }));
      return { claimed, waiting };
    });
  }

  async function depth(): Promise<number> {
    const res = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM queue');
    return res.rows[0].n;
  }

  async function status(): Promise<QueueStatusRow[]> {
    const res = await db.query(
      `SELECT count(*)::int AS count, min(q.queued) AS longest_queued, jt.name, jt.version, min(q.priority) AS highest_priority, jt.is_paused
         FROM queue q JOIN job_type jt ON jt.id = q.job_type_id
        GROUP BY jt.id, jt.name, jt.version, jt.is_paused
        ORDER BY highest_priority, longest_queued`,
    );
    return res.rows.map((r) => ({
      count: r.count, longestQueued: r.longest_queued, jobTypeName: r.name, jobTypeVersion: r.version,
      highestPriority: r.highest_priority, isJobTypePaused: r.is_paused,
    }));
  }

  /** Says why a QUEUED job has not started: pauses, no node large enough, or jobs ahead of it. */
  async function explain(jobId: number, clusterNodes: Resources[], schedulerPaused: boolean): Promise<QueuedExplanation | null> {
    const res = await db.query(
      `SELECT q.*, jt.is_paused, jt.max_scheduled, jt.name,
              (SELECT count(*)::int FROM queue o WHERE (o.priority, o.queued, o.job_id) < (q.priority, q.queued, q.job_id)) AS ahead
         FROM queue q JOIN job_type jt ON jt.id = q.job_type_id WHERE q.job_id = $1`,
      [jobId],
    );
    const r = res.rows[0];
    if (!r) return null;
    const position = r.ahead + 1;
    const need = { cpus: r.cpus, mem: r.mem, disk: r.disk_in + r.disk_out };
    const needText = `cpus ${need.cpus}, mem ${need.mem} MiB, disk ${need.disk.toFixed(1)} MiB`;
    if (schedulerPaused) return { reason: 'SCHEDULER_PAUSED', details: 'the scheduler is paused', position };
    if (r.is_paused) return { reason: 'JOB_TYPE_PAUSED', details: `job type ${r.name} is paused`, position };
    if (!clusterNodes.length) return { reason: 'NO_NODES', details: 'no active, unpaused node is available', position };
    if (!clusterNodes.some((t) => need.cpus <= t.cpus && need.mem <= t.mem && need.disk <= t.disk)) {
      const largest = clusterNodes.reduce((a, b) => (b.cpus + b.mem > a.cpus + a.mem ? b : a));
      return {
        reason: 'INSUFFICIENT_RESOURCES',
        details: `the job needs ${needText}; the largest node offers cpus ${largest.cpus}, mem ${largest.mem} MiB, disk ${largest.disk} MiB`,
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

  async function assertQueued(jobId: number): Promise<void> {
    const res = await db.query('SELECT 1 FROM queue WHERE job_id = $1', [jobId]);
    if (!res.rows.length) throw new NotFound('queued job', jobId);
  }

  return { claim, depth, status, explain, recordLoad, load, assertQueued };
}
