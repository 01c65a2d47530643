// The hourly figures of each metrics type, computed from the jobs, executions and ingests that
// ended in the hours asked for (Scale's MetricsJobType/MetricsError/MetricsIngest `calculate`, per
// hour). One SELECT per type yields (occurred, choice, stored columns…): the roll-up inserts it,
// and plot data reads it directly for the hours not rolled up yet.
import { storedColumns, type MetricsType } from './definitions.ts';

/** Positional parameters collected while SQL is built. */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown, type?: string): string {
    this.values.push(value);
    return `$${this.values.length}${type ? `::${type}` : ''}`;
  }
}

/** Which moments count: from `lo` (inclusive) to `hi` (exclusive), and only in `hours` when given. */
export interface HourRange {
  lo?: Date;
  hi?: Date;
  hours?: Date[];
}

export function hourOf(moment: string): string {
  return `date_trunc('hour', ${moment}, 'UTC')`;
}

function within(moment: string, p: Params, r: HourRange): string {
  const parts = [`${moment} IS NOT NULL`];
  if (r.lo) parts.push(`${moment} >= ${p.add(r.lo, 'timestamptz')}`);
  if (r.hi) parts.push(`${moment} < ${p.add(r.hi, 'timestamptz')}`);
  if (r.hours) parts.push(`${hourOf(moment)} = ANY(${p.add(r.hours, 'timestamptz[]')})`);
  return parts.join(' AND ');
}

/** Seconds from a to b, never negative (machine clocks can disagree), NULL when either is missing. */
const seconds = (a: string, b: string) => `CASE WHEN ${a} IS NOT NULL AND ${b} IS NOT NULL THEN greatest(extract(epoch FROM ${b} - ${a})::float8, 0) END`;

/** count/sum/min/max of a per-row value, named as the roll-up table names them. */
const statSql = (name: string, value: string) =>
  `count(${value})::int AS ${name}_count, sum(${value}) AS ${name}_sum, min(${value}) AS ${name}_min, max(${value}) AS ${name}_max`;

function jobTypesSql(p: Params, r: HourRange): string {
  const stats = ['queue_time', 'pre_time', 'job_time', 'post_time', 'run_time', 'stage_time'];
  // Jobs count by the status they ended with; times come from completed executions (Scale: _update_counts, _update_times).
  return `
    SELECT coalesce(j.occurred, x.occurred) AS occurred, coalesce(j.job_type_id, x.job_type_id) AS job_type_id,
           coalesce(j.completed_count, 0) AS completed_count, coalesce(j.failed_count, 0) AS failed_count, coalesce(j.canceled_count, 0) AS canceled_count,
           coalesce(j.total_count, 0) AS total_count, coalesce(j.error_system_count, 0) AS error_system_count,
           coalesce(j.error_data_count, 0) AS error_data_count, coalesce(j.error_algorithm_count, 0) AS error_algorithm_count,
           ${stats.map((s) => `coalesce(x.${s}_count, 0) AS ${s}_count, x.${s}_sum, x.${s}_min, x.${s}_max`).join(',\n           ')}
      FROM (
        SELECT ${hourOf('j.ended')} AS occurred, j.job_type_id,
               count(*) FILTER (WHERE j.status = 'COMPLETED')::int AS completed_count,
               count(*) FILTER (WHERE j.status = 'FAILED')::int AS failed_count,
               count(*) FILTER (WHERE j.status = 'CANCELED')::int AS canceled_count,
               count(*)::int AS total_count,
               count(*) FILTER (WHERE e.category = 'SYSTEM')::int AS error_system_count,
               count(*) FILTER (WHERE e.category = 'DATA')::int AS error_data_count,
               count(*) FILTER (WHERE e.category = 'ALGORITHM')::int AS error_algorithm_count
          FROM job j LEFT JOIN error e ON e.id = j.error_id
         WHERE j.status IN ('COMPLETED', 'FAILED', 'CANCELED') AND ${within('j.ended', p, r)}
         GROUP BY 1, 2) j
      FULL JOIN (
        SELECT ${hourOf('x.ended')} AS occurred, x.job_type_id,
               ${statSql('queue_time', 't.queue')}, ${statSql('pre_time', 't.pre')}, ${statSql('job_time', 't.job')},
               ${statSql('post_time', 't.post')}, ${statSql('run_time', 't.run')},
               ${statSql('stage_time', 'CASE WHEN t.run IS NOT NULL THEN greatest(t.run - coalesce(t.pre, 0) - coalesce(t.job, 0) - coalesce(t.post, 0), 0) END')}
          FROM job_exe x
         CROSS JOIN LATERAL (SELECT ${seconds('x.queued', 'x.started')} AS queue, ${seconds('x.pre_started', 'x.pre_completed')} AS pre,
                                    ${seconds('x.job_started', 'x.job_completed')} AS job, ${seconds('x.post_started', 'x.post_completed')} AS post,
                                    ${seconds('x.started', 'x.ended')} AS run) t
         WHERE x.status = 'COMPLETED' AND ${within('x.ended', p, r)}
         GROUP BY 1, 2) x ON x.occurred = j.occurred AND x.job_type_id = j.job_type_id`;
}

