// Recipe types: named, versioned recipe definitions. Every definition change makes a new revision;
// a recipe pins the revision it was created with, so editing a type never changes running recipes.
import { slugify, titleToName } from '../title-name.ts';
import type { Db, Queryable, Row } from '../../store/db.ts';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../../store/db.ts';
import { type ListRequest, type ListResult, Where, containing, orderBy, pagedList } from '../../store/listing.ts';
import {
  type DefinitionFormat, type RevisionResolver, definitionFormatOf, parseRecipeDefinition, toRecipeDefinitionJson,
} from '../../../seed-mapping/scale-recipe-definition.ts';
import type { Problem } from '../../schemas.ts';
import { Conflict, Invalid, NotFound } from '../../errors.ts';
import type { JobType, JobTypeService, Revision as JobTypeRevision } from '../job-types/service.ts';
import type { RecipeDefinition } from '../recipes/definition.ts';
import { type DefinitionLookups, type Lookup, type Warning, validateDefinition } from '../recipes/validate.ts';
import { sameJson } from '../same-json.ts';
import { triggerRuleProblems } from '../triggers/check.ts';

export interface RecipeType {
  id: number;
  name: string;
  version: string;
  title: string | null;
  description: string | null;
  isSystem: boolean;
  isActive: boolean;
  /** As stored: the wire format it was given in, defaults filled in. */
  definitionJson: Record<string, unknown>;
  revisionNum: number;
  triggerRule: unknown;
  created: Date;
  archived: Date | null;
  lastModified: Date;
}

export interface RecipeTypeRevision {
  id: number;
  recipeTypeId: number;
  revisionNum: number;
  definitionJson: Record<string, unknown>;
  definition: RecipeDefinition;
  created: Date;
}

/** Fields a client may set (Scale's names). */
export interface RecipeTypeInput {
  name?: string;
  version?: string;
  title?: string | null;
  description?: string | null;
  definition?: unknown;
  trigger_rule?: unknown;
  is_active?: boolean;
}

export interface RecipeTypeValidation {
  errors: Problem[];
  warnings: Warning[];
}

export interface RecipeTypeListFilter extends ListRequest {
  started?: Date | null;
  ended?: Date | null;
  names?: string[];
  ids?: number[];
  isActive?: boolean | null;
  isSystem?: boolean | null;
  /** Any of these words in the name, title or description (Scale 6's keyword filter). */
  keywords?: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,49}$/;
const DEFAULT_VERSION = '1.0.0';
const MAX_NESTING = 10;
const ORDERABLE: Record<string, string> = {
  id: 'id', name: 'name', version: 'version', title: 'title', created: 'created', last_modified: 'last_modified',
  is_active: 'is_active', revision_num: 'revision_num',
};

export function toRecipeType(r: Row): RecipeType {
  return {
    id: r.id, name: r.name, version: r.version, title: r.title, description: r.description, isSystem: r.is_system, isActive: r.is_active,
    definitionJson: r.definition, revisionNum: r.revision_num, triggerRule: r.trigger_rule, created: r.created, archived: r.archived,
    lastModified: r.last_modified,
  };
}

export type RecipeTypeService = ReturnType<typeof createRecipeTypeService>;

