// Metrics (seed 002 "Metrics Services"): the types Scale defines, their choices (job types, errors,
// Strikes), plot data per day, and the hourly roll-up that keeps plot data cheap. The roll-up runs
// in the JOB_LOAD clock minute (one server per minute); a read finding it long overdue runs it first.
import type { Logger } from '../../log.ts';
import type { Db } from '../../store/db.ts';
import { NotFound } from '../../errors.ts';
import { METRICS_TYPES, metricsType, type MetricsType } from './definitions.ts';
import { plotData, type PlotQuery, type PlotSeries } from './plot.ts';
import { createRollUp, RESCAN_MS, type RollUpResult } from './rollup.ts';

export type { MetricsColumn, MetricsType } from './definitions.ts';
export type { PlotSeries, PlotValue } from './plot.ts';

/** A read rolls up first when the last roll-up is older than this (the clock was not running). */
const OVERDUE_MS = 15 * 60_000;
const HOUR_MS = 3600_000;

const CHOICE_TABLE: Record<MetricsType['table'], string> = { metrics_job_type: 'job_type', metrics_error: 'error', metrics_ingest: 'strike' };

export type MetricsService = ReturnType<typeof createMetricsService>;

export function createMetricsService(deps: { db: Db; log?: Logger }) {
  const { db } = deps;
  const { rollUp, scannedTo } = createRollUp(db);
  // Reads that find the roll-up overdue share one.
  let overdue: Promise<RollUpResult> | null = null;

  function type(name: string): MetricsType {
    const t = metricsType(name);
    if (!t) throw new NotFound('metrics type', name);
    return t;
  }

  return {
    types: (): readonly MetricsType[] => METRICS_TYPES,
    type,
    rollUp,

    /** The clock's roll-up: failures are logged, never thrown (the next minute tries again). */
    async tick(): Promise<void> {
      try {
        const r = await rollUp();
        deps.log?.debug('metrics rolled up', { hours: r.hours });
      } catch (err) {
        deps.log?.warn('metrics roll-up failed', { err });
      }
    },

    /** Ids of what a type's values can be filtered by: job types, errors or Strikes. */
    async choiceIds(t: MetricsType): Promise<number[]> {
      const res = await db.query<{ id: number }>(`SELECT id FROM ${CHOICE_TABLE[t.table]} ORDER BY id`);
      return res.rows.map((r) => Number(r.id));
    },

    /** The given ids that are not choices of the type. */
    async unknownChoices(t: MetricsType, ids: number[]): Promise<number[]> {
      if (!ids.length) return [];
      const res = await db.query<{ id: number }>(`SELECT id FROM ${CHOICE_TABLE[t.table]} WHERE id = ANY($1::int[])`, [ids]);
      const known = new Set(res.rows.map((r) => Number(r.id)));
      return ids.filter((id) => !known.has(id));
    },

    async plotData(t: MetricsType, query: PlotQuery): Promise<PlotSeries[]> {
      let scanned = await scannedTo();
      if (!scanned || Date.now() - scanned.getTime() > OVERDUE_MS) {
        overdue ??= rollUp().finally(() => (overdue = null));
        scanned = (await overdue).scannedTo;
      }
      // Hours from shortly before the last roll-up on may hold changes it did not see: read them live.
      const openFrom = new Date(Math.floor((scanned.getTime() - RESCAN_MS) / HOUR_MS) * HOUR_MS);
      return plotData(db, t, query, openFrom);
    },
  };
}
