// OGC Application Packages (OGC API - Processes - Part 2, and the Testbed-14/15 shapes of seed 003)
// read into one form: the process description (Part 1 v1.0 shape) and its execution unit. A Docker
// execution unit with bindings becomes the internal JobInterface: inputs and outputs from the
// description, the command line from inputBindings, output capture from outputBindings. Pure.
import type { ArgBinding, InterfaceInput, InterfaceOutput, JobInterface, JsonType } from '../src/core/job-types/model.ts';
import type { Problem } from '../src/schemas.ts';

export interface ProcessDoc {
  id: string;
  version: string;
  title?: string;
  description?: string;
  keywords?: string[];
  inputs: Record<string, Record<string, any>>;
  outputs: Record<string, Record<string, any>>;
  [key: string]: unknown;
}

export type ExecutionUnit =
  | { kind: 'docker'; image: string; config: Record<string, any>; inputBindings: Record<string, any>; outputBindings: Record<string, any> }
  /** A bare image reference (Testbed-14 `{href: image}`): a SEED image, or an application without bindings. */
  | { kind: 'image'; image: string }
  /** A SEED job type already on this server, by process id (`{process: id}` or a link to `/processes/{id}`). */
  | { kind: 'process'; id: string }
  | { kind: 'cwl'; href: string | null; value: unknown; mediaType: string | null };

export interface AppPackage {
  process: ProcessDoc | null;
  unit: ExecutionUnit;
  profile: string | null;
}

const PROCESS_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$/;
const CWL_TYPES = ['application/cwl', 'application/cwl+json', 'application/cwl+yaml', 'application/x-yaml', 'text/yaml'];
/** An image reference that names its version: a tag or a digest. */
const PINNED_IMAGE = /^[a-z0-9][a-z0-9._\-/:]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function imageProblem(image: string): string | null {
  if (!PINNED_IMAGE.test(image)) return `${JSON.stringify(image)} is not an image reference with a tag or a digest (for example registry/name:1.0)`;
  return null;
}

/** Testbed-14 literal data types → JSON types. */
function jsonTypeOfTb14(name: unknown): JsonType {
  const n = String(name ?? 'string').toLowerCase().replace(/^xs:/, '');
  if (['int', 'integer', 'long', 'short'].includes(n)) return 'integer';
  if (['double', 'float', 'number', 'decimal'].includes(n)) return 'number';
  if (n === 'boolean' || n === 'bool') return 'boolean';
  return 'string';
}

/** A Testbed-14 input or output ({id, title, abstract, formats, literalDataDomains, minOccurs, maxOccurs}) in the v1.0 form. */
function fromTb14(x: Record<string, any>, isInput: boolean): Record<string, any> {
  const formats: any[] = Array.isArray(x.formats) ? x.formats : [];
  const mediaTypes = formats.map((f) => f?.mimeType ?? f?.mediaType).filter((m): m is string => typeof m === 'string');
  let schema: Record<string, unknown>;
  if (mediaTypes.length) {
    const one = (m: string) => ({ type: 'string', format: 'binary', contentMediaType: m });
    schema = mediaTypes.length === 1 ? one(mediaTypes[0]) : { oneOf: mediaTypes.map(one) };
  } else {
    schema = { type: jsonTypeOfTb14(x.literalDataDomains?.[0]?.dataType?.name ?? x.dataType) };
  }
  const out: Record<string, any> = { title: x.title ?? x.id, ...(x.abstract || x.description ? { description: x.abstract ?? x.description } : {}), schema };
  if (isInput) {
    out.minOccurs = Number(x.minOccurs ?? 1);
    out.maxOccurs = x.maxOccurs === 'unbounded' ? 'unbounded' : Number(x.maxOccurs ?? 1);
  }
  return out;
}

