// POST /processes/{id}/execution: an execute request becomes a run of the core (a job: what the
// Scale API shows). Asynchronous when the client prefers it (Prefer: respond-async) or asks for it
// (the list form's mode: async):
// 201 with the run's absolute URL as soon as the run is recorded; its inputs given by reference are
// fetched as its first step. Otherwise synchronous: inputs are fetched, the request waits for the run
// (up to SCALE_OGC_SYNC_SECONDS, or less with Prefer: wait=N) and answers with its results as asked;
// a run that outlasts the wait is answered as async would be, with its status.
import type { Request, Response } from 'express';
import { idempotencyKeyOf, REPLAYED_HEADER } from '../../src/auth/idempotency-key.ts';
import { isFinal, type Run, RUN } from '../../src/core/runs/model.ts';
import type { RunService } from '../../src/core/runs/service.ts';
import type { Urls } from '../../src/http/urls.ts';
import { readExecuteRequest } from '../../seed-mapping/ogc-execute.ts';
import { deployedJobControl } from '../../seed-mapping/process-description.ts';
import { invalidParameter, noSuchProcess, preferences, runFailed } from './http.ts';
import { requestedOf, returnPreference, sendResults } from './results.ts';
import { statusInfo } from './status.ts';

export type Execute = (req: Request, res: Response, u: Urls, processId: string) => Promise<void>;

export function createExecuteHandler(deps: { runs: RunService; syncSeconds: number }): Execute {
  const { runs } = deps;

  function accepted(res: Response, u: Urls, run: Run, applied: string | null): void {
    res.status(201).setHeader('Location', u.to(`/jobs/${run.id}`));
    if (applied) res.setHeader('Preference-Applied', applied);
    res.json(statusInfo(run, u));
  }

  return async function execute(req, res, u, processId) {
    const process = await runs.processes.resolve(processId);
    if (!process) throw noSuchProcess(processId);
    const parsed = readExecuteRequest(req.body, process.iface);
    if (!parsed.value) {
      const p = parsed.problems;
      throw invalidParameter(p.map((x) => (x.field ? `${x.field}: ${x.message}` : x.message)).join('; '), { ...(p[0]?.field ? { field: p[0].field } : {}), ...(p.length > 1 ? { errors: p } : {}) });
    }
    const request = parsed.value;
    const prefer = preferences(req.get('prefer'));
    // A process described as async-execute only (its deployer said so) runs asynchronously whatever the client asked.
    const controls = deployedJobControl(process.jobType);
    const asyncOnly = Array.isArray(controls) && controls.includes('async-execute') && !controls.includes('sync-execute');
    const async = prefer.has('respond-async') || request.async || asyncOnly;
    const explicit = request.outputs.size > 0 && req.body && typeof req.body.outputs === 'object' && req.body.outputs && Object.keys(req.body.outputs).length > 0;
    const { run, replayed } = await runs.start(process, {
      inputs: request.inputs, mode: async ? 'async' : 'sync', baseUrl: u.base, idempotency: idempotencyKeyOf(req, res),
      request: { response: request.response, outputs: explicit ? Object.fromEntries(request.outputs) : null, subscriber: request.subscriber, baseUrl: u.base },
    });
    if (replayed) res.setHeader(REPLAYED_HEADER, 'true');
    if (async) return accepted(res, u, run, prefer.has('respond-async') ? 'respond-async' : null);
    // Prefer: wait=N (RFC 7240) shortens the synchronous wait; it never lengthens it past the server's.
    const wait = Number(prefer.get('wait'));
    const honoured = Number.isFinite(wait) && wait >= 0 && wait < deps.syncSeconds;
    if (honoured) res.setHeader('Preference-Applied', `wait=${wait}`);
    const ended = await runs.wait(run, (honoured ? wait : deps.syncSeconds) * 1000);
    if (!isFinal(ended.status)) return accepted(res, u, ended, honoured ? `wait=${wait}` : null);
    // A synchronous run that failed answers with its job's exception (500: the request was valid and
    // the process failed on the server's side, as a failed job's /results also answers).
    if (ended.status !== RUN.SUCCEEDED) throw runFailed(ended, await runs.failure(ended));
    const ret = returnPreference(prefer);
    if (ret) res.setHeader('Preference-Applied', [...(honoured ? [`wait=${wait}`] : []), `return=${ret}`].join(', '));
    // The job this synchronous execution created, as RFC 8288 writes a link. (ets-ogcapi-processes10's
    // testJobResultsSync GETs the text before the first ";" as it is, brackets and all: the suite's
    // defect, which conformance/ets-jobs.ts reports.)
    res.setHeader('Link', `<${u.to(`/jobs/${ended.id}`)}>; rel=monitor`);
    const outputs = await runs.outputs(ended);
    await sendResults(res, runs, u, ended, outputs, requestedOf(explicit ? Object.fromEntries(request.outputs) : null, outputs, ret, process.iface.outputs.map((o) => o.name)), request.response);
  };
}
