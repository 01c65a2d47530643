// Configuration import/export 1.0 (seed 002): errors, job types and recipe types as one document,
// to move a tested setup from one installation to another. An import is all or nothing: it runs
// the ordinary services over a single transaction (so each item is checked exactly as the API
// checks it, seeing the items before it) and rolls back if any item is refused. Validation is an
// import that always rolls back.
import type { Db, Queryable } from '../../store/db.ts';
import { withinTransaction } from '../../store/db.ts';
import { check, type Problem } from '../../schemas.ts';
import { DomainError, Invalid } from '../../errors.ts';
import type { TypeServices } from '../index.ts';
import type { JobType } from '../job-types/service.ts';
import type { RecipeType } from '../recipe-types/service.ts';
import type { Warning } from '../recipes/validate.ts';

export interface ExportFilter {
  include?: ('recipe_types' | 'job_types' | 'errors')[];
  recipeTypeIds?: number[];
  recipeTypeNames?: string[];
  jobTypeIds?: number[];
  jobTypeNames?: string[];
  jobTypeCategories?: string[];
  errorIds?: number[];
  errorNames?: string[];
}

export interface ConfigurationDocument {
  version: '1.0';
  recipe_types?: Record<string, unknown>[];
  job_types?: Record<string, unknown>[];
  errors?: Record<string, unknown>[];
}

/** Fields of an exported job type the server works out itself; an import ignores them. */
const DERIVED_JOB_TYPE_FIELDS = ['id', 'is_system', 'uses_docker', 'revision_num', 'created', 'last_modified', 'archived', 'paused', 'is_active', 'is_paused'];
const SEED_FIELDS = ['docker_image', 'manifest', 'configuration', 'icon_code', 'max_scheduled', 'max_tries'];

class Rollback extends Error {}

export type ConfigurationService = ReturnType<typeof createConfigurationService>;

