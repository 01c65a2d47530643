// Job types: versioned algorithms with an interface, an error mapping and scheduling defaults.
// Every interface or error-mapping change makes a new revision; jobs pin the revision they started with.
import type { Db, Queryable, Row } from '../../store/db.ts';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../../store/db.ts';
import { type ListRequest, type ListResult, Where, containing, orderBy, pagedList } from '../../store/listing.ts';
import { parseErrorMapping, parseScaleInterface, toErrorInterface, toScaleInterface } from '../../../seed-mapping/scale-job-interface.ts';
import { Conflict, Invalid, NotFound } from '../../errors.ts';
import { sameJson } from '../same-json.ts';
import { triggerRuleProblems } from '../triggers/check.ts';
import type { ErrorService } from '../errors/service.ts';
import type { ScaleError } from '../errors/model.ts';
import type { Problem } from '../../schemas.ts';
import type { CoreEvents } from '../events.ts';
import type { ErrorMapping, JobInterface } from './model.ts';
import { type ImageChecker, vetImage } from './images.ts';

export interface JobType {
  id: number;
  name: string;
  version: string;
  title: string | null;
  description: string | null;
  category: string | null;
  authorName: string | null;
  authorUrl: string | null;
  isSystem: boolean;
  isLongRunning: boolean;
  /**
   * Its jobs are run by a service of the core (scale-strike, scale-scan: the ingest service), not by
   * the scheduler: never queued, never made through the jobs API.
   */
  isService: boolean;
  isActive: boolean;
  isOperational: boolean;
  isPaused: boolean;
  /** Scale 6's JobType.is_published: whether its outputs are published, as its caller says (v6 only). */
  isPublished: boolean;
  iconCode: string | null;
  dockerImage: string | null;
  dockerPrivileged: boolean;
  revisionNum: number;
  priority: number;
  timeout: number;
  maxScheduled: number | null;
  maxTries: number;
  cpusRequired: number;
  memRequired: number;
  diskOutConstRequired: number;
  diskOutMultRequired: number;
  /**
   * 'scale-1.0' (a job interface), 'seed' (a manifest, run from docker_image), 'ogcapppkg' (an OGC
   * Application Package with a docker unit) or 'cwl' (a CWL CommandLineTool).
   */
  interfaceKind: InterfaceKind;
  interface: Record<string, unknown>;
  errorMapping: Record<string, unknown>;
  triggerRule: unknown;
  manifest: Record<string, any> | null;
  /** v6 configuration; secret setting values are masked here and kept encrypted apart. */
  configuration: Record<string, any>;
  packageVersion: string | null;
  /** What an OGC client deployed (Part 2), as it was sent, and its media type. */
  deployedPackage: string | null;
  deployedMediaType: string | null;
  visibility: 'public' | 'private';
  created: Date;
  archived: Date | null;
  paused: Date | null;
  lastModified: Date;
}

export type InterfaceKind = 'scale-1.0' | 'seed' | 'ogcapppkg' | 'cwl';

/**
 * Readers of the stored interfaces of the kinds besides Scale 1.0 (which the service reads itself):
 * given to the service where the server is wired, so what it can read does not depend on which
 * modules happen to have been imported.
 */
export type InterfaceReaders = Partial<Record<Exclude<InterfaceKind, 'scale-1.0'>, (json: any) => JobInterface>>;

export interface Revision {
  id: number;
  jobTypeId: number;
  revisionNum: number;
  dockerImage: string | null;
  interface: JobInterface;
  interfaceJson: Record<string, unknown>;
  errorMapping: ErrorMapping;
  created: Date;
}

/** Fields a client may set (Scale's names, as in the REST API). */
export interface JobTypeInput {
  name?: string;
  version?: string;
  title?: string | null;
  description?: string | null;
  category?: string | null;
  author_name?: string | null;
  author_url?: string | null;
  is_long_running?: boolean;
  is_operational?: boolean;
  is_paused?: boolean;
  is_active?: boolean;
  icon_code?: string | null;
  docker_image?: string | null;
  docker_privileged?: boolean;
  priority?: number;
  timeout?: number;
  max_scheduled?: number | null;
  max_tries?: number;
  cpus_required?: number;
  mem_required?: number;
  disk_out_const_required?: number;
  disk_out_mult_required?: number;
  interface?: unknown;
  error_mapping?: unknown;
  trigger_rule?: unknown;
}

