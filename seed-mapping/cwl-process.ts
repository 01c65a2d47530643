// A CWL process packed by cwltool (`cwltool --pack`: one document, `#main` the process to run) as
// what the server needs to offer and run it: the internal JobInterface (its inputs and outputs, and
// the document cwltool is given), the OGC process description (CWL types as JSON schemas: File with
// its format's media type, Directory as a STAC catalog reference, enums, arrays, records, Any,
// optional), the resources its tools ask for, and the CommandLineTools that name no container.
// Titles, versions and keywords come from the deploy body's processDescription when it gives them,
// else from the CWL label, doc and schema.org annotations. Pure: cwltool has checked the document.
import type { InterfaceInput, InterfaceOutput, JobInterface, JsonType } from '../src/core/job-types/model.ts';
import type { Problem } from '../src/schemas.ts';
import type { ProcessDoc } from './ogc-app-package.ts';

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `#main/x`, `#revtool.cwl/x`, `file:///…/a.cwl#main/x` → `x`. */
export function shortName(id: string): string {
  const after = id.includes('#') ? id.slice(id.lastIndexOf('#') + 1) : id;
  return after.slice(after.lastIndexOf('/') + 1);
}

/** The processes of a packed document by id, and the one it runs (`#main`, or the document itself). */
export function mainProcess(packed: Record<string, any>): Record<string, any> | null {
  if (Array.isArray(packed.$graph)) return packed.$graph.find((p: any) => isObject(p) && (p.id === '#main' || p.id === 'main')) ?? (packed.$graph.length === 1 ? packed.$graph[0] : null);
  return isObject(packed) && typeof packed.class === 'string' ? packed : null;
}

const listOf = (v: unknown): Record<string, any>[] => (Array.isArray(v) ? v.filter(isObject) : isObject(v) ? Object.entries(v).map(([k, x]) => (isObject(x) ? { class: k, id: k, ...x } : { id: k, type: x })) : []);

/** Every process of the document (its graph, and processes given inline as a step's `run`), each with the requirements and hints it inherits. */
function processesOf(packed: Record<string, any>): { p: Record<string, any>; inherited: Record<string, any>[] }[] {
  const out: { p: Record<string, any>; inherited: Record<string, any>[] }[] = [];
  const byId = new Map<string, Record<string, any>>();
  const roots = Array.isArray(packed.$graph) ? packed.$graph.filter(isObject) : [packed];
  for (const r of roots) if (typeof r.id === 'string') byId.set(r.id, r);
  const seen = new Set<Record<string, any>>();
  const walk = (p: Record<string, any>, inherited: Record<string, any>[]) => {
    if (seen.has(p)) return;
    seen.add(p);
    out.push({ p, inherited });
    const mine = [...listOf(p.requirements), ...listOf(p.hints)];
    for (const s of listOf(p.steps)) {
      const run = isObject(s.run) ? s.run : typeof s.run === 'string' ? byId.get(s.run) : undefined;
      if (run) walk(run, [...inherited, ...mine, ...listOf(s.requirements), ...listOf(s.hints)]);
    }
  };
  const main = mainProcess(packed);
  if (main) walk(main, []);
  for (const r of roots) walk(r, []);
  return out;
}

/** The named types of every SchemaDefRequirement, by name (full and short). */
function namedTypes(packed: Record<string, any>): Map<string, Record<string, any>> {
  const types = new Map<string, Record<string, any>>();
  for (const { p } of processesOf(packed)) {
    for (const r of [...listOf(p.requirements), ...listOf(p.hints)]) {
      if (r.class !== 'SchemaDefRequirement') continue;
      for (const t of Array.isArray(r.types) ? r.types : []) {
        if (!isObject(t) || typeof t.name !== 'string') continue;
        types.set(t.name, t);
        if (!types.has(shortName(t.name))) types.set(shortName(t.name), t);
      }
    }
  }
  return types;
}

/** `iana:text/plain`, `https://www.iana.org/assignments/media-types/text/plain`, or an EDAM format → a media type. */
export function mediaTypeOfFormat(format: unknown, namespaces: Record<string, string> = {}): string | null {
  if (typeof format !== 'string') return null;
  let f = format;
  const m = /^([A-Za-z][\w-]*):(.+)$/.exec(f);
  if (m && namespaces[m[1]]) f = namespaces[m[1]] + m[2];
  const iana = /iana\.org\/assignments\/media-types\/(.+)$/.exec(f) ?? /^iana:(.+)$/.exec(format);
  if (iana) return iana[1];
  const edam = /edamontology\.org\/(format_\d+)$/.exec(f) ?? /^edam:(format_\d+)$/.exec(format);
  return edam ? (EDAM_MEDIA[edam[1]] ?? null) : null;
}

