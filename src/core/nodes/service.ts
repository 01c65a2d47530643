// Nodes: the machines (or processes) that run executions, with their resources and pause state,
// and the one scheduler row that pauses everything.
import type { Db, Row } from '../../store/db.ts';
import { type ListRequest, type ListResult, Where, orderBy, pagedList } from '../../store/listing.ts';
import { Invalid, NotFound } from '../../errors.ts';
import type { Runtime } from '../../scheduler/placement.ts';

export interface Resources {
  cpus: number;
  mem: number;
  disk: number;
  /** Absent or 0 on most nodes and for most jobs. */
  gpus?: number;
}

export interface Node {
  id: number;
  hostname: string;
  port: number | null;
  slaveId: string;
  executor: string;
  pauseReason: string | null;
  isPaused: boolean;
  isPausedErrors: boolean;
  isActive: boolean;
  deprecated: Date | null;
  total: Resources;
  runtimes: Runtime[];
  incarnation: string | null;
  workDir: string | null;
  lastHeartbeat: Date | null;
  archived: Date | null;
  created: Date;
  lastOffer: Date | null;
  lastModified: Date;
}

/** A count of executions on a node of one job type, in one status (and error category when FAILED). */
export interface ExeMetric {
  nodeId: number;
  status: 'RUNNING' | 'COMPLETED' | 'FAILED';
  category: 'SYSTEM' | 'ALGORITHM' | 'DATA' | null;
  jobTypeId: number;
  count: number;
}

export interface NodeEdit {
  hostname?: string;
  port?: number | null;
  pause_reason?: string | null;
  is_paused?: boolean;
  is_active?: boolean;
}

const ORDERABLE: Record<string, string> = { id: 'id', hostname: 'hostname', host_name: 'hostname', port: 'port', created: 'created', last_modified: 'last_modified', is_paused: 'is_paused', is_active: 'is_active' };

export function toNode(r: Row): Node {
  return {
    id: r.id, hostname: r.hostname, port: r.port, slaveId: r.slave_id, executor: r.executor, pauseReason: r.pause_reason,
    isPaused: r.is_paused, isPausedErrors: r.is_paused_errors, isActive: r.is_active, deprecated: r.deprecated,
    total: { cpus: r.cpus_total, mem: r.mem_total, disk: r.disk_total, gpus: r.gpus_total ?? 0 }, runtimes: r.runtimes ?? ['process'], incarnation: r.incarnation, workDir: r.work_dir,
    lastHeartbeat: r.last_heartbeat, archived: r.archived, created: r.created, lastOffer: r.last_offer, lastModified: r.last_modified,
  };
}

export type NodeService = ReturnType<typeof createNodeService>;

