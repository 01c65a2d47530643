// SEED 1.0 manifests: validation (the schema, then the checks seed-cli and Scale make), defaults,
// the image label and image name codecs, and the translation into the internal JobInterface.
// Pure: data in, data out.
import type { InterfaceInput, InterfaceOutput, JobInterface, JsonType, SeedError, SeedMount, SeedResource, SeedSetting } from '../src/core/job-types/model.ts';
import { check, type Problem } from '../src/schemas.ts';
import type { Parsed } from './scale-job-interface.ts';

export const MANIFEST_LABEL = 'com.ngageoint.seed.manifest';
const SCHEMA = 'seed/seed.manifest.schema.json';
const RECOMMENDED_RESOURCES = ['cpus', 'mem', 'disk'];

/** SEED's name normalisation for environment variables: upper case, '-' to '_', other characters dropped. */
export function normalizeName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_').replace(/[^A-Z0-9_]/g, '');
}

/** The manifest with every default of the spec filled in (a new object; the input is not changed). */
export function withDefaults(manifest: any): any {
  const m = structuredClone(manifest);
  const job = m.job;
  const iface = (job.interface ??= {});
  for (const f of iface.inputs?.files ?? []) {
    f.required ??= true;
    f.multiple ??= false;
    f.partial ??= false;
    f.mediaTypes ??= [];
  }
  for (const j of iface.inputs?.json ?? []) j.required ??= true;
  for (const f of iface.outputs?.files ?? []) {
    f.required ??= true;
    f.multiple ??= false;
    f.mediaType ??= 'application/octet-stream';
  }
  for (const j of iface.outputs?.json ?? []) j.required ??= true;
  for (const mt of iface.mounts ?? []) mt.mode ??= 'ro';
  for (const s of iface.settings ?? []) s.secret ??= false;
  for (const e of job.errors ?? []) {
    e.category ??= 'job';
    e.title ??= e.name;
  }
  return m;
}

function relativeSafe(p: string): boolean {
  return !p.startsWith('/') && !p.split('/').includes('..');
}

/**
 * Pre-1.0 fields still seen in published manifests, rewritten to their 1.0 form with a warning:
 * outputs' `count` (became `multiple`, SEED #93), inputs' `mediaType` (became `mediaTypes`, #89), and
 * errors without a `name` (named `error-<code>`).
 */
const arr = (x: unknown): any[] => (Array.isArray(x) ? x : []);

function upgradeLegacy(manifest: any, root: string, warnings: Parsed<any>['warnings']): any {
  if (!manifest?.job || typeof manifest.job !== 'object') return manifest;
  const m = structuredClone(manifest);
  arr(m.job.interface?.outputs?.files).forEach((f: any, i: number) => {
    if (f && typeof f === 'object' && 'count' in f && !('multiple' in f)) {
      f.multiple = f.count === '*' || Number(f.count) > 1;
      delete f.count;
      warnings.push({ id: 'legacy', details: `${root}.job.interface.outputs.files[${i}].count is pre-1.0; read as multiple: ${f.multiple}` });
    }
  });
  arr(m.job.interface?.inputs?.files).forEach((f: any, i: number) => {
    if (f && typeof f === 'object' && typeof f.mediaType === 'string' && !('mediaTypes' in f)) {
      f.mediaTypes = [f.mediaType];
      delete f.mediaType;
      warnings.push({ id: 'legacy', details: `${root}.job.interface.inputs.files[${i}].mediaType is pre-1.0; read as mediaTypes` });
    }
  });
  arr(m.job.errors).forEach((e: any, i: number) => {
    if (e && typeof e === 'object' && e.name === undefined && Number.isInteger(e.code)) {
      e.name = `error-${e.code}`;
      warnings.push({ id: 'legacy', details: `${root}.job.errors[${i}] has no name (pre-1.0); named ${e.name}` });
    }
  });
  return m;
}

/**
 * Validates a manifest; `value` is the manifest with defaults filled in when there are no errors.
 * `builtin`: a job type the server itself defines may give an output the name of an input (as
 * Scale's own check allows; seed-cli forbids it, and outputs never become environment variables).
 */
