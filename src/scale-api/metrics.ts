// /metrics/, /metrics/{name}/ and /metrics/{name}/plot-data/ (seed 002 "Metrics Services"):
// Scale's metrics types, their filter choices, and plot values per day.
import { Router, type Request } from 'express';
import type { Core } from '../core/index.ts';
import { Invalid } from '../errors.ts';
import { selectColumns, type MetricsColumn } from '../core/metrics/definitions.ts';
import type { MetricsType, PlotSeries } from '../core/metrics/service.ts';
import { errorJson, jobTypeSummary } from './codecs.ts';
import { isV6 } from './http.ts';
import { strikeJson } from './ingest.ts';
import { paged } from './paging.ts';
import { Query } from './params.ts';

const columnJson = (c: MetricsColumn) => ({ name: c.name, title: c.title, description: c.description, units: c.units, group: c.group, aggregate: c.aggregate });

function typeJson(t: MetricsType) {
  return { name: t.name, title: t.title, description: t.description, filters: t.filters, groups: t.groups, columns: t.columns.map(columnJson) };
}

/** v5 values carry `date`; v6 documents `datetime`: both are given (the start of the UTC day). */
function seriesJson(s: PlotSeries, withIds: boolean) {
  return {
    column: columnJson(s.column), min_x: s.minX, max_x: s.maxX, min_y: s.minY, max_y: s.maxY,
    values: s.values.map((v) => ({ ...(withIds ? { id: v.choiceId } : {}), date: v.date, datetime: `${v.date}T00:00:00Z`, value: v.value })),
  };
}

/** A datetime PostgreSQL can store (a duration such as P9999999Y reaches past what a date can be). */
function checkTime(field: string, d: Date | undefined): Date | undefined {
  if (d === undefined) return d;
  const year = d.getUTCFullYear();
  if (Number.isNaN(d.getTime()) || year < 1 || year > 9999) throw new Invalid(field, 'is out of range: give a datetime between the years 1 and 9999, or a shorter duration');
  return d;
}

const DAY_MS = 86_400_000;

/**
 * Scale 6 keeps one metrics row per day, stamped at the day's midnight (UTC), and filters them with
 * occurred >= started and occurred <= ended: a day counts when its midnight is in the range, and then
 * whole. scale-ui asks for ended = the start of today and shows today. The v6 door reads the range so
 * (from the first midnight at or after started to the end of the day ended falls in); the seed's door
 * keeps reading it by the hour.
 */
function scaleDays(started: Date | undefined, ended: Date | undefined): { started: Date | undefined; ended: Date | undefined } {
  return {
    started: started && new Date(Math.ceil(started.getTime() / DAY_MS) * DAY_MS),
    ended: ended && new Date(Math.floor(ended.getTime() / DAY_MS) * DAY_MS + DAY_MS - 1),
  };
}

export function metricsRouter(core: Core): Router {
  const r = Router();

  /** started, ended, choice_id, column and group, each checked and named when wrong. */
  async function filters(req: Request, t: MetricsType) {
    const q = new Query(req);
    const { started, ended } = q.range();
    checkTime('started', started);
    checkTime('ended', ended);
    const choiceIds = [...new Set(q.ints('choice_id', { min: 1 }))];
    const unknown = await core.metrics.unknownChoices(t, choiceIds);
    if (unknown.length) throw new Invalid('choice_id', `${unknown.join(', ')} ${unknown.length > 1 ? 'are not choices' : 'is not a choice'} of ${t.name} (see GET /metrics/${t.name}/)`);
    // Scale 6 (MetricsType.get_group_columns) takes the columns of the groups it knows and ignores the
    // others: scale-ui asks for group=null. The seed's door names an unknown group.
    const groups = isV6(req) ? q.strings('group').filter((g) => t.groups.some((x) => x.name === g)) : q.strings('group');
    const { columns, unknownColumns, unknownGroups } = selectColumns(t, q.strings('column'), groups);
    if (unknownColumns.length) throw new Invalid('column', `${unknownColumns.map((c) => JSON.stringify(c)).join(', ')} is not a column of ${t.name}; choose from ${t.columns.map((c) => c.name).join(', ')}`);
    if (unknownGroups.length) throw new Invalid('group', `${unknownGroups.map((g) => JSON.stringify(g)).join(', ')} is not a group of ${t.name}; choose from ${t.groups.map((g) => g.name).join(', ')}`);
    if (isV6(req)) return { ...scaleDays(started, ended), choiceIds, columns };
    return { started, ended, choiceIds, columns };
  }

  r.get('/metrics/', async (req, res) => {
    const page = new Query(req).list();
    const all = core.metrics.types();
    const rows = all.slice((page.page - 1) * page.pageSize, page.page * page.pageSize);
    res.json(paged(req, page, { count: all.length, rows }, typeJson));
  });

  r.get('/metrics/:name/', async (req, res) => {
    const t = core.metrics.type(req.params.name);
    // The plot filters mean nothing here, but a malformed one is still reported.
    await filters(req, t);
    const ids = await core.metrics.choiceIds(t);
    let choices: unknown[];
    if (t.name === 'job-types') {
      const types = await core.jobTypes.getMany(ids);
      choices = ids.flatMap((id) => (types.has(id) ? [jobTypeSummary(types.get(id)!)] : []));
    } else if (t.name === 'errors') {
      const errors = await core.errors.getMany(ids);
      choices = ids.flatMap((id) => (errors.has(id) ? [errorJson(errors.get(id))] : []));
    } else {
      choices = (await core.strikes.list()).sort((a, b) => a.id - b.id).map((s) => strikeJson(s));
    }
    res.json({ ...typeJson(t), choices });
  });

  r.get('/metrics/:name/plot-data/', async (req, res) => {
    const t = core.metrics.type(req.params.name);
    const page = new Query(req).list();
    const f = await filters(req, t);
    // Only the page's columns are computed.
    const columns = f.columns.slice((page.page - 1) * page.pageSize, page.page * page.pageSize);
    const series = columns.length ? await core.metrics.plotData(t, { ...f, columns }) : [];
    // Values name their choice when several choices were asked for (Scale's MetricsPlotMultiSerializer).
    res.json(paged(req, page, { count: f.columns.length, rows: series }, (s) => seriesJson(s, f.choiceIds.length > 1)));
  });

  return r;
}
