// The soak's load generator (bench/soak.ts), run in a worker thread so its own work stays off the
// server's event loop and heap. Operations of seven kinds through the three front doors, started
// open-loop at a fixed rate (operation i at i × duration / count, whatever the answers before it),
// each followed to its end as a client would: sync executes wait for their answer, the others poll
// their job's or recipe's status through the same door and then read the result.
import http from 'node:http';
import v8 from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';

export type Kind = 'scale-job' | 'scale-recipe' | 'ogc-sync' | 'ogc-async' | 'wps2-sync' | 'wps2-async' | 'wps1-kvp';
export type Door = 'scale' | 'ogc' | 'wps';

export const KINDS: Kind[] = ['scale-job', 'scale-recipe', 'ogc-sync', 'ogc-async', 'wps2-sync', 'wps2-async', 'wps1-kvp'];
export const DOOR: Record<Kind, Door> = {
  'scale-job': 'scale', 'scale-recipe': 'scale', 'ogc-sync': 'ogc', 'ogc-async': 'ogc', 'wps2-sync': 'wps', 'wps2-async': 'wps', 'wps1-kvp': 'wps',
};
export const JOBS_PER_OP: Record<Kind, number> = { 'scale-job': 1, 'scale-recipe': 2, 'ogc-sync': 1, 'ogc-async': 1, 'wps2-sync': 1, 'wps2-async': 1, 'wps1-kvp': 1 };

/**
 * One round of the mix: 18 operations making 20 jobs — Scale 45% of the jobs (5 jobs, 2 recipes of
 * 2 steps), OGC 30% (3 sync, 3 async), WPS 25% (2.0 sync 2, 2.0 async 2, 1.0.0 KVP 1) — interleaved.
 */
const ROUND: Kind[] = [
  'scale-job', 'ogc-sync', 'wps2-sync', 'scale-recipe', 'ogc-async', 'scale-job', 'wps2-async', 'ogc-sync', 'scale-job',
  'wps1-kvp', 'ogc-async', 'scale-recipe', 'scale-job', 'wps2-sync', 'ogc-sync', 'scale-job', 'wps2-async', 'ogc-async',
];

/** Operations making exactly `jobs` jobs, in the round's order. */
export function plan(jobs: number): Kind[] {
  const ops: Kind[] = [];
  let n = 0;
  for (let i = 0; n < jobs; i++) {
    const k = ROUND[i % ROUND.length];
    if (n + JOBS_PER_OP[k] > jobs) continue;
    ops.push(k);
    n += JOBS_PER_OP[k];
  }
  return ops;
}

export interface ClientConfig {
  url: string;
  jobTypeId: number;
  recipeTypeId: number;
  durationMs: number;
  jobs: number;
  maxInFlight: number;
  pollMs: number;
  drainMs: number;
}

export interface KindStats {
  ops: number;
  jobs: number;
  completed: number;
  completedJobs: number;
  errors: number;
  /** Every HTTP request's latency (ms), polls included. */
  requests: number[];
  /** Operation start to its job's or recipe's end, as the client saw it (ms). */
  endToEnd: number[];
}

export interface Progress {
  type: 'progress';
  at: number;
  launched: number;
  launchedJobs: number;
  completedJobs: number;
  inFlight: number;
  errors: number;
  /** This worker's JS heap in use (bytes): part of the process's rss, not of the server's heap. */
  heap: number;
}

export interface Final {
  type: 'done';
  loadStart: number;
  /** When the last operation was started. */
  loadEnd: number;
  end: number;
  stats: Record<Kind, KindStats>;
  errorSamples: string[];
  /** How late operations started against their schedule (ms): the worst, and how many more than 1 s. */
  maxLagMs: number;
  lateOps: number;
  unfinished: number;
}