/** EDAM formats seen in EO and bioinformatics packages, as media types. */
const EDAM_MEDIA: Record<string, string> = {
  format_1929: 'text/x-fasta', format_1930: 'text/x-fastq', format_2330: 'text/plain', format_2331: 'text/html', format_2332: 'application/xml',
  format_3464: 'application/json', format_3752: 'text/csv', format_3750: 'application/x-yaml', format_3508: 'application/pdf', format_3547: 'image/png',
  format_3579: 'image/jpeg', format_3591: 'image/tiff', format_3650: 'application/x-netcdf', format_3590: 'application/x-hdf5', format_3987: 'application/zip',
  format_3989: 'application/gzip',
};

/** What a CWL type becomes: the schema of the process description, and the interface's kind of input or output. */
interface TypeInfo {
  schema: Record<string, unknown>;
  kind: 'file' | 'files' | 'json';
  directory: boolean;
  optional: boolean;
  jsonType?: JsonType;
  /** A JSON value that may hold Files or Directories (given and staged as src/core/runs/embedded-files.ts says). */
  embeds?: boolean;
  /** Why the type cannot be offered, if it cannot. */
  problem?: string;
}

/** A File inside a JSON value: a link, or a CWL File object. */
const EMBEDDED_FILE_SCHEMA = {
  type: 'object',
  description: 'a file: {"href": URL} (an OGC link), or a CWL File object ({"class": "File", "location": URL}, with basename, format, secondaryFiles), or a file literal ({"class": "File", "basename", "contents"})',
};
/** A Directory inside a JSON value. */
const EMBEDDED_DIRECTORY_SCHEMA = {
  type: 'object',
  description: 'a directory: a CWL Directory object whose location is a STAC catalog or item, or a directory listing ({"class": "Directory", "location": URL}), or a literal listing ({"class": "Directory", "basename", "listing": [...]})',
};

/** A type's schema as part of a JSON value (files and directories as objects naming them). */
function inValue(t: TypeInfo): TypeInfo {
  if (t.kind === 'json') return t;
  const one = t.directory ? EMBEDDED_DIRECTORY_SCHEMA : EMBEDDED_FILE_SCHEMA;
  const schema = t.kind === 'files' && !t.directory ? { type: 'array', items: one } : { ...one };
  return { schema, kind: 'json', directory: false, optional: t.optional, embeds: true, jsonType: t.kind === 'files' && !t.directory ? 'array' : 'object' };
}

const SCALAR: Record<string, { schema: Record<string, unknown>; jsonType: JsonType }> = {
  string: { schema: { type: 'string' }, jsonType: 'string' },
  int: { schema: { type: 'integer', format: 'int32' }, jsonType: 'integer' },
  long: { schema: { type: 'integer', format: 'int64' }, jsonType: 'integer' },
  float: { schema: { type: 'number', format: 'float' }, jsonType: 'number' },
  double: { schema: { type: 'number', format: 'double' }, jsonType: 'number' },
  boolean: { schema: { type: 'boolean' }, jsonType: 'boolean' },
};

/** A Directory's schema: a reference to a STAC catalog (or item) whose assets are staged into it (OGC 20-089). */
const DIRECTORY_SCHEMA = { type: 'string', format: 'uri', contentMediaType: 'application/json', description: 'a STAC catalog or item (its catalog.json or item JSON), by reference' };

function fileSchema(media: string | null): Record<string, unknown> {
  return { type: 'string', contentEncoding: 'binary', ...(media ? { contentMediaType: media } : {}) };
}

