// Scale v6 timelines: per job type (and per recipe type revision), how many jobs started (recipes
// were created) on each UTC day of a time range.
import type { Db } from '../../store/db.ts';

export interface DayCount {
  date: Date;
  count: number;
}

export interface JobTypeTimeline {
  jobTypeId: number;
  name: string;
  version: string;
  title: string | null;
  revisionNum: number;
  days: DayCount[];
}

export interface RecipeTypeTimeline {
  recipeTypeId: number;
  name: string;
  title: string | null;
  revisionNum: number;
  days: DayCount[];
}

export interface TimelineFilter {
  started: Date;
  ended: Date;
  ids?: number[];
  names?: string[];
  /** Job type versions. */
  versions?: string[];
  /** Recipe type revision numbers. */
  revisions?: number[];
}

/** Rows of (group key…, day, count) → one entry per group with its days in order. */
function grouped<T extends { days: DayCount[] }>(rows: any[], key: (r: any) => string, make: (r: any) => T): T[] {
  const out = new Map<string, T>();
  for (const r of rows) {
    const k = key(r);
    if (!out.has(k)) out.set(k, make(r));
    out.get(k)!.days.push({ date: r.day, count: r.count });
  }
  return [...out.values()];
}

export type Timeline = ReturnType<typeof createTimeline>;

export function createTimeline({ db }: { db: Db }) {
  async function jobTypes(f: TimelineFilter): Promise<JobTypeTimeline[]> {
    const res = await db.query(
      `SELECT jt.id, jt.name, jt.version, jt.title, jt.revision_num, date_trunc('day', j.started, 'UTC') AS day, count(*)::int AS count
         FROM job j JOIN job_type jt ON jt.id = j.job_type_id
        WHERE j.started >= $1 AND j.started <= $2
          AND ($3::int[] IS NULL OR jt.id = ANY($3)) AND ($4::text[] IS NULL OR jt.name = ANY($4)) AND ($5::text[] IS NULL OR jt.version = ANY($5))
        GROUP BY jt.id, day ORDER BY jt.name, jt.version, jt.id, day`,
      [f.started, f.ended, f.ids?.length ? f.ids : null, f.names?.length ? f.names : null, f.versions?.length ? f.versions : null],
    );
    return grouped(res.rows, (r) => String(r.id), (r) => ({ jobTypeId: r.id, name: r.name, version: r.version, title: r.title, revisionNum: r.revision_num, days: [] }));
  }

  async function recipeTypes(f: TimelineFilter): Promise<RecipeTypeTimeline[]> {
    const res = await db.query(
      `SELECT rt.id, rt.name, rt.title, rev.revision_num, date_trunc('day', r.created, 'UTC') AS day, count(*)::int AS count
         FROM recipe r JOIN recipe_type rt ON rt.id = r.recipe_type_id JOIN recipe_type_revision rev ON rev.id = r.recipe_type_rev_id
        WHERE r.created >= $1 AND r.created <= $2
          AND ($3::int[] IS NULL OR rt.id = ANY($3)) AND ($4::text[] IS NULL OR rt.name = ANY($4)) AND ($5::int[] IS NULL OR rev.revision_num = ANY($5))
        GROUP BY rt.id, rev.revision_num, day ORDER BY rt.name, rt.id, rev.revision_num, day`,
      [f.started, f.ended, f.ids?.length ? f.ids : null, f.names?.length ? f.names : null, f.revisions?.length ? f.revisions : null],
    );
    return grouped(res.rows, (r) => `${r.id}/${r.revision_num}`, (r) => ({ recipeTypeId: r.id, name: r.name, title: r.title, revisionNum: r.revision_num, days: [] }));
  }

  return { jobTypes, recipeTypes };
}
