// Job types as Scale v6 lists them by name: the names with their versions, and the revisions of one
// version. (One job type row is one name and version; a revision is a change to it.)
import type { Db } from '../../store/db.ts';
import { type ListRequest, type ListResult, orderBy, type Page, pagedList, Where } from '../../store/listing.ts';
import { keywordWhere } from './service.ts';

export interface JobTypeName {
  name: string;
  /** Of the newest version. */
  title: string | null;
  description: string | null;
  iconCode: string | null;
  isPublished: boolean;
  /** Oldest first. */
  versions: string[];
  latestVersion: string;
}

export interface JobTypeNameFilter extends ListRequest {
  /** Substrings of the name or category, any of them. */
  keywords?: string[];
  /** Names with a version of one of these ids. */
  ids?: number[];
  /** Names with a version that is (or is not) active. */
  isActive?: boolean | null;
  isSystem?: boolean | null;
}

export interface RevisionSummary {
  id: number;
  revisionNum: number;
  dockerImage: string | null;
  created: Date;
}

const NAME_ORDER: Record<string, string> = { name: 'name', title: 'title', latest_version: 'latest_version' };

export type JobTypeVersions = ReturnType<typeof createJobTypeVersions>;

export function createJobTypeVersions({ db }: { db: Db }) {
  async function names(f: JobTypeNameFilter): Promise<ListResult<JobTypeName>> {
    const where = new Where();
    keywordWhere(where, f.keywords);
    if (f.ids?.length) where.add('name IN (SELECT name FROM job_type WHERE id = ANY(?::int[]))', f.ids);
    if (f.isActive !== undefined && f.isActive !== null) where.add('name IN (SELECT name FROM job_type WHERE is_active = ?)', f.isActive);
    if (f.isSystem !== undefined && f.isSystem !== null) where.add('is_system = ?', f.isSystem);
    // One row per name: its versions, and the title, description and icon of the newest one.
    const from = `(SELECT name, array_agg(version ORDER BY created, id) AS versions,
                          (array_agg(version ORDER BY created DESC, id DESC))[1] AS latest_version,
                          (array_agg(title ORDER BY created DESC, id DESC))[1] AS title,
                          (array_agg(description ORDER BY created DESC, id DESC))[1] AS description,
                          (array_agg(icon_code ORDER BY created DESC, id DESC))[1] AS icon_code,
                          (array_agg(is_published ORDER BY created DESC, id DESC))[1] AS is_published
                     FROM job_type ${where.sql()} GROUP BY name) n`;
    // The filters sit inside the grouping; the outer query only carries their parameters.
    const outer = new Where();
    outer.params.push(...where.params);
    const res = await pagedList(db, { select: '*', from, where: outer, orderSql: orderBy(f.order, NAME_ORDER, ['name']), tiebreak: 'name', page: f });
    return {
      count: res.count,
      rows: res.rows.map((r: any) => ({ name: r.name, title: r.title, description: r.description, iconCode: r.icon_code, isPublished: r.is_published ?? false, versions: r.versions, latestVersion: r.latest_version })),
    };
  }

  /** A job type's revisions, newest first. */
  async function revisions(jobTypeId: number, page: Page): Promise<ListResult<RevisionSummary>> {
    const res = await pagedList(db, { select: 'id, revision_num, docker_image, created', from: 'job_type_revision', where: new Where().add('job_type_id = ?', jobTypeId), orderSql: 'revision_num DESC', tiebreak: 'id', page });
    return { count: res.count, rows: res.rows.map((r: any) => ({ id: r.id, revisionNum: r.revision_num, dockerImage: r.docker_image, created: r.created })) };
  }

  return { names, revisions };
}
