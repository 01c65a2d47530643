// The processes this server offers, whichever door describes them: every active job type, one
// process per name (its newest version; older versions answer to name:version), then the deployed
// workflows. What a process id resolves to is kept for a moment (CACHE_MS), so describing a process
// usually costs no query: job type changes made in this process clear the cache at once, those of
// other processes show within CACHE_MS.
import { type ProcessSource, parseProcessId } from '../../../seed-mapping/ogc-process.ts';
import type { CoreEvents } from '../events.ts';
import type { CwlDeployer, WorkflowProcess } from '../job-types/cwl-packages.ts';
import type { JobInterface } from '../job-types/model.ts';
import type { JobType, JobTypeService, Revision } from '../job-types/service.ts';
import type { RecipeType, RecipeTypeService } from '../recipe-types/service.ts';

/** A process that runs as one job of a job type revision. */
export interface JobProcess {
  kind: 'job';
  /** The id as the client named it (name, or name:version). */
  id: string;
  jobType: JobType;
  rev: Revision;
  iface: JobInterface;
  source: ProcessSource;
}

/** A deployed workflow: a recipe type of the core, run as a recipe. */
export interface WorkflowProcessEntry {
  kind: 'workflow';
  id: string;
  recipeType: RecipeType;
  /** The recipe type revision new runs use. */
  revId: number;
  workflow: WorkflowProcess;
  deployedMediaType: string;
  /** The workflow as a job interface: the recipe's inputs, its outputs as files. */
  iface: JobInterface;
}

export type Process = JobProcess | WorkflowProcessEntry;

export type ProcessCatalog = ReturnType<typeof createProcessCatalog>;

const CACHE_MS = 2000;

export function createProcessCatalog(deps: { jobTypes: JobTypeService; recipeTypes: RecipeTypeService; cwl: CwlDeployer; events: CoreEvents }) {
  const { jobTypes, recipeTypes, cwl } = deps;
  const resolved = new Map<string, { entry: Process | null; until: number }>();
  const processIdCache = new Map<number, { id: string; until: number }>();
  let workflowTypes: { ids: number[]; until: number } | null = null;
  deps.events.on('jobTypesChanged', () => {
    resolved.clear();
    processIdCache.clear();
    workflowTypes = null;
  });

  const sourceOf = (jt: JobType, rev: Revision): ProcessSource => ({
    name: jt.name, version: jt.version, title: jt.title, description: jt.description, category: jt.category, manifest: jt.manifest, iface: rev.interface,
  });

  async function jobEntry(id: string, jt: JobType): Promise<JobProcess> {
    const rev = await jobTypes.currentRevision(jt);
    return { kind: 'job', id, jobType: jt, rev, iface: rev.interface, source: sourceOf(jt, rev) };
  }

  async function workflowEntry(id: string): Promise<WorkflowProcessEntry | null> {
    const wf = await cwl.activeWorkflow(id);
    if (!wf) return null;
    const rev = await recipeTypes.currentRevision(wf);
    const iface: JobInterface = {
      format: 'seed', command: '', commandArguments: '', sharedResources: [], inputs: rev.definition.inputs,
      outputs: wf.process.outputs.map((o) => ({ name: o.name, kind: 'file', required: true, mediaType: null })),
    };
    return { kind: 'workflow', id, recipeType: wf, revId: rev.id, workflow: wf.process, deployedMediaType: wf.deployedMediaType, iface };
  }

  /** The process a client names, or null when there is none (inactive and long-running job types are not processes). */
  async function resolve(id: string): Promise<Process | null> {
    const hit = resolved.get(id);
    if (hit && hit.until > Date.now()) return hit.entry;
    const entry = await lookup(id);
    if (resolved.size > 10_000) resolved.clear();
    resolved.set(id, { entry, until: Date.now() + CACHE_MS });
    return entry;
  }

  async function lookup(id: string): Promise<Process | null> {
    const { name, version } = parseProcessId(id);
    if (!name) return null;
    const jt = version === null ? await jobTypes.newestVersion(name) : await jobTypes.byNameVersion(name, version);
    if (!jt || !jt.isActive || jt.isLongRunning) return version === null ? workflowEntry(name) : null;
    return jobEntry(id, jt);
  }

  /** A page of processes: job types in name order, then deployed workflows in name order. */
  async function list(limit: number, offset: number): Promise<{ count: number; entries: Process[] }> {
    const page = await jobTypes.newestVersions({ limit, offset });
    const jobs: Process[] = await Promise.all(page.rows.map((jt) => jobEntry(jt.name, jt)));
    const workflows = await cwl.activeWorkflowNames();
    const from = Math.max(0, offset - page.count);
    const room = limit - jobs.length;
    const names = room > 0 ? workflows.slice(from, from + room) : [];
    const wf = (await Promise.all(names.map(workflowEntry))).filter((e): e is WorkflowProcessEntry => e !== null);
    return { count: page.count + workflows.length, entries: [...jobs, ...wf] };
  }

  /** Process ids of jobs' job types: the name, or name:version when not the newest. */
  async function processIds(jobTypeIds: number[]): Promise<Map<number, string>> {
    const now = Date.now();
    const out = new Map<number, string>();
    const missing = [...new Set(jobTypeIds)].filter((id) => {
      const hit = processIdCache.get(id);
      if (hit && hit.until > now) out.set(id, hit.id);
      return !out.has(id);
    });
    if (missing.length) {
      const types = await jobTypes.getMany(missing);
      const newest = await jobTypes.newestIds([...new Set([...types.values()].map((t) => t.name))]);
      for (const t of types.values()) {
        const id = newest.get(t.name) === t.id || !newest.has(t.name) ? t.name : `${t.name}:${t.version}`;
        out.set(t.id, id);
        processIdCache.set(t.id, { id, until: now + CACHE_MS });
      }
    }
    return out;
  }

  /**
   * Recipe types that are or were deployed workflows (their runs are runs of a process). Kept like the
   * rest: most servers have none, and knowing so spares every run list page the query for workflow runs.
   */
  async function workflowTypeIds(): Promise<number[]> {
    if (workflowTypes && workflowTypes.until > Date.now()) return workflowTypes.ids;
    workflowTypes = { ids: await cwl.workflowTypeIds(), until: Date.now() + CACHE_MS };
    return workflowTypes.ids;
  }

  return { resolve, list, processIds, workflowTypeIds };
}
