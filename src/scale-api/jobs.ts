// /jobs/ and /job-executions/: what ran, what runs, what waits, and the logs.
import { Router, type Request } from 'express';
import type { Core } from '../core/index.ts';
import { NotFound } from '../errors.ts';
import type { ScaleFile } from '../core/files/service.ts';
import type { Job } from '../core/jobs/model.ts';
import { EXE, EXE_STATUSES, JOB, JOB_STATUSES, type JobStatus } from '../core/jobs/model.ts';
import { fileIdsOf, readJobData, storedJobData } from '../core/jobs/job-data.ts';
import { encodeJobData1 } from '../../seed-mapping/scale-data.ts';
import type { JobListFilter } from '../core/jobs/queries.ts';
import { readLog, type LogLine } from '../executors/logs.ts';
import { exeJson, fileJson, iso, jobJson, jobJsonText, jobTypeJson, nodeJson } from './codecs.ts';
import { jobContext } from './context.ts';
import { body, idParam, isV6 } from './http.ts';
import { inputFilesPage } from './files.ts';
import { paged, pagedText } from './paging.ts';
import { Query, sourceMetadataFilter } from './params.ts';
import { recipeTypeSummary } from './recipe-codecs.ts';
import { exeV6Details, exeV6Page, jobV6Context, jobV6Details, jobV6Json } from './jobs-v6.ts';


/** Execution statuses a list may filter on: Scale's, whose executions were QUEUED before they ran too. */
const EXE_FILTER = [JOB.QUEUED, ...EXE_STATUSES];

/**
 * A job list's filters. Superseded jobs (run again by a reprocess or a batch) are left out of v5
 * lists unless include_superseded=true; v6 lists them all unless is_superseded says (Scale 6.0.0).
 */
export function jobFilter(q: Query, v6 = false): JobListFilter {
  return {
    ...q.list(),
    ...q.range(),
    statuses: q.strings('status', JOB_STATUSES) as JobStatus[],
    jobIds: q.ints('job_id', { min: 1 }),
    jobTypeIds: q.ints('job_type_id', { min: 1 }),
    jobTypeNames: q.strings('job_type_name'),
    jobTypeCategories: q.strings('job_type_category'),
    errorCategories: q.strings('error_category', ['SYSTEM', 'ALGORITHM', 'DATA']),
    ...(v6 ? { errorIds: q.ints('error_id', { min: 1 }) } : {}),
    batchIds: q.ints('batch_id', { min: 1 }),
    recipeIds: q.ints('recipe_id', { min: 1 }),
    isSuperseded: v6 ? q.bool('is_superseded') : q.bool('include_superseded') ? undefined : false,
    ...(v6 ? sourceMetadataFilter(q) : {}),
  };
}

/** Input files of each job, for /jobs/updates/ and /jobs/{id}/input_files/. */
async function inputFiles(core: Core, jobs: Job[]): Promise<Map<number, ScaleFile[]>> {
  const idsByJob = new Map(jobs.map((j) => [j.id, [...readJobData(j.input).inputs.values()].flatMap(fileIdsOf)]));
  const files = await core.files.getMany([...new Set([...idsByJob.values()].flat())]);
  return new Map([...idsByJob].map(([id, ids]) => [id, ids.map((f) => files.get(f)).filter((f): f is ScaleFile => Boolean(f))]));
}