export interface Validation {
  errors: Problem[];
  warnings: { id: string; details: string }[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,49}$/;
const ORDERABLE: Record<string, string> = {
  id: 'id', name: 'name', version: 'version', title: 'title', category: 'category', priority: 'priority',
  created: 'created', last_modified: 'last_modified', is_active: 'is_active', is_paused: 'is_paused', revision_num: 'revision_num',
};
const EMPTY_MAPPING = { version: '1.0', exit_codes: {} };

export function toJobType(r: Row): JobType {
  return {
    id: r.id, name: r.name, version: r.version, title: r.title, description: r.description, category: r.category,
    authorName: r.author_name, authorUrl: r.author_url, isSystem: r.is_system, isLongRunning: r.is_long_running, isService: r.is_service ?? false,
    isActive: r.is_active, isOperational: r.is_operational, isPaused: r.is_paused, isPublished: r.is_published ?? false, iconCode: r.icon_code,
    dockerImage: r.docker_image, dockerPrivileged: r.docker_privileged, revisionNum: r.revision_num, priority: r.priority,
    timeout: r.timeout, maxScheduled: r.max_scheduled, maxTries: r.max_tries, cpusRequired: r.cpus_required,
    memRequired: r.mem_required, diskOutConstRequired: r.disk_out_const_required, diskOutMultRequired: r.disk_out_mult_required,
    interfaceKind: r.interface_kind, interface: r.interface, errorMapping: r.error_mapping, triggerRule: r.trigger_rule,
    manifest: r.manifest, configuration: r.configuration ?? {}, packageVersion: r.package_version, deployedPackage: r.deployed_package ?? null,
    deployedMediaType: r.deployed_media_type ?? null, visibility: r.visibility ?? 'public', created: r.created,
    archived: r.archived, paused: r.paused, lastModified: r.last_modified,
  };
}

export interface JobTypeListFilter extends ListRequest {
  started?: Date | null;
  ended?: Date | null;
  names?: string[];
  categories?: string[];
  ids?: number[];
  isActive?: boolean | null;
  isSystem?: boolean | null;
  /** Any of these words in the name, title, description or a tag (Scale 6's keyword filter). */
  keywords?: string[];
}

/** A job type's tags: the manifest's (SEED), else its category (Scale 1.0). */
const TAGS_SQL = `CASE jsonb_typeof(manifest #> '{job,tags}') WHEN 'array' THEN manifest #> '{job,tags}' ELSE jsonb_build_array(category) END`;

/** The clause of Scale 6's keyword filter (JobTypeManager.get_job_types_v6): name, title, description or a tag. */
export function keywordWhere(where: Where, keywords: string[] | undefined): void {
  if (!keywords?.length) return;
  const p = containing(keywords);
  where.add(`(name ILIKE ANY(?::text[]) OR title ILIKE ANY(?::text[]) OR description ILIKE ANY(?::text[])
              OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(${TAGS_SQL}) tag WHERE tag ILIKE ANY(?::text[])))`, p, p, p, p);
}

export type JobTypeService = ReturnType<typeof createJobTypeService>;

export function createJobTypeService({ db, errors, events, readers, images }: { db: Db; errors: ErrorService; events?: CoreEvents; readers: InterfaceReaders; images?: ImageChecker | null }) {
  // Revisions never change once written, so the parsed form is cached for the life of the process.
  const revisions = new Map<number, Revision>();

  function checkScalars(input: JobTypeInput, problems: Problem[]): void {
    const positive = (k: keyof JobTypeInput, min: number, integer: boolean) => {
      const v = input[k];
      if (v === undefined || v === null) return;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
        problems.push({ field: k, message: `must be ${integer ? 'an integer' : 'a number'} >= ${min}` });
      }
    };
    positive('priority', 1, true);
    positive('timeout', 0, true);
    positive('max_scheduled', 1, true);
    positive('max_tries', 0, true);
    positive('cpus_required', 0, false);
    positive('mem_required', 0, false);
    positive('disk_out_const_required', 0, false);
    positive('disk_out_mult_required', 0, false);
    if (typeof input.cpus_required === 'number' && input.cpus_required <= 0) problems.push({ field: 'cpus_required', message: 'must be greater than 0' });
  }

