// A run as the WPS operations see it: its status in WPS 2.0's words, its progress, why it failed,
// and its outputs as WPS output values. Job ids are the core's run ids (a job's id), the same ids
// the OGC API uses.
import type { Run, RunStatus } from '../../src/core/runs/model.ts';
import type { RunService } from '../../src/core/runs/service.ts';
import type { Urls } from '../../src/http/urls.ts';
import { describe } from '../../seed-mapping/process-description.ts';
import { type WpsProcess, wpsProcess } from '../../seed-mapping/wps-process.ts';
import type { OutputValue } from './documents.ts';
import { WpsError } from './errors.ts';

export type Requested = Map<string, 'value' | 'reference'>;

/** The run status vocabulary in WPS 2.0's words (wps:Status). */
export const STATUS2: Record<RunStatus, string> = { ACCEPTED: 'Accepted', RUNNING: 'Running', SUCCEEDED: 'Succeeded', FAILED: 'Failed', DISMISSED: 'Dismissed' };

/** Largest output file inlined by value; a larger one is answered as a reference. */
const MAX_INLINE_BYTES = 64 * 1024 * 1024;

export const noSuchJob = (id: string) => new WpsError('NoSuchJob', `job ${JSON.stringify(id)} does not exist`, id);

export function createWorks(runs: RunService) {
  /** A run by WPS job id; NoSuchJob when there is none or a client dismissed it. */
  async function byId(jobId: string): Promise<Run> {
    const run = await runs.get(jobId);
    if (!run) throw noSuchJob(jobId);
    return run;
  }

  /** Why a run failed (or was canceled), for an exception text. */
  async function failure(run: Run): Promise<string> {
    return (await runs.failure(run)).detail;
  }

  /** Its outputs as asked for (several files of one output are several outputs of one id). */
  async function outputs(run: Run, requested: Requested, u: Urls): Promise<[string, OutputValue][]> {
    const produced = await runs.outputs(run);
    const out: [string, OutputValue][] = [];
    for (const [id, mode] of requested) {
      const o = produced.get(id);
      if (!o) continue;
      if (o.kind === 'json') {
        // A value asked for by reference is served where the OGC API serves it.
        out.push([id, mode === 'reference' ? { kind: 'reference', href: u.to(`/jobs/${run.id}/results/${encodeURIComponent(id)}`), mimeType: 'application/json' } : { kind: 'literal', value: o.value }]);
        continue;
      }
      for (const f of o.files) {
        const read = mode === 'value' ? await runs.fileContent(f.id, MAX_INLINE_BYTES) : null;
        out.push([id, read ? { kind: 'content', data: read.data, mimeType: read.mediaType } : { kind: 'reference', href: u.to(`/scale/files/${f.id}/content`), mimeType: f.mediaType }]);
      }
    }
    return out;
  }

  /** The outputs its Execute asked for (every output by value when it did not say, or came through another door). */
  async function requested(run: Run): Promise<Requested> {
    const asked = await runs.request(run);
    if (asked.outputs) return new Map(Object.entries(asked.outputs));
    return new Map([...(await runs.outputs(run)).keys()].map((id) => [id, 'value']));
  }

  /** Its process as WPS describes it (a stand-in naming it when the process is gone). */
  async function processOf(run: Run, u: Urls): Promise<WpsProcess> {
    const e = await runs.processes.resolve(run.processId);
    return e ? wpsProcess(describe(e, u, true)) : wpsProcess({ id: run.processId, version: '', title: run.processId, inputs: {}, outputs: {} });
  }

  return { byId, failure, outputs, requested, processOf };
}
