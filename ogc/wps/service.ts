// The WPS operations over the core, for both versions: processes are the OGC API's (same catalog,
// same descriptions), an Execute becomes the same core job an OGC execute makes (and is listed in
// /jobs and /scale/jobs/), and job ids are the core's. WPS-T deploys through the Part 2 deployer.
import type { Core } from '../../src/core/index.ts';
import type { JobInterface } from '../../src/core/job-types/model.ts';
import type { Job } from '../../src/core/jobs/model.ts';
import { DomainError, type Invalid, NotFound } from '../../src/core/domain-errors.ts';
import { readExecuteRequest } from '../../seed-mapping/ogc-execute.ts';
import { type WpsProcess, wpsProcess } from '../../seed-mapping/wps-process.ts';
import type { AnyEntry, Catalog, ProcessEntry } from '../processes/catalog.ts';
import { describe } from '../processes/describe.ts';
import { type ExecuteOptions, waitForEnd } from '../processes/execute.ts';
import type { Urls } from '../processes/http.ts';
import { withInputs } from '../processes/inputs.ts';
import { resultsDocument } from '../processes/results.ts';
import type { OgcStore } from '../processes/store.ts';
import { capabilities1, capabilities2, descriptions1, executeResponse1, type OutputValue, offerings2, result2, status2, statusInfo2 } from './documents.ts';
import { WpsError, type WpsVersion } from './errors.ts';
import type { WpsExecute, WpsInput } from './request.ts';

const FINAL = ['COMPLETED', 'FAILED', 'CANCELED'];

/** What an operation answers: an XML document, or a raw output's bytes. */
export type WpsAnswer = { status: number; contentType: string; body: string | Buffer };
const xml = (body: string, status = 200): WpsAnswer => ({ status, contentType: 'application/xml; charset=utf-8', body });

export type WpsService = ReturnType<typeof createWpsService>;