  /** Validates a create (or, with `existing`, an edit) and returns the parsed interface and mapping. */
  async function analyse(input: JobTypeInput, existing?: JobType): Promise<Validation & { iface: JobInterface | null; mapping: ErrorMapping | null }> {
    const problems: Problem[] = [];
    const warnings: Validation['warnings'] = [];
    if (!existing) {
      if (typeof input.name !== 'string') problems.push({ field: 'name', message: 'is required' });
      else if (!NAME.test(input.name)) problems.push({ field: 'name', message: 'must be 1-50 letters, digits, "_", "." or "-", starting with a letter or digit' });
      if (typeof input.version !== 'string') problems.push({ field: 'version', message: 'is required' });
      else if (!VERSION.test(input.version)) problems.push({ field: 'version', message: 'must be 1-50 letters, digits, "_", ".", "+" or "-"' });
      if (input.interface === undefined) problems.push({ field: 'interface', message: 'is required' });
    }
    checkScalars(input, problems);
    let iface: JobInterface | null = null;
    if (input.interface !== undefined) {
      const parsed = parseScaleInterface(input.interface);
      problems.push(...parsed.errors);
      warnings.push(...parsed.warnings);
      iface = parsed.value;
    }
    let mapping: ErrorMapping | null = null;
    if (input.error_mapping !== undefined && input.error_mapping !== null) {
      const parsed = parseErrorMapping(input.error_mapping);
      problems.push(...parsed.errors);
      mapping = parsed.value;
      if (mapping) {
        const missing = new Set(await errors.missingNames([...mapping.values()]));
        for (const [code, name] of mapping) {
          if (missing.has(name)) problems.push({ field: `error_mapping.exit_codes.${code}`, message: `names no registered error (${JSON.stringify(name)}); create it with POST /errors/ first` });
        }
      }
    }
    if (input.trigger_rule !== undefined && input.trigger_rule !== null) {
      const inputs = iface?.inputs ?? (existing ? (await currentRevision(existing)).interface.inputs : null);
      problems.push(...(await triggerRuleProblems(db, input.trigger_rule, inputs)));
    }
    return { errors: problems, warnings, iface, mapping };
  }

  async function validate(input: JobTypeInput, existingId?: number): Promise<Validation> {
    const existing = existingId === undefined ? undefined : await get(existingId);
    const { errors: e, warnings } = await analyse(input, existing);
    return { errors: e, warnings };
  }

  async function get(id: number, q: Queryable = db): Promise<JobType> {
    const res = await q.query('SELECT * FROM job_type WHERE id = $1', [id]);
    if (!res.rows[0]) throw new NotFound('job type', id);
    return toJobType(res.rows[0]);
  }

  async function getMany(ids: number[]): Promise<Map<number, JobType>> {
    if (!ids.length) return new Map();
    const res = await db.query('SELECT * FROM job_type WHERE id = ANY($1::int[])', [ids]);
    return new Map(res.rows.map((r) => [r.id, toJobType(r)]));
  }

  async function byNameVersion(name: string, version: string): Promise<JobType | null> {
    const res = await db.query('SELECT * FROM job_type WHERE name = $1 AND version = $2', [name, version]);
    return res.rows[0] ? toJobType(res.rows[0]) : null;
  }

  function toRevision(r: Row): Revision {
    const reader = r.interface_kind === 'scale-1.0' ? undefined : readers[r.interface_kind as keyof InterfaceReaders];
    if (r.interface_kind !== 'scale-1.0' && !reader) throw new Error(`stored revision ${r.id} has an interface of kind ${r.interface_kind}, which this server was given no reader for`);
    const iface = reader ? { value: reader(r.interface), errors: [] } : parseScaleInterface(r.interface);
    const mapping = parseErrorMapping(r.error_mapping);
    if (!iface.value || !mapping.value) throw new Error(`stored revision ${r.id} no longer parses: ${JSON.stringify([...iface.errors, ...mapping.errors])}`);
    return {
      id: r.id, jobTypeId: r.job_type_id, revisionNum: r.revision_num, dockerImage: r.docker_image, interface: iface.value,
      interfaceJson: r.interface, errorMapping: mapping.value, created: r.created,
    };
  }

  async function revision(id: number): Promise<Revision> {
    const cached = revisions.get(id);
    if (cached) return cached;
    const res = await db.query('SELECT * FROM job_type_revision WHERE id = $1', [id]);
    if (!res.rows[0]) throw new NotFound('job type revision', id);
    const rev = toRevision(res.rows[0]);
    revisions.set(id, rev);
    return rev;
  }

  /** Revision numbers by revision id. */
  // A revision's number never changes either: job lists name it for every job, from here.
  const revisionNumCache = new Map<number, number>();