function errorsSql(p: Params, r: HourRange): string {
  // Executions that ended with an error, per error (Scale: MetricsError.calculate).
  return `
    SELECT ${hourOf('x.ended')} AS occurred, x.error_id, count(*)::int AS total_count
      FROM job_exe x
     WHERE x.error_id IS NOT NULL AND ${within('x.ended', p, r)}
     GROUP BY 1, 2`;
}

/** When an ingest finished: deferred and duplicate files are never ingested, so their transfer's end. */
export const INGEST_MOMENT = 'coalesce(i.ingest_ended, i.transfer_ended, i.created)';
export const INGEST_DONE = `i.strike_id IS NOT NULL AND i.status IN ('DEFERRED', 'INGESTED', 'ERRORED', 'DUPLICATE')`;

function ingestsSql(p: Params, r: HourRange): string {
  // Finished ingests of Strikes, per Strike (Scale: MetricsIngest.calculate).
  return `
    SELECT ${hourOf(INGEST_MOMENT)} AS occurred, i.strike_id,
           count(*) FILTER (WHERE i.status = 'DEFERRED')::int AS deferred_count,
           count(*) FILTER (WHERE i.status = 'INGESTED')::int AS ingested_count,
           count(*) FILTER (WHERE i.status = 'ERRORED')::int AS errored_count,
           count(*) FILTER (WHERE i.status = 'DUPLICATE')::int AS duplicate_count,
           count(*)::int AS total_count,
           ${statSql('file_size', 't.size')}, ${statSql('transfer_time', 't.transfer')}, ${statSql('ingest_time', 't.ingest')}
      FROM ingest i
     CROSS JOIN LATERAL (SELECT nullif(i.file_size, 0)::float8 AS size, ${seconds('i.transfer_started', 'i.transfer_ended')} AS transfer,
                                CASE WHEN i.status = 'INGESTED' THEN ${seconds('i.ingest_started', 'i.ingest_ended')} END AS ingest) t
     WHERE ${INGEST_DONE} AND ${within(INGEST_MOMENT, p, r)}
     GROUP BY 1, 2`;
}

/** SELECT occurred, <choice>, <stored columns> for the moments in the range. */
export function hourlySql(t: MetricsType, p: Params, r: HourRange): string {
  const body = t.table === 'metrics_job_type' ? jobTypesSql(p, r) : t.table === 'metrics_error' ? errorsSql(p, r) : ingestsSql(p, r);
  // Re-select by name so the column order is the table's whatever the body's.
  return `SELECT h.occurred, h.${t.choice}, ${storedColumns(t).map((c) => `h.${c}`).join(', ')} FROM (${body}) h`;
}