function readProcess(pd: unknown, problems: Problem[]): ProcessDoc | null {
  if (pd === undefined || pd === null) return null;
  if (!isObject(pd)) {
    problems.push({ field: 'processDescription', message: 'must be an object' });
    return null;
  }
  // Current draft: {process: {...}}; 2023-2025: the process itself; Testbed-14: {process, processVersion, jobControlOptions, …}.
  const wrapped = isObject(pd.process);
  const p: Record<string, any> = wrapped ? pd.process : pd;
  const at = wrapped ? 'processDescription.process' : 'processDescription';
  if (typeof p.id !== 'string' || !PROCESS_ID.test(p.id)) {
    problems.push({ field: `${at}.id`, message: 'is required: 1-50 letters, digits, "_", "." or "-", starting with a letter or digit' });
    return null;
  }
  const io = (v: unknown, isInput: boolean, field: string): Record<string, Record<string, any>> => {
    if (v === undefined) return {};
    if (Array.isArray(v)) {
      const out: Record<string, Record<string, any>> = {};
      v.forEach((x, n) => {
        if (!isObject(x) || typeof x.id !== 'string') problems.push({ field: `${field}[${n}].id`, message: 'is required' });
        else out[x.id] = fromTb14(x, isInput);
      });
      return out;
    }
    if (!isObject(v)) {
      problems.push({ field, message: 'must be an object of id → description (or a list of {id, …})' });
      return {};
    }
    for (const [id, d] of Object.entries(v)) if (!isObject(d) || !isObject(d.schema)) problems.push({ field: `${field}.${id}.schema`, message: 'is required' });
    return v as Record<string, Record<string, any>>;
  };
  const version = p.version ?? (wrapped ? pd.processVersion : undefined) ?? '1.0.0';
  const doc: ProcessDoc = {
    ...Object.fromEntries(Object.entries(p).filter(([k]) => !['inputs', 'outputs', 'abstract', 'owsContext', 'links'].includes(k))),
    id: p.id,
    version: String(version),
    ...(p.abstract && !p.description ? { description: p.abstract } : {}),
    inputs: io(p.inputs, true, `${at}.inputs`),
    outputs: io(p.outputs, false, `${at}.outputs`),
  };
  if (wrapped && Array.isArray(pd.jobControlOptions) && !doc.jobControlOptions) doc.jobControlOptions = pd.jobControlOptions;
  if (wrapped && Array.isArray(pd.outputTransmission) && !doc.outputTransmission) doc.outputTransmission = pd.outputTransmission;
  return doc;
}

