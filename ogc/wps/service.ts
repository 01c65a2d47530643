// The WPS operations over the core's runs service, for both versions: processes are the ones the
// OGC API offers (the same catalog, descriptions written from the same documents), an Execute
// starts the same run an OGC execute does (a job listed in /jobs and /scale/jobs/), and job ids are
// run ids.
import { type Run, RUN } from '../../src/core/runs/model.ts';
import { isFinal } from '../../src/core/runs/model.ts';
import type { Process } from '../../src/core/runs/processes.ts';
import type { RunService } from '../../src/core/runs/service.ts';
import { DomainError, type Invalid } from '../../src/errors.ts';
import type { Urls } from '../../src/http/urls.ts';
import { readExecuteRequest } from '../../seed-mapping/ogc-execute.ts';
import { describe } from '../../seed-mapping/process-description.ts';
import { type WpsProcess, wpsProcess } from '../../seed-mapping/wps-process.ts';
import { capabilities1, capabilities2, descriptions1, executeResponse1, offerings2, result2, statusInfo2 } from './documents.ts';
import { WpsError, type WpsVersion } from './errors.ts';
import { ogcInputs, requestedOutputs } from './execute-request.ts';
import type { WpsExecute } from './request.ts';
import { createWorks, type Requested, STATUS2 } from './work.ts';

/** What an operation answers: an XML document, or a raw output's bytes. */
export type WpsAnswer = { status: number; contentType: string; body: string | Buffer };
const xml = (body: string, status = 200): WpsAnswer => ({ status, contentType: 'application/xml; charset=utf-8', body });

export type WpsService = ReturnType<typeof createWpsService>;