export function createConfigurationService(deps: { db: Db; bind: (db: Db) => TypeServices }) {
  const { db } = deps;

  function jobTypeItem(t: JobType): Record<string, unknown> {
    if (t.interfaceKind === 'seed') {
      return {
        name: t.name, version: t.version, docker_image: t.dockerImage, manifest: t.manifest, configuration: t.configuration, icon_code: t.iconCode,
        max_scheduled: t.maxScheduled, max_tries: t.maxTries,
      };
    }
    return {
      name: t.name, version: t.version, title: t.title, description: t.description, category: t.category, author_name: t.authorName,
      author_url: t.authorUrl, is_system: t.isSystem, is_long_running: t.isLongRunning, is_operational: t.isOperational, icon_code: t.iconCode,
      uses_docker: Boolean(t.dockerImage), docker_privileged: t.dockerPrivileged, docker_image: t.dockerImage, priority: t.priority, timeout: t.timeout,
      max_scheduled: t.maxScheduled, max_tries: t.maxTries, cpus_required: t.cpusRequired, mem_required: t.memRequired,
      disk_out_const_required: t.diskOutConstRequired, disk_out_mult_required: t.diskOutMultRequired, interface: t.interface,
      error_mapping: t.errorMapping, trigger_rule: t.triggerRule ?? null,
    };
  }

  const recipeTypeItem = (t: RecipeType) => ({
    name: t.name, version: t.version, title: t.title, description: t.description, definition: t.definitionJson, trigger_rule: t.triggerRule ?? null,
  });

  /** The document for the filter. System job types, builtin errors and SEED job types' own errors are not configuration. */
  async function exportConfiguration(f: ExportFilter = {}): Promise<ConfigurationDocument> {
    const wants = (k: 'recipe_types' | 'job_types' | 'errors') => !f.include?.length || f.include.includes(k);
    const doc: ConfigurationDocument = { version: '1.0' };
    const services = deps.bind(db);
    if (wants('recipe_types')) {
      const res = await db.query(
        `SELECT * FROM recipe_type WHERE NOT is_system
            AND ($1::int[] IS NULL OR id = ANY($1::int[])) AND ($2::text[] IS NULL OR name = ANY($2::text[]))
          ORDER BY name, version`,
        [f.recipeTypeIds?.length ? f.recipeTypeIds : null, f.recipeTypeNames?.length ? f.recipeTypeNames : null],
      );
      const types = await services.recipeTypes.getMany(res.rows.map((r) => r.id));
      doc.recipe_types = res.rows.map((r) => recipeTypeItem(types.get(r.id)!));
    }
    if (wants('job_types')) {
      const res = await db.query(
        `SELECT id FROM job_type WHERE NOT is_system
            AND ($1::int[] IS NULL OR id = ANY($1::int[])) AND ($2::text[] IS NULL OR name = ANY($2::text[])) AND ($3::text[] IS NULL OR category = ANY($3::text[]))
          ORDER BY name, version`,
        [f.jobTypeIds?.length ? f.jobTypeIds : null, f.jobTypeNames?.length ? f.jobTypeNames : null, f.jobTypeCategories?.length ? f.jobTypeCategories : null],
      );
      const types = await services.jobTypes.getMany(res.rows.map((r) => r.id));
      doc.job_types = res.rows.map((r) => jobTypeItem(types.get(r.id)!));
    }
    if (wants('errors')) {
      const res = await db.query(
        `SELECT * FROM error WHERE NOT is_builtin AND job_type_name IS NULL
            AND ($1::int[] IS NULL OR id = ANY($1::int[])) AND ($2::text[] IS NULL OR name = ANY($2::text[]))
          ORDER BY name`,
        [f.errorIds?.length ? f.errorIds : null, f.errorNames?.length ? f.errorNames : null],
      );
      doc.errors = res.rows.map((r) => ({ name: r.name, title: r.title, description: r.description, category: r.category, should_be_retried: r.should_be_retried }));
    }
    return doc;
  }

  /** Imports a document; throws Invalid naming every refused item's field, and then changes nothing. */
  async function importConfiguration(json: unknown, opts: { dryRun?: boolean } = {}): Promise<{ warnings: Warning[] }> {
    const shape = check('scale/configuration-1.0', json, 'import');
    if (shape.length) throw Invalid.many(shape);
    const doc = json as ConfigurationDocument & { version?: string };
    if (doc.version !== undefined && doc.version !== '1.0') throw new Invalid('import.version', 'must be "1.0"');
    const problems: Problem[] = [];
    const warnings: Warning[] = [];
    try {
      await db.transaction(async (tx) => {
        const s = deps.bind(withinTransaction(tx, db.kind));
        await importErrors(tx, s, doc.errors ?? [], problems);
        await importJobTypes(s, doc.job_types ?? [], problems, warnings);
        await importRecipeTypes(tx, s, doc.recipe_types ?? [], problems, warnings);
        if (problems.length) throw Invalid.many(problems);
        if (opts.dryRun) throw new Rollback();
      });
    } catch (err) {
      if (!(err instanceof Rollback)) throw err;
    }
    return { warnings };
  }

  /** Runs one item's import, turning a refusal into problems under the item's field. */
  async function item(root: string, problems: Problem[], fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (err instanceof Invalid) {
        const details = err.details.length ? err.details : [{ field: err.field, message: err.message }];
        for (const d of details) problems.push({ field: d.field ? `${root}.${d.field}` : root, message: d.message });
      } else if (err instanceof DomainError) problems.push({ field: root, message: err.message });
      else throw err;
    }
  }

  async function importErrors(tx: Queryable, s: TypeServices, items: Record<string, any>[], problems: Problem[]) {
    for (const [i, e] of items.entries()) {
      await item(`import.errors[${i}]`, problems, async () => {
        const shape = check('scale-api/error-create', e);
        if (shape.length) throw Invalid.many(shape);
        const existing = (await tx.query('SELECT * FROM error WHERE name = $1 AND job_type_name IS NULL', [e.name])).rows[0];
        if (!existing) {
          await s.errors.create({ name: e.name, title: e.title, description: e.description, category: e.category, shouldBeRetried: e.should_be_retried });
          return;
        }
        const same = existing.title === (e.title ?? existing.title) && existing.description === (e.description ?? existing.description) && existing.category === e.category;
        if (existing.is_builtin) {
          if (!same) throw new Invalid('name', `${e.name} is a builtin error and cannot be changed`);
          return;
        }
        await s.errors.edit(existing.id, { title: e.title, description: e.description, category: e.category });
      });
    }
  }

  async function importJobTypes(s: TypeServices, items: Record<string, any>[], problems: Problem[], warnings: Warning[]) {
    for (const [i, jt] of items.entries()) {
      await item(`import.job_types[${i}]`, problems, async () => {
        if (jt.manifest !== undefined) {
          const input = Object.fromEntries(SEED_FIELDS.filter((k) => jt[k] !== undefined && jt[k] !== null).map((k) => [k, jt[k]]));
          const masked = Object.entries<string>(jt.configuration?.settings ?? {}).filter(([, v]) => v === '*****').map(([k]) => k);
          const saved = await s.seedJobTypes.save(input);
          warnings.push(...saved.warnings);
          for (const name of masked) warnings.push({ id: 'secret', details: `job type ${saved.jobType.name} ${saved.jobType.version}: secret setting ${name} was exported masked; set its value` });
          return;
        }
        const input = Object.fromEntries(Object.entries(jt).filter(([k]) => !DERIVED_JOB_TYPE_FIELDS.includes(k)));
        const shape = check('scale-api/job-type-create', input);
        if (shape.length) throw Invalid.many(shape);
        const existing = await s.jobTypes.byNameVersion(jt.name, jt.version);
        if (!existing) {
          warnings.push(...(await s.jobTypes.create(input)).warnings);
          return;
        }
        const { name: _n, version: _v, ...changes } = input;
        warnings.push(...(await s.jobTypes.edit(existing.id, changes)).warnings);
      });
    }
  }

  /** Sub-recipe types named inside a definition (v6 recipe nodes). */
  const subRecipeNames = (def: any): string[] =>
    Object.values<any>(def?.nodes ?? {}).flatMap((n) => (n?.node_type?.node_type === 'recipe' ? [n.node_type.recipe_type_name] : []));

  async function importRecipeTypes(tx: Queryable, s: TypeServices, items: Record<string, any>[], problems: Problem[], warnings: Warning[]) {
    // Recipe types the document itself nests come first.
    const names = new Set(items.map((r) => r?.name));
    const order: number[] = [];
    const placed = new Set<number>();
    const place = (i: number, depth = 0) => {
      if (placed.has(i) || depth > items.length) return;
      for (const sub of subRecipeNames(items[i]?.definition)) {
        const j = items.findIndex((r) => r?.name === sub);
        if (j >= 0 && names.has(sub)) place(j, depth + 1);
      }
      if (!placed.has(i)) {
        placed.add(i);
        order.push(i);
      }
    };
    items.forEach((_, i) => place(i));
    for (const i of order) {
      const rt = items[i];
      await item(`import.recipe_types[${i}]`, problems, async () => {
        const shape = check('scale-api/recipe-type-create', rt);
        if (shape.length) throw Invalid.many(shape);
        const definition = await repin(tx, rt.definition, rt.name, warnings);
        const existing = await s.recipeTypes.byName(rt.name, rt.version ?? '1.0.0');
        if (!existing) {
          warnings.push(...(await s.recipeTypes.create({ ...rt, definition })).warnings);
          return;
        }
        const { name: _n, version: _v, ...changes } = rt;
        warnings.push(...(await s.recipeTypes.edit(existing.id, { ...changes, definition })).warnings);
      });
    }
  }

  /**
   * A v6 definition pins job type and recipe type revisions; another installation numbers its
   * revisions afresh, so a pin it does not have moves to the current revision, with a warning.
   */
  async function repin(tx: Queryable, def: any, recipeName: string, warnings: Warning[]): Promise<unknown> {
    if (!def || typeof def !== 'object' || !def.nodes || typeof def.nodes !== 'object') return def;
    const out = structuredClone(def);
    for (const [name, n] of Object.entries<any>(out.nodes)) {
      const t = n?.node_type;
      if (t?.node_type === 'job' && Number.isInteger(t.job_type_revision)) {
        const r = await tx.query(
          `SELECT jt.revision_num, EXISTS (SELECT 1 FROM job_type_revision v WHERE v.job_type_id = jt.id AND v.revision_num = $3) AS pinned
             FROM job_type jt WHERE jt.name = $1 AND jt.version = $2`,
          [t.job_type_name, t.job_type_version, t.job_type_revision],
        );
        if (r.rows[0] && !r.rows[0].pinned) {
          warnings.push({ id: 'revision', details: `recipe type ${recipeName} node ${name}: job type ${t.job_type_name} ${t.job_type_version} has no revision ${t.job_type_revision} here; using revision ${r.rows[0].revision_num}` });
          t.job_type_revision = r.rows[0].revision_num;
        }
      } else if (t?.node_type === 'recipe' && Number.isInteger(t.recipe_type_revision)) {
        const r = await tx.query(
          `SELECT rt.revision_num, EXISTS (SELECT 1 FROM recipe_type_revision v WHERE v.recipe_type_id = rt.id AND v.revision_num = $2) AS pinned
             FROM recipe_type rt WHERE rt.name = $1 ORDER BY rt.is_active DESC, rt.created DESC, rt.id DESC LIMIT 1`,
          [t.recipe_type_name, t.recipe_type_revision],
        );
        if (r.rows[0] && !r.rows[0].pinned) {
          warnings.push({ id: 'revision', details: `recipe type ${recipeName} node ${name}: recipe type ${t.recipe_type_name} has no revision ${t.recipe_type_revision} here; using revision ${r.rows[0].revision_num}` });
          t.recipe_type_revision = r.rows[0].revision_num;
        }
      }
    }
    return out;
  }

  return { exportConfiguration, importConfiguration };
}

