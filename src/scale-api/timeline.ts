// v6 /timeline/job-types/ and /timeline/recipe-types/: jobs started and recipes created per UTC day.
import { Router } from 'express';
import type { Core } from '../core/index.ts';
import { Invalid } from '../errors.ts';
import type { DayCount } from '../core/metrics/timeline.ts';
import { iso } from './codecs.ts';
import { Query } from './params.ts';

const days = (d: DayCount[]) => d.map((x) => ({ date: iso(x.date), count: x.count }));

/**
 * started is required; ended defaults to now. A timeline counts whole UTC days (Scale's
 * get_timeline_*_json walk day periods up to and including the day `ended` falls in), so the day of
 * `ended` is counted to its end: scale-ui asks for ended = the start of today and shows today's bar.
 */
function range(q: Query): { started: Date; ended: Date } {
  const { started, ended } = q.range();
  if (!started) throw new Invalid('started', 'is required: an ISO-8601 date-time or duration');
  if (!ended) return { started, ended: new Date() };
  return { started, ended: new Date(Date.UTC(ended.getUTCFullYear(), ended.getUTCMonth(), ended.getUTCDate() + 1) - 1) };
}

export function timelineRouter(core: Core): Router {
  const r = Router();
  for (const path of ['/timeline/job-types/', '/timeline/job-types']) {
    r.get(path, async (req, res) => {
      const q = new Query(req);
      const list = await core.timeline.jobTypes({ ...range(q), ids: q.ints('id', { min: 1 }), names: q.strings('name'), versions: q.strings('version') });
      res.json({ count: list.length, results: list.map((t) => ({ job_type_id: t.jobTypeId, name: t.name, version: t.version, title: t.title, revision_num: t.revisionNum, results: days(t.days) })) });
    });
  }
  for (const path of ['/timeline/recipe-types/', '/timeline/recipe-types']) {
    r.get(path, async (req, res) => {
      const q = new Query(req);
      const list = await core.timeline.recipeTypes({ ...range(q), ids: q.ints('id', { min: 1 }), names: q.strings('name'), revisions: q.ints('rev', { min: 1 }) });
      res.json({ count: list.length, results: list.map((t) => ({ recipe_type_id: t.recipeTypeId, name: t.name, title: t.title, revision_num: t.revisionNum, results: days(t.days) })) });
    });
  }
  return r;
}