export function createWpsService(deps: { core: Core; catalog: Catalog; store: OgcStore; executeOptions: ExecuteOptions }) {
  const { core, catalog, store, executeOptions } = deps;

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

  /** A job a WPS client may see (not dismissed); NoSuchJob otherwise. */
  async function visibleJob(jobId: string): Promise<Job> {
    if (!/^\d{1,15}$/.test(jobId)) throw new WpsError('NoSuchJob', `job ${JSON.stringify(jobId)} does not exist`, jobId);
    const id = Number(jobId);
    const [job, ogc] = await Promise.all([core.jobs.get(id).catch((err) => (err instanceof NotFound ? null : Promise.reject(err))), store.get(id)]);
    if (!job || ogc?.dismissed) throw new WpsError('NoSuchJob', `job ${jobId} does not exist`, jobId);
    return job;
  }

  /** WPS inputs as an OGC API execute body's inputs (the one codec both doors share checks them). */
  function ogcInputs(ex: WpsExecute, p: WpsProcess): Record<string, unknown> {
    const out: Record<string, unknown[]> = {};
    for (const i of ex.inputs) {
      const d = p.inputs.find((x) => x.id === i.id);
      if (!d) throw new WpsError('NoSuchInput', `process ${p.id} has no input ${JSON.stringify(i.id)}`, i.id);
      (out[i.id] ??= []).push(ogcValue(i, d));
    }
    for (const d of p.inputs) {
      const n = out[d.id]?.length ?? 0;
      if (d.maxOccurs !== 'unbounded' && n > d.maxOccurs) throw new WpsError('TooManyInputs', `input ${d.id} takes at most ${d.maxOccurs} value(s), not ${n}`, d.id);
    }
    return Object.fromEntries(Object.entries(out).map(([id, vs]) => {
      const d = p.inputs.find((x) => x.id === id)!;
      return [id, d.maxOccurs === 'unbounded' || (typeof d.maxOccurs === 'number' && d.maxOccurs > 1) ? vs : vs[0]];
    }));
  }

  function ogcValue(i: WpsInput, d: WpsProcess['inputs'][number]): unknown {
    if (d.kind === 'complex' && i.mimeType && !d.formats.includes(i.mimeType) && !d.formats.includes('application/octet-stream')) {
      throw new WpsError('NoSuchFormat', `input ${i.id} takes ${d.formats.join(', ')}, not ${i.mimeType}`, i.id);
    }
    if (i.href) return { href: i.href, ...(i.mimeType ? { type: i.mimeType } : {}) };
    if (i.bbox) {
      if (d.kind !== 'bbox') throw new WpsError('WrongInputData', `input ${i.id} is not a bounding box`, i.id);
      return { bbox: i.bbox.coords, ...(i.bbox.crs ? { crs: i.bbox.crs } : {}) };
    }
    const text = i.value ?? '';
    if (d.kind === 'literal') {
      if (d.dataType === 'integer' || d.dataType === 'double') {
        const n = Number(text.trim());
        if (text.trim() === '' || !Number.isFinite(n) || (d.dataType === 'integer' && !Number.isInteger(n))) throw new WpsError('WrongInputData', `input ${i.id} must be ${d.dataType === 'integer' ? 'an integer' : 'a number'}, not ${JSON.stringify(text)}`, i.id);
        return n;
      }
      if (d.dataType === 'boolean') {
        if (!['true', 'false', '1', '0'].includes(text.trim())) throw new WpsError('WrongInputData', `input ${i.id} must be true or false, not ${JSON.stringify(text)}`, i.id);
        return text.trim() === 'true' || text.trim() === '1';
      }
      return text;
    }
    if (d.kind === 'bbox') throw new WpsError('WrongInputData', `input ${i.id} is a bounding box: give an ows:BoundingBox`, i.id);
    // A JSON value (complex application/json) is a value; anything else is file content.
    if (d.formats.length === 1 && d.formats[0] === 'application/json' && (!i.mimeType || i.mimeType === 'application/json')) {
      try {
        return JSON.parse(text);
      } catch {
        throw new WpsError('WrongInputData', `input ${i.id} must be JSON`, i.id);
      }
    }
    const mediaType = i.mimeType ?? (i.xml ? (d.formats.find((f) => /xml/.test(f)) ?? 'text/xml') : d.formats[0]);
    const base64 = i.encoding === 'base64' ? text.replace(/\s+/g, '') : Buffer.from(text, 'utf8').toString('base64');
    return { value: base64, encoding: 'base64', mediaType };
  }

  /** The results of a finished job as WPS outputs (several files of one output are several outputs of one id). */
  async function outputsOf(job: Job, iface: JobInterface, requested: Map<string, 'value' | 'reference'>, u: Urls): Promise<[string, OutputValue][]> {
    const doc = await resultsDocument(core, u, job, iface, requested);
    const out: [string, OutputValue][] = [];
    const one = (v: any): OutputValue => {
      if (v && typeof v === 'object' && typeof v.href === 'string') return { kind: 'reference', href: v.href, mimeType: v.type ?? 'application/octet-stream' };
      if (v && typeof v === 'object' && v.encoding === 'base64' && typeof v.value === 'string') return { kind: 'content', data: Buffer.from(v.value, 'base64'), mimeType: v.mediaType ?? 'application/octet-stream' };
      if (v && typeof v === 'object' && 'value' in v && v.mediaType === 'application/json') return { kind: 'literal', value: v.value };
      return { kind: 'literal', value: v };
    };
    for (const [id, v] of Object.entries(doc)) {
      const kind = iface.outputs.find((o) => o.name === id)?.kind;
      if (kind === 'files' && Array.isArray(v)) for (const x of v) out.push([id, one(x)]);
      else if (v !== undefined) out.push([id, one(v)]);
    }
    return out;
  }

  async function failureText(job: Job): Promise<string> {
    const e = job.errorId ? await core.errors.get(job.errorId) : null;
    return `job ${job.id} failed${e ? `: ${e.title}${e.description ? ` (${e.description})` : ''}` : ''}`;
  }

  function requestedOutputs(ex: WpsExecute, p: WpsProcess): Map<string, 'value' | 'reference'> {
    for (const o of ex.outputs) {
      const d = p.outputs.find((x) => x.id === o.id);
      if (!d) throw new WpsError('NoSuchOutput', `process ${p.id} has no output ${JSON.stringify(o.id)}`, o.id);
      if (o.mimeType && d.kind === 'complex' && !d.formats.includes(o.mimeType) && !d.formats.includes('application/octet-stream')) throw new WpsError('NoSuchFormat', `output ${o.id} is ${d.formats.join(', ')}, not ${o.mimeType}`, o.id);
    }
    const requested = new Map<string, 'value' | 'reference'>(ex.outputs.length ? ex.outputs.map((o) => [o.id, o.transmission]) : p.outputs.map((o) => [o.id, 'value']));
    if (ex.response === 'raw' && requested.size !== 1) throw new WpsError('TooManyOutputs', `a raw response holds one output; ${requested.size} were asked for (name one wps:Output)`, 'response');
    return requested;
  }

  async function jobEntry(id: string, v: WpsVersion, u: Urls): Promise<{ entry: ProcessEntry; process: WpsProcess }> {
    const e = await catalog.resolve(id);
    if (!e) throw noSuchProcess(id, v);
    if (e.kind !== 'job') throw new WpsError('OptionNotSupported', `process ${id} is a CWL workflow; run it through OGC API - Processes (POST /processes/${id}/execution)`, id);
    return { entry: e, process: wpsProcess(describe(e, u, true)) };
  }

  /** Starts the job an Execute asks for; the request's problems are the WPS exceptions of REFERENCE.md §4. */
  async function start(ex: WpsExecute, v: WpsVersion, u: Urls): Promise<{ job: Job; entry: ProcessEntry; process: WpsProcess; requested: Map<string, 'value' | 'reference'> }> {
    const { entry, process } = await jobEntry(ex.id, v, u);
    const requested = requestedOutputs(ex, process);
    const body = { inputs: ogcInputs(ex, process), outputs: Object.fromEntries([...requested].map(([id, t]) => [id, { transmissionMode: t }])), response: 'document' };
    const iface = entry.rev.interface;
    const parsed = readExecuteRequest(body, iface);
    if (!parsed.value) {
      const p = parsed.problems[0];
      const missing = /required/.test(p.message);
      throw new WpsError(missing ? 'MissingParameterValue' : 'WrongInputData', parsed.problems.map((x) => (x.field ? `${x.field}: ${x.message}` : x.message)).join('; '), p.field?.replace(/^inputs\./, '').split('.')[0] ?? undefined);
    }
    let job: Job;
    try {
      const limits = { workspaceId: await executeOptions.workspaceId(), fetchSeconds: executeOptions.fetchSeconds, maxBytes: executeOptions.maxBytes, base: u.base, allow: executeOptions.fetchAllow };
      ({ job } = await withInputs(core, parsed.value, iface, limits, (data) => core.jobs.create({ jobTypeId: entry.jobType.id, input: { files: data.files, json: data.json } })));
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'invalid') {
        const fetching = /fetch|answered|reference|larger than/.test(err.message);
        throw new WpsError(fetching ? 'DataNotAccessible' : 'WrongInputData', err.message, (err as Invalid).field?.replace(/^inputs\./, '').split(/[.[]/)[0]);
      }
      if (err instanceof DomainError && err.kind === 'too-large') throw new WpsError('TooManyInputs', err.message, undefined, 413);
      throw err;
    }
    await store.record({ jobId: job.id, response: 'document', outputs: Object.fromEntries(requested), subscriber: null, baseUrl: u.base });
    return { job, entry, process, requested };
  }

  // ---- WPS 2.0 ----

  async function execute2(ex: WpsExecute, u: Urls): Promise<WpsAnswer> {
    const started = await start(ex, '2.0.0', u);
    const sync = ex.mode === 'sync' || (ex.mode === 'auto' && started.process.jobControlOptions.includes('sync-execute'));
    if (!sync) return xml(statusInfo2(String(started.job.id), 'Accepted', 0));
    const job = await waitForEnd(core, started.job.id, executeOptions.syncSeconds * 1000);
    if (!FINAL.includes(job.status)) return xml(statusInfo2(String(job.id), status2(job.status, false), null));
    return resultOf2(job, started.entry.rev.interface, started.requested, ex.response, u);
  }

  async function resultOf2(job: Job, iface: JobInterface, requested: Map<string, 'value' | 'reference'>, response: 'raw' | 'document', u: Urls): Promise<WpsAnswer> {
    if (job.status === 'FAILED') throw new WpsError('NoApplicableCode', await failureText(job), undefined, 500);
    if (job.status === 'CANCELED') throw new WpsError('NoSuchJob', `job ${job.id} was dismissed`, String(job.id));
    const outputs = await outputsOf(job, iface, requested, u);
    if (response === 'raw') {
      const [, o] = outputs[0] ?? [];
      if (!o) throw new WpsError('NoSuchOutput', `job ${job.id} produced no ${[...requested.keys()][0]}`, [...requested.keys()][0]);
      if (o.kind === 'content') return { status: 200, contentType: o.mimeType, body: o.data };
      if (o.kind === 'reference') return { status: 200, contentType: 'text/uri-list', body: `${o.href}\r\n` };
      return { status: 200, contentType: typeof o.value === 'object' && o.value !== null ? 'application/json' : 'text/plain; charset=utf-8', body: typeof o.value === 'string' ? o.value : JSON.stringify(o.value) };
    }
    return xml(result2(String(job.id), outputs));
  }

  async function percentOf(job: Job): Promise<number | null> {
    return job.status === 'COMPLETED' ? 100 : ['PENDING', 'BLOCKED', 'QUEUED'].includes(job.status) ? 0 : null;
  }

  // ---- WPS 1.0.0 ----

  async function response1(job: Job, process: WpsProcess, iface: JobInterface, requested: Map<string, 'value' | 'reference'>, u: Urls, statusLocation: string | undefined, lineage: WpsExecute | null): Promise<string> {
    // lineage: the inputs as given (literals and references; inline complex content as text) and the output definitions.
    const inputs = (lineage?.inputs ?? []).map((i) => (i.href !== undefined ? { id: i.id, href: i.href, mimeType: i.mimeType } : { id: i.id, value: i.bbox ? i.bbox.coords.join(' ') : (i.value ?? '') }));
    const common = { process, serviceInstance: u.to('/wps', { service: 'WPS', request: 'GetCapabilities' }), statusLocation, created: job.created, ...(lineage ? { lineage: { inputs, outputs: [...requested].map(([id, t]) => ({ id, asReference: t === 'reference' })) } } : {}) };
    if (job.status === 'COMPLETED') return executeResponse1({ ...common, state: { kind: 'succeeded' }, outputs: await outputsOf(job, iface, requested, u) });
    if (job.status === 'FAILED') return executeResponse1({ ...common, state: { kind: 'failed', code: 'NoApplicableCode', text: await failureText(job) } });
    if (job.status === 'CANCELED') return executeResponse1({ ...common, state: { kind: 'failed', code: 'NoApplicableCode', text: `job ${job.id} was canceled` } });
    if (job.status === 'RUNNING') return executeResponse1({ ...common, state: { kind: 'started', percent: 0 } });
    return executeResponse1({ ...common, state: { kind: 'accepted' } });
  }

  const statusUrl = (u: Urls, jobId: number) => u.to(`/wps/status/${jobId}`);

  async function execute1(ex: WpsExecute, u: Urls): Promise<WpsAnswer> {
    const started = await start(ex, '1.0.0', u);
    const iface = started.entry.rev.interface;
    if (ex.mode === 'async') return xml(await response1(started.job, started.process, iface, started.requested, u, statusUrl(u, started.job.id), ex.lineage ? ex : null));
    const job = await waitForEnd(core, started.job.id, executeOptions.syncSeconds * 1000);
    if (ex.response === 'raw' && job.status === 'COMPLETED') return resultOf2(job, iface, started.requested, 'raw', u);
    if (ex.response === 'raw' && job.status === 'FAILED') throw new WpsError('NoApplicableCode', await failureText(job), undefined, 500);
    // A synchronous execution that outlasts the wait answers as a stored one would.
    const stored = !FINAL.includes(job.status) ? statusUrl(u, job.id) : undefined;
    return xml(await response1(job, started.process, iface, started.requested, u, stored, ex.lineage ? ex : null));
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
      const job = await visibleJob(jobId);
      return xml(statusInfo2(jobId, status2(job.status, false), await percentOf(job)));
    },
    async getResult(jobId: string, u: Urls): Promise<WpsAnswer> {
      const job = await visibleJob(jobId);
      if (!FINAL.includes(job.status)) throw new WpsError('ResultNotReady', `job ${jobId} is ${status2(job.status, false).toLowerCase()}; its results are not ready`, jobId);
      const [ogc, rev] = await Promise.all([store.get(job.id), core.jobTypes.revision(job.jobTypeRevId)]);
      const requested = new Map<string, 'value' | 'reference'>(ogc?.outputs ? Object.entries(ogc.outputs) : rev.interface.outputs.map((o) => [o.name, 'value']));
      return resultOf2(job, rev.interface, requested, 'document', u);
    },
    async dismiss(jobId: string): Promise<WpsAnswer> {
      let job = await visibleJob(jobId);
      if (!FINAL.includes(job.status)) job = await core.jobs.cancel(job.id);
      await store.dismiss(job.id);
      return xml(statusInfo2(jobId, 'Dismissed', null));
    },
    /** The stored WPS 1.0.0 ExecuteResponse of an asynchronous execution, as the job now stands. */
    async status1(jobId: string, u: Urls): Promise<WpsAnswer> {
      const job = await visibleJob(jobId).catch(() => {
        throw new WpsError('InvalidParameterValue', `job ${jobId} does not exist`, 'jobId');
      });
      const [ogc, rev, jt] = await Promise.all([store.get(job.id), core.jobTypes.revision(job.jobTypeRevId), core.jobTypes.get(job.jobTypeId)]);
      const { process } = await jobEntry(jt.name, '1.0.0', u).catch(() => ({ process: wpsProcess({ id: jt.name, version: jt.version, title: jt.title ?? jt.name, inputs: {}, outputs: {} }) }));
      const requested = new Map<string, 'value' | 'reference'>(ogc?.outputs ? Object.entries(ogc.outputs) : rev.interface.outputs.map((o) => [o.name, 'value']));
      return xml(await response1(job, process, rev.interface, requested, u, statusUrl(u, job.id), null));
    },
  };
}