const W2 = 'xmlns:wps="http://www.opengis.net/wps/2.0" xmlns:ows="http://www.opengis.net/ows/2.0"';
const exec2 = (message: string, attrs: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><wps:Execute ${W2} service="WPS" version="2.0.0" ${attrs}><ows:Identifier>echo</ows:Identifier>` +
  `<wps:Input id="message"><wps:Data><wps:LiteralValue>${message}</wps:LiteralValue></wps:Data></wps:Input><wps:Output id="message" transmission="value"/></wps:Execute>`;

class Failure extends Error {}

async function main(cfg: ClientConfig): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const base = new URL(cfg.url);
  const empty = (): KindStats => ({ ops: 0, jobs: 0, completed: 0, completedJobs: 0, errors: 0, requests: [], endToEnd: [] });
  const stats = Object.fromEntries(KINDS.map((k) => [k, empty()])) as Record<Kind, KindStats>;
  const errorSamples: string[] = [];
  let inFlight = 0, launched = 0, launchedJobs = 0, completedJobs = 0, errors = 0, maxLagMs = 0, lateOps = 0;

  const fail = (kind: Kind, what: string) => {
    stats[kind].errors++;
    errors++;
    if (errorSamples.length < 20) errorSamples.push(`${kind}: ${what.replace(/\s+/g, ' ').slice(0, 300)}`);
  };

  /** One request; a non-2xx answer or a transport error throws a Failure (after counting the latency). */
  function call(kind: Kind, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: base.hostname, port: base.port, path, method, agent, headers: body === undefined ? headers : { 'content-length': String(Buffer.byteLength(body)), ...headers }, timeout: 15 * 60_000 },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('error', (err) => reject(new Failure(`${method} ${path}: ${err.message}`)));
          res.on('end', () => {
            stats[kind].requests.push(performance.now() - t0);
            const text = Buffer.concat(parts).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) reject(new Failure(`${method} ${path}: HTTP ${status} ${text.slice(0, 200)}`));
            else resolve({ status, text, headers: res.headers });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer in 15 minutes')));
      req.on('error', (err) => reject(new Failure(`${method} ${path}: ${err.message}`)));
      req.end(body);
    });
  }
  const json = async (kind: Kind, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const r = await call(kind, method, path, body === undefined ? undefined : JSON.stringify(body), body === undefined ? headers : { 'content-type': 'application/json', ...headers });
    return { ...r, body: JSON.parse(r.text) };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /**
   * Polls `check` until it answers something other than undefined: after pollMs, then backing off
   * ×1.5 up to 5 s, as a considerate client does (fixed 1 s polls of a growing backlog would
   * multiply the load by the backlog).
   */
  async function poll<T>(check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + cfg.drainMs + cfg.durationMs;
    for (let wait = cfg.pollMs; ; wait = Math.min(5000, wait * 1.5)) {
      await sleep(wait);
      const r = await check();
      if (r !== undefined) return r;
      if (Date.now() > deadline) throw new Failure('still not finished when the soak ended');
    }
  }

  /** A small text file through POST /scale/files/ (multipart), for a job's or recipe's input. */
  async function upload(kind: Kind, i: number): Promise<number> {
    const boundary = `soak-${i}-${Math.random().toString(16).slice(2)}`;
    const body =
      `--${boundary}\r\nContent-Disposition: form-data; name="workspace"\r\n\r\ndefault\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="in-${i}.txt"\r\nContent-Type: text/plain\r\n\r\nsoak input ${i}\nsecond line\n\r\n--${boundary}--\r\n`;
    const r = await call(kind, 'POST', '/scale/files/', body, { 'content-type': `multipart/form-data; boundary=${boundary}` });
    return JSON.parse(r.text).id;
  }

  const ops: Record<Kind, (i: number) => Promise<void>> = {
    async 'scale-job'(i) {
      const file = await upload('scale-job', i);
      const { body: queued } = await json('scale-job', 'POST', '/scale/queue/new-job/', { job_type_id: cfg.jobTypeId, job_data: { version: '1.0', input_data: [{ name: 'input', file_id: file }] } });
      const job = await poll(async () => {
        const { body } = await json('scale-job', 'GET', `/scale/jobs/${queued.id}/`);
        return ['COMPLETED', 'FAILED', 'CANCELED'].includes(body.status) ? body : undefined;
      });
      if (job.status !== 'COMPLETED') throw new Failure(`job ${job.id} ${job.status}: ${JSON.stringify(job.error)}`);
      if (!job.results?.output_data?.some((o: any) => o.name === 'result' && o.file_id)) throw new Failure(`job ${job.id}: no result file in ${JSON.stringify(job.results)}`);
    },
    async 'scale-recipe'(i) {
      const file = await upload('scale-recipe', i);
      const { body: created } = await json('scale-recipe', 'POST', '/scale/queue/new-recipe/', { recipe_type_id: cfg.recipeTypeId, recipe_data: { version: '1.0', input_data: [{ name: 'image', file_id: file }] } });
      const r = await poll(async () => {
        const { body } = await json('scale-recipe', 'GET', `/scale/recipes/${created.id}/`);
        return body.is_completed || body.jobs_failed || body.jobs_canceled ? body : undefined;
      });
      if (!r.is_completed || r.jobs_completed !== 2) throw new Failure(`recipe ${r.id}: completed ${r.is_completed}, jobs completed ${r.jobs_completed}, failed ${r.jobs_failed}, canceled ${r.jobs_canceled}`);
    },
    async 'ogc-sync'(i) {
      const message = `soak-ogc-${i}`;
      // A results document: raw (1.0's default) of echo, a process of several outputs, is multipart.
      const r = await json('ogc-sync', 'POST', '/processes/echo/execution', { inputs: { message }, response: 'document' });
      // 201: the execution outlasted SCALE_OGC_SYNC_SECONDS and answered as async would; follow it.
      if (r.status === 201) return ogcFollow('ogc-sync', String(r.body.jobID), message);
      if (r.body?.message !== message) throw new Failure(`sync execute answered ${r.text.slice(0, 200)}`);
    },
    async 'ogc-async'(i) {
      const message = `soak-ogc-${i}`;
      const r = await json('ogc-async', 'POST', '/processes/echo/execution', { inputs: { message } }, { Prefer: 'respond-async' });
      if (r.status !== 201 || !r.body.jobID) throw new Failure(`async execute answered ${r.status} ${r.text.slice(0, 200)}`);
      await ogcFollow('ogc-async', String(r.body.jobID), message);
    },
    async 'wps2-sync'(i) {
      const message = `soak-wps-${i}`;
      const r = await call('wps2-sync', 'POST', '/wps', exec2(message, 'mode="sync" response="raw"'), { 'content-type': 'text/xml' });
      if (r.text !== message) throw new Failure(`WPS 2.0 sync execute answered ${r.text.slice(0, 200)}`);
    },
    async 'wps2-async'(i) {
      const message = `soak-wps-${i}`;
      const r = await call('wps2-async', 'POST', '/wps', exec2(message, 'mode="async" response="document"'), { 'content-type': 'text/xml' });
      const id = /<wps:JobID>([^<]+)<\/wps:JobID>/.exec(r.text)?.[1];
      if (!id) throw new Failure(`WPS 2.0 async execute answered ${r.text.slice(0, 200)}`);
      const status = await poll(async () => {
        const s = await call('wps2-async', 'GET', `/wps?service=WPS&version=2.0.0&request=GetStatus&jobid=${id}`);
        const st = /<wps:Status>(\w+)<\/wps:Status>/.exec(s.text)?.[1];
        return st === 'Succeeded' || st === 'Failed' || st === 'Dismissed' ? st : undefined;
      });
      if (status !== 'Succeeded') throw new Failure(`WPS job ${id} ${status}`);
      const result = await call('wps2-async', 'GET', `/wps?service=WPS&version=2.0.0&request=GetResult&jobid=${id}`);
      if (!result.text.includes(message)) throw new Failure(`WPS GetResult of ${id}: ${result.text.slice(0, 200)}`);
    },
    async 'wps1-kvp'(i) {
      const message = `soak-wps-${i}`;
      const r = await call('wps1-kvp', 'GET', `/wps?service=WPS&version=1.0.0&request=Execute&identifier=echo&DataInputs=message=${message}&RawDataOutput=message`);
      if (r.text !== message) throw new Failure(`WPS 1.0.0 KVP execute answered ${r.text.slice(0, 200)}`);
    },
  };

  async function ogcFollow(kind: Kind, id: string, message: string): Promise<void> {
    const status = await poll(async () => {
      const { body } = await json(kind, 'GET', `/jobs/${id}`);
      return ['successful', 'failed', 'dismissed'].includes(body.status) ? String(body.status) : undefined;
    });
    if (status !== 'successful') throw new Failure(`OGC job ${id} ${status}`);
    const results = await call(kind, 'GET', `/jobs/${id}/results`);
    if (!results.text.includes(message)) throw new Failure(`OGC results of ${id}: ${results.text.slice(0, 200)}`);
  }

  async function run(kind: Kind, i: number): Promise<void> {
    const t0 = performance.now();
    inFlight++;
    try {
      await ops[kind](i);
      stats[kind].completed++;
      stats[kind].completedJobs += JOBS_PER_OP[kind];
      completedJobs += JOBS_PER_OP[kind];
      stats[kind].endToEnd.push(performance.now() - t0);
    } catch (err) {
      fail(kind, err instanceof Failure ? err.message : String((err as Error)?.stack ?? err));
    } finally {
      inFlight--;
    }
  }

  const todo = plan(cfg.jobs);
  const interval = cfg.durationMs / todo.length;
  const running = new Set<Promise<void>>();
  const loadStart = Date.now();
  const t0 = performance.now();
  const progress = () => parentPort!.postMessage({ type: 'progress', at: Date.now(), launched, launchedJobs, completedJobs, inFlight, errors, heap: v8.getHeapStatistics().used_heap_size } satisfies Progress);
  const ticker = setInterval(progress, 1000);
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now() - t0;
      while (next < todo.length && next * interval <= now && inFlight < cfg.maxInFlight) {
        const lag = now - next * interval;
        maxLagMs = Math.max(maxLagMs, lag);
        if (lag > 1000) lateOps++;
        const kind = todo[next];
        stats[kind].ops++;
        stats[kind].jobs += JOBS_PER_OP[kind];
        launched++;
        launchedJobs += JOBS_PER_OP[kind];
        const p = run(kind, next++);
        running.add(p);
        void p.then(() => running.delete(p));
      }
      if (next >= todo.length) resolve();
      else setTimeout(tick, Math.max(1, Math.min(50, (next * interval) - (performance.now() - t0))));
    };
    tick();
  });
  const loadEnd = Date.now();
  const drained = await Promise.race([Promise.all(running).then(() => true), new Promise<false>((r) => setTimeout(() => r(false), cfg.drainMs))]);
  const unfinished = drained ? 0 : running.size;
  if (unfinished) {
    errors += unfinished;
    errorSamples.push(`${unfinished} operations still unfinished ${cfg.drainMs / 1000} s after the last was started`);
  }
  clearInterval(ticker);
  progress();
  agent.destroy();
  parentPort!.postMessage({ type: 'done', loadStart, loadEnd, end: Date.now(), stats, errorSamples, maxLagMs, lateOps, unfinished } satisfies Final);
}

if (parentPort && workerData?.soak) {
  main(workerData.soak as ClientConfig).catch((err) => parentPort!.postMessage({ type: 'fatal', message: String(err?.stack ?? err) }));
}
