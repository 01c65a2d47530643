// Jobs as OGC statusInfo documents: a core job (its status mapped from the core's states) or a run
// of a deployed workflow (its status already an OGC one), with their times and the links a client
// follows (itself while it runs; the results once it succeeded).
import { ogcStatus } from '../../seed-mapping/ogc-process.ts';
import { REL, type Urls } from './http.ts';
import type { JobTimes, RunTimes } from './store.ts';

const iso = (d: Date | string | null) => (d === null ? undefined : typeof d === 'string' ? d : d.toISOString());

interface Link { href: string; rel: string; type: string; title: string }

function statusDocument(
  d: { jobID: string; processId: string; status: string; created: Date | string; started: Date | string | null; ended: Date | string | null; updated: Date | string; progress?: number; message?: string; related?: Link[] },
  u: Urls,
) {
  const path = `/jobs/${d.jobID}`;
  const links: Link[] = [
    { href: u.to(path), rel: 'self', type: 'application/json', title: 'this document' },
    { href: u.to(path, { f: 'html' }), rel: 'alternate', type: 'text/html', title: 'this document as HTML' },
  ];
  if (d.status === 'accepted' || d.status === 'running') links.push({ href: u.to(path), rel: 'status', type: 'application/json', title: 'the job status, to poll' });
  // The results link appears only once there are results: clients fetch it as soon as they see it.
  if (d.status === 'successful') links.push({ href: u.to(`${path}/results`), rel: `${REL}results`, type: 'application/json', title: 'the job results' });
  links.push(...(d.related ?? []), { href: u.to(`/processes/${encodeURIComponent(d.processId)}`), rel: 'up', type: 'application/json', title: 'the process' });
  return {
    processID: d.processId,
    type: 'process',
    jobID: d.jobID,
    status: d.status,
    ...(d.message ? { message: d.message } : {}),
    created: iso(d.created),
    ...(d.started ? { started: iso(d.started) } : {}),
    ...(d.ended ? { finished: iso(d.ended) } : {}),
    updated: iso(d.updated),
    ...(d.progress !== undefined ? { progress: d.progress } : {}),
    links,
  };
}

export function statusInfo(job: JobTimes, processId: string, u: Urls, opts: { dismissed?: boolean; message?: string } = {}) {
  const status = ogcStatus(job.status, opts.dismissed);
  const progress = status === 'successful' ? 100 : status === 'accepted' ? 0 : undefined;
  return statusDocument({ jobID: String(job.id), processId, status, created: job.created, started: job.started, ended: job.ended, updated: job.lastModified, progress, message: opts.message }, u);
}

/** How much of a run is done, in percent, when its workflow has `steps` steps. */
export function runProgress(run: RunTimes, steps: number): number {
  return run.status === 'successful' ? 100 : steps ? Math.round((100 * run.stepsDone) / steps) : 0;
}

/** A workflow run; `steps` is how many steps its workflow has (progress is the share of them done). */
export function runStatusInfo(run: RunTimes, steps: number, u: Urls, opts: { message?: string } = {}) {
  const progress = runProgress(run, steps);
  return statusDocument({
    jobID: `wf-${run.id}`, processId: run.processId, status: run.status, created: run.created, started: run.started, ended: run.ended, updated: run.lastModified,
    progress, message: opts.message,
    related: [{ href: u.to(`/scale/recipes/${run.id}/`), rel: 'related', type: 'application/json', title: 'the recipe in the Scale API' }],
  }, u);
}
