// The WPS operations over the core, for both versions: processes are the OGC API's (same catalog,
// same descriptions), an Execute becomes the same core job an OGC execute makes (and is listed in
// /jobs and /scale/jobs/), or for a deployed CWL workflow the same run (wf-<recipe id>); job ids
// are the OGC API's. WPS-T deploys through the Part 2 deployer.
import type { Core } from '../../src/core/index.ts';
import { DomainError, type Invalid } from '../../src/core/domain-errors.ts';
import { readExecuteRequest } from '../../seed-mapping/ogc-execute.ts';
import { type WpsProcess, wpsProcess } from '../../seed-mapping/wps-process.ts';
import type { AnyEntry, Catalog } from '../processes/catalog.ts';
import { describe } from '../processes/describe.ts';
import { type ExecuteOptions, inputLimits } from '../processes/execute.ts';
import type { Urls } from '../processes/http.ts';
import { withInputs } from '../processes/inputs.ts';
import type { OgcStore } from '../processes/store.ts';
import type { WorkflowRuns } from '../processes/workflow-runs.ts';
import { capabilities1, capabilities2, descriptions1, executeResponse1, offerings2, result2, statusInfo2 } from './documents.ts';
import { WpsError, type WpsVersion } from './errors.ts';
import { ogcInputs, requestedOutputs } from './execute-request.ts';
import type { WpsExecute } from './request.ts';
import { createWorks, ENDED, type Requested, STATUS2, type Work } from './work.ts';

/** What an operation answers: an XML document, or a raw output's bytes. */
export type WpsAnswer = { status: number; contentType: string; body: string | Buffer };
const xml = (body: string, status = 200): WpsAnswer => ({ status, contentType: 'application/xml; charset=utf-8', body });

export type WpsService = ReturnType<typeof createWpsService>;

