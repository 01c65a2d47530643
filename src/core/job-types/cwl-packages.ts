// Processes deployed as CWL (OGC API - Processes - Part 2, /req/cwl). A CommandLineTool becomes a
// job type (interface kind 'cwl'); a Workflow becomes a recipe type whose nodes are its steps'
// tools, each deployed as a job type `<workflow>.<step>` that is not listed as a process of its
// own. What the client sent is kept as sent, for GET /processes/{id}/package.
import { type CwlProcess, type ParsedCwl, normaliseProcess, parseCwl, pickProcess, type RunLoader, shortId, workflowSteps } from '../../../seed-mapping/cwl-document.ts';
import { cwlTool, type Inherited } from '../../../seed-mapping/cwl-tool.ts';
import { cwlWorkflow, type WorkflowOutput } from '../../../seed-mapping/cwl-workflow.ts';
import type { ProcessDoc } from '../../../seed-mapping/ogc-app-package.ts';
import { toRecipeDefinitionV6 } from '../../../seed-mapping/scale-recipe-definition.ts';
import type { Db } from '../../store/db.ts';
import { Conflict, Invalid, NotFound } from '../../errors.ts';
import type { CoreEvents } from '../events.ts';
import type { RecipeType, RecipeTypeService } from '../recipe-types/service.ts';
import { cancelUnstartedJobs, type PackageDeployer } from './packages.ts';
import type { JobInterface } from './model.ts';
import { type JobType, type JobTypeService } from './service.ts';

/** What a CWL job type stores: the normalised tool and what it inherits from its workflow. */
interface StoredTool {
  tool: CwlProcess;
  processId: string;
  inherited: Inherited;
  namespaces: Record<string, string>;
  /** Set for a workflow's step: the workflow's process id. */
  workflow?: string;
}

/** Reads the stored interface of a job type deployed as a CWL tool (interface kind cwl). */
export function readCwlInterface(json: StoredTool): JobInterface {
  const r = cwlTool(json.tool, json.processId, json.inherited, json.namespaces);
  if (!r.value) throw new Error(`a stored CWL tool no longer reads: ${JSON.stringify(r.problems)}`);
  return r.value.iface;
}

/** The process a deployed workflow offers, stored on its recipe type. */
export interface WorkflowProcess {
  process: ProcessDoc;
  outputs: WorkflowOutput[];
  steps: string[];
}

export interface CwlDeployment {
  /** The CWL document: text (YAML or JSON) or an already parsed JSON value. */
  cwl: string | unknown;
  /** `w`: which process of a $graph to deploy. */
  w: string | null;
  /** The process id the package gives (its processDescription), or a name to fall back on (the href's file name). */
  id: string | null;
  fallbackId: string | null;
  /** Loads relative `run` references (packages by href). */
  load: RunLoader | null;
  /** The body as the client sent it, and its media type. */
  raw: string;
  mediaType: string;
}

export type Deployed = { kind: 'tool'; jobType: JobType } | { kind: 'workflow'; recipeType: RecipeType; process: WorkflowProcess };

const PROCESS_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$/;

/** A `w` naming no process of the document (Part 2: 400 workflow-not-found). */
export class WorkflowNotFound extends Invalid {}

export type CwlDeployer = ReturnType<typeof createCwlDeployer>;

