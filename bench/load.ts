// The benchmarks' load generator: CONCURRENCY keep-alive clients in a worker thread, each asking
// again as soon as answered; and a bare express route, the reference a server's figure is a share of.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import express from 'express';

export interface Load {
  rps: number;
  p50: number;
  p95: number;
  errors: number;
}

// The load loop, in a worker thread (CommonJS: an eval'd worker has require): the server measured
// runs in the bench's own process, and a client on its event loop would take its time. Counts 2xx answers.
const LOADER = `
const { parentPort, workerData: w } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: w.concurrency });
const u = new URL(w.url);
// distinct: every request its own URL (a throwaway n=<counter>), so no cache answers it.
const base = u.pathname + u.search + (w.distinct ? (u.search ? '&' : '?') + 'n=' : '');
let n = 0;
const headers = { ...w.headers, ...(w.body ? { 'content-type': w.contentType, 'content-length': Buffer.byteLength(w.body) } : {}) };
const once = () => new Promise((resolve) => {
  const req = http.request({ host: u.hostname, port: u.port, path: w.distinct ? base + n++ : base, method: w.method, agent, headers }, (res) => {
    res.on('data', () => {});
    res.on('end', () => resolve(res.statusCode));
    res.on('error', () => resolve(0));
  });
  req.on('error', () => resolve(0));
  req.end(w.body || undefined);
});
async function run(ms) {
  const end = performance.now() + ms, times = [];
  let ok = 0, bad = 0;
  await Promise.all(Array.from({ length: w.concurrency }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const status = await once();
      times.push(performance.now() - t);
      if (status >= 200 && status < 300) ok++; else bad++;
    }
  }));
  return { ok, bad, times };
}
(async () => {
  await run(w.warmup * 1000);
  const t0 = performance.now();
  const r = await run(w.seconds * 1000);
  const secs = (performance.now() - t0) / 1000;
  r.times.sort((a, b) => a - b);
  const at = (p) => r.times[Math.min(r.times.length - 1, Math.floor(p * r.times.length))] ?? 0;
  agent.destroy();
  parentPort.postMessage({ rps: r.ok / secs, p50: at(0.5), p95: at(0.95), errors: r.bad });
})();
`;

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  concurrency: number;
  seconds: number;
  warmup: number;
  /** Every request a new URL (n=<counter> appended), so no response or page cache serves it. */
  distinct?: boolean;
}

/** CONCURRENCY keep-alive clients in a worker thread, each requesting again as soon as answered, for SECONDS after WARMUP. */
export function loadTest(spec: LoadSpec): Promise<Load> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LOADER, {
      eval: true,
      workerData: { contentType: 'text/xml', headers: {}, body: null, ...spec },
    });
    worker.once('message', (m: Load) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/** Runs fn with the URL of a bare express route answering `body` (JSON) from memory: what the framework alone costs. */
export async function withBareRoute<T>(body: string, fn: (url: string) => Promise<T>, method: 'get' | 'post' = 'get'): Promise<T> {
  const app = express();
  if (method === 'post') app.use(express.json());
  app[method]('/same', (_req, res) => res.type('application/json').send(body));
  const s = http.createServer(app);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  try {
    return await fn(`http://127.0.0.1:${(s.address() as AddressInfo).port}/same`);
  } finally {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
