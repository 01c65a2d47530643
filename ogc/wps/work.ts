// What a WPS job id names: a core job (`12`) or a run of a deployed CWL workflow (`wf-3`). The WPS
// operations see either through `Work`: its OGC state, its progress, why it failed, its outputs as
// WPS output values, and how to wait for it and cancel it.
import type { Core } from '../../src/core/index.ts';
import type { Job } from '../../src/core/jobs/model.ts';
import { NotFound } from '../../src/core/domain-errors.ts';
import { ogcStatus } from '../../seed-mapping/ogc-process.ts';
import { type WpsProcess, wpsProcess } from '../../seed-mapping/wps-process.ts';
import type { Catalog } from '../processes/catalog.ts';
import { describe } from '../processes/describe.ts';
import { waitForEnd } from '../processes/execute.ts';
import type { Urls } from '../processes/http.ts';
import { fileEntry, resultsDocument } from '../processes/results.ts';
import type { OgcStore, RunTimes } from '../processes/store.ts';
import { WORKFLOW_RUN, type WorkflowRuns } from '../processes/workflow-runs.ts';
import type { OutputValue } from './documents.ts';
import { WpsError } from './errors.ts';

export type OgcState = 'accepted' | 'running' | 'successful' | 'failed' | 'dismissed';
export type Requested = Map<string, 'value' | 'reference'>;

export const ENDED: OgcState[] = ['successful', 'failed', 'dismissed'];

/** WPS 2.0 wps:Status values. */
export const STATUS2: Record<OgcState, string> = { accepted: 'Accepted', running: 'Running', successful: 'Succeeded', failed: 'Failed', dismissed: 'Dismissed' };

export interface Work {
  /** The WPS job id. */
  id: string;
  state: OgcState;
  created: Date;
  /** Percent done, when known. */
  percent(): Promise<number | null>;
  /** Why it failed (or was canceled), for an exception text. */
  failure(): Promise<string>;
  /** Its outputs as the request asked for them (several files of one output are several outputs of one id). */
  outputs(requested: Requested, u: Urls): Promise<[string, OutputValue][]>;
  /** The outputs its Execute asked for (all, by value, when it did not say or came through another door). */
  requested(u: Urls): Promise<Requested>;
  /** Its process as WPS describes it (a stand-in naming it when the process is gone). */
  process(u: Urls): Promise<WpsProcess>;
  /** Cancels what is left of it, if it has not ended; WPS clients see no job afterwards. */
  dismiss(): Promise<void>;
  /** Waits up to `ms` for it to end; answers how it then stands. */
  wait(ms: number): Promise<Work>;
}

/** A result value as the OGC results document holds it → a WPS output value. */
function outputValue(v: any): OutputValue {
  if (v && typeof v === 'object' && typeof v.href === 'string') return { kind: 'reference', href: v.href, mimeType: v.type ?? 'application/octet-stream' };
  if (v && typeof v === 'object' && v.encoding === 'base64' && typeof v.value === 'string') return { kind: 'content', data: Buffer.from(v.value, 'base64'), mimeType: v.mediaType ?? 'application/octet-stream' };
  if (v && typeof v === 'object' && 'value' in v && v.mediaType === 'application/json') return { kind: 'literal', value: v.value };
  return { kind: 'literal', value: v };
}

const noSuchJob = (id: string) => new WpsError('NoSuchJob', `job ${JSON.stringify(id)} does not exist`, id);

export function createWorks(deps: { core: Core; catalog: Catalog; store: OgcStore; runs: WorkflowRuns['runs'] }) {
  const { core, catalog, store, runs } = deps;

  async function processOf(name: string, version: string, title: string | null, u: Urls): Promise<WpsProcess> {
    const e = await catalog.resolve(name);
    return e ? wpsProcess(describe(e, u, true)) : wpsProcess({ id: name, version, title: title ?? name, inputs: {}, outputs: {} });
  }

  function ofJob(job: Job): Work {
    // Its interface, read once and only when outputs are asked about.
    let revision: ReturnType<typeof core.jobTypes.revision> | undefined;
    const rev = () => (revision ??= core.jobTypes.revision(job.jobTypeRevId));
    const state = ogcStatus(job.status);
    return {
      id: String(job.id), state, created: job.created,
      async percent() {
        return state === 'successful' ? 100 : state === 'accepted' ? 0 : null;
      },
      async failure() {
        if (state === 'dismissed') return `job ${job.id} was canceled`;
        const e = job.errorId ? await core.errors.get(job.errorId) : null;
        return `job ${job.id} failed${e ? `: ${e.title}${e.description ? ` (${e.description})` : ''}` : ''}`;
      },
      async outputs(requested, u) {
        const { interface: iface } = await rev();
        const doc = await resultsDocument(core, u, job, iface, requested);
        const out: [string, OutputValue][] = [];
        for (const [id, v] of Object.entries(doc)) {
          if (iface.outputs.find((o) => o.name === id)?.kind === 'files' && Array.isArray(v)) for (const x of v) out.push([id, outputValue(x)]);
          else if (v !== undefined) out.push([id, outputValue(v)]);
        }
        return out;
      },
      async requested() {
        const [ogc, { interface: iface }] = await Promise.all([store.get(job.id), rev()]);
        return new Map(ogc?.outputs ? Object.entries(ogc.outputs) : iface.outputs.map((o) => [o.name, 'value']));
      },
      async process(u) {
        const jt = await core.jobTypes.get(job.jobTypeId);
        return processOf(jt.name, jt.version, jt.title, u);
      },
      async dismiss() {
        const ended = ENDED.includes(state) ? job : await core.jobs.cancel(job.id);
        await store.dismiss(ended.id);
      },
      async wait(ms) {
        return ofJob(await waitForEnd(core, job.id, ms));
      },
    };
  }

  function ofRun(run: RunTimes): Work {
    const id = `wf-${run.id}`;
    return {
      id, state: run.status, created: new Date(run.created),
      async percent() {
        return runs.progress(run);
      },
      async failure() {
        return run.status === 'dismissed' ? `workflow run ${id} was canceled` : `a step of workflow run ${id} failed`;
      },
      async outputs(requested, u) {
        const files = await runs.outputFiles(run);
        const out: [string, OutputValue][] = [];
        for (const [name, mode] of requested) {
          for (const fileId of files.get(name) ?? []) out.push([name, outputValue(await fileEntry(core, u, fileId, mode))]);
        }
        return out;
      },
      async requested() {
        const stored = await store.runOutputs(run.id);
        if (stored) return new Map(Object.entries(stored));
        const files = await runs.outputFiles(run);
        return new Map([...files.keys()].map((name) => [name, 'value']));
      },
      async process(u) {
        return processOf(run.processId, '', null, u);
      },
      async dismiss() {
        await runs.cancel(run);
      },
      async wait(ms) {
        return ofRun(await runs.wait(run, ms));
      },
    };
  }

  /** The job or run a WPS job id names; NoSuchJob when there is none or a client dismissed the job. */
  async function byId(jobId: string): Promise<Work> {
    if (WORKFLOW_RUN.test(jobId)) {
      const run = await runs.get(jobId);
      if (!run) throw noSuchJob(jobId);
      return ofRun(run);
    }
    if (!/^\d{1,15}$/.test(jobId)) throw noSuchJob(jobId);
    const n = Number(jobId);
    const [job, ogc] = await Promise.all([core.jobs.get(n).catch((err) => (err instanceof NotFound ? null : Promise.reject(err))), store.get(n)]);
    if (!job || ogc?.dismissed) throw noSuchJob(jobId);
    return ofJob(job);
  }

  return { ofJob, ofRun, byId };
}