export async function jobDetails(core: Core, job: Job) {
  const [ctx, exes, files, jt, memberships] = await Promise.all([
    jobContext(core, [job]), core.jobs.executions(job.id), inputFiles(core, [job]), core.jobTypes.get(job.jobTypeId), core.recipes.ofJob(job.id),
  ]);
  const recipeTypes = await core.recipeTypes.getMany([...new Set(memberships.map((m) => m.recipe.recipeTypeId))]);
  const rev = await core.jobTypes.revision(job.jobTypeRevId);
  const exeCtx = await jobContext(core, [], exes);
  const data = readJobData(job.input, rev.interface);
  const fileById = new Map(files.get(job.id)!.map((f) => [f.id, f]));
  const outputIds: number[] = (job.output?.output_data ?? []).flatMap((o: any) => o.file_ids ?? (o.file_id !== undefined ? [o.file_id] : []));
  const products = await core.files.getMany(outputIds);
  const inputs = rev.interface.inputs.map((i) => {
    const v = data.inputs.get(i.name);
    let value: unknown = null;
    if (v?.kind === 'property' || v?.kind === 'json') value = v.value;
    else if (v) {
      const rendered = fileIdsOf(v).map((id) => fileById.get(id)).filter(Boolean).map((f) => fileJson(f!));
      value = i.kind === 'file' ? (rendered[0] ?? null) : rendered;
    }
    return { name: i.name, type: i.kind, value };
  });
  const outputs = rev.interface.outputs.map((o) => {
    const entry = (job.output?.output_data ?? []).find((x: any) => x.name === o.name);
    if (o.kind === 'json') return { name: o.name, type: 'json', value: entry?.value ?? null };
    const ids: number[] = entry ? (entry.file_ids ?? [entry.file_id]) : [];
    const rendered = ids.map((id) => products.get(id)).filter(Boolean).map((f) => fileJson(f!));
    return { name: o.name, type: o.kind, value: o.kind === 'file' ? (rendered[0] ?? null) : rendered };
  });
  const base = jobJson(job, ctx);
  // The job it replaced and the one that replaced it, named with their type and status (Scale's JobBaseSerializerV6).
  const [before, after] = await Promise.all([job.supersededJobId ? core.jobs.get(job.supersededJobId) : null, core.jobQueries.successor(job.id)]);
  const relCtx = await jobContext(core, [before, after].filter((x): x is Job => x !== null));
  const rel = (x: Job | null) => (x ? { id: x.id, job_type: jobJson(x, relCtx).job_type, status: x.status } : null);
  return {
    ...base,
    superseded_job: rel(before),
    superseded_by_job: rel(after),
    job_type: jobTypeJson(jt),
    job_type_rev: { ...base.job_type_rev, interface: rev.interfaceJson, created: rev.created.toISOString() },
    // Job data as the job type's family writes it: job data 1.0 for Scale 1.0 job types, v6 data for SEED's.
    data: job.input === null ? null : jt.interfaceKind === 'scale-1.0' ? encodeJobData1(data, rev.interface.inputs) : storedJobData(data),
    ...(job.configuration ? { configuration: job.configuration } : {}),
    ...(job.dockerImage ? { docker_image: job.dockerImage } : {}),
    results: job.output ?? null,
    // v5 lists every recipe the job is part of; v6 names the one it was made for.
    recipes: memberships.map(({ recipe: r, node }) => ({
      id: r.id, job_name: node, recipe_type: recipeTypes.has(r.recipeTypeId) ? recipeTypeSummary(recipeTypes.get(r.recipeTypeId)!) : { id: r.recipeTypeId },
      event: r.eventId ? { id: r.eventId } : null, created: iso(r.created), completed: iso(r.completed), last_modified: iso(r.lastModified),
    })),
    recipe: job.recipeId ? { id: job.recipeId } : null,
    recipe_node: memberships.find((m) => m.recipe.id === job.recipeId)?.node ?? null,
    job_exes: exes.map((x) => exeJson(x, exeCtx)),
    inputs,
    outputs,
    queue_reason: job.status === JOB.QUEUED ? await core.queueReason(job.id) : null,
  };
}