  async function revisionNums(ids: number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    const missing = ids.filter((id) => {
      const n = revisionNumCache.get(id);
      if (n !== undefined) out.set(id, n);
      return n === undefined;
    });
    if (!missing.length) return out;
    const res = await db.query('SELECT id, revision_num FROM job_type_revision WHERE id = ANY($1::int[])', [missing]);
    if (revisionNumCache.size > 10_000) revisionNumCache.clear();
    for (const r of res.rows) {
      revisionNumCache.set(r.id, r.revision_num);
      out.set(r.id, r.revision_num);
    }
    return out;
  }

  async function currentRevision(jobType: JobType, q: Queryable = db): Promise<Revision> {
    const res = await q.query('SELECT * FROM job_type_revision WHERE job_type_id = $1 AND revision_num = $2', [jobType.id, jobType.revisionNum]);
    if (!res.rows[0]) throw new NotFound('job type revision', `${jobType.name}:${jobType.version}#${jobType.revisionNum}`);
    const cached = revisions.get(res.rows[0].id);
    if (cached) return cached;
    const rev = toRevision(res.rows[0]);
    revisions.set(rev.id, rev);
    return rev;
  }

  /** A job type's revision by number, or null when it has no such revision. */
  async function revisionByNum(jobTypeId: number, num: number): Promise<Revision | null> {
    const res = await db.query('SELECT * FROM job_type_revision WHERE job_type_id = $1 AND revision_num = $2', [jobTypeId, num]);
    if (!res.rows[0]) return null;
    const cached = revisions.get(res.rows[0].id);
    if (cached) return cached;
    const rev = toRevision(res.rows[0]);
    revisions.set(rev.id, rev);
    return rev;
  }

  /**
   * The newest active version of each job type name, in name order (one process per name for the
   * OGC door); long-running system job types are services, not processes, and are left out.
   */
  async function newestVersions(page: { limit: number; offset: number }): Promise<ListResult<JobType>> {
    const where = "WHERE is_active AND NOT is_long_running AND visibility = 'public'";
    const [count, rows] = await Promise.all([
      db.query<{ n: number }>(`SELECT count(DISTINCT name)::int AS n FROM job_type ${where}`),
      db.query(`SELECT DISTINCT ON (name) * FROM job_type ${where} ORDER BY name, created DESC, id DESC LIMIT $1 OFFSET $2`, [page.limit, page.offset]),
    ]);
    return { count: count.rows[0].n, rows: rows.rows.map(toJobType) };
  }

  /** The newest active version of a job type name, or null. */
  async function newestVersion(name: string): Promise<JobType | null> {
    const res = await db.query('SELECT * FROM job_type WHERE name = $1 AND is_active ORDER BY created DESC, id DESC LIMIT 1', [name]);
    return res.rows[0] ? toJobType(res.rows[0]) : null;
  }

  /** The id of the newest active version of each name. */
  async function newestIds(names: string[]): Promise<Map<string, number>> {
    if (!names.length) return new Map();
    const res = await db.query('SELECT DISTINCT ON (name) id, name FROM job_type WHERE name = ANY($1::text[]) AND is_active ORDER BY name, created DESC, id DESC', [names]);
    return new Map(res.rows.map((r) => [r.name, r.id]));
  }

  async function list(f: JobTypeListFilter): Promise<ListResult<JobType>> {
    const where = new Where()
      .range('last_modified', f.started, f.ended)
      .anyOf('name', f.names, 'text')
      .anyOf('category', f.categories, 'text')
      .anyOf('id', f.ids, 'int');
    if (f.isActive !== undefined && f.isActive !== null) where.add('is_active = ?', f.isActive);
    if (f.isSystem !== undefined && f.isSystem !== null) where.add('is_system = ?', f.isSystem);
    keywordWhere(where, f.keywords);
    const res = await pagedList(db, { select: '*', from: 'job_type', where, orderSql: orderBy(f.order, ORDERABLE, ['name', 'version']), tiebreak: 'id', page: f });
    return { count: res.count, rows: res.rows.map(toJobType) };
  }

  /** A new image is asked about: one nobody knows is refused, one nobody could be asked about is a warning. */
  async function vetNewImage(input: JobTypeInput, existing: JobType | null, warnings: Validation['warnings']): Promise<void> {
    if (typeof input.docker_image !== 'string' || !input.docker_image || input.docker_image === existing?.dockerImage) return;
    const warning = await vetImage(images, input.docker_image, 'docker_image');
    if (warning) warnings.push({ id: 'docker_image', details: warning });
  }