export function createRecipeTypeService({ db, jobTypes }: { db: Db; jobTypes: JobTypeService }) {
  // Revisions never change once written: parsed once per process.
  const revisions = new Map<number, RecipeTypeRevision>();

  function toRevision(r: Row): RecipeTypeRevision {
    const cached = revisions.get(r.id);
    if (cached) return cached;
    const parsed = parseRecipeDefinition(r.definition);
    if (!parsed.value) throw new Error(`stored recipe type revision ${r.id} no longer parses: ${JSON.stringify(parsed.errors)}`);
    const rev = { id: r.id, recipeTypeId: r.recipe_type_id, revisionNum: r.revision_num, definitionJson: r.definition, definition: parsed.value, created: r.created };
    revisions.set(rev.id, rev);
    return rev;
  }

  async function get(id: number, q: Queryable = db): Promise<RecipeType> {
    const res = await q.query('SELECT * FROM recipe_type WHERE id = $1', [id]);
    if (!res.rows[0]) throw new NotFound('recipe type', id);
    return toRecipeType(res.rows[0]);
  }

  async function getMany(ids: number[]): Promise<Map<number, RecipeType>> {
    if (!ids.length) return new Map();
    const res = await db.query('SELECT * FROM recipe_type WHERE id = ANY($1::int[])', [ids]);
    return new Map(res.rows.map((r) => [r.id, toRecipeType(r)]));
  }

  /** By name: the given version, or the newest active one (v6 addresses recipe types by name alone). */
  async function byName(name: string, version?: string | null): Promise<RecipeType | null> {
    const res = version
      ? await db.query('SELECT * FROM recipe_type WHERE name = $1 AND version = $2', [name, version])
      : await db.query('SELECT * FROM recipe_type WHERE name = $1 ORDER BY is_active DESC, created DESC, id DESC LIMIT 1', [name]);
    return res.rows[0] ? toRecipeType(res.rows[0]) : null;
  }

  async function revision(id: number): Promise<RecipeTypeRevision> {
    const cached = revisions.get(id);
    if (cached) return cached;
    const res = await db.query('SELECT * FROM recipe_type_revision WHERE id = $1', [id]);
    if (!res.rows[0]) throw new NotFound('recipe type revision', id);
    return toRevision(res.rows[0]);
  }

  async function revisionByNum(recipeTypeId: number, num: number, q: Queryable = db): Promise<RecipeTypeRevision | null> {
    const res = await q.query('SELECT * FROM recipe_type_revision WHERE recipe_type_id = $1 AND revision_num = $2', [recipeTypeId, num]);
    return res.rows[0] ? toRevision(res.rows[0]) : null;
  }

  async function currentRevision(t: RecipeType, q: Queryable = db): Promise<RecipeTypeRevision> {
    const rev = await revisionByNum(t.id, t.revisionNum, q);
    if (!rev) throw new NotFound('recipe type revision', `${t.name}#${t.revisionNum}`);
    return rev;
  }

  async function revisionsOf(recipeTypeId: number): Promise<RecipeTypeRevision[]> {
    const res = await db.query('SELECT * FROM recipe_type_revision WHERE recipe_type_id = $1 ORDER BY revision_num DESC', [recipeTypeId]);
    return res.rows.map(toRevision);
  }

  /** Revision numbers by revision id. */
  async function revisionNums(ids: number[]): Promise<Map<number, number>> {
    if (!ids.length) return new Map();
    const res = await db.query('SELECT id, revision_num FROM recipe_type_revision WHERE id = ANY($1::int[])', [ids]);
    return new Map(res.rows.map((r) => [r.id, r.revision_num]));
  }

  /**
   * Loads every job type and recipe type a definition names (sub-recipes' too, however deep) and
   * answers the validator's questions from memory.
   */
  async function lookupsFor(def: RecipeDefinition, self?: string): Promise<DefinitionLookups & { jobTypes: Map<string, { type: JobType; rev: JobTypeRevision }> }> {
    const jobs = new Map<string, Lookup<{ type: JobType; rev: JobTypeRevision }>>();
    const recipes = new Map<string, Lookup<{ type: RecipeType; rev: RecipeTypeRevision }>>();
    const jobKey = (name: string, version: string, rev: number | null) => `${name}\u0000${version}\u0000${rev ?? ''}`;
    const recipeKey = (name: string, rev: number | null) => `${name}\u0000${rev ?? ''}`;
    let level: RecipeDefinition[] = [def];
    for (let depth = 0; level.length && depth < MAX_NESTING; depth++) {
      const next: RecipeDefinition[] = [];
      for (const d of level) {
        for (const n of d.nodes) {
          const t = n.type;
          if (t.kind === 'job') {
            const key = jobKey(t.jobTypeName, t.jobTypeVersion, t.jobTypeRevision);
            if (jobs.has(key)) continue;
            const type = await jobTypes.byNameVersion(t.jobTypeName, t.jobTypeVersion);
            if (!type) {
              jobs.set(key, 'no-type');
              continue;
            }
            const rev = t.jobTypeRevision === null ? await jobTypes.currentRevision(type) : await jobTypes.revisionByNum(type.id, t.jobTypeRevision);
            jobs.set(key, rev ? { type, rev } : 'no-revision');
          } else if (t.kind === 'recipe') {
            const key = recipeKey(t.recipeTypeName, t.recipeTypeRevision);
            if (recipes.has(key)) continue;
            const type = await byName(t.recipeTypeName);
            if (!type) {
              recipes.set(key, 'no-type');
              continue;
            }
            const rev = await revisionByNum(type.id, t.recipeTypeRevision ?? type.revisionNum);
            recipes.set(key, rev ? { type, rev } : 'no-revision');
            if (rev) next.push(rev.definition);
          }
        }
      }
      level = next;
    }
    const resolvedJobs = new Map<string, { type: JobType; rev: JobTypeRevision }>();
    for (const [k, v] of jobs) if (typeof v !== 'string') resolvedJobs.set(k, v);
    return {
      self,
      jobTypes: resolvedJobs,
      jobType(name, version, revision) {
        const found = jobs.get(jobKey(name, version, revision)) ?? 'no-type';
        return typeof found === 'string' ? found : { revisionNum: found.rev.revisionNum, interface: found.rev.interface };
      },
      recipeType(name, revision) {
        const found = recipes.get(recipeKey(name, revision)) ?? 'no-type';
        return typeof found === 'string' ? found : { revisionNum: found.rev.revisionNum, definition: found.rev.definition };
      },
    };
  }

  /** Checks a create (or, with `existing`, an edit); returns the parsed definition when there is one. */
  async function analyse(input: RecipeTypeInput, existing?: RecipeType): Promise<RecipeTypeValidation & { definition: RecipeDefinition | null }> {
    const errors: Problem[] = [];
    const warnings: Warning[] = [];
    if (!existing) {
      if (typeof input.name !== 'string') errors.push({ field: 'name', message: 'is required (or a title to make it from)' });
      else if (!NAME.test(input.name)) errors.push({ field: 'name', message: 'must be 1-50 letters, digits, "_", "." or "-", starting with a letter or digit' });
      if (input.version !== undefined && (typeof input.version !== 'string' || !VERSION.test(input.version))) {
        errors.push({ field: 'version', message: 'must be 1-50 letters, digits, "_", ".", "+" or "-"' });
      }
      if (input.definition === undefined) errors.push({ field: 'definition', message: 'is required' });
    }
    let definition: RecipeDefinition | null = null;
    if (input.definition !== undefined) {
      const parsed = parseRecipeDefinition(input.definition);
      errors.push(...parsed.errors);
      if (parsed.value) {
        const checked = validateDefinition(parsed.value, await lookupsFor(parsed.value, existing?.name ?? input.name));
        errors.push(...checked.errors);
        warnings.push(...checked.warnings);
        definition = parsed.value;
      }
    }
    if (input.trigger_rule !== undefined && input.trigger_rule !== null) {
      const inputs = definition?.inputs ?? (existing ? (await currentRevision(existing)).definition.inputs : null);
      errors.push(...(await triggerRuleProblems(db, input.trigger_rule, inputs)));
    }
    return { errors, warnings, definition };
  }

  /** Checks a recipe type (a new one, or the next revision of existingId); `definition` is the parsed one, when it parses. */
  async function validate(input: RecipeTypeInput, existingId?: number): Promise<RecipeTypeValidation & { definition: RecipeDefinition | null }> {
    const existing = existingId === undefined ? undefined : await get(existingId);
    const { errors, warnings, definition } = await analyse(existing ? input : await named(input), existing);
    return { errors, warnings, definition };
  }

  /** The definition JSON to store: normalised in the format it came in. */
  async function storedJson(given: unknown, def: RecipeDefinition): Promise<Record<string, unknown>> {
    return toRecipeDefinitionJson(def, definitionFormatOf(given), await resolver());
  }

  /** Current revision numbers of every job type and recipe type, for writing v6 definitions. */
  async function resolver(): Promise<RevisionResolver> {
    const [jt, rt] = await Promise.all([
      db.query('SELECT name, version, revision_num FROM job_type'),
      db.query('SELECT DISTINCT ON (name) name, revision_num FROM recipe_type ORDER BY name, is_active DESC, created DESC, id DESC'),
    ]);
    const jobs = new Map(jt.rows.map((r) => [`${r.name}\u0000${r.version}`, r.revision_num as number]));
    const recipes = new Map(rt.rows.map((r) => [r.name as string, r.revision_num as number]));
    return { jobTypeRevision: (name, version) => jobs.get(`${name}\u0000${version}`) ?? null, recipeTypeRevision: (name) => recipes.get(name) ?? null };
  }

  /** A definition in the format a caller wants (1.0 falls back to v6 where 1.0 cannot say it). */
  async function render(defs: { json: Record<string, unknown> }[], format: DefinitionFormat | 'stored'): Promise<Record<string, unknown>[]> {
    if (format === 'stored') return defs.map((d) => d.json);
    const resolve = await resolver();
    return defs.map((d) => {
      if (definitionFormatOf(d.json) === format) return d.json;
      const parsed = parseRecipeDefinition(d.json);
      return parsed.value ? toRecipeDefinitionJson(parsed.value, format, resolve) : d.json;
    });
  }

  async function list(f: RecipeTypeListFilter): Promise<ListResult<RecipeType>> {
    const where = new Where().range('last_modified', f.started, f.ended).anyOf('name', f.names, 'text').anyOf('id', f.ids, 'int');
    if (f.isActive !== undefined && f.isActive !== null) where.add('is_active = ?', f.isActive);
    if (f.isSystem !== undefined && f.isSystem !== null) where.add('is_system = ?', f.isSystem);
    if (f.keywords?.length) {
      const p = containing(f.keywords);
      where.add('(name ILIKE ANY(?::text[]) OR title ILIKE ANY(?::text[]) OR description ILIKE ANY(?::text[]))', p, p, p);
    }
    const res = await pagedList(db, { select: '*', from: 'recipe_type', where, orderSql: orderBy(f.order, ORDERABLE, ['name', 'version']), tiebreak: 'id', page: f });
    return { count: res.count, rows: res.rows.map(toRecipeType) };
  }

  /** v6 creates from a title alone: the name is made from it as Scale makes it. */
  async function named(input: RecipeTypeInput): Promise<RecipeTypeInput> {
    if (input.name !== undefined || typeof input.title !== 'string' || !slugify(input.title)) return input;
    return { ...input, name: await titleToName(input.title, async (n) => (await byName(n)) !== null) };
  }

  async function create(given: RecipeTypeInput, opts: { isSystem?: boolean; tx?: Queryable } = {}): Promise<{ recipeType: RecipeType; warnings: Warning[] }> {
    const input = await named(given);
    const a = await analyse(input);
    if (a.errors.length) throw Invalid.many(a.errors);
    const json = await storedJson(input.definition, a.definition!);
    const insert = async (tx: Queryable) => {
      const res = await tx.query(
        `INSERT INTO recipe_type (name, version, title, description, is_system, is_active, archived, definition, trigger_rule)
         VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6 THEN NULL ELSE now() END, $7, $8) RETURNING *`,
        [input.name, input.version ?? DEFAULT_VERSION, input.title ?? null, input.description ?? null, opts.isSystem ?? false, input.is_active ?? true,
          JSON.stringify(json), input.trigger_rule == null ? null : JSON.stringify(input.trigger_rule)],
      );
      await tx.query('INSERT INTO recipe_type_revision (recipe_type_id, revision_num, definition) VALUES ($1, 1, $2)', [res.rows[0].id, JSON.stringify(json)]);
      return toRecipeType(res.rows[0]);
    };
    try {
      const recipeType = opts.tx ? await insert(opts.tx) : await db.transaction(insert);
      return { recipeType, warnings: a.warnings };
    } catch (err) {
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw new Conflict(`recipe type ${input.name} version ${input.version ?? DEFAULT_VERSION} already exists`);
      throw err;
    }
  }

  async function edit(id: number, input: RecipeTypeInput, opts: { tx?: Queryable } = {}): Promise<{ recipeType: RecipeType; warnings: Warning[] }> {
    if (input.name !== undefined || input.version !== undefined) {
      throw Invalid.many([
        ...(input.name !== undefined ? [{ field: 'name', message: 'cannot be changed; create a new recipe type' }] : []),
        ...(input.version !== undefined ? [{ field: 'version', message: 'cannot be changed; create a new recipe type version' }] : []),
      ]);
    }
    const existing = await get(id, opts.tx);
    const a = await analyse(input, existing);
    if (a.errors.length) throw Invalid.many(a.errors);
    const json = a.definition ? await storedJson(input.definition, a.definition) : existing.definitionJson;
    const revise = !sameJson(json, existing.definitionJson);
    const set = (k: keyof RecipeTypeInput) => input[k] !== undefined;
    const update = async (tx: Queryable) => {
      const res = await tx.query(
        `UPDATE recipe_type SET
           title = CASE WHEN $2::boolean THEN $3::text ELSE title END,
           description = CASE WHEN $4::boolean THEN $5::text ELSE description END,
           archived = CASE WHEN $6::boolean IS NULL OR $6::boolean = is_active THEN archived WHEN $6::boolean THEN NULL ELSE now() END,
           is_active = coalesce($6::boolean, is_active),
           definition = $7::jsonb,
           trigger_rule = CASE WHEN $8::boolean THEN $9::jsonb ELSE trigger_rule END,
           revision_num = revision_num + CASE WHEN $10::boolean THEN 1 ELSE 0 END,
           last_modified = now()
         WHERE id = $1 RETURNING *`,
        [id, set('title'), input.title ?? null, set('description'), input.description ?? null, input.is_active ?? null, JSON.stringify(json),
          set('trigger_rule'), input.trigger_rule == null ? null : JSON.stringify(input.trigger_rule), revise],
      );
      const row = res.rows[0];
      if (revise) await tx.query('INSERT INTO recipe_type_revision (recipe_type_id, revision_num, definition) VALUES ($1, $2, $3)', [id, row.revision_num, JSON.stringify(json)]);
      return toRecipeType(row);
    };
    const recipeType = opts.tx ? await update(opts.tx) : await db.transaction(update);
    return { recipeType, warnings: a.warnings };
  }

  /** The job types a definition names (current revisions where it pins none), for recipe type details. */
  async function jobTypesOf(def: RecipeDefinition): Promise<JobType[]> {
    const seen = new Map<string, JobType>();
    for (const n of def.nodes) {
      if (n.type.kind !== 'job') continue;
      const key = `${n.type.jobTypeName}\u0000${n.type.jobTypeVersion}`;
      if (seen.has(key)) continue;
      const t = await jobTypes.byNameVersion(n.type.jobTypeName, n.type.jobTypeVersion);
      if (t) seen.set(key, t);
    }
    return [...seen.values()];
  }

  /** The recipe types a definition names as sub-recipes. */
  async function subRecipeTypesOf(def: RecipeDefinition): Promise<RecipeType[]> {
    const out = new Map<string, RecipeType>();
    for (const n of def.nodes) {
      if (n.type.kind !== 'recipe' || out.has(n.type.recipeTypeName)) continue;
      const t = await byName(n.type.recipeTypeName);
      if (t) out.set(t.name, t);
    }
    return [...out.values()];
  }

  /** Active recipe types whose current revision has a node of this job type (name and version). */
  async function containingJobType(name: string, version: string): Promise<RecipeType[]> {
    const res = await db.query('SELECT * FROM recipe_type WHERE is_active ORDER BY name, version, id');
    const out: RecipeType[] = [];
    for (const row of res.rows) {
      const t = toRecipeType(row);
      const { definition } = await currentRevision(t);
      if (definition.nodes.some((n) => n.type.kind === 'job' && n.type.jobTypeName === name && n.type.jobTypeVersion === version)) out.push(t);
    }
    return out;
  }

  return {
    get, getMany, byName, revision, revisionByNum, currentRevision, revisionsOf, revisionNums, lookupsFor, validate, render, list, create, edit, resolver,
    jobTypesOf, subRecipeTypesOf, containingJobType,
  };
}