export function validateManifest(input: unknown, root = 'manifest', opts: { builtin?: boolean } = {}): Parsed<any> {
  const warnings: Parsed<any>['warnings'] = [];
  const manifest = upgradeLegacy(input, root, warnings);
  const errors: Problem[] = check(SCHEMA, manifest, root);
  if (errors.length) return { value: null, errors, warnings };
  const m = withDefaults(manifest);
  const job = m.job;
  const iface = job.interface;
  const at = (p: string) => `${root}.job.${p}`;

  if (job.name === 'validation') errors.push({ field: at('name'), message: '"validation" is reserved (it collides with /job-types/validation/)' });
  const scalars: any[] = job.resources?.scalar ?? [];
  for (const r of RECOMMENDED_RESOURCES) {
    if (!scalars.some((s) => s.name === r)) warnings.push({ id: 'resources', details: `no "${r}" resource is given; the server's default is used` });
  }
  const reserved = new Map<string, string>([['OUTPUT_DIR', 'OUTPUT_DIR'], ['INPUT_METADATA', 'INPUT_METADATA']]);
  scalars.forEach((s, i) => {
    if (normalizeName(s.name) === 'OUTPUT_DIR') errors.push({ field: at(`resources.scalar[${i}].name`), message: 'OUTPUT_DIR is reserved' });
    reserved.set(`ALLOCATED_${normalizeName(s.name)}`, `the resource ${s.name}`);
    if (s.name === 'gpus' && !Number.isInteger(s.value)) errors.push({ field: at(`resources.scalar[${i}].value`), message: 'gpus must be a whole number' });
    if (s.value < 0 || (s.inputMultiplier ?? 0) < 0) errors.push({ field: at(`resources.scalar[${i}]`), message: 'resource values must not be negative' });
  });
  const seenScalar = new Set<string>();
  scalars.forEach((s, i) => {
    if (seenScalar.has(s.name)) errors.push({ field: at(`resources.scalar[${i}].name`), message: `resource ${s.name} is given twice` });
    seenScalar.add(s.name);
  });

  // Every name that becomes (or could clash with) an environment variable, as seed-cli checks them.
  const named: { field: string; name: string }[] = [
    ...(iface.inputs?.files ?? []).map((x: any, i: number) => ({ field: at(`interface.inputs.files[${i}].name`), name: x.name })),
    ...(iface.inputs?.json ?? []).map((x: any, i: number) => ({ field: at(`interface.inputs.json[${i}].name`), name: x.name })),
    ...(iface.outputs?.files ?? []).map((x: any, i: number) => ({ field: at(`interface.outputs.files[${i}].name`), name: x.name })),
    ...(iface.outputs?.json ?? []).map((x: any, i: number) => ({ field: at(`interface.outputs.json[${i}].name`), name: x.name })),
    ...(iface.mounts ?? []).map((x: any, i: number) => ({ field: at(`interface.mounts[${i}].name`), name: x.name })),
    ...(iface.settings ?? []).map((x: any, i: number) => ({ field: at(`interface.settings[${i}].name`), name: x.name })),
    ...(job.errors ?? []).map((x: any, i: number) => ({ field: at(`errors[${i}].name`), name: x.name })),
  ];
  const byNorm = new Map<string, { field: string; name: string }>();
  for (const n of named) {
    const norm = normalizeName(n.name);
    if (reserved.has(norm)) errors.push({ field: n.field, message: `${JSON.stringify(n.name)} collides with the reserved variable ${norm} (${reserved.get(norm)})` });
    const prior = byNorm.get(norm);
    const io = (f: string) => (f.includes('.inputs.') ? 'input' : f.includes('.outputs.') ? 'output' : 'other');
    if (prior && opts.builtin && io(prior.field) !== io(n.field) && io(prior.field) !== 'other' && io(n.field) !== 'other') continue;
    if (prior) errors.push({ field: n.field, message: `${JSON.stringify(n.name)} collides with ${prior.field} (${JSON.stringify(prior.name)}) once normalised to ${norm}` });
    else byNorm.set(norm, n);
    if (norm !== n.name && !n.field.includes('.errors[')) warnings.push({ id: 'name', details: `${n.field} ${JSON.stringify(n.name)} is not normalised; it is injected as ${norm}` });
  }
  const codes = new Map<number, number>();
  (job.errors ?? []).forEach((e: any, i: number) => {
    if (codes.has(e.code)) errors.push({ field: at(`errors[${i}].code`), message: `exit code ${e.code} is mapped twice (also errors[${codes.get(e.code)}])` });
    else codes.set(e.code, i);
    if (e.code === 0) errors.push({ field: at(`errors[${i}].code`), message: 'exit code 0 means success and cannot be an error' });
  });
  (iface.mounts ?? []).forEach((mt: any, i: number) => {
    if (!mt.path.startsWith('/')) errors.push({ field: at(`interface.mounts[${i}].path`), message: 'must be an absolute path' });
    if (mt.path.split('/').includes('..')) errors.push({ field: at(`interface.mounts[${i}].path`), message: "must not contain '..'" });
  });
  (iface.outputs?.files ?? []).forEach((o: any, i: number) => {
    if (!relativeSafe(o.pattern)) errors.push({ field: at(`interface.outputs.files[${i}].pattern`), message: "must be a pattern relative to OUTPUT_DIR, without '..'" });
  });
  if (job.timeout < 0) errors.push({ field: at('timeout'), message: 'must not be negative' });
  return { value: errors.length ? null : m, errors, warnings };
}

const RESOURCE_DEFAULTS: Record<string, number> = { cpus: 1, mem: 64, disk: 64 };

