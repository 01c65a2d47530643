// A process as the OGC API describes it (summary or full description, v1.0 shape): from the job
// type through seed-mapping, with a deployed package's own description laid over it, or a deployed
// workflow's. WPS descriptions are written from the same documents.
import { processDescription, processSummary } from '../../seed-mapping/ogc-process.ts';
import type { AnyEntry } from './catalog.ts';
import { deployedDescription } from './deployed.ts';
import { REL, type Urls } from './http.ts';

export function describe(e: AnyEntry, u: Urls, full: boolean): Record<string, unknown> {
  const path = `/processes/${encodeURIComponent(e.id)}`;
  const packageType = e.kind === 'workflow' ? e.deployedMediaType : e.jobType.deployedPackage !== null ? (e.jobType.deployedMediaType ?? 'application/json') : null;
  const links = [
    { href: u.to(path), rel: full ? 'self' : 'process', type: 'application/json', title: 'the process description' },
    { href: u.to(path, { f: 'html' }), rel: 'alternate', type: 'text/html', title: 'the process description as HTML' },
    { href: u.to(`${path}/execution`), rel: `${REL}execute`, type: 'application/json', title: 'execute the process' },
    ...(packageType ? [{ href: u.to(`${path}/package`), rel: 'http://www.opengis.net/def/rel/ogc/1.0/application-package', type: packageType, title: 'the deployed package' }] : []),
  ];
  const keep = (given: Record<string, unknown>) => Object.fromEntries(Object.entries(given).filter(([k]) => ['title', 'description', 'keywords', 'metadata', ...(full ? ['inputs', 'outputs'] : [])].includes(k)));
  if (e.kind === 'workflow') {
    const p = e.workflow.process;
    return {
      id: e.id, version: p.version, title: p.id, ...keep(p),
      jobControlOptions: ['async-execute', 'dismiss'], outputTransmission: ['reference'], links, mutable: true,
    };
  }
  const made = full ? processDescription(e.source, e.id, links) : processSummary(e.source, e.id, links);
  // A deployed package's own description says more (titles, schemas) than its job type can.
  const given = deployedDescription(e.jobType);
  return { ...made, ...(given ? keep(given) : {}), mutable: !e.jobType.isSystem && !(e.jobType.interface as { workflow?: string }).workflow };
}
