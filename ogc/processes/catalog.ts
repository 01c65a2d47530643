// The processes this server offers: every active job type, one process per name (its newest
// version; older versions answer to name:version). Descriptions are built by seed-mapping and
// kept per job type revision, so describing a process costs one query.
import type { Core } from '../../src/core/index.ts';
import type { JobType, Revision } from '../../src/core/job-types/service.ts';
import { type ProcessSource, parseProcessId } from '../../seed-mapping/ogc-process.ts';

export interface ProcessEntry {
  /** The id as the client named it (name, or name:version). */
  id: string;
  jobType: JobType;
  rev: Revision;
  source: ProcessSource;
}

export type Catalog = ReturnType<typeof createCatalog>;

export function createCatalog(core: Core) {
  const sourceOf = (jt: JobType, rev: Revision): ProcessSource => ({
    name: jt.name, version: jt.version, title: jt.title, description: jt.description, category: jt.category, manifest: jt.manifest, iface: rev.interface,
  });

  async function entry(id: string, jt: JobType): Promise<ProcessEntry> {
    const rev = await core.jobTypes.currentRevision(jt);
    return { id, jobType: jt, rev, source: sourceOf(jt, rev) };
  }

  /** The process a client names, or null when there is none (inactive and long-running job types are not processes). */
  async function resolve(id: string): Promise<ProcessEntry | null> {
    const { name, version } = parseProcessId(id);
    if (!name) return null;
    const jt = version === null ? await core.jobTypes.newestVersion(name) : await core.jobTypes.byNameVersion(name, version);
    if (!jt || !jt.isActive || jt.isLongRunning) return null;
    return entry(id, jt);
  }

  /** A page of processes, in name order. */
  async function list(limit: number, offset: number): Promise<{ count: number; entries: ProcessEntry[] }> {
    const page = await core.jobTypes.newestVersions({ limit, offset });
    return { count: page.count, entries: await Promise.all(page.rows.map((jt) => entry(jt.name, jt))) };
  }

  /** Process ids of jobs' job types (for status documents): the name, or name:version when not the newest. */
  async function processIds(jobTypeIds: number[]): Promise<Map<number, string>> {
    const types = await core.jobTypes.getMany([...new Set(jobTypeIds)]);
    const newest = await core.jobTypes.newestIds([...new Set([...types.values()].map((t) => t.name))]);
    return new Map([...types.values()].map((t) => [t.id, newest.get(t.name) === t.id || !newest.has(t.name) ? t.name : `${t.name}:${t.version}`]));
  }

  return { resolve, list, processIds };
}