  async function create(input: JobTypeInput, opts: { isSystem?: boolean } = {}): Promise<{ jobType: JobType; warnings: Validation['warnings'] }> {
    const a = await analyse(input);
    if (a.errors.length) throw Invalid.many(a.errors);
    await vetNewImage(input, null, a.warnings);
    const ifaceJson = toScaleInterface(a.iface!);
    const mappingJson = a.mapping ? toErrorInterface(a.mapping) : EMPTY_MAPPING;
    try {
      const jobType = await db.transaction(async (tx) => {
        const res = await tx.query(
          `INSERT INTO job_type (name, version, title, description, category, author_name, author_url, is_system, is_long_running,
             is_operational, is_paused, paused, is_active, icon_code, docker_image, docker_privileged, priority, timeout, max_scheduled, max_tries,
             cpus_required, mem_required, disk_out_const_required, disk_out_mult_required, interface, error_mapping, trigger_rule)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CASE WHEN $11 THEN now() END, $12, $13, $14, $15,
             coalesce($16::int, 100), coalesce($17::int, 1800), $18::int, coalesce($19::int, 3), coalesce($20::float8, 1), coalesce($21::float8, 64),
             coalesce($22::float8, 64), coalesce($23::float8, 0),
             $24, $25, $26)
           RETURNING *`,
          [
            input.name, input.version, input.title ?? null, input.description ?? null, input.category ?? null, input.author_name ?? null,
            input.author_url ?? null, opts.isSystem ?? false, input.is_long_running ?? false, input.is_operational ?? true, input.is_paused ?? false,
            input.is_active ?? true, input.icon_code ?? null, input.docker_image ?? null, input.docker_privileged ?? false, input.priority ?? null,
            input.timeout ?? null, input.max_scheduled ?? null, input.max_tries ?? null, input.cpus_required ?? null, input.mem_required ?? null,
            input.disk_out_const_required ?? null, input.disk_out_mult_required ?? null, JSON.stringify(ifaceJson), JSON.stringify(mappingJson),
            input.trigger_rule == null ? null : JSON.stringify(input.trigger_rule),
          ],
        );
        await tx.query('INSERT INTO job_type_revision (job_type_id, revision_num, interface, error_mapping, docker_image) VALUES ($1, 1, $2, $3, $4)', [
          res.rows[0].id, JSON.stringify(ifaceJson), JSON.stringify(mappingJson), res.rows[0].docker_image,
        ]);
        return toJobType(res.rows[0]);
      });
      events?.emit('jobTypesChanged');
      return { jobType, warnings: a.warnings };
    } catch (err) {
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw new Conflict(`job type ${input.name} version ${input.version} already exists`);
      throw err;
    }
  }

