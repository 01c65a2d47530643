// Scans: one-off sweeps of a workspace that already holds files, with Strike's rules. A dry run
// counts and reports what would happen (Scale's dry_run_job → file_count); processing ingests.
import type { Db, Row } from '../../store/db.ts';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../../store/db.ts';
import { Conflict, Invalid, NotFound } from '../../errors.ts';
import type { WorkspaceService } from '../workspaces/service.ts';
import { readScanConfig } from './config.ts';
import type { BatchResult, Ingester } from './ingester.ts';
import { type Creatable, ingestNaming } from './naming.ts';

export interface Scan {
  id: number;
  name: string;
  title: string | null;
  description: string | null;
  configuration: Record<string, unknown>;
  fileCount: number | null;
  dryRunStarted: Date | null;
  dryRunEnded: Date | null;
  started: Date | null;
  ended: Date | null;
  created: Date;
  lastModified: Date;
}

const toScan = (r: Row): Scan => ({
  id: r.id, name: r.name, title: r.title, description: r.description, configuration: r.configuration, fileCount: r.file_count, dryRunStarted: r.dry_run_started,
  dryRunEnded: r.dry_run_ended, started: r.started, ended: r.ended, created: r.created, lastModified: r.last_modified,
});

const BATCH = 500;

export type ScanService = ReturnType<typeof createScanService>;

export function createScanService(deps: { db: Db; workspaces: WorkspaceService; ingester: Ingester }) {
  const { db, workspaces, ingester } = deps;

  async function checked(json: unknown) {
    const c = readScanConfig(json);
    const name = c.source.kind === 'workspace' ? c.source.workspace : '';
    if (!(await workspaces.byName(name))) throw new Invalid('configuration.workspace', `workspace ${JSON.stringify(name)} does not exist`);
    for (const [i, r] of c.rules.entries()) if (r.newWorkspace && !(await workspaces.byName(r.newWorkspace))) throw new Invalid(`configuration.files_to_ingest[${i}].new_workspace`, `workspace ${JSON.stringify(r.newWorkspace)} does not exist`);
    return c;
  }

  const naming = ingestNaming(db, 'scan', checked);

  async function get(id: number): Promise<Scan> {
    const res = await db.query('SELECT * FROM scan WHERE id = $1', [id]);
    if (!res.rows[0]) throw new NotFound('scan', id);
    return toScan(res.rows[0]);
  }

  return {
    get,
    async list(): Promise<Scan[]> {
      return (await db.query('SELECT * FROM scan ORDER BY id')).rows.map(toScan);
    },
    /** What create would say of this input, without creating anything (v6 /scans/validation/). */
    validate: naming.problems,
    async create(given: Creatable): Promise<Scan> {
      const input = await naming.named(given);
      await checked(input.configuration);
      try {
        const res = await db.query('INSERT INTO scan (name, title, description, configuration) VALUES ($1, $2, $3, $4) RETURNING *', [input.name, input.title ?? null, input.description ?? null, JSON.stringify(input.configuration)]);
        return toScan(res.rows[0]);
      } catch (err) {
        if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw new Conflict(`a Scan named ${JSON.stringify(input.name)} already exists`);
        throw err;
      }
    },
    async edit(id: number, input: { title?: unknown; description?: unknown; configuration?: unknown }): Promise<Scan> {
      await get(id);
      if (input.configuration !== undefined) await checked(input.configuration);
      const res = await db.query(
        `UPDATE scan SET title = CASE WHEN $2 THEN $3 ELSE title END, description = CASE WHEN $4 THEN $5 ELSE description END,
                configuration = coalesce($6::jsonb, configuration), last_modified = now() WHERE id = $1 RETURNING *`,
        [id, input.title !== undefined, input.title ?? null, input.description !== undefined, input.description ?? null, input.configuration === undefined ? null : JSON.stringify(input.configuration)],
      );
      return toScan(res.rows[0]);
    },
    /** Sweeps the workspace: a dry run reports, otherwise files are ingested. Files already registered there are left alone. */
    async process(id: number, opts: { dryRun: boolean }): Promise<{ scan: Scan; result: BatchResult; plan: { file: string; status: string; workspace: string | null; path: string | null }[] }> {
      const scan = await get(id);
      const c = await checked(scan.configuration);
      const ws = (await workspaces.byName((c.source as { workspace: string }).workspace))!;
      const broker = workspaces.broker(ws);
      await db.query(`UPDATE scan SET ${opts.dryRun ? 'dry_run_started' : 'started'} = now(), last_modified = now() WHERE id = $1`, [id]);
      const all = await broker.list({ recursive: c.monitor.type === 'scan' && c.monitor.recursive });
      const known = all.length ? await db.query<{ file_path: string }>('SELECT file_path FROM scale_file WHERE workspace_id = $1 AND NOT is_deleted AND file_path = ANY($2::text[])', [ws.id, all.map((f) => f.relPath)]) : { rows: [] };
      const skip = new Set(known.rows.map((r) => r.file_path));
      const files = all.filter((f) => !skip.has(f.relPath)).map((f) => ({ name: f.relPath.split('/').pop()!, relPath: f.relPath, size: f.size }));
      const src = { dir: null, workspace: ws, broker };
      const result: BatchResult = { ingested: 0, deferred: 0, duplicates: 0, errored: 0 };
      const plan: { file: string; status: string; workspace: string | null; path: string | null }[] = [];
      for (let i = 0; i < files.length; i += BATCH) {
        const r = await ingester.ingestBatch({ strikeId: null, scanId: id }, c, src, files.slice(i, i + BATCH), { dryRun: opts.dryRun });
        for (const k of ['ingested', 'deferred', 'duplicates', 'errored'] as const) result[k] += r[k];
        plan.push(...r.plan);
      }
      const res = await db.query(
        `UPDATE scan SET ${opts.dryRun ? 'dry_run_ended = now(), file_count = $2' : 'ended = now()'}, last_modified = now() WHERE id = $1 RETURNING *`,
        opts.dryRun ? [id, result.ingested] : [id],
      );
      return { scan: toScan(res.rows[0]), result, plan };
    },
  };
}