function readUnit(u: unknown, problems: Problem[], field = 'executionUnit'): ExecutionUnit | null {
  if (Array.isArray(u)) {
    if (u.length !== 1) {
      problems.push({ field, message: u.length ? 'several execution units are not supported: give one' : 'must not be empty' });
      return null;
    }
    return readUnit(u[0], problems, `${field}[0]`);
  }
  if (!isObject(u)) {
    problems.push({ field, message: u === undefined ? 'is required' : 'must be an object (a Docker unit, a link or a CWL document)' });
    return null;
  }
  if (isObject(u.unit)) return { kind: 'cwl', href: null, value: u.unit, mediaType: null };
  if (typeof u.process === 'string') {
    if (!PROCESS_ID.test(u.process.split(':')[0])) {
      problems.push({ field: `${field}.process`, message: `${JSON.stringify(u.process)} is not a process id` });
      return null;
    }
    return { kind: 'process', id: u.process };
  }
  if (typeof u.href === 'string') {
    const local = /^\/?processes\/([^/?#]+)\/?$/.exec(u.href);
    if (local) return { kind: 'process', id: decodeURIComponent(local[1]) };
    const isCwl = CWL_TYPES.includes(String(u.type ?? '').split(';')[0]) || /\.cwl(\?.*)?$/.test(u.href) || /^https?:\/\//.test(u.href);
    if (isCwl) return { kind: 'cwl', href: u.href, value: null, mediaType: typeof u.type === 'string' ? u.type : null };
    const bad = imageProblem(u.href);
    if (bad) {
      problems.push({ field: `${field}.href`, message: bad });
      return null;
    }
    return { kind: 'image', image: u.href };
  }
  if ('value' in u) {
    const media = String(u.mediaType ?? u.format?.mediaType ?? '');
    if (!CWL_TYPES.includes(media.split(';')[0]) && !(isObject(u.value) && 'cwlVersion' in u.value)) {
      problems.push({ field: `${field}.mediaType`, message: 'an execution unit given by value must be CWL (application/cwl, application/cwl+json or application/cwl+yaml)' });
      return null;
    }
    return { kind: 'cwl', href: null, value: u.value, mediaType: media || null };
  }
  if (u.type === 'docker' || u.type === 'oci') {
    if (typeof u.image !== 'string') {
      problems.push({ field: `${field}.image`, message: 'is required for a docker execution unit' });
      return null;
    }
    const bad = imageProblem(u.image);
    if (bad) {
      problems.push({ field: `${field}.image`, message: bad });
      return null;
    }
    const bindings = isObject(u.bindings) ? u.bindings : {};
    return {
      kind: 'docker', image: u.image, config: isObject(u.config) ? u.config : {},
      inputBindings: isObject(bindings.inputBindings) ? bindings.inputBindings : {}, outputBindings: isObject(bindings.outputBindings) ? bindings.outputBindings : {},
    };
  }
  problems.push({ field: `${field}.type`, message: `execution unit type ${JSON.stringify(u.type ?? null)} is not supported: use "docker" (or "oci") with an image, a link to a CWL document, or CWL by value` });
  return null;
}

/** Reads an Application Package body (JSON, any of the shapes in use). */
export function readAppPackage(body: unknown): { value: AppPackage | null; problems: Problem[] } {
  const problems: Problem[] = [];
  if (!isObject(body)) return { value: null, problems: [{ field: null, message: 'the application package must be a JSON object' }] };
  const process = readProcess(body.processDescription, problems);
  const deployment = isObject(body.deploymentProfile) ? body.deploymentProfile : null;
  const unitJson = body.executionUnit ?? (deployment ? (isObject(deployment.executionUnit) && deployment.executionUnit.reference ? { href: deployment.executionUnit.reference } : deployment.executionUnit) : undefined);
  const unit = readUnit(unitJson, problems);
  const profile = typeof body.deploymentProfileName === 'string' ? body.deploymentProfileName : typeof body.deploymentProfile === 'string' ? body.deploymentProfile : typeof deployment?.deploymentProfileName === 'string' ? deployment.deploymentProfileName : null;
  // Weaver's flat form and Part 2's ogcapppkg put these beside the description, not in it.
  if (process) {
    if (Array.isArray(body.jobControlOptions) && !process.jobControlOptions) process.jobControlOptions = body.jobControlOptions;
    if (Array.isArray(body.outputTransmission) && !process.outputTransmission) process.outputTransmission = body.outputTransmission;
  }
  let deployed = unit;
  if (unit?.kind === 'docker' && !process) {
    // Without a description, a docker unit is a SEED image: its manifest says what it takes and gives.
    const bound = Object.keys(unit.inputBindings).length || Object.keys(unit.outputBindings).length;
    if (bound) problems.push({ field: 'processDescription', message: 'is required with a docker execution unit that has bindings: it says what the inputs and outputs are' });
    else deployed = { kind: 'image', image: unit.image };
  }
  if (problems.length || !deployed) return { value: null, problems };
  return { value: { process, unit: deployed, profile }, problems };
}

// ---- a process description with a docker unit → the internal JobInterface ----

function binaryMediaTypes(schema: any): string[] | null {
  if (!isObject(schema)) return null;
  const alts = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(alts)) {
    const each = alts.map(binaryMediaTypes);
    return each.length && each.every((x) => x !== null) ? [...new Set(each.flat() as string[])] : null;
  }
  if (schema.type === 'array' && isObject(schema.items)) return null;
  const binary = schema.format === 'binary' || schema.format === 'byte' || typeof schema.contentMediaType === 'string' || typeof schema.contentEncoding === 'string';
  return binary ? (typeof schema.contentMediaType === 'string' ? [schema.contentMediaType] : []) : null;
}

function jsonTypeOf(schema: any): JsonType {
  const t = isObject(schema) ? schema.type : undefined;
  return ['array', 'boolean', 'integer', 'number', 'object', 'string'].includes(t) ? t : 'string';
}

const many = (d: Record<string, any>) => d.maxOccurs === 'unbounded' || Number(d.maxOccurs ?? 1) > 1;
const hasExpression = (v: unknown) => typeof v === 'string' && /\$\(|\$\{/.test(v);

export interface Resources {
  cpus: number;
  mem: number;
  disk: number;
  timeout: number;
}

/** What the job type of a docker unit runs: its interface and the resources its config asks for. */
export function dockerInterface(p: ProcessDoc, unit: Extract<ExecutionUnit, { kind: 'docker' }>): { value: { iface: JobInterface; resources: Resources } | null; problems: Problem[] } {
  const problems: Problem[] = [];
  const inputs: InterfaceInput[] = Object.entries(p.inputs).map(([name, d]) => {
    const media = binaryMediaTypes(d.schema);
    const required = Number(d.minOccurs ?? 1) > 0;
    if (media) return { name, kind: many(d) ? 'files' : 'file', required, mediaTypes: media };
    return { name, kind: 'json', required, mediaTypes: [], jsonType: many(d) ? 'array' : jsonTypeOf(d.schema) };
  });
  const outputs: InterfaceOutput[] = Object.entries(p.outputs).map(([name, d]) => {
    const schema = d.schema;
    const itemsMedia = isObject(schema) && schema.type === 'array' ? binaryMediaTypes(schema.items) : null;
    const media = binaryMediaTypes(schema) ?? itemsMedia;
    const glob = unit.outputBindings[name]?.glob;
    const patterns: unknown[] = Array.isArray(glob) ? glob : glob === undefined ? [] : [glob];
    if (patterns.some((g) => typeof g !== 'string' || hasExpression(g))) {
      problems.push({ field: `executionUnit.bindings.outputBindings.${name}.glob`, message: 'must be a plain glob pattern; expressions ($(…)) are not supported' });
    }
    if (media) {
      return { name, kind: itemsMedia ? 'files' : 'file', required: true, mediaType: media[0] ?? null, pattern: (patterns[0] as string | undefined) ?? `${name}*` };
    }
    return { name, kind: 'json', required: true, mediaType: null, jsonType: jsonTypeOf(schema), jsonKey: name };
  });
  const args: ArgBinding[] = [];
  for (const [name, b] of Object.entries<any>(unit.inputBindings)) {
    const field = `executionUnit.bindings.inputBindings.${name}`;
    if (!p.inputs[name]) {
      problems.push({ field, message: `binds ${JSON.stringify(name)}, which is not an input of the process` });
      continue;
    }
    if (!isObject(b)) {
      problems.push({ field, message: 'must be an object {prefix, position, …}' });
      continue;
    }
    if (b.position !== undefined && !Number.isInteger(b.position)) problems.push({ field: `${field}.position`, message: 'must be an integer (expressions are not supported)' });
    if (hasExpression(b.valueFrom)) problems.push({ field: `${field}.valueFrom`, message: 'expressions ($(…)) are not supported' });
    const prefix = typeof b.prefix === 'string' ? b.prefix : undefined;
    const separate = typeof b.separate === 'boolean' ? b.separate : !(prefix?.endsWith('='));
    const itemSeparator = typeof b.itemSeparator === 'string' ? b.itemSeparator : typeof b.inputSeparator === 'string' ? b.inputSeparator : undefined;
    const common = { position: Number.isInteger(b.position) ? b.position : 0, prefix, separate, itemSeparator };
    args.push(typeof b.valueFrom === 'string' && !hasExpression(b.valueFrom) ? { ...common, literal: b.valueFrom } : { ...common, input: name });
  }
  const c = unit.config;
  const num = (k: string, fallback: number) => (typeof c[k] === 'number' && c[k] > 0 ? c[k] : fallback);
  if (problems.length) return { value: null, problems };
  return {
    value: {
      iface: {
        format: 'seed', command: '', commandArguments: '', inputs, outputs, sharedResources: [],
        bindings: { baseCommand: [], args }, workingDir: 'output',
        resources: [{ name: 'cpus', value: num('cpuMin', 1), inputMultiplier: 0 }, { name: 'mem', value: Math.ceil(num('memoryMin', 0.0625) * 1024), inputMultiplier: 0 }, { name: 'disk', value: Math.ceil(num('storageOutputsMin', 0.0625) * 1024), inputMultiplier: 0 }],
      },
      resources: { cpus: num('cpuMin', 1), mem: Math.ceil(num('memoryMin', 0.0625) * 1024), disk: Math.ceil(num('storageOutputsMin', 0.0625) * 1024), timeout: num('jobTimeout', 3600) },
    },
    problems,
  };
}