function typeInfo(t: unknown, ctx: { types: Map<string, Record<string, any>>; ns: Record<string, string>; format?: unknown }, depth = 0): TypeInfo {
  const value = (schema: Record<string, unknown>, jsonType?: JsonType): TypeInfo => ({ schema, kind: 'json', directory: false, optional: false, ...(jsonType ? { jsonType } : {}) });
  if (depth > 20) return { ...value({}), problem: 'nests its types too deeply' };
  if (typeof t === 'string') {
    if (t.endsWith('?')) return { ...typeInfo(t.slice(0, -1), ctx, depth + 1), optional: true };
    if (t.endsWith('[]')) return typeInfo({ type: 'array', items: t.slice(0, -2) }, ctx, depth + 1);
    if (t === 'File' || t === 'stdout' || t === 'stderr') return { schema: fileSchema(mediaTypeOfFormat(ctx.format, ctx.ns)), kind: 'file', directory: false, optional: false };
    if (t === 'Directory') return { schema: { ...DIRECTORY_SCHEMA }, kind: 'files', directory: true, optional: false };
    if (t === 'Any') return { ...value({}), embeds: true };
    if (t === 'null') return { ...value({}), optional: true };
    const scalar = SCALAR[t];
    if (scalar) return value({ ...scalar.schema }, scalar.jsonType);
    const named = ctx.types.get(t) ?? ctx.types.get(shortName(t));
    if (named) return typeInfo(named, ctx, depth + 1);
    return { ...value({}), problem: `type ${JSON.stringify(t)} is not a CWL type nor one its SchemaDefRequirement names` };
  }
  if (Array.isArray(t)) {
    const optional = t.includes('null');
    const rest = t.filter((x) => x !== 'null');
    if (rest.length === 1) return { ...typeInfo(rest[0], ctx, depth + 1), optional: optional || typeInfo(rest[0], ctx, depth + 1).optional };
    const each = rest.map((x) => typeInfo(x, ctx, depth + 1));
    const problem = each.find((x) => x.problem)?.problem;
    if (problem) return { ...value({}), problem };
    // A union holding a File or Directory is a JSON value with files in it.
    const parts = each.map(inValue);
    return { ...value({ oneOf: parts.map((x) => x.schema) }), optional, ...(parts.some((x) => x.embeds) ? { embeds: true } : {}) };
  }
  if (isObject(t)) {
    if (t.type === 'array') {
      const items = typeInfo(t.items, ctx, depth + 1);
      if (items.kind === 'file' && !items.directory) return { schema: { type: 'array', items: items.schema }, kind: 'files', directory: false, optional: false };
      if (items.problem) return { ...value({}), problem: items.problem };
      const inner = inValue(items);
      return { ...value({ type: 'array', items: inner.schema }, 'array'), ...(inner.embeds ? { embeds: true } : {}) };
    }
    if (t.type === 'enum') return value({ type: 'string', enum: (Array.isArray(t.symbols) ? t.symbols : []).map((s: unknown) => shortName(String(s))) }, 'string');
    if (t.type === 'record') {
      const properties: Record<string, unknown> = {};
      const required: string[] = [];
      let embeds = false;
      for (const f of listOf(t.fields)) {
        const name = shortName(String(f.name ?? f.id ?? ''));
        const fi = typeInfo(f.type, { ...ctx, format: f.format }, depth + 1);
        if (fi.problem) return { ...value({}), problem: `field ${name}: ${fi.problem}` };
        const inner = inValue(fi);
        if (inner.embeds) embeds = true;
        properties[name] = inner.schema;
        if (!fi.optional) required.push(name);
      }
      return { ...value({ type: 'object', properties, ...(required.length ? { required } : {}) }, 'object'), ...(embeds ? { embeds: true } : {}) };
    }
    if (typeof t.type === 'string' || Array.isArray(t.type)) return typeInfo(t.type, { ...ctx, format: t.format ?? ctx.format }, depth + 1);
  }
  return { ...value({}), problem: `type ${JSON.stringify(t)} is not understood` };
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.join('\n') : undefined);

/** schema.org keywords: a comma-separated string, a list of strings, or of objects with a name. */
function keywordsOf(v: unknown): string[] {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.flatMap((k) => (typeof k === 'string' ? k.split(',') : isObject(k) && typeof k.name === 'string' ? [k.name] : [])).map((k) => k.trim()).filter(Boolean);
}

/** A schema.org annotation by local name, whatever prefix the document gives schema.org. */
function schemaOrg(p: Record<string, any>, doc: Record<string, any>, name: string): unknown {
  const ns = isObject(doc.$namespaces) ? doc.$namespaces : {};
  for (const [prefix, uri] of Object.entries(ns)) {
    if (typeof uri === 'string' && /schema\.org\/?$/.test(uri)) {
      const v = p[`${prefix}:${name}`] ?? doc[`${prefix}:${name}`];
      if (v !== undefined) return v;
    }
  }
  return p[`https://schema.org/${name}`] ?? p[`http://schema.org/${name}`];
}

