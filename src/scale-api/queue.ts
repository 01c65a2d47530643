// /queue/ and /load/: put jobs on the queue, see what waits, requeue what failed.
import { Router, type Request, type Response } from 'express';
import { idempotencyKeyOf, REPLAYED_HEADER } from '../auth/idempotency-key.ts';
import type { Core } from '../core/index.ts';
import type { JobSelection } from '../core/jobs/selection.ts';
import type { QueueStatusRow } from '../core/queue/service.ts';
import type { RequeueFilter } from '../core/jobs/service.ts';
import { Invalid } from '../errors.ts';
import { parseTimeParam } from '../core/time.ts';
import { iso, jobJson, jobTypeSummary } from './codecs.ts';
import { jobContext } from './context.ts';
import { body, checked, HttpError, isV6 } from './http.ts';
import { jobDataOf, v6InputFormat } from './data.ts';
import { jobDetails } from './jobs.ts';
import { jobV6Details } from './jobs-v6.ts';
import { paged, pageOf } from './paging.ts';
import { Query } from './params.ts';
import { scaleInt } from './rest-params.ts';

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

/**
 * The fields of the bulk cancel and requeue bodies. Scale 6's v6 views (job/views.py
 * CancelJobsView and RequeueJobsView._post_v6) read all of them but job_type_categories (kept here:
 * it only narrows) and ignore any other field: scale-ui sends {"job_ids": [...], "url": "/api/v6/jobs/cancel/"}.
 * A field of one body sent to the other (priority to cancel) is still refused, since ignoring it
 * would widen a cancel to every job.
 */
const BULK_FIELDS = [
  'started', 'ended', 'status', 'job_ids', 'job_type_ids', 'job_type_names', 'job_type_categories', 'error_categories', 'error_ids', 'job_types',
  'batch_ids', 'recipe_ids', 'is_superseded', 'priority',
];

/** A bulk cancel or requeue body: under /v6/ without the fields it does not read (of a job type, all but name and version), checked all the same. */
function bulkBody(req: Request, schemaId: string): Record<string, any> {
  const b = req.body === undefined ? {} : req.body;
  if (!isV6(req) || b === null || typeof b !== 'object' || Array.isArray(b)) return body(req, schemaId);
  const read: Record<string, any> = Object.fromEntries(BULK_FIELDS.filter((k) => Object.hasOwn(b, k)).map((k) => [k, b[k]]));
  if (Array.isArray(read.job_types)) {
    read.job_types = read.job_types.map((t: unknown) => (t && typeof t === 'object' && !Array.isArray(t) ? Object.fromEntries(Object.entries(t).filter(([k]) => k === 'name' || k === 'version')) : t));
  }
  return checked(read, schemaId);
}

type NewJobBody = { job_type_id: number; job_data?: unknown; input?: unknown; configuration?: Record<string, any>; priority?: number };

export function queueRouter(core: Core): Router {
  const r = Router();

  /**
   * POST /v6/jobs/ in the order of Scale 6's JobsView.post: job_type_id read as parse_int reads it,
   * the input's version checked (DataV6) before the job type is looked up, and an unknown job type
   * is 404, not a bad field.
   */
  async function newJobV6Body(req: Request): Promise<NewJobBody> {
    const raw = req.body === undefined ? {} : req.body;
    const given = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && raw.job_type_id !== undefined ? { ...raw, job_type_id: scaleInt('job_type_id', raw.job_type_id) } : raw;
    const b = checked<NewJobBody>(given, 'scale-api/queue-new-job');
    if (b.input !== undefined) v6InputFormat(b.input);
    await core.jobTypes.get(b.job_type_id);
    return b;
  }

  const newJob = async (req: Request, res: Response) => {
    const b = isV6(req) ? await newJobV6Body(req) : body<NewJobBody>(req, 'scale-api/queue-new-job');
    const { job, warnings, replayed } = await core.jobs.create({
      jobTypeId: b.job_type_id, data: await jobDataOf(core, b.job_type_id, b), configuration: b.configuration, priority: b.priority, idempotency: idempotencyKeyOf(req, res),
    });
    if (replayed) res.setHeader(REPLAYED_HEADER, 'true');
    const details = await jobDetails(core, job);
    // Scale 6's JobsView.post answers with JobDetailsSerializerV6 (execution null: none yet).
    res.status(201).location(`${req.baseUrl}/jobs/${job.id}/`).json({ ...(isV6(req) ? await jobV6Details(core, job, details) : details), warnings });
  };
  // Scale 6's QueueNewJobView, QueueNewRecipeView and RequeueJobsView raise Http404 under v6 (its
  // v6 clients use POST /jobs/, /recipes/ and /jobs/requeue/).
  r.post(['/queue/new-job/', '/queue/new-recipe/', '/queue/requeue-jobs/'], (req, _res, next) => {
    if (isV6(req)) throw new HttpError(404, `${req.path} is not served under v6`);
    next();
  });
  r.post('/queue/new-job/', newJob);
  // Scale v6 creates jobs with POST /jobs/ {job_type_id, input, configuration} (its docs also name /job/).
  r.post('/jobs/', newJob);
  r.post('/job/', newJob);

  r.get('/queue/status/', async (req, res) => {
    const rows = await core.queue.status();
    if (isV6(req)) {
      res.json(await queueStatusV6(req, rows));
      return;
    }
    res.json({
      queue_status: rows.map((x) => ({
        count: x.count, longest_queued: iso(x.longestQueued), job_type_name: x.jobTypeName, job_type_version: x.jobTypeVersion,
        highest_priority: x.highestPriority, is_job_type_paused: x.isJobTypePaused,
      })),
    });
  });

  /**
   * Scale 6's queue status (queue/views.py QueueStatusView): a page of {job_type, count,
   * longest_queued, highest_priority}, the job type in JobTypeBaseSerializerV5's fields, paused
   * job types last (Queue.get_queue_status orders by is_paused, highest priority, longest queued).
   */
  async function queueStatusV6(req: Request, rows: QueueStatusRow[]) {
    const page = new Query(req).list();
    const sorted = [...rows].sort((a, b) => Number(a.isJobTypePaused) - Number(b.isJobTypePaused));
    const shown = pageOf(sorted, page);
    const types = await core.jobTypes.getMany(shown.map((x) => x.jobTypeId));
    // A queued job's type is never deleted (the queue row references it), so every one is found.
    return paged(req, page, { count: sorted.length, rows: shown }, (x) => ({
      job_type: { ...jobTypeSummary(types.get(x.jobTypeId)!), is_published: types.get(x.jobTypeId)!.isPublished },
      count: x.count, longest_queued: iso(x.longestQueued), highest_priority: x.highestPriority,
    }));
  }

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
  /** Scale 6's v6 bulk views look each named job type up (JobType.objects.get): an unknown one is 400. */
  async function knownJobTypes(b: Record<string, any>): Promise<Record<string, any>> {
    for (const [i, t] of (Array.isArray(b.job_types) ? b.job_types : []).entries()) {
      if (!(await core.jobTypes.byNameVersion(t.name, t.version))) throw new Invalid(`job_types[${i}]`, `job type ${t.name} ${t.version} does not exist`);
    }
    return b;
  }

  r.post('/jobs/requeue/', async (req, res) => {
    await core.jobs.requeue(requeueOf(await knownJobTypes(bulkBody(req, 'scale-api/requeue-jobs'))));
    res.status(202).end();
  });

  r.post('/jobs/cancel/', async (req, res) => {
    await core.jobs.cancelMany(selectionOf(await knownJobTypes(bulkBody(req, 'scale-api/jobs-cancel'))));
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
