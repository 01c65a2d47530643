// Firing triggers: every ingested file is an INGEST trigger event, checked against the INGEST rules
// of active job and recipe types; each match creates a job or recipe with the file as the rule's
// input and its products going to the rule's workspace. A Strike or Scan naming a recipe starts it
// too, the file as the recipe's first input. Events are recorded and linked to what they created.
import type { Db } from '../../store/db.ts';
import type { Logger } from '../../log.ts';
import type { IngestOwner } from '../ingest/ingester.ts';
import type { JobService } from '../jobs/service.ts';
import type { RecipeTypeService } from '../recipe-types/service.ts';
import type { RecipeService } from '../recipes/service.ts';
import { fileMatches, readTriggerRule, type TriggerRule } from './rules.ts';

type FileRule = Extract<TriggerRule, { type: 'INGEST' | 'PARSE' }>;

export type TriggerService = ReturnType<typeof createTriggerService>;

export function createTriggerService(deps: { db: Db; jobs: JobService; recipes: RecipeService; recipeTypes: RecipeTypeService; log?: Logger }) {
  const { db } = deps;

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

  /** Creates what a rule starts for one file; its failure is reported on the event, never thrown. */
  async function start(kind: 'job' | 'recipe', typeId: number, inputName: string, fileId: number, workspace: string | null, eventId: number): Promise<{ job?: number; recipe?: number; error?: string }> {
    const input = { files: { [inputName]: [fileId] }, json: {} };
    const configuration = workspace ? { output_workspaces: { default: workspace, outputs: {} } } : undefined;
    try {
      if (kind === 'job') {
        const { job } = await deps.jobs.create({ jobTypeId: typeId, input, ...(configuration ? { configuration } : {}) });
        await db.query('UPDATE job SET event_id = $2 WHERE id = $1', [job.id, eventId]);
        return { job: job.id };
      }
      const { recipe } = await deps.recipes.create({ recipeTypeId: typeId, input, ...(configuration ? { configuration } : {}) });
      await db.query('UPDATE recipe SET event_id = $2 WHERE id = $1', [recipe.id, eventId]);
      return { recipe: recipe.id };
    } catch (err) {
      deps.log?.warn('a trigger could not start what its rule names', { kind, typeId, fileId, err });
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

  return {
    /** INGEST events for newly ingested files, and whatever their rules start. */
    async onIngested(files: { ingestId: number; fileId: number; owner: IngestOwner }[]): Promise<void> {
      if (!files.length) return;
      const rules = await rulesOf('INGEST');
      const meta = await db.query<{ id: string; file_name: string; media_type: string; data_type_tags: string[] }>('SELECT id, file_name, media_type, data_type_tags FROM scale_file WHERE id = ANY($1::bigint[])', [files.map((f) => f.fileId)]);
      const byId = new Map(meta.rows.map((r) => [Number(r.id), r]));
      const recipes = new Map<string, { id: number; firstInput: string } | null>();
      for (const f of files) {
        const m = byId.get(f.fileId);
        if (!m) continue;
        const key = `${f.owner.strikeId}/${f.owner.scanId}`;
        if (!recipes.has(key)) recipes.set(key, await ownerRecipe(f.owner));
        const matching = rules.filter((r) => fileMatches(r.rule, { mediaType: m.media_type, dataTypes: m.data_type_tags ?? [] }));
        const ownRecipe = recipes.get(key);
        if (!matching.length && !ownRecipe) continue;
        const ev = await db.query<{ id: number }>(
          `INSERT INTO trigger_event (type, rule, description) VALUES ('INGEST', $1, $2) RETURNING id`,
          [JSON.stringify(matching.map((r) => ({ [`${r.kind}_type`]: { id: r.id, name: r.name } }))), JSON.stringify({ version: '1.0', file_id: f.fileId, file_name: m.file_name, ingest_id: f.ingestId, strike_id: f.owner.strikeId, scan_id: f.owner.scanId })],
        );
        const eventId = ev.rows[0].id;
        const started = [];
        for (const r of matching) started.push({ [`${r.kind}_type`]: r.name, ...(await start(r.kind, r.id, r.rule.inputName, f.fileId, r.rule.workspaceName, eventId)) });
        if (ownRecipe) started.push({ recipe_type: 'strike', ...(await start('recipe', ownRecipe.id, ownRecipe.firstInput, f.fileId, null, eventId)) });
        await db.query("UPDATE trigger_event SET description = description || jsonb_build_object('started', $2::jsonb) WHERE id = $1", [eventId, JSON.stringify(started)]);
      }
    },
  };
}