const number = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export interface CwlDescription {
  iface: JobInterface;
  process: ProcessDoc;
  /** What the job asks of a node: the largest coresMin and ramMin (MiB) of its tools; the time limit when one is given. */
  resources: { cpus: number; mem: number; timeout: number | null };
  /** CommandLineTools with no DockerRequirement of their own or inherited: they would run on the node itself. */
  withoutContainer: string[];
}

/**
 * Describes a packed CWL document as process `id`. `given` is the deploy body's processDescription:
 * what it says of the process and its inputs and outputs is kept over what the CWL says.
 */
/** Seconds a job of a tool with a ToolTimeLimit gets beyond it: cwltool's own start and finish. */
const CWLTOOL_MARGIN_SECONDS = 120;

/** Whether a File or Directory default (or a list of them) carries its own contents. */
function literalDefault(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(literalDefault);
  if (!isObject(v)) return false;
  // A literal, or a file the package keeps (relative to the document: see cwl-packages.ts).
  if (v.class === 'File') return typeof v.contents === 'string' || (typeof v.location === 'string' && v.location.startsWith('package-files/'));
  if (v.class === 'Directory') return v.location === undefined && Array.isArray(v.listing) && v.listing.every(literalDefault);
  return false;
}

export function describeCwl(packed: Record<string, any>, id: string, given: Partial<ProcessDoc> | null = null): { value: CwlDescription | null; problems: Problem[] } {
  const problems: Problem[] = [];
  const main = mainProcess(packed);
  if (!main) return { value: null, problems: [{ field: 'cwl', message: 'the document has no process to run: give it a class (CommandLineTool, Workflow or ExpressionTool), or name one with the w parameter' }] };
  const ns: Record<string, string> = isObject(packed.$namespaces) ? packed.$namespaces : {};
  const types = namedTypes(packed);
  const inputs: InterfaceInput[] = [];
  const outputs: InterfaceOutput[] = [];
  const describedIn: Record<string, Record<string, any>> = {};
  const describedOut: Record<string, Record<string, any>> = {};
  for (const p of listOf(main.inputs)) {
    const name = shortName(String(p.id ?? ''));
    const t = typeInfo(p.type, { types, ns, format: p.format });
    if (t.problem) {
      problems.push({ field: `inputs.${name}`, message: t.problem });
      continue;
    }
    const hasDefault = p.default !== undefined && p.default !== null;
    // A File default is used only as a literal (deploy embeds files beside the document as such); a
    // path on the author's machine is not: such an input must still be given.
    const required = !t.optional && !(hasDefault && (t.kind === 'json' || literalDefault(p.default)));
    const media = t.kind === 'file' || t.kind === 'files' ? mediaTypeOfFormat(p.format, ns) : null;
    inputs.push({ name, kind: t.kind, required, mediaTypes: media ? [media] : [], ...(t.jsonType ? { jsonType: t.jsonType } : {}), ...(t.directory ? { directory: true } : {}), ...(t.embeds ? { embedsFiles: true } : {}) });
    const g = given?.inputs?.[name];
    describedIn[name] = {
      title: p.label ?? name, ...(text(p.doc) ? { description: text(p.doc) } : {}),
      schema: { ...t.schema, ...(hasDefault && t.kind === 'json' ? { default: p.default } : {}) },
      minOccurs: required ? 1 : 0, maxOccurs: t.kind === 'files' && !t.directory ? 'unbounded' : 1,
      ...(isObject(g) ? g : {}),
    };
  }
  for (const p of listOf(main.outputs)) {
    const name = shortName(String(p.id ?? ''));
    const t = typeInfo(p.type, { types, ns, format: p.format });
    if (t.problem) {
      problems.push({ field: `outputs.${name}`, message: t.problem });
      continue;
    }
    const media = t.kind !== 'json' ? mediaTypeOfFormat(p.format, ns) : null;
    outputs.push({ name, kind: t.kind, required: !t.optional, mediaType: media, ...(t.jsonType ? { jsonType: t.jsonType } : {}), ...(t.directory ? { directory: true } : {}) });
    const g = given?.outputs?.[name];
    describedOut[name] = { title: p.label ?? name, ...(text(p.doc) ? { description: text(p.doc) } : {}), schema: t.schema, ...(isObject(g) ? g : {}) };
  }

  // Each CommandLineTool needs its ResourceRequirement's coresMin and ramMin (its own over those it
  // inherits; CWL's defaults 1 core, 256 MiB); steps run one after another, so the job needs the most any needs.
  let cpus = 0;
  let mem = 0;
  let timeout: number | null = null;
  const withoutContainer: string[] = [];
  for (const { p, inherited } of processesOf(packed)) {
    const own = [...listOf(p.requirements), ...listOf(p.hints)];
    // cwltool enforces a tool's ToolTimeLimit itself (and, as CWL says, not an ExpressionTool's); the
    // job's own time limit is a backstop that leaves cwltool its start-up and container handling.
    for (const r of own) if (r.class === 'ToolTimeLimit' && p === main && p.class === 'CommandLineTool' && number(r.timelimit)) timeout = number(r.timelimit)! + CWLTOOL_MARGIN_SECONDS;
    if (p.class !== 'CommandLineTool') continue;
    const all = [...inherited, ...own];
    const res = [...all].reverse().find((r) => r.class === 'ResourceRequirement');
    cpus = Math.max(cpus, number(res?.coresMin) ?? number(res?.coresMax) ?? 1);
    mem = Math.max(mem, number(res?.ramMin) ?? number(res?.ramMax) ?? 256);
    if (!all.some((r) => r.class === 'DockerRequirement')) withoutContainer.push(typeof p.id === 'string' ? shortName(p.id) || p.id : 'a tool');
  }
  if (!cpus) cpus = 1;
  if (!mem) mem = 256;

  const version = String(given?.version ?? schemaOrg(main, packed, 'softwareVersion') ?? schemaOrg(main, packed, 'version') ?? '1.0.0');
  const keywords = given?.keywords ?? keywordsOf(schemaOrg(main, packed, 'keywords'));
  const process: ProcessDoc = {
    ...(given ?? {}),
    id,
    version,
    title: given?.title ?? text(main.label) ?? (schemaOrg(main, packed, 'name') as string | undefined) ?? id,
    ...((given?.description ?? text(main.doc)) ? { description: given?.description ?? text(main.doc) } : {}),
    ...(keywords.length ? { keywords } : {}),
    jobControlOptions: Array.isArray(given?.jobControlOptions) ? given!.jobControlOptions : ['async-execute', 'sync-execute', 'dismiss'],
    // A directory is only ever a link; a process whose outputs are all directories offers no values.
    outputTransmission: Array.isArray(given?.outputTransmission) ? given!.outputTransmission : outputs.length && outputs.every((o) => o.directory) ? ['reference'] : ['value', 'reference'],
    inputs: describedIn,
    outputs: describedOut,
  };
  if (problems.length) return { value: null, problems };
  const iface: JobInterface = { format: 'cwl', command: '', commandArguments: '', inputs, outputs, sharedResources: [], cwl: { document: packed } };
  return { value: { iface, process, resources: { cpus, mem, timeout }, withoutContainer }, problems };
}

