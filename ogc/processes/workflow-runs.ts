// Executing a deployed CWL workflow: the execute request becomes a recipe of the core (the same
// recipe the Scale API shows under /scale/recipes/), always run asynchronously. Its OGC job id is
// `wf-<recipe id>`; its status comes from the recipe and its jobs (store.ts RUNS), and its results are
// the node outputs the workflow's outputs name. `runs` is what the WPS door uses of the same.
import type { Request, Response } from 'express';
import { idempotencyKeyOf, REPLAYED_HEADER } from '../../src/auth/idempotency-key.ts';
import type { IdempotencyKey } from '../../src/core/idempotency.ts';
import type { Core } from '../../src/core/index.ts';
import type { JobInterface } from '../../src/core/job-types/model.ts';
import { type ExecuteRequest, readExecuteRequest } from '../../seed-mapping/ogc-execute.ts';
import type { WorkflowEntry } from './catalog.ts';
import { type ExecuteOptions, inputLimits } from './execute.ts';
import { htmlPage } from './html.ts';
import { invalidParameter, noSuchJob, OgcError, resultNotReady, type Urls, wantsHtml } from './http.ts';
import { withInputs } from './inputs.ts';
import { runProgress, runStatusInfo } from './status.ts';
import type { OgcStore, RunTimes } from './store.ts';

export const WORKFLOW_RUN = /^wf-(\d{1,15})$/;
const RUN_ENDED = ['successful', 'failed', 'dismissed'];

export type WorkflowRuns = ReturnType<typeof createWorkflowRuns>;