export function createWpsService(deps: { core: Core; catalog: Catalog; store: OgcStore; executeOptions: ExecuteOptions; runs: WorkflowRuns['runs'] }) {
  const { core, catalog, store, executeOptions, runs } = deps;
  const works = createWorks({ core, catalog, store, runs });

  // Capabilities and DescribeProcess ALL are asked for far more often than processes change: each
  // is rendered once per base URL and version, until a job type changes here or CACHE_MS passes
  // (changes made by another server process show within that).
  const CACHE_MS = 2000;
  const rendered = new Map<string, { body: string; until: number }>();
  core.events.on('jobTypesChanged', () => rendered.clear());
  async function cached(key: string, make: () => Promise<string>): Promise<string> {
    const hit = rendered.get(key);
    if (hit && hit.until > Date.now()) return hit.body;
    const body = await make();
    if (rendered.size > 1000) rendered.clear();
    rendered.set(key, { body, until: Date.now() + CACHE_MS });
    return body;
  }

  const noSuchProcess = (id: string, v: WpsVersion) => (v === '1.0.0' ? new WpsError('InvalidParameterValue', `process ${JSON.stringify(id)} does not exist`, 'Identifier') : new WpsError('NoSuchProcess', `process ${JSON.stringify(id)} does not exist`, id));

  async function allProcesses(u: Urls): Promise<{ entry: AnyEntry; process: WpsProcess }[]> {
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

  /** Starts the job or workflow run an Execute asks for; the request's problems are the WPS exceptions of REFERENCE.md §4. */
  async function start(ex: WpsExecute, v: WpsVersion, u: Urls): Promise<{ work: Work; process: WpsProcess; requested: Requested }> {
    const entry = await catalog.resolve(ex.id);
    if (!entry) throw noSuchProcess(ex.id, v);
    const process = wpsProcess(describe(entry, u, true));
    const requested = requestedOutputs(ex, process);
    const body = { inputs: ogcInputs(ex, process), outputs: Object.fromEntries([...requested].map(([id, t]) => [id, { transmissionMode: t }])), response: 'document' };
    const iface = entry.kind === 'job' ? entry.rev.interface : await runs.iface(entry);
    const parsed = readExecuteRequest(body, iface);
    if (!parsed.value) {
      const p = parsed.problems[0];
      const missing = /required/.test(p.message);
      throw new WpsError(missing ? 'MissingParameterValue' : 'WrongInputData', parsed.problems.map((x) => (x.field ? `${x.field}: ${x.message}` : x.message)).join('; '), p.field?.replace(/^inputs\./, '').split('.')[0] ?? undefined);
    }
    const value = parsed.value;
    try {
      if (entry.kind === 'workflow') {
        const { run } = await runs.start(entry, value, iface, u);
        await store.recordRun(run.id, { outputs: Object.fromEntries(requested) });
        return { work: works.ofRun(run), process, requested };
      }
      const limits = await inputLimits(executeOptions, u);
      const { job } = await withInputs(core, value, iface, limits, (data) => core.jobs.create({ jobTypeId: entry.jobType.id, input: { files: data.files, json: data.json } }));
      await store.record({ jobId: job.id, response: 'document', outputs: Object.fromEntries(requested), subscriber: null, baseUrl: u.base });
      return { work: works.ofJob(job), process, requested };
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'invalid') {
        const fetching = /fetch|answered|reference|larger than/.test(err.message);
        throw new WpsError(fetching ? 'DataNotAccessible' : 'WrongInputData', err.message, (err as Invalid).field?.replace(/^inputs\./, '').split(/[.[]/)[0]);
      }
      if (err instanceof DomainError && err.kind === 'too-large') throw new WpsError('TooManyInputs', err.message, undefined, 413);
      throw err;
    }
  }

  const syncMs = () => executeOptions.syncSeconds * 1000;

  // ---- WPS 2.0 ----

  async function execute2(ex: WpsExecute, u: Urls): Promise<WpsAnswer> {
    const started = await start(ex, '2.0.0', u);
    const sync = ex.mode === 'sync' || (ex.mode === 'auto' && started.process.jobControlOptions.includes('sync-execute'));
    if (!sync) return xml(statusInfo2(started.work.id, 'Accepted', 0));
    const work = await started.work.wait(syncMs());
    if (!ENDED.includes(work.state)) return xml(statusInfo2(work.id, STATUS2[work.state], null));
    return resultOf2(work, started.requested, ex.response, u);
  }

  async function resultOf2(work: Work, requested: Requested, response: 'raw' | 'document', u: Urls): Promise<WpsAnswer> {
    if (work.state === 'failed') throw new WpsError('NoApplicableCode', await work.failure(), undefined, 500);
    if (work.state === 'dismissed') throw new WpsError('NoSuchJob', `job ${work.id} was dismissed`, work.id);
    const outputs = await work.outputs(requested, u);
    if (response === 'raw') {
      const [, o] = outputs[0] ?? [];
      if (!o) throw new WpsError('NoSuchOutput', `job ${work.id} produced no ${[...requested.keys()][0]}`, [...requested.keys()][0]);
      if (o.kind === 'content') return { status: 200, contentType: o.mimeType, body: o.data };
      if (o.kind === 'reference') return { status: 200, contentType: 'text/uri-list', body: `${o.href}\r\n` };
      return { status: 200, contentType: typeof o.value === 'object' && o.value !== null ? 'application/json' : 'text/plain; charset=utf-8', body: typeof o.value === 'string' ? o.value : JSON.stringify(o.value) };
    }
    return xml(result2(work.id, outputs));
  }

  // ---- WPS 1.0.0 ----

  async function response1(work: Work, process: WpsProcess, requested: Requested, u: Urls, statusLocation: string | undefined, lineage: WpsExecute | null): Promise<string> {
    // lineage: the inputs as given (literals and references; inline complex content as text) and the output definitions.
    const inputs = (lineage?.inputs ?? []).map((i) => (i.href !== undefined ? { id: i.id, href: i.href, mimeType: i.mimeType } : { id: i.id, value: i.bbox ? i.bbox.coords.join(' ') : (i.value ?? '') }));
    const common = { process, serviceInstance: u.to('/wps', { service: 'WPS', request: 'GetCapabilities' }), statusLocation, created: work.created, ...(lineage ? { lineage: { inputs, outputs: [...requested].map(([id, t]) => ({ id, asReference: t === 'reference' })) } } : {}) };
    switch (work.state) {
      case 'successful':
        return executeResponse1({ ...common, state: { kind: 'succeeded' }, outputs: await work.outputs(requested, u) });
      case 'failed':
      case 'dismissed':
        return executeResponse1({ ...common, state: { kind: 'failed', code: 'NoApplicableCode', text: await work.failure() } });
      case 'running':
        return executeResponse1({ ...common, state: { kind: 'started', percent: (await work.percent()) ?? 0 } });
      default:
        return executeResponse1({ ...common, state: { kind: 'accepted' } });
    }
  }

  const statusUrl = (u: Urls, jobId: string) => u.to(`/wps/status/${jobId}`);

  async function execute1(ex: WpsExecute, u: Urls): Promise<WpsAnswer> {
    const started = await start(ex, '1.0.0', u);
    const lineage = ex.lineage ? ex : null;
    if (ex.mode === 'async') return xml(await response1(started.work, started.process, started.requested, u, statusUrl(u, started.work.id), lineage));
    const work = await started.work.wait(syncMs());
    if (ex.response === 'raw' && work.state === 'successful') return resultOf2(work, started.requested, 'raw', u);
    if (ex.response === 'raw' && work.state === 'failed') throw new WpsError('NoApplicableCode', await work.failure(), undefined, 500);
    // A synchronous execution that outlasts the wait answers as a stored one would.
    const stored = !ENDED.includes(work.state) ? statusUrl(u, work.id) : undefined;
    return xml(await response1(work, started.process, started.requested, u, stored, lineage));
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
      const work = await works.byId(jobId);
      return xml(statusInfo2(jobId, STATUS2[work.state], await work.percent()));
    },
    async getResult(jobId: string, u: Urls): Promise<WpsAnswer> {
      const work = await works.byId(jobId);
      if (!ENDED.includes(work.state)) throw new WpsError('ResultNotReady', `job ${jobId} is ${STATUS2[work.state].toLowerCase()}; its results are not ready`, jobId);
      return resultOf2(work, await work.requested(u), 'document', u);
    },
    async dismiss(jobId: string): Promise<WpsAnswer> {
      await (await works.byId(jobId)).dismiss();
      return xml(statusInfo2(jobId, 'Dismissed', null));
    },
    /** The stored WPS 1.0.0 ExecuteResponse of an asynchronous execution, as the job now stands. */
    async status1(jobId: string, u: Urls): Promise<WpsAnswer> {
      const work = await works.byId(jobId).catch(() => {
        throw new WpsError('InvalidParameterValue', `job ${jobId} does not exist`, 'jobId');
      });
      const [process, requested] = await Promise.all([work.process(u), work.requested(u)]);
      return xml(await response1(work, process, requested, u, statusUrl(u, work.id), null));
    },
  };
}