  async function edit(id: number, input: JobTypeInput): Promise<{ jobType: JobType; warnings: Validation['warnings'] }> {
    if (input.name !== undefined || input.version !== undefined) {
      throw Invalid.many([
        ...(input.name !== undefined ? [{ field: 'name', message: 'cannot be changed; create a new job type' }] : []),
        ...(input.version !== undefined ? [{ field: 'version', message: 'cannot be changed; create a new job type version' }] : []),
      ]);
    }
    const existing = await get(id);
    if (existing.interfaceKind === 'seed' && (input.interface !== undefined || input.error_mapping !== undefined)) {
      throw new Invalid(input.interface !== undefined ? 'interface' : 'error_mapping', 'a SEED job type takes its interface and errors from its manifest; send {"manifest": ...} instead');
    }
    if ((existing.interfaceKind === 'ogcapppkg' || existing.interfaceKind === 'cwl') && (input.interface !== undefined || input.error_mapping !== undefined)) {
      throw new Invalid(input.interface !== undefined ? 'interface' : 'error_mapping', `job type ${existing.name} was deployed as a package; replace it with PUT /processes/${existing.name}`);
    }
    const a = await analyse(input, existing);
    if (a.errors.length) throw Invalid.many(a.errors);
    await vetNewImage(input, existing, a.warnings);
    const ifaceJson = a.iface ? toScaleInterface(a.iface) : existing.interface;
    const mappingJson = input.error_mapping === undefined ? existing.errorMapping : a.mapping ? toErrorInterface(a.mapping) : EMPTY_MAPPING;
    const revise = !sameJson(ifaceJson, existing.interface) || !sameJson(mappingJson, existing.errorMapping);
    const set = (k: keyof JobTypeInput) => input[k] !== undefined;
    const jobType = await db.transaction(async (tx) => {
      const res = await tx.query(
        `UPDATE job_type SET
           title = CASE WHEN $2::boolean THEN $3::text ELSE title END,
           description = CASE WHEN $4::boolean THEN $5::text ELSE description END,
           category = CASE WHEN $6::boolean THEN $7::text ELSE category END,
           author_name = CASE WHEN $8::boolean THEN $9::text ELSE author_name END,
           author_url = CASE WHEN $10::boolean THEN $11::text ELSE author_url END,
           is_long_running = coalesce($12::boolean, is_long_running),
           is_operational = coalesce($13::boolean, is_operational),
           paused = CASE WHEN $14::boolean IS NULL OR $14::boolean = is_paused THEN paused WHEN $14::boolean THEN now() ELSE NULL END,
           is_paused = coalesce($14::boolean, is_paused),
           archived = CASE WHEN $15::boolean IS NULL OR $15::boolean = is_active THEN archived WHEN $15::boolean THEN NULL ELSE now() END,
           is_active = coalesce($15::boolean, is_active),
           icon_code = CASE WHEN $16::boolean THEN $17::text ELSE icon_code END,
           docker_image = CASE WHEN $18::boolean THEN $19::text ELSE docker_image END,
           docker_privileged = coalesce($20::boolean, docker_privileged),
           priority = coalesce($21::int, priority),
           timeout = coalesce($22::int, timeout),
           max_scheduled = CASE WHEN $23::boolean THEN $24::int ELSE max_scheduled END,
           max_tries = coalesce($25::int, max_tries),
           cpus_required = coalesce($26::float8, cpus_required),
           mem_required = coalesce($27::float8, mem_required),
           disk_out_const_required = coalesce($28::float8, disk_out_const_required),
           disk_out_mult_required = coalesce($29::float8, disk_out_mult_required),
           interface = $30::jsonb, error_mapping = $31::jsonb,
           trigger_rule = CASE WHEN $32::boolean THEN $33::jsonb ELSE trigger_rule END,
           revision_num = revision_num + CASE WHEN $34::boolean THEN 1 ELSE 0 END,
           last_modified = now()
         WHERE id = $1 RETURNING *`,
        [
          id, set('title'), input.title ?? null, set('description'), input.description ?? null, set('category'), input.category ?? null,
          set('author_name'), input.author_name ?? null, set('author_url'), input.author_url ?? null, input.is_long_running ?? null,
          input.is_operational ?? null, input.is_paused ?? null, input.is_active ?? null, set('icon_code'), input.icon_code ?? null,
          set('docker_image'), input.docker_image ?? null, input.docker_privileged ?? null, input.priority ?? null, input.timeout ?? null,
          set('max_scheduled'), input.max_scheduled ?? null, input.max_tries ?? null, input.cpus_required ?? null, input.mem_required ?? null,
          input.disk_out_const_required ?? null, input.disk_out_mult_required ?? null, JSON.stringify(ifaceJson), JSON.stringify(mappingJson),
          set('trigger_rule'), input.trigger_rule == null ? null : JSON.stringify(input.trigger_rule), revise,
        ],
      );
      const row = res.rows[0];
      if (revise) {
        await tx.query('INSERT INTO job_type_revision (job_type_id, revision_num, interface, error_mapping, docker_image) VALUES ($1, $2, $3, $4, $5)', [
          id, row.revision_num, JSON.stringify(ifaceJson), JSON.stringify(mappingJson), row.docker_image,
        ]);
      }
      return toJobType(row);
    });
    events?.emit('jobTypesChanged');
    return { jobType, warnings: a.warnings };
  }

  /** The errors a job type's current mapping refers to. */
  async function mappedErrors(jobType: JobType): Promise<ScaleError[]> {
    const names = Object.values((jobType.errorMapping as { exit_codes?: Record<string, string> }).exit_codes ?? {});
    const out: ScaleError[] = [];
    for (const name of new Set(names)) out.push(await errors.byName(name, jobType.name));
    return out;
  }

  return { validate, get, getMany, byNameVersion, newestVersions, newestVersion, newestIds, revision, revisionByNum, revisionNums, currentRevision, list, create, edit, mappedErrors };
}