export function createWorkflowRuns(deps: { core: Core; store: OgcStore; options: ExecuteOptions }) {
  const { core, store, options } = deps;

  /** The workflow as a job interface: the recipe's inputs, its outputs as files. */
  async function ifaceOf(entry: WorkflowEntry): Promise<JobInterface> {
    const rev = await core.recipeTypes.currentRevision(entry.recipeType);
    return {
      format: 'seed', command: '', commandArguments: '', sharedResources: [], inputs: rev.definition.inputs,
      outputs: entry.workflow.outputs.map((o) => ({ name: o.name, kind: 'file', required: true, mediaType: null })),
    };
  }

  // Steps per recipe type revision (revisions never change).
  const stepCounts = new Map<number, number>();
  async function stepsOf(revId: number): Promise<number> {
    let n = stepCounts.get(revId);
    if (n === undefined) {
      n = (await core.recipeTypes.revision(revId)).definition.nodes.length;
      stepCounts.set(revId, n);
    }
    return n;
  }

  async function statusDoc(run: RunTimes, u: Urls) {
    return runStatusInfo(run, await stepsOf(run.recipeTypeRevId), u);
  }

  /** The run an OGC job id names (a recipe of a deployed workflow, undeployed since or not), or null. */
  async function runById(rawId: string): Promise<RunTimes | null> {
    const m = WORKFLOW_RUN.exec(rawId);
    return m ? store.run(Number(m[1])) : null;
  }

  async function runOf(rawId: string): Promise<RunTimes> {
    const run = await runById(rawId);
    if (!run) throw noSuchJob(rawId);
    return run;
  }

  /** Starts a run with inputs read from an execute request (fetched and stored first); the one that key made when keyed. */
  async function start(entry: WorkflowEntry, value: ExecuteRequest, iface: JobInterface, u: Urls, idempotency?: IdempotencyKey): Promise<{ run: RunTimes; replayed: boolean }> {
    // Sent again under its Idempotency-Key, a run gets the recipe the first one made (nothing is fetched again).
    const prior = idempotency ? await core.idempotency.find(idempotency, 'recipe') : null;
    if (prior !== null) return { run: (await store.run(prior))!, replayed: true };
    const limits = await inputLimits(options, u);
    const { recipe } = await withInputs(core, value, iface, limits, (data) => core.recipes.create({ recipeTypeId: entry.recipeType.id, input: { files: data.files, json: data.json }, idempotency }));
    return { run: (await store.run(recipe.id))!, replayed: false };
  }

  /** Cancels what is left of a run (nothing when it has ended) and answers how it stands. */
  async function cancel(run: RunTimes): Promise<RunTimes> {
    const recipe = await core.recipes.get(run.id);
    if (!recipe.isCompleted && !recipe.isCanceled) await core.recipes.cancel(recipe.id);
    return (await store.run(run.id))!;
  }

  /** The files of each workflow output, from the step outputs the workflow names. */
  async function outputFiles(run: RunTimes): Promise<Map<string, number[]>> {
    const recipe = await core.recipes.get(run.id);
    const nodes = await core.recipes.nodes(recipe);
    const wf = (await core.db.query('SELECT process FROM recipe_type WHERE id = $1', [recipe.recipeTypeId])).rows[0]?.process as WorkflowEntry['workflow'];
    const out = new Map<string, number[]>();
    for (const o of wf.outputs) {
      const jobId = nodes.find((n) => n.name === o.node)?.jobs.find((j) => j.isOriginal)?.jobId;
      const job = jobId === undefined ? null : await core.jobs.get(jobId);
      const data = job?.output?.output_data?.find((x: { name: string }) => x.name === o.output);
      out.set(o.name, data?.file_ids ?? (data?.file_id !== undefined ? [data.file_id] : []));
    }
    return out;
  }

  /** Waits up to `ms` for a run to end; answers how it stands then. */
  async function waitForRun(run: RunTimes, ms: number): Promise<RunTimes> {
    const until = Date.now() + ms;
    let now = run;
    while (!RUN_ENDED.includes(now.status) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      now = (await store.run(run.id))!;
    }
    return now;
  }

  /** The exception of a failed run. */
  function failure(run: RunTimes): OgcError {
    return new OgcError(500, 'workflow-failed', 'Workflow failed', `a job of workflow run wf-${run.id} failed`, { jobID: `wf-${run.id}` });
  }

  /** A finished run's results document: each workflow output as links to its files. */
  async function resultsDoc(run: RunTimes, u: Urls): Promise<Record<string, unknown>> {
    const doc: Record<string, unknown> = {};
    for (const [name, ids] of await outputFiles(run)) {
      const refs = await Promise.all(ids.map(async (id) => ({ href: u.to(`/scale/files/${id}/content`), type: (await core.files.get(id)).mediaType })));
      doc[name] = refs.length === 1 ? refs[0] : refs;
    }
    return doc;
  }

  /** What either door needs of runs, beside the OGC API handlers below. */
  const runs = {
    iface: ifaceOf, start, cancel, outputFiles, resultsDoc, failure, wait: waitForRun,
    get: runById,
    progress: async (run: RunTimes) => runProgress(run, await stepsOf(run.recipeTypeRevId)),
  };

  return {
    statusOf: statusDoc,
    runs,

    async execute(req: Request, res: Response, u: Urls, entry: WorkflowEntry): Promise<void> {
      const iface = await ifaceOf(entry);
      const parsed = readExecuteRequest(req.body, iface);
      if (!parsed.value) {
        const p = parsed.problems;
        throw invalidParameter(p.map((x) => (x.field ? `${x.field}: ${x.message}` : x.message)).join('; '), { ...(p[0]?.field ? { field: p[0].field } : {}), ...(p.length > 1 ? { errors: p } : {}) });
      }
      const { run, replayed } = await start(entry, parsed.value, iface, u, idempotencyKeyOf(req, res));
      if (replayed) res.setHeader(REPLAYED_HEADER, 'true');
      else if (parsed.value.subscriber) await store.recordRun(run.id, { subscriber: parsed.value.subscriber, baseUrl: u.base });
      res.status(201).setHeader('Location', u.to(`/jobs/wf-${run.id}`));
      res.json(await statusDoc(run, u));
    },

    async status(req: Request, res: Response, u: Urls, rawId: string): Promise<void> {
      const body = await statusDoc(await runOf(rawId), u);
      if (wantsHtml(req)) res.type('text/html').send(htmlPage(`Job ${rawId}`, body));
      else res.json(body);
    },

    async dismiss(_req: Request, res: Response, u: Urls, rawId: string): Promise<void> {
      const run = await cancel(await runOf(rawId));
      res.json({ ...(await statusDoc(run, u)), status: 'dismissed' });
    },

    async results(_req: Request, res: Response, u: Urls, rawId: string): Promise<void> {
      const run = await runOf(rawId);
      if (run.status === 'failed') throw failure(run);
      if (run.status === 'dismissed') throw new OgcError(410, 'dismissed', 'Job canceled', `workflow run ${rawId} was canceled and has no results`);
      if (run.status !== 'successful') throw resultNotReady(rawId, run.status);
      res.json(await resultsDoc(run, u));
    },
  };
}
