// /queue/ and /load/: put jobs on the queue, see what waits, requeue what failed.
import { Router, type Request, type Response } from 'express';
import { idempotencyKeyOf, REPLAYED_HEADER } from '../auth/idempotency-key.ts';
import type { Core } from '../core/index.ts';
import type { JobSelection } from '../core/jobs/selection.ts';
import type { RequeueFilter } from '../core/jobs/service.ts';
import { Invalid } from '../errors.ts';
import { parseTimeParam } from '../core/time.ts';
import { iso, jobJson } from './codecs.ts';
import { jobContext } from './context.ts';
import { body } from './http.ts';
import { jobDataOf } from './data.ts';
import { jobDetails } from './jobs.ts';
import { paged } from './paging.ts';
import { Query } from './params.ts';

const DAY = 24 * 3600_000;

/** The job filter of Scale's bulk requeue and cancel bodies (times checked first, naming the field). */
function selectionOf(b: Record<string, any>): JobSelection {
  return {
    started: b.started ? parseTimeParam('started', b.started) : null, ended: b.ended ? parseTimeParam('ended', b.ended) : null,
    statuses: b.status ? [b.status] : undefined, jobIds: b.job_ids, jobTypeIds: b.job_type_ids, jobTypes: b.job_types, jobTypeNames: b.job_type_names,
    jobTypeCategories: b.job_type_categories, recipeIds: b.recipe_ids, batchIds: b.batch_ids, errorCategories: b.error_categories, errorIds: b.error_ids,
    isSuperseded: b.is_superseded,
  };
}

/** A requeue body's filter (its schema allows only FAILED and CANCELED as the status) and priority. */
function requeueOf(b: Record<string, any>): RequeueFilter {
  const selection = selectionOf(b);
  return { ...selection, statuses: selection.statuses as RequeueFilter['statuses'], priority: b.priority ?? null };
}

export function queueRouter(core: Core): Router {
  const r = Router();

  const newJob = async (req: Request, res: Response) => {
    const b = body<{ job_type_id: number; job_data?: unknown; input?: unknown; configuration?: Record<string, any>; priority?: number }>(req, 'scale-api/queue-new-job');
    const { job, warnings, replayed } = await core.jobs.create({
      jobTypeId: b.job_type_id, data: await jobDataOf(core, b.job_type_id, b), configuration: b.configuration, priority: b.priority, idempotency: idempotencyKeyOf(req, res),
    });
    if (replayed) res.setHeader(REPLAYED_HEADER, 'true');
    res.status(201).location(`${req.baseUrl}/jobs/${job.id}/`).json({ ...(await jobDetails(core, job)), warnings });
  };
  r.post('/queue/new-job/', newJob);
  // Scale v6 creates jobs with POST /jobs/ {job_type_id, input, configuration} (its docs also name /job/).
  r.post('/jobs/', newJob);
  r.post('/job/', newJob);

  r.get('/queue/status/', async (_req, res) => {
    const rows = await core.queue.status();
    res.json({
      queue_status: rows.map((x) => ({
        count: x.count, longest_queued: iso(x.longestQueued), job_type_name: x.jobTypeName, job_type_version: x.jobTypeVersion,
        highest_priority: x.highestPriority, is_job_type_paused: x.isJobTypePaused,
      })),
    });
  });

  r.post('/queue/requeue-jobs/', async (req, res) => {
    const b = body<Record<string, any>>(req, 'scale-api/requeue-jobs');
    // Every parameter is checked before anything is requeued: a rejected request changes nothing.
    const filter = requeueOf(b);
    const page = new Query(req).list();
    const ids = await core.jobs.requeue(filter);
    const list = ids.length ? await core.jobQueries.listJobs({ ...page, jobIds: ids }) : { count: 0, rows: [] };
    const ctx = await jobContext(core, list.rows);
    res.json(paged(req, page, list, (j) => jobJson(j, ctx)));
  });

  // v6's bulk requeue and cancel take the same filter and answer 202 with no body (Scale does the
  // work in the background; here it is done when the answer comes).
  r.post('/jobs/requeue/', async (req, res) => {
    const b = body<Record<string, any>>(req, 'scale-api/requeue-jobs');
    await core.jobs.requeue(requeueOf(b));
    res.status(202).end();
  });

  r.post('/jobs/cancel/', async (req, res) => {
    await core.jobs.cancelMany(selectionOf(body<Record<string, any>>(req, 'scale-api/jobs-cancel')));
    res.status(202).end();
  });

  r.get('/load/', async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    const { started, ended } = q.range();
    const end = ended ?? new Date();
    const start = started ?? new Date(end.getTime() - 7 * DAY);
    if (end.getTime() - start.getTime() > 31 * DAY) throw new Invalid('started', 'the time range must be within 31 days');
    const load = await core.queue.load({
      ...page, started: start, ended: end, jobTypeIds: q.ints('job_type_id', { min: 1 }), jobTypeNames: q.strings('job_type_name'),
      jobTypeCategories: q.strings('job_type_category'), jobTypePriorities: q.ints('job_type_priority', { min: 1 }),
    });
    res.json(paged(req, page, load, (x) => ({ time: iso(x.time), pending_count: x.pending, queued_count: x.queued, running_count: x.running })));
  });

  return r;
}
