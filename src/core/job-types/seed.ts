// SEED job types: a Docker image that carries a manifest, plus the v6 configuration that says where
// outputs go, what each setting's value is and what each mount binds. Saved as an upsert keyed by
// (manifest name, jobVersion), as Scale's POST /v6/job-types/ does: a new pair is created, an
// existing one gets a new revision when its manifest or image changes.
import path from 'node:path';
import type { Db } from '../../store/db.ts';
import { parseSeedImageName, seedToInterface, validateManifest } from '../../../seed-mapping/seed-manifest.ts';
import { check, type Problem } from '../../schemas.ts';
import { Invalid } from '../../errors.ts';
import { sameJson } from '../same-json.ts';
import type { ErrorService } from '../errors/service.ts';
import { MASK, type SecretBox } from '../secrets.ts';
import type { WorkspaceService } from '../workspaces/service.ts';
import { type JobType, type JobTypeService, toJobType } from './service.ts';
import type { CoreEvents } from '../events.ts';
import { type ImageChecker, vetImage } from './images.ts';

export interface SeedJobTypeInput {
  docker_image?: string;
  manifest?: unknown;
  configuration?: Record<string, any>;
  icon_code?: string | null;
  is_published?: boolean;
  is_active?: boolean;
  is_paused?: boolean;
  max_scheduled?: number | null;
  max_tries?: number;
}

export interface SeedValidation {
  errors: Problem[];
  warnings: { id: string; details: string }[];
  manifest: any | null;
  configuration: Record<string, any> | null;
}

const DEFAULT_PRIORITY = 100;

export type SeedJobTypes = ReturnType<typeof createSeedJobTypes>;