export function jobsRouter(core: Core): Router {
  const r = Router();

  /** A page of jobs rendered with `extra` fields per job. */
  async function jobPage(req: Request, extra?: (jobs: Job[]) => Promise<(j: Job) => Record<string, unknown>>) {
    const f = jobFilter(new Query(req), isV6(req));
    const list = await core.jobQueries.listJobs(f);
    const [ctx, more] = await Promise.all([jobContext(core, list.rows), extra ? extra(list.rows) : Promise.resolve(() => ({}))]);
    return paged(req, f, list, (j) => ({ ...jobJson(j, ctx), ...more(j) }));
  }

  r.get('/jobs/', async (req, res) => {
    if (isV6(req)) {
      // JobSerializerV6 (jobs-v6.ts).
      const f = jobFilter(new Query(req), true);
      const list = await core.jobQueries.listJobs(f);
      const c = await jobV6Context(core, list.rows);
      res.json(paged(req, f, list, (j) => jobV6Json(j, c)));
      return;
    }
    // The v5 list shows no job data: its rows are read without it.
    const f = jobFilter(new Query(req));
    const list = await core.jobQueries.listJobSummaries(f);
    const ctx = await jobContext(core, list.rows, [], { keep: true });
    // What res.json(paged(…jobJson…)) sends, the page's JSON written directly (jobJsonText).
    if (!res.get('Content-Type')) res.set('Content-Type', 'application/json');
    res.send(pagedText(req, f, list, (j) => jobJsonText(j, ctx)));
  });

  r.get('/jobs/updates/', async (req, res) => {
    res.json(
      await jobPage(req, async (jobs) => {
        const files = await inputFiles(core, jobs);
        return (j) => ({ input_files: files.get(j.id)!.map(fileJson) });
      }),
    );
  });

  r.get('/jobs/executions/', async (req, res) => {
    res.json(
      await jobPage(req, async (jobs) => {
        const latest = await core.jobQueries.latestExecutions(jobs.map((j) => j.id));
        const ctx = await jobContext(core, [], [...latest.values()]);
        return (j) => ({ latest_job_exe: latest.has(j.id) ? exeJson(latest.get(j.id)!, ctx) : null });
      }),
    );
  });

  r.get('/jobs/:id/', async (req, res) => {
    const job = await core.jobs.get(idParam(req, 'id', 'job'));
    const details = await jobDetails(core, job);
    res.json(isV6(req) ? await jobV6Details(core, job, details) : details);
  });

  r.patch('/jobs/:id/', async (req, res) => {
    // Scale 6 removed the job PATCH from v6 (TestJobDetailsViewV6.test_remove_v6_patch): v6 cancels with POST /jobs/cancel/.
    if (isV6(req)) throw new NotFound('endpoint', 'PATCH /v6/jobs/{id}/');
    const id = idParam(req, 'id', 'job');
    body(req, 'scale-api/job-edit');
    res.json(await jobDetails(core, await core.jobs.cancel(id)));
  });

  r.get('/jobs/:id/input_files/', async (req, res) => {
    const job = await core.jobs.get(idParam(req, 'id', 'job'));
    if (isV6(req)) {
      // JobInputFilesView v6: the files of the named input (job_input) or of all, filtered and in the v6 shape.
      const wanted = new Query(req).strings('job_input');
      const ids = [...readJobData(job.input).inputs].filter(([name]) => !wanted.length || wanted.includes(name)).flatMap(([, v]) => fileIdsOf(v));
      res.json(await inputFilesPage(core, req, [...new Set(ids)]));
      return;
    }
    const files = (await inputFiles(core, [job])).get(job.id)!;
    const page = new Query(req).list();
    const slice = files.slice((page.page - 1) * page.pageSize, page.page * page.pageSize);
    res.json(paged(req, page, { count: files.length, rows: slice }, fileJson));
  });

  r.get('/jobs/:id/executions/', async (req, res) => {
    const id = idParam(req, 'id', 'job');
    // Scale 6's JobExecutionsView.list_v6 filters executions by the job id without looking the job
    // up: an unknown job has an empty page there. v5 (and the plain routes) answer 404.
    if (!isV6(req)) await core.jobs.get(id);
    const q = new Query(req);
    const page = q.list();
    const v6 = isV6(req);
    // Scale 6 lists the latest execution first (JobExecutionManager.get_job_exes), and filters on errors too.
    const list = await core.jobQueries.listExecutions({
      ...page, jobIds: [id], statuses: q.strings('status', EXE_FILTER), order: page.order.length ? page.order : [v6 ? '-exe_num' : 'exe_num'],
      ...(v6 ? { nodeIds: q.ints('node_id', { min: 1 }), errorIds: q.ints('error_id', { min: 1 }), errorCategories: q.strings('error_category', ['SYSTEM', 'ALGORITHM', 'DATA']) } : {}),
    });
    if (v6) {
      res.json(paged(req, page, list, await exeV6Page(core, list.rows)));
      return;
    }
    const ctx = await jobContext(core, [], list.rows);
    res.json(paged(req, page, list, (x) => exeJson(x, ctx)));
  });

  r.get('/jobs/:id/executions/:exe_num/', async (req, res) => {
    const id = idParam(req, 'id', 'job');
    const num = idParam(req, 'exe_num', 'execution');
    const exe = (await core.jobs.executions(id)).find((x) => x.exeNum === num);
    if (!exe) throw new NotFound('execution', `${id}/${num}`);
    res.json(isV6(req) ? { ...(await exeDetails(core, exe.id)), ...(await exeV6Details(core, exe)) } : await exeDetails(core, exe.id));
  });

  return r;
}

