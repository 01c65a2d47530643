// /job-types/: register, describe, edit and watch job types.
import { type Request, type Response, Router } from 'express';
import type { Core } from '../core/index.ts';
import { Invalid } from '../errors.ts';
import type { JobType } from '../core/job-types/service.ts';
import { type RegistryClient, scanRegistry } from '../executors/docker/images.ts';
import { errorJson, iso, jobTypeJson, jobTypeSummary, statusCountJson } from './codecs.ts';
import { body, idParam, isV6, orV6 } from './http.ts';
import { paged } from './paging.ts';
import { Query } from './params.ts';
import { recipeTypeSummary } from './recipe-codecs.ts';
import { absoluteUrl } from './rest-params.ts';

const HOUR = 3600_000;

/** Scale v6 bodies carry a SEED manifest (or only an image to read it from); v5 bodies carry an interface. */
function isSeedBody(b: unknown): boolean {
  return typeof b === 'object' && b !== null && !Array.isArray(b) && !('interface' in b) && ('manifest' in b || 'docker_image' in b || 'configuration' in b);
}

/** A job type as Scale's details endpoints show it. */
export async function jobTypeDetails(core: Core, jt: JobType) {
  const now = Date.now();
  const [errors, c6, c12, c24] = await Promise.all([
    core.jobTypes.mappedErrors(jt),
    core.jobTypeStats.counts([jt.id], new Date(now - 6 * HOUR)),
    core.jobTypeStats.counts([jt.id], new Date(now - 12 * HOUR)),
    core.jobTypeStats.counts([jt.id], new Date(now - 24 * HOUR)),
  ]);
  return {
    ...jobTypeJson(jt),
    ...(jt.interfaceKind === 'seed' ? { manifest: jt.manifest, configuration: jt.configuration, package_version: jt.packageVersion } : {}),
    interface: jt.interface,
    error_mapping: jt.errorMapping,
    trigger_rule: jt.triggerRule ?? null,
    errors: errors.map(errorJson),
    job_counts_6h: c6.get(jt.id)!.map(statusCountJson),
    job_counts_12h: c12.get(jt.id)!.map(statusCountJson),
    job_counts_24h: c24.get(jt.id)!.map(statusCountJson),
  };
}

/** v6's names for fields v5 calls otherwise (JobTypeSerializerV6), beside them (v5 clients keep theirs). */
export const v6Fields = (t: JobType) => ({ is_published: t.isPublished, unmet_resources: null, deprecated: iso(t.archived) });

/** The code Scale 6's job type validation names a problem with (JSON_VALIDATION_ERROR, INVALID_WORKSPACE, …). */
function v6ErrorCode(field: string | null, message: string): string {
  const f = field ?? '';
  if (f === 'manifest' || f.startsWith('manifest.') || f.startsWith('manifest[')) return 'JSON_VALIDATION_ERROR';
  if (f === 'configuration.output_workspaces.default') return 'MISSING_WORKSPACE';
  if (f === 'configuration.output_workspaces') return /not active/.test(message) ? 'DEPRECATED_WORKSPACE' : 'INVALID_WORKSPACE';
  if (f.startsWith('configuration.settings.') && /no such setting/.test(message)) return 'UNKNOWN_SETTING';
  if (f.startsWith('configuration.mounts.') && /no such mount/.test(message)) return 'UNKNOWN_MOUNT';
  if (f.startsWith('configuration')) return 'INVALID_CONFIGURATION';
  if (f === 'docker_image') return 'INVALID_DOCKER_IMAGE';
  return 'INVALID_JOB_TYPE';
}

/**
 * A Scale 1.0 job type's interface in the shape of a SEED manifest. Scale 6 kept a legacy type's
 * interface in its `manifest` field as it was, but scale-ui's job type pages read every manifest as
 * SEED (`manifest.job.interface`, `manifest.job.resources`) and throw on anything else, so v6 details
 * show a 1.0 type (and a CWL or Application Package one) through this view; `interface` stays as given.
 */