/** The internal model of a validated manifest (with defaults). */
/** The naming convention for bounding-box inputs (see InterfaceInput.bbox). */
export const isBboxName = (name: string, type: unknown) => type === 'object' && /^(bbox|.+[_-]bbox|bounding[_-]?box)$/i.test(name);

export function seedToInterface(m: any): JobInterface {
  const iface = m.job.interface ?? {};
  const inputs: InterfaceInput[] = [
    ...(iface.inputs?.files ?? []).map((f: any) => ({
      name: f.name, kind: f.multiple ? 'files' : 'file', required: f.required, mediaTypes: f.mediaTypes, partial: f.partial,
    })),
    ...(iface.inputs?.json ?? []).map((j: any) => ({ name: j.name, kind: 'json', required: j.required, mediaTypes: [], jsonType: j.type as JsonType, ...(isBboxName(j.name, j.type) ? { bbox: true } : {}) })),
  ];
  const outputs: InterfaceOutput[] = [
    ...(iface.outputs?.files ?? []).map((f: any) => ({
      name: f.name, kind: f.multiple ? 'files' : 'file', required: f.required, mediaType: f.mediaType, pattern: f.pattern,
    })),
    ...(iface.outputs?.json ?? []).map((j: any) => ({ name: j.name, kind: 'json', required: j.required, mediaType: null, jsonType: j.type, jsonKey: j.key ?? j.name })),
  ];
  const resources: SeedResource[] = (m.job.resources?.scalar ?? []).map((s: any) => ({ name: s.name, value: s.value, inputMultiplier: s.inputMultiplier ?? 0 }));
  for (const [name, value] of Object.entries(RESOURCE_DEFAULTS)) {
    if (!resources.some((r) => r.name === name)) resources.push({ name, value, inputMultiplier: 0 });
  }
  return {
    format: 'seed',
    command: '',
    commandArguments: iface.command ?? '',
    inputs,
    outputs,
    sharedResources: [],
    mounts: (iface.mounts ?? []).map((x: any): SeedMount => ({ name: x.name, path: x.path, mode: x.mode })),
    settings: (iface.settings ?? []).map((x: any): SeedSetting => ({ name: x.name, secret: x.secret })),
    resources,
    errors: (m.job.errors ?? []).map((e: any): SeedError => ({ code: e.code, name: e.name, title: e.title, description: e.description ?? '', category: e.category })),
  };
}

/** Reads the manifest label of an image, tolerating the escaping variants docker build and seed-cli produce. */
export function parseManifestLabel(value: string): unknown {
  // seed-cli writes the compact manifest as a JSON string with $ and / escaped for the shell; docker
  // build may keep one more level of \" around it, or single quotes. Peel until an object appears.
  const attempts = (s: string) => [
    s,
    s.replace(/\\\$/g, '$'),
    s.startsWith("'") && s.endsWith("'") ? s.slice(1, -1) : null,
    s.replace(/\\\$/g, '$').replace(/\\"/g, '"'),
  ];
  let current: unknown = value.trim();
  for (let depth = 0; depth < 4 && typeof current === 'string'; depth++) {
    let next: unknown = undefined;
    for (const candidate of attempts((current as string).trim())) {
      if (candidate === null) continue;
      try {
        next = JSON.parse(candidate);
        break;
      } catch {
        /* try the next way of reading it */
      }
    }
    if (next === undefined) break;
    current = next;
  }
  if (typeof current !== 'object' || current === null || Array.isArray(current)) throw new Error('the label is not a JSON manifest');
  return current;
}

/** The label value seed-cli writes: the compact manifest as a JSON string. */
export function manifestLabel(manifest: unknown): string {
  return JSON.stringify(JSON.stringify(manifest));
}

export interface SeedImageName {
  registry: string | null;
  /** Repository path without registry and tag, e.g. org/my-job-1.0.0-seed */
  repository: string;
  name: string;
  jobVersion: string;
  packageVersion: string;
}

const SEMVER = '\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?';

/** Parses `<registry>/<org>/<name>-<jobVersion>-seed:<packageVersion>`; null when it is not a SEED image name. */
export function parseSeedImageName(image: string): SeedImageName | null {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon <= slash) return null;
  const tag = image.slice(colon + 1);
  const path = image.slice(0, colon);
  const parts = path.split('/');
  const registry = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]) ? parts[0] : null;
  const repository = registry ? parts.slice(1).join('/') : path;
  const base = repository.split('/').pop()!;
  // Job names have no dots, so the first "-<major>.<minor>.<patch>" starts the version (SemVer-safe, unlike seed-cli's last '-').
  const m = new RegExp(`^([a-zA-Z0-9-]+?)-(${SEMVER})-seed$`).exec(base);
  if (!m || !new RegExp(`^${SEMVER}$`).test(tag)) return null;
  return { registry, repository, name: m[1], jobVersion: m[2], packageVersion: tag };
}

export function seedImageName(name: string, jobVersion: string, packageVersion: string): string {
  return `${name}-${jobVersion}-seed:${packageVersion}`;
}