export function createNodeService({ db }: { db: Db }) {
  /** Registers (or re-activates) a node and stamps it with the incarnation of the process that owns it now. */
  async function register(n: {
    hostname: string; port: number | null; slaveId: string; executor: string; total: Resources; runtimes?: Runtime[]; incarnation: string; workDir?: string | null;
  }): Promise<Node> {
    const res = await db.query(
      `INSERT INTO node (hostname, port, slave_id, executor, cpus_total, mem_total, disk_total, runtimes, incarnation, work_dir, gpus_total, last_heartbeat, last_offer)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now(), now())
       ON CONFLICT (slave_id) DO UPDATE SET hostname = EXCLUDED.hostname, port = EXCLUDED.port, executor = EXCLUDED.executor,
         cpus_total = EXCLUDED.cpus_total, mem_total = EXCLUDED.mem_total, disk_total = EXCLUDED.disk_total, gpus_total = EXCLUDED.gpus_total, runtimes = EXCLUDED.runtimes,
         incarnation = EXCLUDED.incarnation, work_dir = EXCLUDED.work_dir, last_heartbeat = now(), last_offer = now(),
         is_active = true, archived = NULL, deprecated = NULL, last_modified = now()
       RETURNING *`,
      [n.hostname, n.port, n.slaveId, n.executor, n.total.cpus, n.total.mem, n.total.disk, JSON.stringify(n.runtimes ?? ['process']), n.incarnation, n.workDir ?? null, n.total.gpus ?? 0],
    );
    return toNode(res.rows[0]);
  }

  /** Records that the owning process is alive; false when another incarnation has taken the node over. */
  async function heartbeat(nodeId: number, incarnation: string): Promise<boolean> {
    const res = await db.query(`UPDATE node SET last_heartbeat = now(), last_offer = now() WHERE id = $1 AND incarnation = $2`, [nodeId, incarnation]);
    return res.rowCount > 0;
  }

  /** heartbeat() for many nodes in one statement; returns the ids another incarnation has taken over. */
  async function heartbeatMany(nodeIds: number[], incarnation: string): Promise<number[]> {
    if (!nodeIds.length) return [];
    const res = await db.query<{ id: number }>(`UPDATE node SET last_heartbeat = now(), last_offer = now() WHERE id = ANY($1::int[]) AND incarnation = $2 RETURNING id`, [nodeIds, incarnation]);
    const alive = new Set(res.rows.map((r) => r.id));
    return nodeIds.filter((id) => !alive.has(id));
  }

  /** Records a node's size as learnt later (a Mesos agent shows more of itself in later offers). */
  async function setTotal(nodeId: number, total: Resources): Promise<void> {
    await db.query(`UPDATE node SET cpus_total = $2, mem_total = $3, disk_total = $4, gpus_total = $5, last_modified = now() WHERE id = $1`, [nodeId, total.cpus, total.mem, total.disk, total.gpus ?? 0]);
  }

  async function get(id: number): Promise<Node> {
    const res = await db.query('SELECT * FROM node WHERE id = $1', [id]);
    if (!res.rows[0]) throw new NotFound('node', id);
    return toNode(res.rows[0]);
  }

  async function list(f: ListRequest & { started?: Date | null; ended?: Date | null; includeInactive?: boolean }): Promise<ListResult<Node>> {
    const where = new Where().range('last_modified', f.started, f.ended);
    if (!f.includeInactive) where.add('is_active');
    const res = await pagedList(db, { select: '*', from: 'node', where, orderSql: orderBy(f.order, ORDERABLE, ['id']), tiebreak: 'id', page: f });
    return { count: res.count, rows: res.rows.map(toNode) };
  }

  async function active(): Promise<Node[]> {
    const res = await db.query('SELECT * FROM node WHERE is_active ORDER BY id');
    return res.rows.map(toNode);
  }

  async function edit(id: number, e: NodeEdit): Promise<Node> {
    if (Object.keys(e).length === 0) throw new Invalid(null, 'no fields to update were given');
    await get(id);
    const res = await db.query(
      `UPDATE node SET
         hostname = coalesce($2::text, hostname),
         port = CASE WHEN $3::boolean THEN $4::int ELSE port END,
         is_paused = coalesce($5::boolean, is_paused),
         pause_reason = CASE WHEN coalesce($5::boolean, is_paused) = false THEN NULL WHEN $6::boolean THEN $7::text ELSE pause_reason END,
         is_active = coalesce($8::boolean, is_active),
         archived = CASE WHEN $8::boolean IS NULL OR $8::boolean = is_active THEN archived WHEN $8::boolean THEN NULL ELSE now() END,
         deprecated = CASE WHEN $8::boolean IS NULL OR $8::boolean = is_active THEN deprecated WHEN $8::boolean THEN NULL ELSE now() END,
         last_modified = now()
       WHERE id = $1 RETURNING *`,
      [id, e.hostname ?? null, e.port !== undefined, e.port ?? null, e.is_paused ?? null, e.pause_reason !== undefined, e.pause_reason ?? null, e.is_active ?? null],
    );
    return toNode(res.rows[0]);
  }

  /** Resources held by RUNNING executions, per node (GPUs are the job's: executions record no GPU figure). */
  async function scheduled(nodeIds: number[]): Promise<Map<number, Resources>> {
    const out = new Map<number, Resources>(nodeIds.map((id) => [id, { cpus: 0, mem: 0, disk: 0, gpus: 0 }]));
    if (!nodeIds.length) return out;
    const res = await db.query(
      `SELECT x.node_id, sum(x.cpus_scheduled) AS cpus, sum(x.mem_scheduled) AS mem, sum(x.disk_total_scheduled) AS disk, coalesce(sum(j.gpus_required), 0)::float8 AS gpus
         FROM job_exe x JOIN job j ON j.id = x.job_id WHERE x.status = 'RUNNING' AND x.node_id = ANY($1::int[]) GROUP BY x.node_id`,
      [nodeIds],
    );
    for (const r of res.rows) out.set(r.node_id, { cpus: r.cpus, mem: r.mem, disk: r.disk, gpus: r.gpus });
    return out;
  }

  /**
   * The nodes a scheduler still tracks: the active ones, and deprecated ones whose owner still
   * heartbeats (Scale keeps a deprecated node until it goes offline).
   */
  async function tracked(onlineSince: Date): Promise<Node[]> {
    const res = await db.query('SELECT * FROM node WHERE is_active OR last_heartbeat >= $1 ORDER BY id', [onlineSince]);
    return res.rows.map(toNode);
  }

  /** Nodes whose owner has been silent longer than the threshold while executions still run on them. */
  async function lostWithRunning(seconds: number): Promise<Node[]> {
    const res = await db.query(
      `SELECT * FROM node n WHERE n.last_heartbeat < now() - make_interval(secs => $1)
          AND EXISTS (SELECT 1 FROM job_exe e WHERE e.node_id = n.id AND e.status = 'RUNNING')`,
      [seconds],
    );
    return res.rows.map(toNode);
  }

  /** Execution counts by status (and error category when FAILED) per node, for /nodes/status/. */
  async function exeCounts(nodeIds: number[], started: Date, ended: Date | null): Promise<Map<number, { status: string; count: number; mostRecent: Date; category: string | null }[]>> {
    const out = new Map<number, { status: string; count: number; mostRecent: Date; category: string | null }[]>(nodeIds.map((id) => [id, []]));
    if (!nodeIds.length) return out;
    const res = await db.query(
      `SELECT x.node_id, x.status, e.category, count(*)::int AS count, max(x.last_modified) AS most_recent
         FROM job_exe x LEFT JOIN error e ON e.id = x.error_id
        WHERE x.node_id = ANY($1::int[]) AND ((x.last_modified >= $2 AND ($3::timestamptz IS NULL OR x.last_modified <= $3)) OR x.status = 'RUNNING')
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      [nodeIds, started, ended],
    );
    for (const r of res.rows) out.get(r.node_id)!.push({ status: r.status, count: r.count, mostRecent: r.most_recent, category: r.status === 'FAILED' ? r.category : null });
    return out;
  }

  /**
   * Executions per node and job type: the RUNNING ones, and those COMPLETED or FAILED (with their
   * error category) since the given time, for v6 /status/.
   */
  async function exeMetrics(nodeIds: number[], finishedSince: Date): Promise<ExeMetric[]> {
    if (!nodeIds.length) return [];
    const res = await db.query(
      `SELECT x.node_id, x.status, e.category, x.job_type_id, count(*)::int AS count
         FROM job_exe x LEFT JOIN error e ON e.id = x.error_id
        WHERE x.node_id = ANY($1::int[]) AND (x.status = 'RUNNING' OR (x.ended >= $2 AND x.status IN ('COMPLETED', 'FAILED')))
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 4, 2, 3`,
      [nodeIds, finishedSince],
    );
    return res.rows.map((r) => ({ nodeId: r.node_id, status: r.status, category: r.status === 'FAILED' ? r.category : null, jobTypeId: r.job_type_id, count: r.count }));
  }

  /**
   * Executions started and ended since the given time, across the cluster. An execution started
   * since then is RUNNING or has ended since, so both partial indexes of job_exe answer this.
   */
  async function exeRates(since: Date): Promise<{ launched: number; finished: number }> {
    const res = await db.query(
      `SELECT count(*) FILTER (WHERE started >= $1)::int AS launched, count(*) FILTER (WHERE ended >= $1)::int AS finished
         FROM job_exe WHERE status = 'RUNNING' OR ended >= $1`,
      [since],
    );
    return { launched: res.rows[0].launched, finished: res.rows[0].finished };
  }

  async function schedulerState(): Promise<{ isPaused: boolean; queueMode: 'FIFO' | 'LIFO' }> {
    const res = await db.query('SELECT is_paused, queue_mode FROM scheduler WHERE id = 1');
    return { isPaused: res.rows[0].is_paused, queueMode: res.rows[0].queue_mode };
  }

  async function editScheduler(e: { is_paused?: boolean; queue_mode?: 'FIFO' | 'LIFO' }): Promise<{ isPaused: boolean; queueMode: 'FIFO' | 'LIFO' }> {
    if (Object.keys(e).length === 0) throw new Invalid(null, 'no fields to update were given');
    await db.query(`UPDATE scheduler SET is_paused = coalesce($1, is_paused), queue_mode = coalesce($2, queue_mode), last_modified = now() WHERE id = 1`, [
      e.is_paused ?? null,
      e.queue_mode ?? null,
    ]);
    return schedulerState();
  }

  return { register, heartbeat, heartbeatMany, setTotal, get, list, active, tracked, edit, scheduled, lostWithRunning, exeCounts, exeMetrics, exeRates, schedulerState, editScheduler };
}
