// The processes this server offers: every active job type, one process per name (its newest
// version; older versions answer to name:version). What a process id resolves to is kept for a
// moment (CACHE_MS), so describing a process usually costs no query: job type changes made in
// this process clear the cache at once, those of other processes show within CACHE_MS.
import type { Core } from '../../src/core/index.ts';
import type { JobType, Revision } from '../../src/core/job-types/service.ts';
import { type ProcessSource, parseProcessId } from '../../seed-mapping/ogc-process.ts';

export interface ProcessEntry {
  /** The id as the client named it (name, or name:version). */
  id: string;
  jobType: JobType;
  rev: Revision;
  source: ProcessSource;
  /** Rendered descriptions by base URL and representation, kept as long as the entry is. */
  rendered: Map<string, string>;
}

export type Catalog = ReturnType<typeof createCatalog>;

const CACHE_MS = 2000;

export function createCatalog(core: Core) {
  const resolved = new Map<string, { entry: ProcessEntry | null; until: number }>();
  const processIdCache = new Map<number, { id: string; until: number }>();
  core.events.on('jobTypesChanged', () => {
    resolved.clear();
    processIdCache.clear();
  });

  const sourceOf = (jt: JobType, rev: Revision): ProcessSource => ({
    name: jt.name, version: jt.version, title: jt.title, description: jt.description, category: jt.category, manifest: jt.manifest, iface: rev.interface,
  });

  async function entry(id: string, jt: JobType): Promise<ProcessEntry> {
    const rev = await core.jobTypes.currentRevision(jt);
    return { id, jobType: jt, rev, source: sourceOf(jt, rev), rendered: new Map() };
  }

  /** The process a client names, or null when there is none (inactive and long-running job types are not processes). */
  async function resolve(id: string): Promise<ProcessEntry | null> {
    const hit = resolved.get(id);
    if (hit && hit.until > Date.now()) return hit.entry;
    const entry = await lookup(id);
    if (resolved.size > 10_000) resolved.clear();
    resolved.set(id, { entry, until: Date.now() + CACHE_MS });
    return entry;
  }

  async function lookup(id: string): Promise<ProcessEntry | null> {
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
    const now = Date.now();
    const out = new Map<number, string>();
    const missing = [...new Set(jobTypeIds)].filter((id) => {
      const hit = processIdCache.get(id);
      if (hit && hit.until > now) out.set(id, hit.id);
      return !out.has(id);
    });
    if (missing.length) {
      const types = await core.jobTypes.getMany(missing);
      const newest = await core.jobTypes.newestIds([...new Set([...types.values()].map((t) => t.name))]);
      for (const t of types.values()) {
        const id = newest.get(t.name) === t.id || !newest.has(t.name) ? t.name : `${t.name}:${t.version}`;
        out.set(t.id, id);
        processIdCache.set(t.id, { id, until: now + CACHE_MS });
      }
    }
    return out;
  }

  return { resolve, list, processIds };
}
