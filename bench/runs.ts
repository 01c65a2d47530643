// (l) Runs: asynchronous executes of echo through the doors, end to end, and how long the 201 (the
// answer that the run is accepted) takes, p50 and p95; beside the same jobs made through the Scale
// API's queue/new-job in the same run. OGC API - Processes (Prefer: respond-async) and WPS 2.0
// (mode="async") both start runs through the core's runs service. The accepting answer is measured
// twice: with the scheduler paused (the accept path alone, jobs wait on the queue) and while the jobs
// run (end to end, where 2 cores also run every echo process).
import type { Db } from '../src/store/db.ts';
import { fmt, freshDb, kinds, percentile, server } from './common.ts';
import { figure } from './summary.ts';

const EXECUTES = Number(process.env.BENCH_RUNS_EXECUTES ?? 200);
const CONCURRENCY = 8;

interface Measured {
  rate: number;
  p50: number;
  p95: number;
}

async function until(db: Db, ids: number[]): Promise<void> {
  for (;;) {
    const n = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM job WHERE id = ANY($1::bigint[]) AND status IN ('COMPLETED', 'FAILED', 'CANCELED')`, [ids])).rows[0].n;
    if (n >= ids.length) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `n` requests, CONCURRENCY at a time: the job ids they made and each request's latency (ms). */
async function submit(n: number, one: () => Promise<number>): Promise<{ ids: number[]; times: number[] }> {
  const ids: number[] = [];
  const times: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) {
      next++;
      const t = performance.now();
      ids.push(await one());
      times.push(performance.now() - t);
    }
  }));
  return { ids, times };
}

async function measure(db: Db, one: () => Promise<number>): Promise<Measured> {
  const t0 = performance.now();
  const { ids, times } = await submit(EXECUTES, one);
  await until(db, ids);
  return { rate: EXECUTES / ((performance.now() - t0) / 1000), p50: percentile(times, 50), p95: percentile(times, 95) };
}

/** The accepting answer's latency alone: the scheduler paused, so nothing runs meanwhile; the jobs run after. */
async function acceptOnly(url: string, db: Db, one: () => Promise<number>): Promise<Measured> {
  const pause = (paused: boolean) => fetch(`${url}/scale/scheduler/`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ is_paused: paused }) });
  await pause(true);
  const t0 = performance.now();
  const { ids, times } = await submit(EXECUTES, one);
  const rate = EXECUTES / ((performance.now() - t0) / 1000);
  await pause(false);
  await until(db, ids);
  return { rate, p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${text}`);
  return { status: res.status, text };
}

const WPS_EXECUTE = `<?xml version="1.0" encoding="UTF-8"?>
<wps:Execute xmlns:wps="http://www.opengis.net/wps/2.0" xmlns:ows="http://www.opengis.net/ows/2.0" service="WPS" version="2.0.0" response="document" mode="async">
  <ows:Identifier>echo</ows:Identifier>
  <wps:Input id="message"><wps:Data><wps:LiteralValue>bench</wps:LiteralValue></wps:Data></wps:Input>
  <wps:Output id="message" transmission="value"/>
</wps:Execute>`;

export async function runs(): Promise<void> {
  console.log(`\n(l) Runs: ${EXECUTES} asynchronous executes of echo, ${CONCURRENCY} clients, end to end; latency of the accepting answer (201 / StatusInfo)`);
  for (const kind of kinds()) {
    const { db, drop } = await freshDb(kind);
    const s = await server(db, { LISTEN: '1', SCALE_NODE_CPUS: '2', SCALE_NODE_MEM: '65536' });
    try {
      const echo = (await s.core.jobTypes.newestVersion('echo'))!;
      const json = { 'content-type': 'application/json' };
      const show = (label: string, m: Measured, ref: Measured) =>
        console.log(`    ${label.padEnd(34)} ${fmt(m.rate, 1).padStart(6)} jobs/s (${fmt((100 * m.rate) / ref.rate)}% of queue/new-job)   accepted p50 ${fmt(m.p50, 1)} ms, p95 ${fmt(m.p95, 1)} ms`);
      // Warm up every path once so the first measurement pays no compilation.
      await post(`${s.url}/processes/echo/execution`, JSON.stringify({ inputs: { message: 'warm' } }), { ...json, Prefer: 'respond-async' });
      const scaleOne = async () => JSON.parse((await post(`${s.url}/scale/queue/new-job/`, JSON.stringify({ job_type_id: echo.id, job_data: { input_data: [{ name: 'message', value: 'bench' }] } }), json)).text).id;
      const ogcOne = async () => Number(JSON.parse((await post(`${s.url}/processes/echo/execution`, JSON.stringify({ inputs: { message: 'bench' } }), { ...json, Prefer: 'respond-async' })).text).jobID);
      const wpsOne = async () => Number(/<wps:JobID>(\d+)<\/wps:JobID>/.exec((await post(`${s.url}/wps`, WPS_EXECUTE, { 'content-type': 'application/xml' })).text)![1]);
      const accepted = { scale: await acceptOnly(s.url!, db, scaleOne), ogc: await acceptOnly(s.url!, db, ogcOne), wps: await acceptOnly(s.url!, db, wpsOne) };
      const scale = await measure(db, scaleOne);
      const ogc = await measure(db, ogcOne);
      const wps = await measure(db, wpsOne);
      console.log(`  ${kind}: accepted with the scheduler paused (requests/s; latency)`);
      const acc = (label: string, m: Measured) => console.log(`    ${label.padEnd(34)} ${fmt(m.rate, 1).padStart(6)} req/s   accepted p50 ${fmt(m.p50, 1)} ms, p95 ${fmt(m.p95, 1)} ms`);
      acc('Scale API queue/new-job', accepted.scale);
      acc('OGC API execute (respond-async)', accepted.ogc);
      acc('WPS 2.0 Execute (mode=async)', accepted.wps);
      console.log(`  ${kind}: end to end, the jobs running meanwhile`);
      show('Scale API queue/new-job', scale, scale);
      show('OGC API execute (respond-async)', ogc, scale);
      show('WPS 2.0 Execute (mode=async)', wps, scale);
      for (const [door, m] of [['OGC API execute (respond-async)', ogc], ['WPS 2.0 Execute (mode=async)', wps]] as const) {
        figure({ section: 'l', name: `${door} of echo end to end, ${kind}`, value: (100 * m.rate) / scale.rate, unit: '%', reference: `Scale API queue/new-job, ${fmt(scale.rate, 1)} jobs/s` });
      }
    } finally {
      await s.close();
      await drop();
    }
  }
}