export function legacyManifestV6(jt: JobType): Record<string, unknown> {
  const iface = jt.interface as Record<string, any>;
  const list = (x: unknown): any[] => (Array.isArray(x) ? x : []);
  const inputs = list(iface?.input_data);
  const outputs = list(iface?.output_data);
  const fileKinds = new Set(['file', 'files']);
  return {
    seedVersion: '1.0.0',
    job: {
      name: jt.name, jobVersion: jt.version, packageVersion: jt.packageVersion ?? '1.0.0',
      title: jt.title ?? jt.name, description: jt.description ?? '',
      maintainer: { name: jt.authorName ?? 'Unknown', email: '', ...(jt.authorUrl ? { url: jt.authorUrl } : {}) },
      timeout: jt.timeout,
      interface: {
        command: [iface?.command, iface?.command_arguments].filter((x) => typeof x === 'string' && x).join(' '),
        inputs: {
          files: inputs.filter((i) => fileKinds.has(i.type)).map((i) => ({ name: i.name, mediaTypes: i.media_types ?? [], required: i.required ?? true, multiple: i.type === 'files' })),
          json: inputs.filter((i) => !fileKinds.has(i.type)).map((i) => ({ name: i.name, type: i.type === 'property' ? 'string' : 'object', required: i.required ?? true })),
        },
        outputs: {
          files: outputs.filter((o) => fileKinds.has(o.type)).map((o) => ({ name: o.name, mediaType: o.media_type ?? 'application/octet-stream', pattern: '*', multiple: o.type === 'files', required: o.required ?? true })),
          json: [],
        },
      },
      resources: { scalar: [{ name: 'cpus', value: jt.cpusRequired }, { name: 'mem', value: jt.memRequired }, { name: 'disk', value: jt.diskOutConstRequired }] },
      errors: [],
    },
  };
}

/** A job type as GET /v6/job-types/{name}/{version}/ shows it (and a v6 create answers it). */
export async function jobTypeV6Details(core: Core, jt: JobType) {
  const [details, recipeTypes] = await Promise.all([jobTypeDetails(core, jt), core.recipeTypes.containingJobType(jt.name, jt.version)]);
  return { ...details, ...(jt.interfaceKind === 'seed' ? {} : { manifest: legacyManifestV6(jt), configuration: { output_workspaces: { default: null, outputs: {} }, mounts: {}, settings: {}, ...(jt.configuration ?? {}), priority: jt.priority } }), ...v6Fields(jt), recipe_types: recipeTypes.map(recipeTypeSummary) };
}

/**
 * Edits a job type as PATCH asks: a SEED job type is revised by sending its manifest (and image,
 * configuration) again, or any of the v6 fields alone (`seed`: the body is always read as v6's);
 * a Scale 1.0 job type takes the v5 fields.
 */
export async function editJobType(core: Core, existing: JobType, req: Request, opts: { seed?: boolean } = {}) {
  if (existing.interfaceKind === 'seed' && (opts.seed || isSeedBody(req.body))) {
    const b = body<Record<string, any>>(req, 'scale-api/seed-job-type');
    const manifest = b.manifest ?? existing.manifest;
    if (manifest?.job?.name !== existing.name || manifest?.job?.jobVersion !== existing.version) {
      throw new Invalid('manifest.job', `this job type is ${existing.name} ${existing.version}; a manifest for another name or jobVersion makes a new job type (POST /job-types/)`);
    }
    return core.seedJobTypes.save({ docker_image: existing.dockerImage ?? undefined, ...b, manifest });
  }
  return core.jobTypes.edit(existing.id, body(req, 'scale-api/job-type-edit'));
}

