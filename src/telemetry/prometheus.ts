// Prometheus metrics (prom-client), served as text at GET /metrics. Two kinds: what this process
// observes as it works (HTTP request durations per route and status, scheduler pass durations,
// executor launch latency), and what the database says when scraped (queue depth per priority and
// job type, jobs by status, executions by status and error category, connection pool use). The
// database figures are read with one grouped query each per scrape, never per job.
import client from 'prom-client';
import type { Db } from '../store/db.ts';
import { JOB, JOB_STATUSES } from '../core/jobs/model.ts';

export interface Telemetry {
  /** An HTTP response was sent. */
  http(method: string, route: string, status: number, seconds: number): void;
  /** A scheduling pass ended. */
  schedulerPass(seconds: number): void;
  /** An execution's command started this long after its job was claimed. */
  launched(runtime: string, seconds: number): void;
  /** The text exposition of every metric. */
  scrape(): Promise<string>;
  readonly contentType: string;
}

export function createTelemetry(db: Db): Telemetry {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpDuration = new client.Histogram({
    name: 'scale_http_request_duration_seconds', help: 'HTTP request durations by route and status',
    labelNames: ['method', 'route', 'status'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers,
  });
  const passDuration = new client.Histogram({
    name: 'scale_scheduler_pass_duration_seconds', help: 'Duration of one scheduling pass (offers, claim, placement)',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers,
  });
  const launchLatency = new client.Histogram({
    name: 'scale_executor_launch_latency_seconds', help: 'Time from a job being claimed to its command running, by runtime',
    labelNames: ['runtime'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers,
  });

  new client.Gauge({
    name: 'scale_queue_depth', help: 'Queued jobs by priority and job type', labelNames: ['priority', 'job_type'], registers,
    async collect() {
      const res = await db.query<{ priority: number; name: string; version: string; n: number }>(
        `SELECT q.priority, jt.name, jt.version, count(*)::int AS n FROM queue q JOIN job_type jt ON jt.id = q.job_type_id GROUP BY 1, 2, 3`,
      );
      this.reset();
      for (const r of res.rows) this.set({ priority: String(r.priority), job_type: `${r.name}:${r.version}` }, r.n);
    },
  });
  new client.Gauge({
    name: 'scale_jobs', help: 'Jobs by status', labelNames: ['status'], registers,
    async collect() {
      const res = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM job GROUP BY 1`);
      this.reset();
      for (const s of JOB_STATUSES) this.set({ status: s }, 0);
      for (const r of res.rows) this.set({ status: r.status }, r.n);
    },
  });
  // Execution rows only ever grow, so their counts are counters: started = all, and per ending.
  new client.Counter({
    name: 'scale_job_executions_total', help: 'Job executions by status (RUNNING, COMPLETED, FAILED, CANCELED) and, when failed, error category',
    labelNames: ['status', 'error_category'], registers,
    async collect() {
      const res = await db.query<{ status: string; category: string | null; n: number }>(
        `SELECT x.status, e.category, count(*)::int AS n FROM job_exe x LEFT JOIN error e ON e.id = x.error_id GROUP BY 1, 2`,
      );
      this.reset();
      for (const r of res.rows) this.inc({ status: r.status, error_category: r.status === JOB.FAILED ? (r.category ?? 'SYSTEM') : '' }, r.n);
    },
  });
  new client.Gauge({
    name: 'scale_db_pool_connections', help: 'Database connections: total open, idle, and requests waiting for one', labelNames: ['state'], registers,
    collect() {
      const s = db.stats?.();
      if (!s) return;
      this.set({ state: 'total' }, s.total);
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'waiting' }, s.waiting);
    },
  });

  return {
    http: (method, route, status, seconds) => httpDuration.observe({ method, route, status: String(status) }, seconds),
    schedulerPass: (seconds) => passDuration.observe(seconds),
    launched: (runtime, seconds) => launchLatency.observe({ runtime }, seconds),
    scrape: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

/**
 * The route of a request for a metric label: the matched Express route when there is one, else
 * the path with its id-like segments (numbers, UUIDs) replaced, and unmatched misses folded into one.
 */
export function routeLabel(req: { baseUrl: string; route?: { path?: unknown }; originalUrl: string }, status: number): string {
  if (req.route && typeof req.route.path === 'string') return `${req.baseUrl}${req.route.path}`;
  if (status === 404) return '(unmatched)';
  return req.originalUrl
    .split('?')[0]
    .split('/')
    .map((s) => (/^\d+$/.test(s) || /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(s) ? ':id' : s))
    .join('/');
}