export function createCwlDeployer(deps: { db: Db; packages: PackageDeployer; jobTypes: JobTypeService; recipeTypes: RecipeTypeService; events: CoreEvents }) {
  const { db, packages, recipeTypes } = deps;

  async function activeWorkflow(name: string): Promise<RecipeType & { process: WorkflowProcess; deployedPackage: string; deployedMediaType: string } | null> {
    const res = await db.query('SELECT * FROM recipe_type WHERE name = $1 AND is_active AND process IS NOT NULL ORDER BY created DESC, id DESC LIMIT 1', [name]);
    const r = res.rows[0];
    if (!r) return null;
    const rt = await recipeTypes.get(r.id);
    return { ...rt, process: r.process, deployedPackage: r.deployed_package, deployedMediaType: r.deployed_media_type };
  }

  function read(d: CwlDeployment): { parsed: ParsedCwl; picked: { id: string; process: Record<string, any> } } {
    const parsed = parseCwl(d.cwl);
    if (!parsed.value) throw Invalid.many(parsed.problems.map((p) => ({ field: p.field ? `cwl.${p.field}` : 'cwl', message: p.message })));
    const picked = pickProcess(parsed.value, d.w);
    if (!picked.value) {
      if (picked.notFound) throw new WorkflowNotFound(picked.problem!.field, picked.problem!.message);
      throw Invalid.many([picked.problem!]);
    }
    return { parsed: parsed.value, picked: picked.value };
  }

  function processIdOf(d: CwlDeployment, picked: { id: string; process: Record<string, any> }): string {
    const own = typeof picked.process.id === 'string' ? shortId(picked.process.id.replace(/\/.*$/, '')) : null;
    const id = d.id ?? (own && own !== 'main' ? own : null) ?? d.w ?? d.fallbackId;
    if (!id) throw new Invalid('cwl.id', 'the CWL document has no id: give the process one (id: my-process), or deploy it in an application package with a processDescription');
    if (!PROCESS_ID.test(id)) throw new Invalid('cwl.id', `${JSON.stringify(id)} is not a usable process id: letters, digits, "_", "-" and "." (at most 50 characters, starting with a letter or digit)`);
    return id;
  }

  const namespacesOf = (parsed: ParsedCwl): Record<string, string> => (typeof parsed.doc.$namespaces === 'object' && parsed.doc.$namespaces ? parsed.doc.$namespaces : {});

  async function writeTool(tool: CwlProcess, id: string, d: CwlDeployment, ns: Record<string, string>, existing: JobType | null): Promise<JobType> {
    const t = cwlTool(tool, id, { requirements: [], hints: [] }, ns);
    if (!t.value) throw Invalid.many(t.problems.map((p) => ({ field: `cwl.${p.field ?? ''}`.replace(/\.$/, ''), message: p.message })));
    const stored: StoredTool = { tool, processId: id, inherited: { requirements: [], hints: [] }, namespaces: ns };
    return packages.writeJobType({ process: t.value.process, image: t.value.image, resources: t.value.resources, kind: 'cwl', stored, raw: d.raw, mediaType: d.mediaType }, existing);
  }

  async function writeWorkflow(wfJson: Record<string, any>, parsed: ParsedCwl, id: string, d: CwlDeployment, existing: RecipeType | null): Promise<Deployed> {
    const wf = normaliseProcess(wfJson);
    const ns = namespacesOf(parsed);
    const steps = await workflowSteps(wfJson, parsed, d.load);
    if (!steps.value) throw Invalid.many(steps.problems.map((p) => ({ field: `cwl.${p.field}`, message: p.message })));
    const t = cwlWorkflow(wf, steps.value, id, ns);
    if (!t.value) throw Invalid.many(t.problems.map((p) => ({ field: `cwl.${p.field ?? ''}`.replace(/\.$/, ''), message: p.message })));
    const { value } = t;
    // A step name that a process already uses (not this workflow's own step) would be overwritten.
    for (const s of value.steps) {
      const other = await packages.activeByName(s.jobTypeName);
      if (other && (other.interface as Partial<StoredTool>).workflow !== id) throw new Conflict(`step ${s.name} would be deployed as ${s.jobTypeName}, which is already a process`);
    }
    const written: JobType[] = [];
    try {
      for (const s of value.steps) {
        const stored: StoredTool = { tool: s.cwl, processId: s.jobTypeName, inherited: { requirements: wf.requirements, hints: wf.hints }, namespaces: ns, workflow: id };
        // An undeployed workflow's steps come back as new revisions of their old job types.
        const old = (await packages.activeByName(s.jobTypeName)) ?? (await deps.jobTypes.byNameVersion(s.jobTypeName, value.version));
        written.push(await packages.writeJobType({ process: { ...s.tool.process, version: value.version }, image: s.tool.image, resources: s.tool.resources, kind: 'cwl', stored, raw: null, mediaType: null, visibility: 'private' }, old));
      }
      // Nodes pin the step revisions just written, so a recipe runs the tools it was deployed with.
      const revisions = new Map(written.map((j) => [j.name, j.revisionNum]));
      const definition = toRecipeDefinitionV6(value.definition, { jobTypeRevision: (n) => revisions.get(n) ?? null, recipeTypeRevision: () => null });
      const process: WorkflowProcess = { process: value.process, outputs: value.outputs, steps: value.steps.map((s) => s.name) };
      const title = value.process.title ?? id;
      const description = typeof value.process.description === 'string' ? value.process.description : null;
      let rt: RecipeType;
      if (existing) {
        rt = (await recipeTypes.edit(existing.id, { title, description, definition, is_active: true })).recipeType;
      } else {
        rt = (await recipeTypes.create({ name: id, version: value.version, title, description, definition })).recipeType;
      }
      await db.query('UPDATE recipe_type SET deployed_package = $2, deployed_media_type = $3, process = $4 WHERE id = $1', [rt.id, d.raw, d.mediaType, JSON.stringify(process)]);
      // Steps the workflow no longer has are retired.
      const keep = value.steps.map((s) => s.jobTypeName);
      await db.query(`UPDATE job_type SET is_active = false, archived = now() WHERE is_active AND interface_kind = 'cwl' AND interface->>'workflow' = $1 AND NOT (name = ANY($2::text[]))`, [id, keep]);
      deps.events.emit('jobTypesChanged');
      return { kind: 'workflow', recipeType: rt, process };
    } catch (err) {
      // Nothing half-deployed: step job types made for a new workflow go away again.
      if (!existing) await db.query('UPDATE job_type SET is_active = false, archived = now() WHERE id = ANY($1::int[]) AND revision_num = 1', [written.map((j) => j.id)]);
      deps.events.emit('jobTypesChanged');
      throw err;
    }
  }

  async function deploy(d: CwlDeployment): Promise<Deployed> {
    const { parsed, picked } = read(d);
    const id = processIdOf(d, picked);
    if ((await packages.activeByName(id)) || (await activeWorkflow(id))) {
      throw Object.assign(new Conflict(`process ${JSON.stringify(id)} is already deployed; replace it with PUT /processes/${id}`), { processId: id });
    }
    const ns = namespacesOf(parsed);
    if (picked.process.class === 'Workflow') {
      const old = await recipeTypes.byName(id);
      return writeWorkflow(picked.process, parsed, id, d, old && old.name === id && !old.isSystem ? old : null);
    }
    const tool = normaliseProcess(picked.process);
    const version = String(tool['s:softwareVersion'] ?? tool.version ?? '1.0.0');
    // A tool undeployed before comes back as a new revision of its old job type.
    const old = await deps.jobTypes.byNameVersion(id, version);
    return { kind: 'tool', jobType: await writeTool(tool, id, d, ns, old && !old.isSystem ? old : null) };
  }

  async function replace(name: string, d: CwlDeployment): Promise<Deployed> {
    const { parsed, picked } = read(d);
    const id = processIdOf({ ...d, fallbackId: name }, picked);
    if (id !== name) throw new Invalid('cwl.id', `is ${JSON.stringify(id)}; a replacement keeps the process id ${JSON.stringify(name)}`);
    const wf = await activeWorkflow(name);
    const tool = wf ? null : await packages.mutable(name);
    if (picked.process.class === 'Workflow') {
      if (tool) throw new Invalid('cwl.class', `process ${name} is a tool; undeploy it before deploying a workflow with its id`);
      return writeWorkflow(picked.process, parsed, name, d, wf);
    }
    if (wf) throw new Invalid('cwl.class', `process ${name} is a workflow; undeploy it before deploying a tool with its id`);
    return { kind: 'tool', jobType: await writeTool(normaliseProcess(picked.process), name, d, namespacesOf(parsed), tool) };
  }

  /** Undeploys a workflow: its recipe type and step job types go inactive, their jobs not yet running are canceled. */
  async function undeployWorkflow(name: string): Promise<{ canceled: number[] }> {
    const wf = await activeWorkflow(name);
    if (!wf) throw new NotFound('process', name);
    const canceled = await db.transaction(async (tx) => {
      await tx.query('UPDATE recipe_type SET is_active = false, archived = now(), last_modified = now() WHERE id = $1', [wf.id]);
      const steps = await tx.query<{ id: number }>(`UPDATE job_type SET is_active = false, archived = now(), last_modified = now() WHERE interface_kind = 'cwl' AND interface->>'workflow' = $1 RETURNING id`, [name]);
      return cancelUnstartedJobs(tx, steps.rows.map((r) => r.id));
    });
    deps.events.emit('jobTypesChanged');
    if (canceled.length) deps.events.emit('canceled', canceled);
    return { canceled };
  }

  /** Names of the workflows deployed now, in name order. */
  async function activeWorkflowNames(): Promise<string[]> {
    const res = await db.query<{ name: string }>('SELECT DISTINCT name FROM recipe_type WHERE is_active AND process IS NOT NULL ORDER BY name');
    return res.rows.map((r) => r.name);
  }

  /** Recipe types that are or were deployed workflows (their runs are runs of a process). */
  async function workflowTypeIds(): Promise<number[]> {
    const res = await db.query<{ id: number }>('SELECT id FROM recipe_type WHERE process IS NOT NULL ORDER BY id');
    return res.rows.map((r) => r.id);
  }

  /** The process a recipe type offered as a deployed workflow (undeployed since or not), or null. */
  async function workflowOf(recipeTypeId: number): Promise<WorkflowProcess | null> {
    const res = await db.query<{ process: WorkflowProcess | null }>('SELECT process FROM recipe_type WHERE id = $1', [recipeTypeId]);
    return res.rows[0]?.process ?? null;
  }

  return { deploy, replace, undeployWorkflow, activeWorkflow, activeWorkflowNames, workflowTypeIds, workflowOf };
}