export function jobTypesRouter(core: Core, opts: { registry: RegistryClient | null }): Router {
  const r = Router();
  const details = (jt: JobType) => jobTypeDetails(core, jt);

  // v6 filters as JobTypesView.list_v6 does (keyword, is_active, is_system, id; by name).
  const listV6 = async (req: Request, res: Response) => {
    const q = new Query(req);
    const page = q.list();
    const list = await core.jobTypes.list({
      ...page, order: page.order.length ? page.order : ['name', 'version'], keywords: q.strings('keyword'), ids: q.ints('id', { min: 1 }),
      isActive: q.bool('is_active'), isSystem: q.bool('is_system'),
    });
    res.json(paged(req, page, list, (t) => ({ ...jobTypeJson(t), ...v6Fields(t) })));
  };
  r.get('/job-types/', orV6(listV6, async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    const list = await core.jobTypes.list({ ...page, ...q.range(), names: q.strings('name'), categories: q.strings('category'), ids: q.ints('id', { min: 1 }), isActive: q.bool('is_active') });
    res.json(paged(req, page, list, jobTypeJson));
  }));

  r.post('/job-types/', async (req, res) => {
    if (isSeedBody(req.body) && isV6(req)) {
      // JobTypesView.create_v6: 201 whether the (name, jobVersion) was new or revised, Location by name and version.
      const { jobType } = await core.seedJobTypes.save(body(req, 'scale-api/seed-job-type'));
      const at = `/job-types/${encodeURIComponent(jobType.name)}/${encodeURIComponent(jobType.version)}/`;
      res.status(201).location(absoluteUrl(req, at)).json(await jobTypeV6Details(core, jobType));
      return;
    }
    if (isSeedBody(req.body)) {
      const { jobType, created, warnings } = await core.seedJobTypes.save(body(req, 'scale-api/seed-job-type'));
      res.status(created ? 201 : 200).location(`${req.baseUrl}/job-types/${jobType.id}/`).json({ ...(await details(jobType)), warnings });
      return;
    }
    const { jobType, warnings } = await core.jobTypes.create(body(req, 'scale-api/job-type-create'));
    res.status(201).location(`${req.baseUrl}/job-types/${jobType.id}/`).json({ ...(await details(jobType)), warnings });
  });

  r.post('/job-types/validation/', async (req, res) => {
    const seed = isSeedBody(req.body);
    let input;
    try {
      input = body(req, seed ? 'scale-api/seed-job-type' : 'scale-api/job-type-create');
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const errors = (err.details.length ? err.details : [{ field: err.field, message: err.message }]).map((d) => ({ name: d.field, description: d.message }));
      res.status(400).json({ detail: err.message, is_valid: false, errors, warnings: [] });
      return;
    }
    const v = seed ? await core.seedJobTypes.validate(input) : await core.jobTypes.validate(input);
    // Scale 6's v6 validation (JobTypesValidationView._post_v6, JobType.objects.validate_job_type_v6)
    // checks the manifest and configuration only, and answers 200 with is_valid false when they do
    // not hold: scale-ui validates a job type's manifest and configuration before pausing or resuming it.
    const v6 = isV6(req) && seed;
    if (v6 && (input as { docker_image?: unknown }).docker_image === undefined) v.errors = v.errors.filter((e) => e.field !== 'docker_image');
    const errors = v.errors.map((e) => ({ name: e.field, description: e.message }));
    if (v6) {
      // In Scale's vocabulary (ValidationError/ValidationWarning.to_dict: {name: a code, description}).
      const v6Errors = v.errors.map((e) => ({ name: v6ErrorCode(e.field, e.message), description: e.field ? `${e.field}: ${e.message}` : e.message }));
      // (This server's note on names it injects upper-cased is not Scale's: left out here.)
      const v6Warnings = v.warnings.filter((w) => w.id !== 'name').map((w) => ({ name: w.id.toUpperCase(), description: w.details }));
      // validate_job_type_v6: a scalar resource Scale does not schedule by is a warning.
      const scalars: unknown = (input as { manifest?: any }).manifest?.job?.resources?.scalar;
      for (const r of Array.isArray(scalars) ? scalars : []) {
        if (r && typeof r.name === 'string' && !['cpus', 'mem', 'disk', 'gpus', 'sharedmem'].includes(r.name.toLowerCase())) {
          v6Warnings.push({ name: 'NONSTANDARD_RESOURCE', description: `'${r.name}' is not a standard resouce. This job type might not be schedulable.` });
        }
      }
      res.json({ is_valid: errors.length === 0, errors: v6Errors, warnings: v6Warnings });
      return;
    }
    if (errors.length) {
      res.status(400).json({ detail: v.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; '), is_valid: false, errors, warnings: v.warnings });
      return;
    }
    res.json({ is_valid: true, errors: [], warnings: v.warnings });
  });

  // Imports every SEED image of the configured registry (SCALE_REGISTRY) as a job type.
  r.post('/job-types/scan-registry/', async (req, res) => {
    body(req, 'scale-api/empty');
    if (!opts.registry) throw new Invalid(null, 'no registry is configured; set SCALE_REGISTRY');
    const scanned = await scanRegistry(opts.registry);
    const imported = [];
    const errors = [];
    for (const s of scanned) {
      if (s.error) {
        errors.push({ docker_image: s.image, detail: s.error });
        continue;
      }
      try {
        const { jobType, created } = await core.seedJobTypes.save({ docker_image: s.image, manifest: s.manifest }, { imageChecked: true });
        imported.push({ docker_image: s.image, job_type_id: jobType.id, name: jobType.name, version: jobType.version, revision_num: jobType.revisionNum, created });
      } catch (err) {
        if (!(err instanceof Invalid)) throw err;
        errors.push({ docker_image: s.image, detail: err.message });
      }
    }
    res.json({ registry: opts.registry.url, imported, errors });
  });

  r.get('/job-types/status/', async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    const { started, ended } = q.range();
    const types = await core.jobTypeStats.activeTypes(page);
    const [byId, counts] = await Promise.all([core.jobTypes.getMany(types.ids), core.jobTypeStats.counts(types.ids, started ?? new Date(Date.now() - 3 * HOUR), ended ?? null)]);
    res.json(paged(req, page, { count: types.count, rows: types.ids }, (id) => ({ job_type: jobTypeSummary(byId.get(id)!), job_counts: counts.get(id)!.map(statusCountJson) })));
  });

  for (const [state, field] of [['running', 'longest_running'], ['pending', 'longest_pending']] as const) {
    r.get(`/job-types/${state}/`, async (req, res) => {
      const page = new Query(req).list();
      const waiting = await core.jobTypeStats[state](page);
      const byId = await core.jobTypes.getMany(waiting.rows.map((x) => x.jobTypeId));
      res.json(paged(req, page, waiting, (x) => ({ job_type: jobTypeSummary(byId.get(x.jobTypeId)!), count: x.count, [field]: iso(x.oldest) })));
    });
  }

  r.get('/job-types/system-failures/', async (req, res) => {
    const page = new Query(req).list();
    const failures = await core.jobTypeStats.systemFailures(page);
    const [byId, errors] = await Promise.all([core.jobTypes.getMany(failures.rows.map((x) => x.jobTypeId)), core.errors.getMany(failures.rows.map((x) => x.errorId))]);
    res.json(
      paged(req, page, failures, (x) => ({
        job_type: jobTypeSummary(byId.get(x.jobTypeId)!), error: errorJson(errors.get(x.errorId)), count: x.count,
        first_error: iso(x.firstError), last_error: iso(x.lastError),
      })),
    );
  });

  r.get('/job-types/:id/', async (req, res, next) => {
    // v6 names a job type's versions by its name (job-type-versions.ts).
    if (!/^\d+$/.test(req.params.id)) return next();
    res.json(await details(await core.jobTypes.get(idParam(req, 'id', 'job type'))));
  });

  r.patch('/job-types/:id/', async (req, res) => {
    const { jobType, warnings } = await editJobType(core, await core.jobTypes.get(idParam(req, 'id', 'job type')), req);
    res.json({ ...(await details(jobType)), warnings });
  });

  return r;
}
