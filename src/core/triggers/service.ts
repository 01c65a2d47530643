// Firing triggers: every ingested file is an INGEST trigger event, checked against the INGEST rules
// of active job and recipe types; each match creates a job or recipe with the file as the rule's
// input and its products going to the rule's workspace. A Strike or Scan naming a recipe starts it
// too, the file as the recipe's first input. Events are recorded and linked to what they created.
import type { Db } from '../../store/db.ts';
import type { Logger } from '../../log.ts';
import type { FileService } from '../files/service.ts';
import type { IngestOwner } from '../ingest/ingester.ts';
import type { JobService } from '../jobs/service.ts';
import type { RecipeTypeService } from '../recipe-types/service.ts';
import type { RecipeService } from '../recipes/service.ts';
import { fileMatches, readTriggerRule, type TriggerRule } from './rules.ts';
import { eventsById } from './events.ts';
import { fileIdsOf, type InputValue, readJobData } from '../jobs/job-data.ts';

type FileRule = Extract<TriggerRule, { type: 'INGEST' | 'PARSE' }>;

export type TriggerService = ReturnType<typeof createTriggerService>;

export function createTriggerService(deps: { db: Db; jobs: JobService; recipes: RecipeService; recipeTypes: RecipeTypeService; files: FileService; recordLoad: () => Promise<void>; log?: Logger }) {
  const { db } = deps;
  /** Scale's built-in clock processors, by event type. */
  const builtinClock = [{ eventType: 'JOB_LOAD', schedule: 'PT1M0S', everySeconds: 60, run: deps.recordLoad }];

  /** Active rules of a type on job types and recipe types (newest active version of each name). */
  async function rulesOf(type: 'INGEST' | 'PARSE'): Promise<{ kind: 'job' | 'recipe'; id: number; name: string; rule: FileRule }[]> {
    const res = await db.query<{ kind: 'job' | 'recipe'; id: number; name: string; trigger_rule: unknown }>(
      `SELECT 'job' AS kind, id, name, trigger_rule FROM job_type WHERE is_active AND trigger_rule->>'type' = $1
       UNION ALL
       SELECT DISTINCT ON (name) 'recipe' AS kind, id, name, trigger_rule FROM recipe_type WHERE is_active AND trigger_rule->>'type' = $1`,
      [type],
    );
    const out: { kind: 'job' | 'recipe'; id: number; name: string; rule: FileRule }[] = [];
    for (const r of res.rows) {
      const rule = readTriggerRule(r.trigger_rule, null).value;
      if (rule && rule.type !== 'CLOCK' && rule.isActive) out.push({ kind: r.kind, id: r.id, name: r.name, rule });
    }
    return out;
  }

  /**
   * Creates what a rule starts: given the file (INGEST, PARSE) or nothing (CLOCK); its products go to
   * the rule's workspace. Its failure is reported on the event, never thrown.
   */
  async function start(kind: 'job' | 'recipe', typeId: number, file: { input: string; fileId: number; workspace: string | null } | null, eventId: number): Promise<{ job?: number; recipe?: number; error?: string }> {
    // The file is the rule's input (a file or files input alike take one file).
    const inputs = new Map<string, InputValue>(file ? [[file.input, { kind: 'files', fileIds: [file.fileId] }]] : []);
    const configuration = file?.workspace ? { output_workspaces: { default: file.workspace, outputs: {} } } : undefined;
    try {
      if (kind === 'job') {
        const { job } = await deps.jobs.create({ jobTypeId: typeId, data: { inputs, outputs: new Map() }, ...(configuration ? { configuration } : {}) });
        await db.query('UPDATE job SET event_id = $2 WHERE id = $1', [job.id, eventId]);
        return { job: job.id };
      }
      const { recipe } = await deps.recipes.create({ recipeTypeId: typeId, data: { inputs, workspaceId: null }, ...(configuration ? { configuration } : {}) });
      await db.query('UPDATE recipe SET event_id = $2 WHERE id = $1', [recipe.id, eventId]);
      return { recipe: recipe.id };
    } catch (err) {
      deps.log?.warn('a trigger could not start what its rule names', { kind, typeId, fileId: file?.fileId, err });
      return { error: (err as Error).message };
    }
  }

  /** The recipe a Strike or Scan configuration names (v6 `recipe`), if any. */
  async function ownerRecipe(owner: IngestOwner): Promise<{ id: number; firstInput: string } | null> {
    const row = owner.strikeId !== null
      ? (await db.query<{ configuration: any }>('SELECT configuration FROM strike WHERE id = $1', [owner.strikeId])).rows[0]
      : owner.scanId !== null ? (await db.query<{ configuration: any }>('SELECT configuration FROM scan WHERE id = $1', [owner.scanId])).rows[0] : undefined;
    const r = row?.configuration?.recipe;
    if (!r?.name) return null;
    const rt = await deps.recipeTypes.byName(r.name);
    if (!rt || !rt.isActive) return null;
    const rev = (typeof r.revision_num === 'number' ? await deps.recipeTypes.revisionByNum(rt.id, r.revision_num) : null) ?? (await deps.recipeTypes.currentRevision(rt));
    const first = rev.definition.inputs.find((i) => i.kind === 'file' || i.kind === 'files');
    return first ? { id: rt.id, firstInput: first.name } : null;
  }

  /** Records a trigger event for each file and starts what the matching rules (and the file's Strike or Scan recipe) name. */
  async function fire(type: 'INGEST' | 'PARSE', items: { fileId: number; description: Record<string, unknown>; owner: IngestOwner | null }[]): Promise<void> {
    if (!items.length) return;
    const rules = await rulesOf(type);
    const meta = await db.query<{ id: string; file_name: string; media_type: string; data_type_tags: string[] }>('SELECT id, file_name, media_type, data_type_tags FROM scale_file WHERE id = ANY($1::bigint[])', [items.map((f) => f.fileId)]);
    const byId = new Map(meta.rows.map((r) => [Number(r.id), r]));
    const recipes = new Map<string, { id: number; firstInput: string } | null>();
    for (const f of items) {
      const m = byId.get(f.fileId);
      if (!m) continue;
      let ownRecipe: { id: number; firstInput: string } | null = null;
      if (f.owner) {
        const key = `${f.owner.strikeId}/${f.owner.scanId}`;
        if (!recipes.has(key)) recipes.set(key, await ownerRecipe(f.owner));
        ownRecipe = recipes.get(key) ?? null;
      }
      const matching = rules.filter((r) => fileMatches(r.rule, { mediaType: m.media_type, dataTypes: m.data_type_tags ?? [] }));
      if (!matching.length && !ownRecipe) continue;
      const ev = await db.query<{ id: number }>(
        'INSERT INTO trigger_event (type, rule, description) VALUES ($1, $2, $3) RETURNING id',
        [type, JSON.stringify(matching.map((r) => ({ [`${r.kind}_type`]: { id: r.id, name: r.name } }))), JSON.stringify({ version: '1.0', file_id: f.fileId, file_name: m.file_name, ...f.description })],
      );
      const eventId = ev.rows[0].id;
      const started = [];
      for (const r of matching) started.push({ [`${r.kind}_type`]: r.name, ...(await start(r.kind, r.id, { input: r.rule.inputName, fileId: f.fileId, workspace: r.rule.workspaceName }, eventId)) });
      if (ownRecipe) started.push({ recipe_type: 'strike', ...(await start('recipe', ownRecipe.id, { input: ownRecipe.firstInput, fileId: f.fileId, workspace: null }, eventId)) });
      await db.query("UPDATE trigger_event SET description = description || jsonb_build_object('started', $2::jsonb) WHERE id = $1", [eventId, JSON.stringify(started)]);
    }
  }

  /** The file ids a job was given. */
  const inputFileIds = (input: unknown): number[] => [...readJobData(input).inputs.values()].flatMap(fileIdsOf);

  /**
   * Parse results of completed jobs (results manifest parse_results): each names one of the job's
   * input files; its data types, times and geometry are recorded, and a PARSE event fires for it.
   */
  async function onParsed(results: { jobId: number; parseResults: unknown[] }[]): Promise<void> {
    const items: { fileId: number; description: Record<string, unknown>; owner: null }[] = [];
    for (const r of results) {
      const job = (await db.query<{ input: unknown }>('SELECT input FROM job WHERE id = $1', [r.jobId])).rows[0];
      const ids = inputFileIds(job?.input);
      if (!ids.length) continue;
      const files = (await db.query<{ id: string; file_name: string; data_type_tags: string[] }>("SELECT id, file_name, data_type_tags FROM scale_file WHERE id = ANY($1::bigint[]) AND file_type = 'SOURCE'", [ids])).rows;
      for (const p of r.parseResults as any[]) {
        const f = files.find((x) => x.file_name === p?.filename);
        if (!f) continue;
        const geo = p.geo_metadata ?? {};
        const geometry = geo.geo_json?.type === 'Feature' ? geo.geo_json.geometry : geo.geo_json;
        await deps.files.updateMetadata([{
          fileId: Number(f.id), dataTypes: [...new Set([...(f.data_type_tags ?? []), ...(Array.isArray(p.data_types) ? p.data_types : [])])],
          ...(geometry ? { geometry } : {}), ...(geo.data_started ? { dataStarted: geo.data_started } : {}), ...(geo.data_ended ? { dataEnded: geo.data_ended } : {}),
          metaData: { parsed: new Date().toISOString(), parsed_by_job: r.jobId },
        }]);
        items.push({ fileId: Number(f.id), description: { job_id: r.jobId }, owner: null });
      }
    }
    await fire('PARSE', items);
  }

  /** The period a moment falls in, counted from the start of its UTC day (Scale: a schedule is absolute within each day). */
  function periodKey(now: Date, everySeconds: number): string {
    const day = now.toISOString().slice(0, 10);
    const since = (now.getTime() - Date.parse(`${day}T00:00:00Z`)) / 1000;
    return `${day}:${Math.floor(since / everySeconds)}`;
  }

  /**
   * CLOCK rules: the built-in clock processors (Scale's scale-clock: JOB_LOAD samples the queue
   * every minute) and every active job or recipe type with a CLOCK rule, which gets a job (or
   * recipe) each period. One event per rule and period, whichever server process gets there first
   * (a unique key), so two servers never both fire.
   */
  async function clockTick(now = new Date()): Promise<number> {
    let n = 0;
    for (const b of builtinClock) {
      const ev = await db.query<{ id: number }>(
        `INSERT INTO trigger_event (type, rule, description, clock_key) VALUES ($1, $2, $3, $4) ON CONFLICT (clock_key) DO NOTHING RETURNING id`,
        [b.eventType, JSON.stringify({ builtin: b.eventType, schedule: b.schedule }), JSON.stringify({ version: '1.0', event_type: b.eventType }), `builtin:${b.eventType}:${periodKey(now, b.everySeconds)}`],
      );
      if (!ev.rows[0]) continue;
      try {
        await b.run();
      } catch (err) {
        deps.log?.warn('a clock processor failed', { eventType: b.eventType, err });
      }
      n++;
    }
    const res = await db.query<{ kind: 'job' | 'recipe'; id: number; name: string; trigger_rule: unknown }>(
      `SELECT 'job' AS kind, id, name, trigger_rule FROM job_type WHERE is_active AND trigger_rule->>'type' = 'CLOCK'
       UNION ALL SELECT DISTINCT ON (name) 'recipe' AS kind, id, name, trigger_rule FROM recipe_type WHERE is_active AND trigger_rule->>'type' = 'CLOCK'`,
    );
    for (const r of res.rows) {
      const rule = readTriggerRule(r.trigger_rule, null).value;
      if (!rule || rule.type !== 'CLOCK' || !rule.isActive) continue;
      const key = periodKey(now, rule.everySeconds);
      const ev = await db.query<{ id: number }>(
        `INSERT INTO trigger_event (type, rule, description, clock_key) VALUES ($1, $2, $3, $4) ON CONFLICT (clock_key) DO NOTHING RETURNING id`,
        [rule.eventType, JSON.stringify({ [`${r.kind}_type`]: { id: r.id, name: r.name } }), JSON.stringify({ version: '1.0', event_type: rule.eventType, schedule_seconds: rule.everySeconds, period: key }), `${r.kind}:${r.id}:${key}`],
      );
      if (!ev.rows[0]) continue;
      const started = await start(r.kind, r.id, null, ev.rows[0].id);
      await db.query("UPDATE trigger_event SET description = description || jsonb_build_object('started', $2::jsonb) WHERE id = $1", [ev.rows[0].id, JSON.stringify(started)]);
      n++;
    }
    return n;
  }

  let clock: NodeJS.Timeout | null = null;
  let ticking: Promise<unknown> | null = null;
  return {
    /** Events by id (what batches, jobs and recipes show of the event that made them). */
    events: (ids: number[]) => eventsById(db, ids),
    /** INGEST events for newly ingested files, and whatever their rules start. */
    onIngested: (files: { ingestId: number; fileId: number; owner: IngestOwner }[]) => fire('INGEST', files.map((f) => ({ fileId: f.fileId, owner: f.owner, description: { ingest_id: f.ingestId, strike_id: f.owner.strikeId, scan_id: f.owner.scanId } }))),
    onParsed,
    clockTick,
    startClock(everyMs: number): void {
      if (clock) return;
      clock = setInterval(() => {
        if (ticking) return;
        ticking = clockTick().catch((err) => deps.log?.error('clock triggers failed', { err })).finally(() => (ticking = null));
      }, everyMs);
      clock.unref();
    },
    async stopClock(): Promise<void> {
      if (clock) clearInterval(clock);
      clock = null;
      await ticking;
    },
  };
}
