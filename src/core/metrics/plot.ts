// Plot data (seed 002 "Metric Plot Data"): hourly rows added up into days, per choice or across
// all of them. Hours the roll-up has already folded in are read from the roll-up table; the hours
// still open (from shortly before the last roll-up on) are computed from the base tables, so
// answers are current without writing on a read.
import type { Queryable } from '../../store/db.ts';
import { storedColumns, type MetricsColumn, type MetricsType } from './definitions.ts';
import { hourlySql, Params } from './hourly.ts';

const HOUR_MS = 3600_000;

export interface PlotQuery {
  started?: Date;
  ended?: Date;
  /** Empty: values are aggregated across all choices, by date. */
  choiceIds: number[];
  columns: MetricsColumn[];
}

export interface PlotValue {
  date: string;
  /** The choice (job type, error, Strike) when choices were asked for. */
  choiceId: number | null;
  value: number;
}

export interface PlotSeries {
  column: MetricsColumn;
  minX: string | null;
  maxX: string | null;
  minY: number | null;
  maxY: number | null;
  values: PlotValue[];
}

/** How hours add up to a day for a column: its aggregate (an average is the summed sum over the summed count). */
function aggregateSql(c: MetricsColumn): string {
  switch (c.aggregate) {
    case 'sum':
      return `sum(${c.name})::float8`;
    case 'min':
      return `min(${c.name})::float8`;
    case 'max':
      return `max(${c.name})::float8`;
    case 'avg': {
      const base = c.name.replace(/_avg$/, '');
      return `(sum(${base}_sum) / nullif(sum(${base}_count), 0))::float8`;
    }
  }
}

const floorHour = (d: Date) => new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS);

/**
 * The series of each column. `openFrom` is the first hour not (surely) rolled up yet: hours before
 * it come from the roll-up table, it and later ones from the base tables.
 */
export async function plotData(q: Queryable, t: MetricsType, query: PlotQuery, openFrom: Date): Promise<PlotSeries[]> {
  const p = new Params();
  const firstHour = query.started ? floorHour(query.started) : undefined;
  // An hour is in range when it starts in [started's hour, ended].
  const stored = ['occurred < ' + p.add(openFrom, 'timestamptz')];
  if (firstHour) stored.push(`occurred >= ${p.add(firstHour, 'timestamptz')}`);
  if (query.ended) stored.push(`occurred <= ${p.add(query.ended, 'timestamptz')}`);
  const lo = firstHour && firstHour > openFrom ? firstHour : openFrom;
  const hi = query.ended ? new Date(floorHour(query.ended).getTime() + HOUR_MS) : undefined;
  const cols = storedColumns(t);
  const live = hi && hi <= lo ? null : hourlySql(t, p, { lo, ...(hi ? { hi } : {}) });
  const byChoice = query.choiceIds.length > 0;
  const choiceFilter = byChoice ? `WHERE choice = ANY(${p.add(query.choiceIds, 'int[]')})` : '';
  const res = await q.query<Record<string, number | string | null>>(
    `WITH hourly AS (
       SELECT occurred, ${t.choice} AS choice, ${cols.join(', ')} FROM ${t.table} WHERE ${stored.join(' AND ')}
       ${live ? `UNION ALL SELECT * FROM (${live}) l` : ''})
     SELECT to_char((occurred AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day${byChoice ? ', choice' : ''},
            ${query.columns.map((c, i) => `${aggregateSql(c)} AS v${i}`).join(', ')}
       FROM hourly ${choiceFilter}
      GROUP BY 1${byChoice ? ', 2' : ''}
      ORDER BY 1${byChoice ? ', 2' : ''}`,
    p.values,
  );
  return query.columns.map((column, i) => {
    const values: PlotValue[] = [];
    for (const r of res.rows) {
      const v = r[`v${i}`];
      // A day without the statistic (no completed execution, say) has no value, as in Scale.
      if (v === null || v === undefined) continue;
      values.push({ date: String(r.day), choiceId: byChoice ? Number(r.choice) : null, value: Math.round(Number(v)) });
    }
    let minY: number | null = null;
    let maxY: number | null = null;
    for (const { value } of values) {
      if (minY === null || value < minY) minY = value;
      if (maxY === null || value > maxY) maxY = value;
    }
    return { column, minX: values[0]?.date ?? null, maxX: values.at(-1)?.date ?? null, minY, maxY, values };
  });
}