export function createWpsService(deps: { runs: RunService; events: { on(e: 'jobTypesChanged', f: () => void): unknown }; syncSeconds: number }) {
  const { runs } = deps;
  const catalog = runs.processes;
  const works = createWorks(runs);

  // Capabilities and DescribeProcess ALL are asked for far more often than processes change: each
  // is rendered once per base URL and version, until a job type changes here or CACHE_MS passes
  // (changes made by another server process show within that).
  const CACHE_MS = 2000;
  const rendered = new Map<string, { body: string; until: number }>();
  deps.events.on('jobTypesChanged', () => rendered.clear());
  async function cached(key: string, make: () => Promise<string>): Promise<string> {
    const hit = rendered.get(key);
    if (hit && hit.until > Date.now()) return hit.body;
    const body = await make();
    if (rendered.size > 1000) rendered.clear();
    rendered.set(key, { body, until: Date.now() + CACHE_MS });
    return body;
  }

  // A process as WPS describes it, made once per resolved process (the catalog resolves a process
  // anew after its own short cache, so a changed job type is described anew) and base URL: an
  // Execute needs it for every request.
  const described = new WeakMap<Process, Map<string, WpsProcess>>();
  function wpsOf(entry: Process, u: Urls): WpsProcess {
    let byBase = described.get(entry);
    if (!byBase) described.set(entry, (byBase = new Map()));
    let p = byBase.get(u.base);
    if (!p) {
      if (byBase.size > 100) byBase.clear();
      byBase.set(u.base, (p = wpsProcess(describe(entry, u, true))));
    }
    return p;
  }

  const noSuchProcess = (id: string, v: WpsVersion) => (v === '1.0.0' ? new WpsError('InvalidParameterValue', `process ${JSON.stringify(id)} does not exist`, 'Identifier') : new WpsError('NoSuchProcess', `process ${JSON.stringify(id)} does not exist`, id));

  async function allProcesses(u: Urls): Promise<{ entry: Process; process: WpsProcess }[]> {
    const page = await catalog.list(10_000, 0);
    return page.entries.map((entry) => ({ entry, process: wpsProcess(describe(entry, u, true)) }));
  }

  async function processesNamed(ids: string[], u: Urls, v: WpsVersion): Promise<WpsProcess[]> {
    if (ids.some((i) => i.toLowerCase() === 'all')) return (await allProcesses(u)).map((p) => p.process);
    const found = await Promise.all(ids.map(async (id) => [id, await catalog.resolve(id)] as const));
    const missing = found.filter(([, e]) => !e).map(([id]) => id);
    if (missing.length) throw noSuchProcess(missing.join(','), v);
    return found.map(([, e]) => wpsProcess(describe(e!, u, true)));
  }

  /** Starts the run an Execute asks for; the request's problems are the WPS exceptions of REFERENCE.md §4. */
  async function start(ex: WpsExecute, v: WpsVersion, u: Urls): Promise<{ run: Run; process: WpsProcess; requested: Requested }> {
    const entry = await catalog.resolve(ex.id);
    if (!entry) throw noSuchProcess(ex.id, v);
    const process = wpsOf(entry, u);
    const requested = requestedOutputs(ex, process);
    const body = { inputs: ogcInputs(ex, process), outputs: Object.fromEntries([...requested].map(([id, t]) => [id, { transmissionMode: t }])), response: 'document' };
    const parsed = readExecuteRequest(body, entry.iface);
    if (!parsed.value) {
      const p = parsed.problems[0];
      const missing = /required/.test(p.message);
      throw new WpsError(missing ? 'MissingParameterValue' : 'WrongInputData', parsed.problems.map((x) => (x.field ? `${x.field}: ${x.message}` : x.message)).join('; '), p.field?.replace(/^inputs\./, '').split('.')[0] ?? undefined);
    }
    // Asynchronous when the client asks (mode async, 1.0.0 storeExecuteResponse), or the process runs only so.
    const async = ex.mode === 'async' || (ex.mode === 'auto' && !process.jobControlOptions.includes('sync-execute'));
    try {
      const { run } = await runs.start(entry, {
        inputs: parsed.value.inputs, mode: async ? 'async' : 'sync', baseUrl: u.base,
        request: { response: 'document', outputs: Object.fromEntries(requested), subscriber: null, baseUrl: u.base },
      });
      return { run, process, requested };
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'invalid') {
        const fetching = /fetch|answered|reference|larger than/.test(err.message);
        throw new WpsError(fetching ? 'DataNotAccessible' : 'WrongInputData', err.message, (err as Invalid).field?.replace(/^inputs\./, '').split(/[.[]/)[0]);
      }
      if (err instanceof DomainError && err.kind === 'too-large') throw new WpsError('TooManyInputs', err.message, undefined, 413);
      throw err;
    }
  }

  const syncMs = () => deps.syncSeconds * 1000;

  // ---- WPS 2.0 ----

  async function execute2(ex: WpsExecute, u: Urls): Promise<WpsAnswer> {
    const started = await start(ex, '2.0.0', u);
    const sync = ex.mode === 'sync' || (ex.mode === 'auto' && started.process.jobControlOptions.includes('sync-execute'));
    // The answer to an asynchronous Execute acknowledges it: Accepted, whatever the job has done since.
    if (!sync) return xml(statusInfo2(started.run.id, STATUS2[RUN.ACCEPTED], 0));
    const run = await runs.wait(started.run, syncMs());
    if (!isFinal(run.status)) return xml(statusInfo2(run.id, STATUS2[run.status], null));
    return resultOf2(run, started.requested, ex.response, u);
  }

  async function resultOf2(run: Run, requested: Requested, response: 'raw' | 'document', u: Urls): Promise<WpsAnswer> {
    if (run.status === RUN.FAILED) throw new WpsError('NoApplicableCode', await works.failure(run), undefined, 500);
    if (run.status === RUN.DISMISSED) throw new WpsError('NoSuchJob', `job ${run.id} was dismissed`, run.id);
    const outputs = await works.outputs(run, requested, u);
    if (response === 'raw') {
      const [, o] = outputs[0] ?? [];
      if (!o) throw new WpsError('NoSuchOutput', `job ${run.id} produced no ${[...requested.keys()][0]}`, [...requested.keys()][0]);
      if (o.kind === 'content') return { status: 200, contentType: o.mimeType, body: o.data };
      if (o.kind === 'reference') return { status: 200, contentType: 'text/uri-list', body: `${o.href}\r\n` };
      return { status: 200, contentType: typeof o.value === 'object' && o.value !== null ? 'application/json' : 'text/plain; charset=utf-8', body: typeof o.value === 'string' ? o.value : JSON.stringify(o.value) };
    }
    return xml(result2(run.id, outputs));
  }

  // ---- WPS 1.0.0 ----

  async function response1(run: Run, process: WpsProcess, requested: Requested, u: Urls, statusLocation: string | undefined, lineage: WpsExecute | null): Promise<string> {
    // lineage: the inputs as given (literals and references; inline complex content as text) and the output definitions.
    const inputs = (lineage?.inputs ?? []).map((i) => (i.href !== undefined ? { id: i.id, href: i.href, mimeType: i.mimeType } : { id: i.id, value: i.bbox ? i.bbox.coords.join(' ') : (i.value ?? '') }));
    const common = { process, serviceInstance: u.to('/wps', { service: 'WPS', request: 'GetCapabilities' }), statusLocation, created: new Date(run.created), ...(lineage ? { lineage: { inputs, outputs: [...requested].map(([id, t]) => ({ id, asReference: t === 'reference' })) } } : {}) };
    switch (run.status) {
      case RUN.SUCCEEDED:
        return executeResponse1({ ...common, state: { kind: 'succeeded' }, outputs: await works.outputs(run, requested, u) });
      case RUN.FAILED:
      case RUN.DISMISSED:
        return executeResponse1({ ...common, state: { kind: 'failed', code: 'NoApplicableCode', text: await works.failure(run) } });
      case RUN.RUNNING:
        return executeResponse1({ ...common, state: { kind: 'started', percent: run.progress ?? 0 } });
      default:
        return executeResponse1({ ...common, state: { kind: 'accepted' } });
    }
  }

  const statusUrl = (u: Urls, jobId: string) => u.to(`/wps/status/${jobId}`);

  async function execute1(ex: WpsExecute, u: Urls): Promise<WpsAnswer> {
    const started = await start(ex, '1.0.0', u);
    const lineage = ex.lineage ? ex : null;
    if (ex.mode === 'async') return xml(await response1(started.run, started.process, started.requested, u, statusUrl(u, started.run.id), lineage));
    const run = await runs.wait(started.run, syncMs());
    if (ex.response === 'raw' && run.status === RUN.SUCCEEDED) return resultOf2(run, started.requested, 'raw', u);
    if (ex.response === 'raw' && run.status === RUN.FAILED) throw new WpsError('NoApplicableCode', await works.failure(run), undefined, 500);
    // A synchronous execution that outlasts the wait answers as a stored one would.
    const stored = !isFinal(run.status) ? statusUrl(u, run.id) : undefined;
    return xml(await response1(run, started.process, started.requested, u, stored, lineage));
  }

  return {
    async getCapabilities(v: WpsVersion, u: Urls): Promise<WpsAnswer> {
      return xml(await cached(`caps|${v}|${u.base}`, async () => {
        const all = (await allProcesses(u)).map((p) => p.process);
        return v === '1.0.0' ? capabilities1(u.to('/wps'), all) : capabilities2(u.to('/wps'), all);
      }));
    },
    async describeProcess(ids: string[], v: WpsVersion, u: Urls): Promise<WpsAnswer> {
      const make = async () => {
        const ps = await processesNamed(ids, u, v);
        return v === '1.0.0' ? descriptions1(ps) : offerings2(ps);
      };
      return xml(ids.length === 1 && ids[0].toLowerCase() === 'all' ? await cached(`all|${v}|${u.base}`, make) : await make());
    },
    execute: (ex: WpsExecute, v: WpsVersion, u: Urls) => (v === '1.0.0' ? execute1(ex, u) : execute2(ex, u)),
    async getStatus(jobId: string): Promise<WpsAnswer> {
      const run = await works.byId(jobId);
      return xml(statusInfo2(jobId, STATUS2[run.status], run.progress ?? null));
    },
    async getResult(jobId: string, u: Urls): Promise<WpsAnswer> {
      const run = await works.byId(jobId);
      if (!isFinal(run.status)) throw new WpsError('ResultNotReady', `job ${jobId} is ${STATUS2[run.status].toLowerCase()}; its results are not ready`, jobId);
      return resultOf2(run, await works.requested(run), 'document', u);
    },
    async dismiss(jobId: string): Promise<WpsAnswer> {
      await runs.dismiss(await works.byId(jobId));
      return xml(statusInfo2(jobId, 'Dismissed', null));
    },
    /** The stored WPS 1.0.0 ExecuteResponse of an asynchronous execution, as the job now stands. */
    async status1(jobId: string, u: Urls): Promise<WpsAnswer> {
      const run = await works.byId(jobId).catch(() => {
        throw new WpsError('InvalidParameterValue', `job ${jobId} does not exist`, 'jobId');
      });
      const [process, requested] = await Promise.all([works.processOf(run, u), works.requested(run)]);
      return xml(await response1(run, process, requested, u, statusUrl(u, run.id), null));
    },
  };
}
