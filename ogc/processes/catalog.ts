// The processes this server offers: every active job type, one process per name (its newest
// version; older versions answer to name:version). What a process id resolves to is kept for a
// moment (CACHE_MS), so describing a process usually costs no query: job type changes made in
// this process clear the cache at once, those of other processes show within CACHE_MS.
import type { Core } from '../../src/core/index.ts';
import type { JobType, Revision } from '../../src/core/job-types/service.ts';
import { type ProcessSource, parseProcessId } from '../../seed-mapping/ogc-process.ts';
import type { WorkflowProcess } from '../../src/core/job-types/cwl-packages.ts';
import type { RecipeType } from '../../src/core/recipe-types/service.ts';

export interface ProcessEntry {
  kind: 'job';
  /** The id as the client named it (name, or name:version). */
  id: string;
  jobType: JobType;
  rev: Revision;
  source: ProcessSource;
  /** Rendered descriptions by base URL and representation, kept as long as the entry is. */
  rendered: Map<string, string>;
}

/** A deployed CWL workflow: a recipe type of the core. */
export interface WorkflowEntry {
  kind: 'workflow';
  id: string;
  recipeType: RecipeType;
  workflow: WorkflowProcess;
  deployedMediaType: string;
  rendered: Map<string, string>;
}

export type AnyEntry = ProcessEntry | WorkflowEntry;

export type Catalog = ReturnType<typeof createCatalog>;

const CACHE_MS = 2000;

export function createCatalog(core: Core) {
  const resolved = new Map<string, { entry: AnyEntry | null; until: number }>();
  const processIdCache = new Map<number, { id: string; until: number }>();
  let workflowTypes: { ids: number[]; until: number } | null = null;
  core.events.on('jobTypesChanged', () => {
    resolved.clear();
    processIdCache.clear();
    workflowTypes = null;
  });

  const sourceOf = (jt: JobType, rev: Revision): ProcessSource => ({
    name: jt.name, version: jt.version, title: jt.title, description: jt.description, category: jt.category, manifest: jt.manifest, iface: rev.interface,
  });

  async function entry(id: string, jt: JobType): Promise<ProcessEntry> {
    const rev = await core.jobTypes.currentRevision(jt);
    return { kind: 'job', id, jobType: jt, rev, source: sourceOf(jt, rev), rendered: new Map() };
  }

  async function workflowEntry(id: string): Promise<WorkflowEntry | null> {
    const wf = await core.cwl.activeWorkflow(id);
    return wf ? { kind: 'workflow', id, recipeType: wf, workflow: wf.process, deployedMediaType: wf.deployedMediaType, rendered: new Map() } : null;
  }

  /** A process that runs as a job (not a workflow), or null. */
  async function resolveJob(id: string): Promise<ProcessEntry | null> {
    const e = await resolve(id);
    return e?.kind === 'job' ? e : null;
  }

  /** The process a client names, or null when there is none (inactive and long-running job types are not processes). */
  async function resolve(id: string): Promise<AnyEntry | null> {
    const hit = resolved.get(id);
    if (hit && hit.until > Date.now()) return hit.entry;
    const entry = await lookup(id);
    if (resolved.size > 10_000) resolved.clear();
    resolved.set(id, { entry, until: Date.now() + CACHE_MS });
    return entry;
  }

  async function lookup(id: string): Promise<AnyEntry | null> {
    const { name, version } = parseProcessId(id);
    if (!name) return null;
    const jt = version === null ? await core.jobTypes.newestVersion(name) : await core.jobTypes.byNameVersion(name, version);
    if (!jt || !jt.isActive || jt.isLongRunning) return version === null ? workflowEntry(name) : null;
    return entry(id, jt);
  }

  /** A page of processes: job types in name order, then deployed workflows in name order. */
  async function list(limit: number, offset: number): Promise<{ count: number; entries: AnyEntry[] }> {
    const page = await core.jobTypes.newestVersions({ limit, offset });
    const jobs: AnyEntry[] = await Promise.all(page.rows.map((jt) => entry(jt.name, jt)));
    const workflows = await core.db.query<{ name: string }>('SELECT DISTINCT name FROM recipe_type WHERE is_active AND process IS NOT NULL ORDER BY name');
    const from = Math.max(0, offset - page.count);
    const room = limit - jobs.length;
    const names = room > 0 ? workflows.rows.slice(from, from + room).map((r) => r.name) : [];
    const wf = (await Promise.all(names.map(workflowEntry))).filter((e): e is WorkflowEntry => e !== null);
    return { count: page.count + workflows.rows.length, entries: [...jobs, ...wf] };
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

  /**
   * Recipe types that are or were deployed workflows (their runs are OGC jobs). Kept like the rest: most
   * servers have none, and knowing so spares every job list page the query for workflow runs.
   */
  async function workflowTypeIds(): Promise<number[]> {
    if (workflowTypes && workflowTypes.until > Date.now()) return workflowTypes.ids;
    const res = await core.db.query<{ id: number }>('SELECT id FROM recipe_type WHERE process IS NOT NULL ORDER BY id');
    workflowTypes = { ids: res.rows.map((r) => r.id), until: Date.now() + CACHE_MS };
    return workflowTypes.ids;
  }

  return { resolve, resolveJob, list, processIds, workflowTypeIds };
}
