// A process as the OGC API describes it (summary or full description, v1.0 shape), which the WPS
// descriptions are also written from: a job type's through ogc-process.ts, with a deployed
// package's own description laid over it (an Application Package's, or the one its CWL makes:
// richer titles, schemas and formats than its interface gives).
import type { JobType } from '../src/core/job-types/service.ts';
import type { Process } from '../src/core/runs/processes.ts';
import type { Urls } from '../src/http/urls.ts';
import { cwlProcessDescription, type StoredCwl } from './cwl-process.ts';
import { readAppPackage } from './ogc-app-package.ts';
import { processDescription, processSummary } from './ogc-process.ts';

export const REL = 'http://www.opengis.net/def/rel/ogc/1.0/';

/** The OGC process description a deployed job type was given (an Application Package's), or the one its CWL makes. */
export function deployedDescription(jt: JobType): Record<string, unknown> | undefined {
  if (jt.interfaceKind === 'ogcapppkg') return (jt.interface as { process?: Record<string, unknown> }).process;
  if (jt.interfaceKind === 'cwl') return cwlProcessDescription(jt.interface as unknown as StoredCwl);
  // A SEED image deployed in a package with a processDescription: what the client said of it
  // (titles, descriptions, keywords, job control) over what its manifest says.
  if (jt.deployedPackage && jt.deployedMediaType !== null && !jt.deployedMediaType.startsWith('application/cwl')) return givenOf(jt.deployedPackage);
  return undefined;
}

/**
 * The jobControlOptions its deployer gave a process, if any, without describing it (execute reads
 * this on every request: describing a CWL process walks its whole document).
 */
export function deployedJobControl(jt: JobType): unknown {
  if (jt.interfaceKind === 'cwl') return (jt.interface as unknown as StoredCwl).given?.jobControlOptions;
  return deployedDescription(jt)?.jobControlOptions;
}

const given = new Map<string, Record<string, unknown> | undefined>();
function givenOf(raw: string): Record<string, unknown> | undefined {
  if (!given.has(raw)) {
    let process: Record<string, unknown> | undefined;
    try {
      process = readAppPackage(JSON.parse(raw)).value?.process ?? undefined;
    } catch {
      process = undefined;
    }
    if (given.size > 256) given.clear();
    given.set(raw, process);
  }
  return given.get(raw);
}

export function describe(e: Process, u: Urls, full: boolean): Record<string, unknown> {
  const path = `/processes/${encodeURIComponent(e.id)}`;
  const packageType = e.jobType.deployedPackage !== null ? (e.jobType.deployedMediaType ?? 'application/json') : null;
  const links = [
    { href: u.to(path), rel: full ? 'self' : 'process', type: 'application/json', title: 'the process description' },
    { href: u.to(path, { f: 'html' }), rel: 'alternate', type: 'text/html', title: 'the process description as HTML' },
    { href: u.to(`${path}/execution`), rel: `${REL}execute`, type: 'application/json', title: 'execute the process' },
    ...(packageType ? [{ href: u.to(`${path}/package`), rel: 'http://www.opengis.net/def/rel/ogc/1.0/application-package', type: packageType, title: 'the deployed package' }] : []),
  ];
  const keep = (given: Record<string, unknown>) => Object.fromEntries(Object.entries(given).filter(([k]) => ['title', 'description', 'keywords', 'metadata', 'jobControlOptions', 'outputTransmission', 'version', ...(full ? ['inputs', 'outputs'] : [])].includes(k)));
  const made = full ? processDescription(e.source, e.id, links) : processSummary(e.source, e.id, links);
  // A deployed package's own description says more (titles, schemas) than its job type can.
  const given = deployedDescription(e.jobType);
  return { ...made, ...(given ? keep(given) : {}), mutable: !e.jobType.isSystem };
}