export function createSeedJobTypes(deps: {
  db: Db;
  jobTypes: JobTypeService;
  errors: ErrorService;
  workspaces: WorkspaceService;
  secrets: SecretBox;
  allowedRoots: string[];
  defaultWorkspace: () => string | null;
  /** Reads the manifest label of an image (local engine, registry); null when neither is available. */
  manifests?: { read(image: string): Promise<unknown> } | null;
  /** Whether an image can be had, for a manifest given with its image (a manifest read from the image says so itself). */
  images?: ImageChecker | null;
  events?: CoreEvents;
}) {
  const { db, jobTypes, workspaces, secrets } = deps;

  /** Fills the defaults of a v6 configuration and checks it against the manifest. */
  async function checkConfiguration(manifest: any, given: Record<string, any> | undefined, existing: JobType | null, problems: Problem[], warnings: SeedValidation['warnings'], builtin = false) {
    const base = existing?.configuration ?? {};
    // As JobConfigurationV6._populate_default_values fills them: an output_workspaces without
    // `outputs` has none, and one without `default` has none either (so file outputs without a
    // workspace are MISSING_WORKSPACE, as in Scale). A configuration that says nothing of output
    // workspaces (and a new job type) gets the server's default workspace: Scale would refuse it.
    const ow = given?.output_workspaces ?? base.output_workspaces;
    const c = {
      mounts: given?.mounts ?? base.mounts ?? {},
      output_workspaces: ow === undefined
        ? { default: deps.defaultWorkspace() ?? '', outputs: {} }
        : ow !== null && typeof ow === 'object' && !Array.isArray(ow) ? { default: '', outputs: {}, ...ow } : ow,
      priority: given?.priority ?? base.priority ?? DEFAULT_PRIORITY,
      settings: { ...(existing && !given?.settings ? base.settings : {}), ...(given?.settings ?? {}) },
      ...(given?.version !== undefined ? { version: given.version } : {}),
    };
    const schemaProblems = check('scale/job-configuration-6', c, 'configuration');
    if (schemaProblems.length) {
      problems.push(...schemaProblems);
      return null;
    }
    const iface = manifest.job.interface ?? {};
    const settingNames = new Map<string, boolean>((iface.settings ?? []).map((s: any) => [s.name, s.secret]));
    // JobConfiguration.validate: what the manifest does not declare is a warning ("ignored"), not an error.
    for (const name of Object.keys(c.settings)) {
      if (!settingNames.has(name)) warnings.push({ id: 'unknown_setting', details: `Unknown setting '${name}' ignored: the manifest declares no such setting` });
    }
    for (const [name] of settingNames) {
      if (c.settings[name] === undefined) warnings.push({ id: 'missing_setting', details: `setting ${name} has no value; its jobs fail with missing-setting` });
    }
    const mountNames = new Set((iface.mounts ?? []).map((m: any) => m.name));
    for (const [name, m] of Object.entries<any>(c.mounts)) {
      if (!mountNames.has(name)) warnings.push({ id: 'unknown_mount', details: `Unknown mount '${name}' ignored: the manifest declares no such mount` });
      if (m.type === 'host') {
        const p = String(m.host_path);
        if (!path.isAbsolute(p) || p.split('/').includes('..')) problems.push({ field: `configuration.mounts.${name}.host_path`, message: "must be an absolute path without '..'" });
        else if (deps.allowedRoots.length && !deps.allowedRoots.some((root) => p === root || p.startsWith(root + path.sep))) {
          problems.push({ field: `configuration.mounts.${name}.host_path`, message: `must be under one of ${deps.allowedRoots.join(', ')} (SCALE_WORKSPACE_ROOTS)` });
        }
      }
    }
    for (const name of mountNames) {
      if (!c.mounts[name as string]) warnings.push({ id: 'missing_mount', details: `mount ${name} is not configured; its jobs fail with missing-mount` });
    }
    const fileOutputs = new Set((iface.outputs?.files ?? []).map((o: any) => o.name));
    const names = [c.output_workspaces.default, ...Object.values<string>(c.output_workspaces.outputs)].filter(Boolean);
    for (const [out] of Object.entries(c.output_workspaces.outputs)) {
      if (!fileOutputs.has(out)) problems.push({ field: `configuration.output_workspaces.outputs.${out}`, message: 'the manifest declares no such file output' });
    }
    for (const name of new Set(names)) {
      const ws = await workspaces.byName(name);
      if (!ws) problems.push({ field: 'configuration.output_workspaces', message: `workspace ${JSON.stringify(name)} does not exist` });
      else if (!ws.isActive) warnings.push({ id: 'deprecated_workspace', details: `Workspace '${name}' is deprecated: it is not active` });
    }
    // Built-in job types write their files to the server's default workspace, whatever it is called.
    if (!builtin && fileOutputs.size && !c.output_workspaces.default && [...fileOutputs].some((o) => !c.output_workspaces.outputs[o as string])) {
      problems.push({ field: 'configuration.output_workspaces.default', message: 'file outputs need a workspace: give a default or one per output' });
    }
    return c;
  }

  /** `builtin`: a job type of the server's own, run as a local process (no image). */
  async function validate(given: SeedJobTypeInput, existing: JobType | null = null, opts: { builtin?: boolean } = {}): Promise<SeedValidation> {
    const input = await withManifest(given);
    const problems: Problem[] = [];
    const warnings: SeedValidation['warnings'] = [];
    if (input.manifest === undefined) {
      problems.push({ field: 'manifest', message: 'is required (or give only docker_image and let the server read the manifest label)' });
      return { errors: problems, warnings, manifest: null, configuration: null };
    }
    const m = validateManifest(input.manifest, 'manifest', opts);
    problems.push(...m.errors);
    warnings.push(...m.warnings);
    if (opts.builtin && input.docker_image === undefined) {
      // Built-in job types run their command as a local process.
    } else if (typeof input.docker_image !== 'string' || !input.docker_image.trim()) problems.push({ field: 'docker_image', message: 'is required for a SEED job type' });
    else if (!/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(input.docker_image) || input.docker_image.length > 500) problems.push({ field: 'docker_image', message: 'is not a valid image reference' });
    if (!m.value) return { errors: problems, warnings, manifest: null, configuration: null };
    const configuration = await checkConfiguration(m.value, input.configuration, existing, problems, warnings, opts.builtin);
    return { errors: problems, warnings, manifest: m.value, configuration };
  }

  /** Splits settings into the stored (masked) configuration and the sealed secret values. */
  function seal(manifest: any, configuration: Record<string, any>, previous: JobType | null, previousSecrets: string | null): { configuration: Record<string, any>; sealed: string | null } {
    const secretNames = new Set((manifest.job.interface?.settings ?? []).filter((s: any) => s.secret).map((s: any) => s.name));
    const kept = previous ? secrets.open(previousSecrets) : {};
    const sealedValues: Record<string, string> = {};
    const settings: Record<string, string> = {};
    for (const [name, value] of Object.entries<string>(configuration.settings)) {
      if (!secretNames.has(name)) settings[name] = value;
      else {
        // A masked value sent back unchanged keeps the stored secret.
        const v = value === MASK ? kept[name] : value;
        if (v !== undefined) {
          sealedValues[name] = v;
          settings[name] = MASK;
        }
      }
    }
    return { configuration: { ...configuration, settings }, sealed: Object.keys(sealedValues).length ? secrets.seal(sealedValues) : null };
  }

  /** The manifest given, or else the one the image carries. */
  async function withManifest(input: SeedJobTypeInput): Promise<SeedJobTypeInput> {
    if (input.manifest !== undefined || typeof input.docker_image !== 'string') return input;
    if (!deps.manifests) throw new Invalid('manifest', 'is required: no Docker engine or registry (SCALE_REGISTRY) is available to read it from the image');
    return { ...input, manifest: await deps.manifests.read(input.docker_image) };
  }

  /** Creates the job type, or revises it when (name, jobVersion) exists. */
  async function save(given: SeedJobTypeInput, opts: { builtin?: boolean; imageChecked?: boolean } = {}): Promise<{ jobType: JobType; created: boolean; warnings: SeedValidation['warnings'] }> {
    const input = await withManifest(given);
    // Read from the image, the manifest proves the image is there (on the engine or in the registry).
    const vet = given.manifest !== undefined && !opts.imageChecked && typeof input.docker_image === 'string' && input.docker_image !== '';
    const probe = validateManifest(input.manifest, 'manifest', opts);
    const existing = probe.value ? await jobTypes.byNameVersion(probe.value.job.name, probe.value.job.jobVersion) : null;
    if (existing && existing.interfaceKind !== 'seed') {
      throw new Invalid('manifest.job.name', `job type ${existing.name} ${existing.version} exists with a Scale 1.0 interface; a SEED manifest cannot replace it`);
    }
    const v = await validate(input, existing, opts);
    if (v.errors.length || !v.manifest || !v.configuration) throw Invalid.many(v.errors);
    if (vet && input.docker_image !== existing?.dockerImage) {
      const warning = await vetImage(deps.images, input.docker_image!, 'docker_image');
      if (warning) v.warnings.push({ id: 'docker_image', details: warning });
    }
    const named = input.docker_image ? parseSeedImageName(input.docker_image) : null;
    if (named && (named.name !== v.manifest.job.name || named.jobVersion !== v.manifest.job.jobVersion || named.packageVersion !== v.manifest.job.packageVersion)) {
      v.warnings.push({ id: 'docker_image', details: `${input.docker_image} is named for ${named.name} ${named.jobVersion} (package ${named.packageVersion}); its manifest says ${v.manifest.job.name} ${v.manifest.job.jobVersion} (package ${v.manifest.job.packageVersion})` });
    }
    const m = v.manifest;
    const job = m.job;
    const iface = seedToInterface(m);
    const res = (name: string) => iface.resources!.find((r) => r.name === name)!;
    const mapping = { version: '1.0', exit_codes: Object.fromEntries((job.errors ?? []).map((e: any) => [String(e.code), e.name])) };
    const previousSecrets = existing ? ((await db.query('SELECT secrets FROM job_type WHERE id = $1', [existing.id])).rows[0]?.secrets ?? null) : null;
    const { configuration, sealed } = seal(m, v.configuration, existing, previousSecrets);
    const values = [
      job.name, job.jobVersion, job.title, job.description, (job.tags ?? [])[0] ?? null, job.maintainer?.name ?? null, job.maintainer?.url ?? null,
      input.icon_code ?? null, input.docker_image ?? null, job.timeout, res('cpus').value, res('mem').value, res('disk').value, res('disk').inputMultiplier,
      JSON.stringify(m), JSON.stringify(mapping), JSON.stringify(configuration), job.packageVersion, sealed, configuration.priority,
      input.max_scheduled ?? null, input.is_paused ?? null, input.is_active ?? null, input.max_tries ?? null, opts.builtin ?? false,
      input.is_published ?? null,
    ];
    const jobType = await db.transaction(async (tx) => {
      let row;
      if (!existing) {
        row = (
          await tx.query(
            `INSERT INTO job_type (name, version, title, description, category, author_name, author_url, icon_code, docker_image, timeout,
                cpus_required, mem_required, disk_out_const_required, disk_out_mult_required, interface_kind, interface, manifest, error_mapping,
                configuration, package_version, secrets, priority, max_scheduled, is_paused, paused, is_active, max_tries, is_system, is_published)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'seed', $15::jsonb, $15::jsonb, $16, $17, $18, $19, $20, $21,
                coalesce($22::boolean, false), CASE WHEN $22::boolean THEN now() END, coalesce($23::boolean, true), coalesce($24::int, 3), $25,
                coalesce($26::boolean, false))
             RETURNING *`,
            values,
          )
        ).rows[0];
        await tx.query(`INSERT INTO job_type_revision (job_type_id, revision_num, interface_kind, interface, error_mapping, docker_image) VALUES ($1, 1, 'seed', $2, $3, $4)`, [
          row.id, JSON.stringify(m), JSON.stringify(mapping), input.docker_image ?? null,
        ]);
      } else {
        const revise = !sameJson(existing.manifest, m) || existing.dockerImage !== (input.docker_image ?? null);
        row = (
          await tx.query(
            `UPDATE job_type SET title = $3, description = $4, category = $5, author_name = $6, author_url = $7, icon_code = coalesce($8, icon_code),
                docker_image = $9, timeout = $10, cpus_required = $11, mem_required = $12, disk_out_const_required = $13, disk_out_mult_required = $14,
                interface = $15::jsonb, manifest = $15::jsonb, error_mapping = $16, configuration = $17, package_version = $18, secrets = $19, priority = $20,
                max_scheduled = coalesce($21::int, max_scheduled),
                paused = CASE WHEN $22::boolean IS NULL OR $22::boolean = is_paused THEN paused WHEN $22::boolean THEN now() ELSE NULL END,
                is_paused = coalesce($22::boolean, is_paused), is_active = coalesce($23::boolean, is_active), max_tries = coalesce($24::int, max_tries),
                is_system = is_system OR $25::boolean, is_published = coalesce($26::boolean, is_published),
                revision_num = revision_num + CASE WHEN $27 THEN 1 ELSE 0 END, last_modified = now()
              WHERE name = $1 AND version = $2 RETURNING *`,
            [...values, revise],
          )
        ).rows[0];
        if (revise) {
          await tx.query(`INSERT INTO job_type_revision (job_type_id, revision_num, interface_kind, interface, error_mapping, docker_image) VALUES ($1, $2, 'seed', $3, $4, $5)`, [
            row.id, row.revision_num, JSON.stringify(m), JSON.stringify(mapping), input.docker_image ?? null,
          ]);
        }
      }
      await deps.errors.upsertForJobType(
        tx,
        job.name,
        (iface.errors ?? []).map((e) => ({ name: e.name, title: e.title, description: e.description, category: e.category === 'data' ? 'DATA' : 'ALGORITHM' })),
      );
      return toJobType(row);
    });
    deps.events?.emit('jobTypesChanged');
    return { jobType, created: !existing, warnings: v.warnings };
  }

  /** The decrypted secret setting values of a job type (for running its jobs only). */
  async function secretSettings(jobTypeId: number): Promise<Record<string, string>> {
    const res = await db.query('SELECT secrets FROM job_type WHERE id = $1', [jobTypeId]);
    return secrets.open(res.rows[0]?.secrets ?? null);
  }

  return { validate, save, secretSettings };
}
