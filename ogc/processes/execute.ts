// POST /processes/{id}/execution: an execute request becomes a core job (the same job the Scale
// API shows). Asynchronous when the client prefers it (Prefer: respond-async): 201 with the job's
// absolute URL. Otherwise synchronous: the request waits for the job (up to SCALE_OGC_SYNC_SECONDS,
// or less with Prefer: wait=N) and answers with its results as asked; a job that outlasts the wait
// is answered as async would be, with its status.
import type { Request, Response } from 'express';
import { idempotencyKeyOf, REPLAYED_HEADER } from '../../src/auth/idempotency-key.ts';
import type { Core } from '../../src/core/index.ts';
import type { Job } from '../../src/core/jobs/model.ts';
import { readExecuteRequest } from '../../seed-mapping/ogc-execute.ts';
import type { Catalog } from './catalog.ts';
import { invalidParameter, noSuchProcess, OgcError, type Urls } from './http.ts';
import type { AllowList } from './fetch-guard.ts';
import { type InputLimits, withInputs } from './inputs.ts';
import type { createJobHandlers } from './jobs.ts';
import { sendResults } from './results.ts';
import { statusInfo } from './status.ts';
import type { OgcStore } from './store.ts';
import type { WorkflowRuns } from './workflow-runs.ts';

export interface ExecuteOptions {
  syncSeconds: number;
  fetchSeconds: number;
  maxBytes: number;
  /** Private addresses input hrefs may point at (SCALE_FETCH_ALLOW). */
  fetchAllow?: AllowList;
  /** Where inline and fetched input files are stored. */
  workspaceId: () => Promise<number>;
}

const FINAL = ['COMPLETED', 'FAILED', 'CANCELED'];

/** How an execute request's inputs may be fetched and where they are stored, for either door. */
export async function inputLimits(options: ExecuteOptions, u: Urls): Promise<InputLimits> {
  return { workspaceId: await options.workspaceId(), fetchSeconds: options.fetchSeconds, maxBytes: options.maxBytes, base: u.base, allow: options.fetchAllow };
}

/** The Prefer header's tokens, trimmed and lower-cased (clients send "respond-async " with a space). */
export function preferences(header: string | undefined): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (const part of (header ?? '').split(/[,;]/)) {
    const [k, v] = part.split('=').map((x) => x.trim());
    if (k) out.set(k.toLowerCase(), v === undefined ? true : v.replace(/^"|"$/g, ''));
  }
  return out;
}

/** Waits until the job ends or the time is up; resolves with the job as it then is. */
export function waitForEnd(core: Core, jobId: number, ms: number): Promise<Job> {
  return new Promise((resolve, reject) => {
    let done = false;
    const check = async () => {
      if (done) return;
      try {
        const job = await core.jobs.get(jobId);
        if (FINAL.includes(job.status) || Date.now() >= deadline) finish(job);
      } catch (err) {
        done = true;
        cleanup();
        reject(err);
      }
    };
    const onEnded = (ids: number[]) => {
      if (ids.includes(jobId)) void check();
    };
    const finish = (job: Job) => {
      done = true;
      cleanup();
      resolve(job);
    };
    const cleanup = () => {
      clearInterval(poll);
      clearTimeout(timeout);
      core.events.off('ended', onEnded);
      core.events.off('canceled', onEnded);
    };
    const deadline = Date.now() + ms;
    // Events say when a job of this process ends; polling covers jobs ended by other processes.
    core.events.on('ended', onEnded);
    core.events.on('canceled', onEnded);
    const poll = setInterval(check, 250);
    const timeout = setTimeout(check, ms);
    void check();
  });
}

export function createExecuteHandler(deps: { core: Core; catalog: Catalog; store: OgcStore; jobs: ReturnType<typeof createJobHandlers>; workflows: WorkflowRuns; options: ExecuteOptions }) {
  const { core, catalog, store, options } = deps;

  async function asAccepted(res: Response, u: Urls, job: Job, processId: string, applied: string | null): Promise<void> {
    const location = u.to(`/jobs/${job.id}`);
    res.status(201).setHeader('Location', location);
    if (applied) res.setHeader('Preference-Applied', applied);
    res.json(statusInfo(job, processId, u));
  }

  return async function execute(req: Request, res: Response, u: Urls, processId: string): Promise<void> {
    const found = await catalog.resolve(processId);
    if (!found) throw noSuchProcess(processId);
    if (found.kind === 'workflow') return deps.workflows.execute(req, res, u, found);
    const entry = found;
    const iface = entry.rev.interface;
    const parsed = readExecuteRequest(req.body, iface);
    if (!parsed.value) {
      const p = parsed.problems;
      throw invalidParameter(p.map((x) => (x.field ? `${x.field}: ${x.message}` : x.message)).join('; '), { ...(p[0]?.field ? { field: p[0].field } : {}), ...(p.length > 1 ? { errors: p } : {}) });
    }
    const request = parsed.value;
    const limits = await inputLimits(options, u);
    // Sent again under its Idempotency-Key, an execute gets the job the first one made (nothing is fetched again).
    const idempotency = idempotencyKeyOf(req, res);
    const prior = idempotency ? await core.idempotency.find(idempotency, 'job') : null;
    const { job, replayed } = prior !== null
      ? { job: await core.jobs.get(prior), replayed: true }
      : await withInputs(core, request, iface, limits, (data) => core.jobs.create({ jobTypeId: entry.jobType.id, input: { files: data.files, json: data.json }, idempotency }));
    const explicit = request.outputs.size > 0 && req.body && typeof req.body.outputs === 'object' && req.body.outputs && Object.keys(req.body.outputs).length > 0;
    // A replayed job keeps the record its first request wrote (written now if that request died first).
    await store.record({ jobId: job.id, response: request.response, outputs: explicit ? Object.fromEntries(request.outputs) : null, subscriber: request.subscriber, baseUrl: u.base });
    if (replayed) res.setHeader(REPLAYED_HEADER, 'true');

    const prefer = preferences(req.get('prefer'));
    if (prefer.has('respond-async')) return asAccepted(res, u, job, entry.id, 'respond-async');
    if (request.async) return asAccepted(res, u, job, entry.id, null);
    // Prefer: wait=N (RFC 7240) shortens the synchronous wait; it never lengthens it past the server's.
    const wait = Number(prefer.get('wait'));
    const honoured = Number.isFinite(wait) && wait >= 0 && wait < options.syncSeconds;
    if (honoured) res.setHeader('Preference-Applied', `wait=${wait}`);
    const ended = await waitForEnd(core, job.id, (honoured ? wait : options.syncSeconds) * 1000);
    if (!FINAL.includes(ended.status)) return asAccepted(res, u, ended, entry.id, honoured ? `wait=${wait}` : null);
    if (ended.status === 'FAILED') throw await deps.jobs.failure(ended);
    if (ended.status === 'CANCELED') throw new OgcError(410, 'dismissed', 'Job canceled', `job ${ended.id} was canceled before it finished`);
    // The job this synchronous execution created. The OGC test suite reads the URL before the first
    // ";" of a monitor Link, so the URL is written bare (not RFC 8288's <…>).
    res.setHeader('Link', `${u.to(`/jobs/${ended.id}`)}; rel=monitor`);
    await sendResults(res, core, u, ended, iface, request.outputs, request.response);
  };
}
