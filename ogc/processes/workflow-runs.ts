// Executing a deployed CWL workflow: the execute request becomes a recipe of the core (the same
// recipe the Scale API shows under /scale/recipes/), always run asynchronously. Its OGC job id is
// `wf-<recipe id>`; its status comes from the recipe's jobs, and its results are the node outputs
// the workflow's outputs name.
import type { Request, Response } from 'express';
import { idempotencyKeyOf, REPLAYED_HEADER } from '../../src/auth/idempotency-key.ts';
import type { Core } from '../../src/core/index.ts';
import type { JobInterface } from '../../src/core/job-types/model.ts';
import type { Recipe } from '../../src/core/recipes/model.ts';
import { NotFound } from '../../src/core/domain-errors.ts';
import { readExecuteRequest } from '../../seed-mapping/ogc-execute.ts';
import type { WorkflowEntry } from './catalog.ts';
import type { ExecuteOptions } from './execute.ts';
import { invalidParameter, noSuchJob, OgcError, REL, resultNotReady, type Urls } from './http.ts';
import { withInputs } from './inputs.ts';

export const WORKFLOW_RUN = /^wf-(\d{1,15})$/;
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : undefined);

export type WorkflowRuns = ReturnType<typeof createWorkflowRuns>;

export function createWorkflowRuns(deps: { core: Core; options: ExecuteOptions }) {
  const { core, options } = deps;

  /** The workflow as a job interface: the recipe's inputs, its outputs as files. */
  async function ifaceOf(entry: WorkflowEntry): Promise<JobInterface> {
    const rev = await core.recipeTypes.currentRevision(entry.recipeType);
    return {
      format: 'seed', command: '', commandArguments: '', sharedResources: [], inputs: rev.definition.inputs,
      outputs: entry.workflow.outputs.map((o) => ({ name: o.name, kind: 'file', required: true, mediaType: null })),
    };
  }

  /** Where a workflow run stands, from its recipe and the jobs of its nodes. */
  async function state(recipe: Recipe) {
    const nodes = await core.recipes.nodes(recipe);
    const jobs = nodes.flatMap((n) => n.jobs.filter((j) => j.isOriginal));
    const loaded = await Promise.all(jobs.map((j) => core.jobs.get(j.jobId)));
    const started = loaded.map((j) => j.started).filter((d): d is Date => !!d).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
    const ended = loaded.map((j) => j.ended).filter((d): d is Date => !!d).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
    let status: 'accepted' | 'running' | 'successful' | 'failed' | 'dismissed';
    if (recipe.isCompleted) status = 'successful';
    else if (recipe.isCanceled) status = 'dismissed';
    else if (loaded.some((j) => j.status === 'FAILED')) status = 'failed';
    else if (loaded.some((j) => j.status === 'CANCELED')) status = 'dismissed';
    else if (started) status = 'running';
    else status = 'accepted';
    const done = nodes.filter((n) => n.state === 'COMPLETED').length;
    return { status, started, ended: ['successful', 'failed', 'dismissed'].includes(status) ? (recipe.completed ?? ended) : null, progress: nodes.length ? Math.round((100 * done) / nodes.length) : 0, nodes, loaded };
  }

  async function statusDoc(recipe: Recipe, u: Urls) {
    const rt = await core.recipeTypes.get(recipe.recipeTypeId);
    const s = await state(recipe);
    const path = `/jobs/wf-${recipe.id}`;
    return {
      processID: rt.name, type: 'process', jobID: `wf-${recipe.id}`, status: s.status,
      created: iso(recipe.created), ...(s.started ? { started: iso(s.started) } : {}), ...(s.ended ? { finished: iso(s.ended) } : {}),
      updated: iso(recipe.lastModified), progress: s.progress,
      links: [
        { href: u.to(path), rel: 'self', type: 'application/json', title: 'this document' },
        ...(s.status === 'successful' ? [{ href: u.to(`${path}/results`), rel: `${REL}results`, type: 'application/json', title: 'the job results' }] : []),
        { href: u.to(`/scale/recipes/${recipe.id}/`), rel: 'related', type: 'application/json', title: 'the recipe in the Scale API' },
        { href: u.to(`/processes/${encodeURIComponent(rt.name)}`), rel: 'up', type: 'application/json', title: 'the process' },
      ],
    };
  }

  async function recipeOf(rawId: string): Promise<Recipe> {
    const m = WORKFLOW_RUN.exec(rawId);
    if (!m) throw noSuchJob(rawId);
    try {
      const recipe = await core.recipes.get(Number(m[1]));
      // Only recipes of deployed workflows (recipe types with a process) are OGC jobs, undeployed or not.
      if (!(await core.db.query('SELECT 1 FROM recipe_type WHERE id = $1 AND process IS NOT NULL', [recipe.recipeTypeId])).rows.length) throw noSuchJob(rawId);
      return recipe;
    } catch (err) {
      if (err instanceof NotFound) throw noSuchJob(rawId);
      throw err;
    }
  }

  return {
    async execute(req: Request, res: Response, u: Urls, entry: WorkflowEntry): Promise<void> {
      const iface = await ifaceOf(entry);
      const parsed = readExecuteRequest(req.body, iface);
      if (!parsed.value) {
        const p = parsed.problems;
        throw invalidParameter(p.map((x) => (x.field ? `${x.field}: ${x.message}` : x.message)).join('; '), { ...(p[0]?.field ? { field: p[0].field } : {}), ...(p.length > 1 ? { errors: p } : {}) });
      }
      const limits = { workspaceId: await options.workspaceId(), fetchSeconds: options.fetchSeconds, maxBytes: options.maxBytes, base: u.base, allow: options.fetchAllow };
      // Sent again under its Idempotency-Key, a run gets the recipe the first one made (nothing is fetched again).
      const idempotency = idempotencyKeyOf(req, res);
      const prior = idempotency ? await core.idempotency.find(idempotency, 'recipe') : null;
      const { recipe, replayed } = prior !== null
        ? { recipe: await core.recipes.get(prior), replayed: true }
        : await withInputs(core, parsed.value, iface, limits, (data) => core.recipes.create({ recipeTypeId: entry.recipeType.id, input: { files: data.files, json: data.json }, idempotency }));
      if (replayed) res.setHeader(REPLAYED_HEADER, 'true');
      res.status(201).setHeader('Location', u.to(`/jobs/wf-${recipe.id}`));
      res.json(await statusDoc(recipe, u));
    },

    async status(_req: Request, res: Response, u: Urls, rawId: string): Promise<void> {
      res.json(await statusDoc(await recipeOf(rawId), u));
    },

    async dismiss(_req: Request, res: Response, u: Urls, rawId: string): Promise<void> {
      const recipe = await recipeOf(rawId);
      const after = recipe.isCompleted || recipe.isCanceled ? recipe : await core.recipes.cancel(recipe.id);
      res.json({ ...(await statusDoc(after, u)), status: 'dismissed' });
    },

    async results(_req: Request, res: Response, u: Urls, rawId: string): Promise<void> {
      const recipe = await recipeOf(rawId);
      const s = await state(recipe);
      if (s.status === 'failed') throw new OgcError(500, 'workflow-failed', 'Workflow failed', `a job of workflow run ${rawId} failed`, { jobID: rawId });
      if (s.status === 'dismissed') throw new OgcError(410, 'dismissed', 'Job canceled', `workflow run ${rawId} was canceled and has no results`);
      if (s.status !== 'successful') throw resultNotReady(rawId, s.status);
      const rt = await core.recipeTypes.get(recipe.recipeTypeId);
      const wf = (await core.db.query('SELECT process FROM recipe_type WHERE id = $1', [rt.id])).rows[0]?.process as WorkflowEntry['workflow'];
      const doc: Record<string, unknown> = {};
      for (const o of wf.outputs) {
        const node = s.nodes.find((n) => n.name === o.node);
        const jobId = node?.jobs.find((j) => j.isOriginal)?.jobId;
        const job = s.loaded.find((j) => j.id === jobId);
        const out = job?.output?.output_data?.find((x: { name: string }) => x.name === o.output);
        const ids: number[] = out?.file_ids ?? (out?.file_id !== undefined ? [out.file_id] : []);
        const refs = await Promise.all(ids.map(async (id) => ({ href: u.to(`/scale/files/${id}/content`), type: (await core.files.get(id)).mediaType })));
        doc[o.name] = refs.length === 1 ? refs[0] : refs;
      }
      res.json(doc);
    },
  };
}
