// A core job as an OGC statusInfo document: the status mapped from the core's states, its times,
// and the links a client follows (itself while it runs; the results once it succeeded).
import { ogcStatus } from '../../seed-mapping/ogc-process.ts';
import { REL, type Urls } from './http.ts';
import type { JobTimes } from './store.ts';

const iso = (d: Date | string | null) => (d === null ? undefined : typeof d === 'string' ? d : d.toISOString());

export function statusInfo(job: JobTimes, processId: string, u: Urls, opts: { dismissed?: boolean; message?: string } = {}) {
  const status = ogcStatus(job.status, opts.dismissed);
  const path = `/jobs/${job.id}`;
  const links: { href: string; rel: string; type: string; title: string }[] = [
    { href: u.to(path), rel: 'self', type: 'application/json', title: 'this document' },
    { href: u.to(path, { f: 'html' }), rel: 'alternate', type: 'text/html', title: 'this document as HTML' },
  ];
  if (status === 'accepted' || status === 'running') links.push({ href: u.to(path), rel: 'status', type: 'application/json', title: 'the job status, to poll' });
  // The results link appears only once there are results: clients fetch it as soon as they see it.
  if (status === 'successful') links.push({ href: u.to(`${path}/results`), rel: `${REL}results`, type: 'application/json', title: 'the job results' });
  links.push({ href: u.to(`/processes/${encodeURIComponent(processId)}`), rel: 'up', type: 'application/json', title: 'the process' });
  const progress = status === 'successful' ? 100 : status === 'accepted' ? 0 : undefined;
  return {
    processID: processId,
    type: 'process',
    jobID: String(job.id),
    status,
    ...(opts.message ? { message: opts.message } : {}),
    created: iso(job.created),
    ...(job.started ? { started: iso(job.started) } : {}),
    ...(job.ended ? { finished: iso(job.ended) } : {}),
    updated: iso(job.lastModified),
    ...(progress !== undefined ? { progress } : {}),
    links,
  };
}