async function exeDetails(core: Core, id: number) {
  const exe = await core.jobQueries.execution(id);
  if (!exe) throw new NotFound('job execution', id);
  const [job, ctx] = await Promise.all([core.jobs.get(exe.jobId), jobContext(core, [], [exe])]);
  const jobCtx = await jobContext(core, [job]);
  const node = exe.nodeId ? await core.nodes.get(exe.nodeId).catch(() => null) : null;
  const base = `/scale/job-executions/${exe.id}/logs`;
  return {
    ...exeJson(exe, ctx),
    job: jobJson(job, jobCtx),
    node: node ? nodeJson(node) : null,
    environment: exe.environment ?? {},
    results: exe.results,
    results_manifest: exe.resultsManifest,
    current_stdout_url: `${base}/stdout/`,
    current_stderr_url: `${base}/stderr/`,
  };
}

function renderLog(lines: LogLine[], accept: string | undefined, exeId: number): { type: string; body: string } {
  if (accept?.includes('application/json')) {
    return {
      type: 'application/json',
      body: JSON.stringify({ hits: { hits: lines.map((l, i) => ({ _source: { scale_order_num: i, '@timestamp': l.time, message: l.message, scale_job_exe: `scale_${exeId}`, stream: l.stream } })) } }),
    };
  }
  if (accept?.includes('text/html') && !accept.includes('text/plain')) {
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return { type: 'text/html; charset=utf-8', body: `<html><body>${lines.map((l) => `<div class="${l.stream}">${esc(l.message)}</div>`).join('\n')}</body></html>` };
  }
  return { type: 'text/plain; charset=utf-8', body: lines.map((l) => `${l.message}\n`).join('') };
}

export function jobExecutionsRouter(core: Core, executionLogPath: (exeId: number) => string): Router {
  const r = Router();

  r.get('/job-executions/', async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    const list = await core.jobQueries.listExecutions({
      ...page, ...q.range(), statuses: q.strings('status', EXE_FILTER), jobTypeIds: q.ints('job_type_id', { min: 1 }),
      jobTypeNames: q.strings('job_type_name'), jobTypeCategories: q.strings('job_type_category'), nodeIds: q.ints('node_id', { min: 1 }),
    });
    const ctx = await jobContext(core, [], list.rows);
    const jobs = await core.jobQueries.jobsByIds(list.rows.map((x) => x.jobId));
    const jobCtx = await jobContext(core, [...jobs.values()]);
    res.json(paged(req, page, list, (x) => ({ ...exeJson(x, ctx), job: jobs.has(x.jobId) ? jobJson(jobs.get(x.jobId)!, jobCtx) : { id: x.jobId } })));
  });

  r.get('/job-executions/:id/', async (req, res) => {
    const id = idParam(req, 'id', 'job execution');
    const details = await exeDetails(core, id);
    const exe = isV6(req) ? await core.jobQueries.execution(id) : null;
    res.json(exe ? { ...details, ...(await exeV6Details(core, exe)) } : details);
  });

  async function logsOf(id: number) {
    const exe = await core.jobQueries.execution(id);
    if (!exe) throw new NotFound('job execution', id);
    return { exe, path: exe.logPath ?? executionLogPath(exe.id) };
  }

  r.get('/job-executions/:id/logs/', async (req, res) => {
    const id = idParam(req, 'id', 'job execution');
    const { exe, path } = await logsOf(id);
    const [stdout, stderr] = await Promise.all([readLog(path, 'stdout'), readLog(path, 'stderr')]);
    res.json({
      ...(await exeDetails(core, id)),
      is_finished: exe.status !== EXE.RUNNING,
      stdout: stdout.map((l) => `${l.message}\n`).join(''),
      stderr: stderr.map((l) => `${l.message}\n`).join(''),
    });
  });

  r.get('/job-executions/:id/logs/:stream/', async (req, res) => {
    const id = idParam(req, 'id', 'job execution');
    const stream = req.params.stream;
    if (stream !== 'stdout' && stream !== 'stderr' && stream !== 'combined') throw new NotFound('log', stream);
    const since = new Query(req).time('started');
    const { path } = await logsOf(id);
    const lines = await readLog(path, stream, since);
    if (!lines.length) {
      res.status(204).end();
      return;
    }
    const out = renderLog(lines, req.headers.accept, id);
    res.type(out.type).send(out.body);
  });

  return r;
}
