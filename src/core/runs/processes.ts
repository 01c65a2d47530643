// The processes this server offers, whichever door describes them: every active job type (deployed
// CWL tools and workflows among them), one process per name (its newest version; older versions
// answer to name:version). What a process id resolves to is kept for a moment (CACHE_MS), so describing a process
// usually costs no query: job type changes made in this process clear the cache at once, those of
// other processes show within CACHE_MS.
import { type ProcessSource, parseProcessId } from '../../../seed-mapping/ogc-process.ts';
import type { CoreEvents } from '../events.ts';
import type { JobInterface } from '../job-types/model.ts';
import type { JobType, JobTypeService, Revision } from '../job-types/service.ts';
import { recentReads } from '../recent.ts';

/** A process: a job type revision, whose jobs are its runs. */
export interface Process {
  /** The id as the client named it (name, or name:version). */
  id: string;
  jobType: JobType;
  rev: Revision;
  iface: JobInterface;
  source: ProcessSource;
}

export type ProcessCatalog = ReturnType<typeof createProcessCatalog>;

const CACHE_MS = 2000;

export function createProcessCatalog(deps: { jobTypes: JobTypeService; events: CoreEvents }) {
  const { jobTypes } = deps;
  const resolved = recentReads<string, Process | null>(CACHE_MS, 10_000);
  const processIdCache = recentReads<number, string>(CACHE_MS, 10_000);
  deps.events.on('jobTypesChanged', () => {
    resolved.clear();
    processIdCache.clear();
  });

  const sourceOf = (jt: JobType, rev: Revision): ProcessSource => ({
    name: jt.name, version: jt.version, title: jt.title, description: jt.description, category: jt.category, manifest: jt.manifest, iface: rev.interface,
  });

  async function entry(id: string, jt: JobType): Promise<Process> {
    const rev = await jobTypes.currentRevision(jt);
    return { id, jobType: jt, rev, iface: rev.interface, source: sourceOf(jt, rev) };
  }

  /** The process a client names, or null when there is none (inactive and long-running job types are not processes). */
  function resolve(id: string): Promise<Process | null> {
    return resolved.one(id, lookup);
  }

  async function lookup(id: string): Promise<Process | null> {
    const { name, version } = parseProcessId(id);
    if (!name) return null;
    const jt = version === null ? await jobTypes.newestVersion(name) : await jobTypes.byNameVersion(name, version);
    if (!jt || !jt.isActive || jt.isLongRunning) return null;
    return entry(id, jt);
  }

  /** A page of processes, in name order. */
  async function list(limit: number, offset: number): Promise<{ count: number; entries: Process[] }> {
    const page = await jobTypes.newestVersions({ limit, offset });
    return { count: page.count, entries: await Promise.all(page.rows.map((jt) => entry(jt.name, jt))) };
  }

  /** Process ids of jobs' job types: the name, or name:version when not the newest. */
  function processIds(jobTypeIds: number[]): Promise<Map<number, string>> {
    return processIdCache.many(jobTypeIds, async (missing) => {
      const out = new Map<number, string>();
      const types = await jobTypes.getMany(missing);
      const newest = await jobTypes.newestIds([...new Set([...types.values()].map((t) => t.name))]);
      for (const t of types.values()) out.set(t.id, newest.get(t.name) === t.id || !newest.has(t.name) ? t.name : `${t.name}:${t.version}`);
      return out;
    });
  }

  return { resolve, list, processIds };
}
