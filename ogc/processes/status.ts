// Runs as OGC statusInfo documents: the core's run status in the OGC API's words, the run's times and
// the links a client follows (itself while it runs; the results once it succeeded; its job in the
// Scale API).
import type { Run, RunStatus } from '../../src/core/runs/model.ts';
import type { Urls } from '../../src/http/urls.ts';
import { REL } from './http.ts';

export type OgcStatus = 'accepted' | 'running' | 'successful' | 'failed' | 'dismissed';

/** The run status vocabulary in the OGC API's words (statusCode), both ways. */
const TO_OGC: Record<RunStatus, OgcStatus> = { ACCEPTED: 'accepted', RUNNING: 'running', SUCCEEDED: 'successful', FAILED: 'failed', DISMISSED: 'dismissed' };
const FROM_OGC = Object.fromEntries(Object.entries(TO_OGC).map(([k, v]) => [v, k])) as Record<OgcStatus, RunStatus>;
export const OGC_STATUSES = Object.keys(FROM_OGC) as OgcStatus[];

export const ogcStatus = (s: RunStatus): OgcStatus => TO_OGC[s];
/** The OGC words by run status, for code that reads statusInfo documents (the HTML pages). */
export const OGC_WORD: Readonly<Record<RunStatus, OgcStatus>> = TO_OGC;
export const runStatusOf = (s: string): RunStatus | undefined => FROM_OGC[s as OgcStatus];

const iso = (d: Date | string | null) => (d === null ? undefined : typeof d === 'string' ? d : d.toISOString());

interface Link { href: string; rel: string; type: string; title: string }

export function statusInfo(run: Run, u: Urls, opts: { message?: string } = {}) {
  const path = `/jobs/${run.id}`;
  const status = ogcStatus(run.status);
  const self = u.to(path);
  const links: Link[] = [
    { href: self, rel: 'self', type: 'application/json', title: 'this document' },
    { href: `${self}?f=html`, rel: 'alternate', type: 'text/html', title: 'this document as HTML' },
  ];
  if (status === 'accepted' || status === 'running') links.push({ href: self, rel: 'status', type: 'application/json', title: 'the job status, to poll' });
  // The results link appears only once there are results: clients fetch it as soon as they see it.
  if (status === 'successful') links.push({ href: u.to(`${path}/results`), rel: `${REL}results`, type: 'application/json', title: 'the job results' });
  links.push({ href: u.to(`/scale/jobs/${run.jobId}/`), rel: 'related', type: 'application/json', title: 'the job in the Scale API' });
  links.push({ href: u.to(`/processes/${encodeURIComponent(run.processId)}`), rel: 'up', type: 'application/json', title: 'the process' });
  return {
    processID: run.processId,
    type: 'process',
    jobID: run.id,
    status,
    ...(opts.message ? { message: opts.message } : {}),
    created: iso(run.created),
    ...(run.started ? { started: iso(run.started) } : {}),
    ...(run.ended ? { finished: iso(run.ended) } : {}),
    updated: iso(run.updated),
    ...(run.progress !== undefined ? { progress: run.progress } : {}),
    links,
  };
}

/**
 * JSON.stringify(statusInfo(run, u)) written directly, for job list pages (a hundred documents of
 * mostly constant text, where building the objects and serialising them was most of the page's
 * work). A test holds the two equal.
 */
export function statusInfoJson(run: Run, u: Urls): string {
  const status = ogcStatus(run.status);
  // The URLs as JSON string content: the base escaped once per page, the paths need none.
  const base = escapedBase(u.base);
  const self = `${base}/jobs/${run.id}`;
  let out = `{"processID":${JSON.stringify(run.processId)},"type":"process","jobID":${JSON.stringify(run.id)},"status":"${status}","created":${JSON.stringify(iso(run.created))}`;
  if (run.started) out += `,"started":${JSON.stringify(iso(run.started))}`;
  if (run.ended) out += `,"finished":${JSON.stringify(iso(run.ended))}`;
  out += `,"updated":${JSON.stringify(iso(run.updated))}`;
  if (run.progress !== undefined) out += `,"progress":${JSON.stringify(run.progress)}`;
  out += `,"links":[{"href":"${self}","rel":"self","type":"application/json","title":"this document"},{"href":"${self}?f=html","rel":"alternate","type":"text/html","title":"this document as HTML"}`;
  if (status === 'accepted' || status === 'running') out += `,{"href":"${self}","rel":"status","type":"application/json","title":"the job status, to poll"}`;
  if (status === 'successful') out += `,{"href":"${self}/results","rel":"${REL}results","type":"application/json","title":"the job results"}`;
  out += `,{"href":"${base}/scale/jobs/${run.jobId}/","rel":"related","type":"application/json","title":"the job in the Scale API"}`;
  out += `,{"href":"${base}/processes/${encodeURIComponent(run.processId)}","rel":"up","type":"application/json","title":"the process"}]}`;
  return out;
}

let lastBase = '';
let lastEscaped = '';
const escapedBase = (base: string) => (base === lastBase ? lastEscaped : ((lastBase = base), (lastEscaped = JSON.stringify(base).slice(1, -1))));