/** What a deployed CWL job type keeps (its stored interface): the packed document, its process id, and what the deploy body said of it. */
export interface StoredCwl {
  packed: Record<string, any>;
  processId: string;
  given: Partial<ProcessDoc> | null;
  /** Files the package keeps (named by paths relative to the packed document), base64. */
  files?: Record<string, string>;
}

/** Reads a stored CWL job type's interface (interface kind cwl). */
export function readCwlInterface(json: StoredCwl): JobInterface {
  // A CWL tool deployed before CWL ran on cwltool (retired by migration 022): its jobs stay readable.
  if (!isObject(json.packed)) return { format: 'cwl', command: '', commandArguments: '', inputs: [], outputs: [], sharedResources: [] };
  const d = describeCwl(json.packed, json.processId, json.given);
  if (!d.value) throw new Error(`a stored CWL process no longer reads: ${JSON.stringify(d.problems)}`);
  return json.files ? { ...d.value.iface, cwl: { document: json.packed, files: json.files } } : d.value.iface;
}

/** The OGC process description a stored CWL job type offers. */
export function cwlProcessDescription(json: StoredCwl): ProcessDoc | undefined {
  if (!isObject(json.packed)) return undefined;
  return describeCwl(json.packed, json.processId, json.given).value?.process;
}
