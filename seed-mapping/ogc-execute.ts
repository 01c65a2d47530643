// An OGC API - Processes v1.0 execute request, read against a job type's interface: each input's
// value(s) classified as a literal value, inline content (base64 or text) for a file input, or a
// reference (href) to fetch; the requested outputs and how each is to be transmitted. Pure: what
// needs fetching or storing is left to the caller. Problems name the input or field at fault.
import type { InterfaceInput, JobInterface, JsonType } from '../src/core/job-types/model.ts';
import type { Problem } from '../src/schemas.ts';

export type GivenValue =
  | { kind: 'value'; value: unknown }
  | { kind: 'content'; data: Buffer; mediaType: string | null }
  /**
   * `format`: the file's CWL format IRI, given as its format's `schema` (kept for CWL runs);
   * `secondaryFiles`: the CWL secondary files the client lists with it (staged beside it).
   */
  | { kind: 'href'; href: string; mediaType: string | null; format?: string; secondaryFiles?: SecondaryRef[] };

/** A CWL secondary file (or directory) a client lists with a File: where it is, and the name it takes beside its primary. */
export interface SecondaryRef {
  class: 'File' | 'Directory';
  href: string;
  basename?: string;
}

export interface ExecuteRequest {
  /** Per input name: the values given (one unless the input takes several files). */
  inputs: Map<string, GivenValue[]>;
  /** Requested outputs (all when the request names none), each by value or by reference. */
  outputs: Map<string, 'value' | 'reference'>;
  response: 'raw' | 'document';
  subscriber: { successUri?: string; inProgressUri?: string; failedUri?: string } | null;
  /** The request itself asked for asynchronous execution (the list form's `mode: async`). */
  async: boolean;
}

const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}$/;

function jsonTypeOf(v: unknown): JsonType | 'null' {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v as JsonType;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The format fields of a qualified value: v1.0 puts them beside `value`, some clients nest them in `format`. */
function formatOf(v: Record<string, unknown>): { mediaType: string | null; encoding: string | null } {
  const nested = isObject(v.format) ? v.format : {};
  const pick = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : typeof nested[k] === 'string' ? (nested[k] as string) : null);
  return { mediaType: pick('mediaType'), encoding: pick('encoding') };
}

function fileValue(v: unknown, spec: InterfaceInput, field: string, problems: Problem[]): GivenValue | null {
  if (isObject(v) && typeof v.href === 'string') {
    // A link's type, or the format the suite's requests put beside the href.
    const type = typeof v.type === 'string' ? v.type : formatOf(v).mediaType;
    const schema = typeof v.schema === 'string' ? v.schema : isObject(v.format) && typeof v.format.schema === 'string' ? v.format.schema : null;
    const secondaryFiles = v.secondaryFiles === undefined ? undefined : secondaryRefs(v.secondaryFiles, spec, `${field}.secondaryFiles`, problems);
    if (secondaryFiles === null) return null;
    return acceptsMediaType(spec, type, field, problems) ? { kind: 'href', href: v.href, mediaType: type, ...(schema ? { format: schema } : {}), ...(secondaryFiles?.length ? { secondaryFiles } : {}) } : null;
  }
  let raw: unknown = v;
  let format = { mediaType: null as string | null, encoding: null as string | null };
  if (isObject(v) && 'value' in v) {
    raw = v.value;
    format = formatOf(v);
  }
  if (typeof raw !== 'string') {
    problems.push({ field, message: `input ${JSON.stringify(spec.name)} takes a file: give {"href": URL}, or its content as a string (with "encoding": "base64" for binary)` });
    return null;
  }
  if (!acceptsMediaType(spec, format.mediaType, field, problems)) return null;
  const mediaType = format.mediaType ?? spec.mediaTypes[0] ?? null;
  if (format.encoding && format.encoding.toLowerCase() === 'base64') {
    if (!BASE64.test(raw.trim())) {
      problems.push({ field, message: `input ${JSON.stringify(spec.name)} says base64 but its value is not base64` });
      return null;
    }
    const data = Buffer.from(raw, 'base64');
    // Content of no declared type given to an input that takes only text formats: bytes that are not
    // text (a GeoTIFF to an XML input) are refused here, not turned into a broken document.
    if (!format.mediaType && spec.mediaTypes.length && spec.mediaTypes.every(isTextual) && !looksLikeText(data)) {
      problems.push({ field, message: `input ${JSON.stringify(spec.name)} takes ${spec.mediaTypes.join(', ')}; the content given is binary, not text` });
      return null;
    }
    return { kind: 'content', data, mediaType };
  }
  return { kind: 'content', data: Buffer.from(raw, 'utf8'), mediaType };
}

/**
 * The secondary files a File link lists (`secondaryFiles`, as a results document gives them back):
 * each a link (`{"href"}`, a file) or a CWL object (`{"class": "File" | "Directory", "location"}`, a
 * directory by the URL of its listing or STAC catalog), with the `basename` it takes beside its primary.
 */
function secondaryRefs(v: unknown, spec: InterfaceInput, field: string, problems: Problem[]): SecondaryRef[] | null {
  const bad = (message: string) => (problems.push({ field, message: `input ${JSON.stringify(spec.name)}: ${message}` }), null);
  if (!Array.isArray(v)) return bad('secondaryFiles is a list of files and directories, each {"href": URL} or {"class": "File" | "Directory", "location": URL}');
  const out: SecondaryRef[] = [];
  for (const [n, e] of v.entries()) {
    const href = isObject(e) ? (typeof e.href === 'string' ? e.href : typeof e.location === 'string' ? e.location : null) : null;
    const cls = isObject(e) ? (e.class ?? 'File') : null;
    if (!isObject(e) || !href || !/^https?:\/\//i.test(href) || (cls !== 'File' && cls !== 'Directory')) return bad(`secondaryFiles[${n}] needs an http(s) "href" (or "location"), and a "class" of File or Directory when it has one`);
    if (e.basename !== undefined && (typeof e.basename !== 'string' || !/^[^/\\]+$/.test(e.basename) || e.basename === '.' || e.basename === '..')) return bad(`secondaryFiles[${n}].basename must be a file name (no "/")`);
    out.push({ class: cls, href, ...(typeof e.basename === 'string' ? { basename: e.basename } : {}) });
  }
  return out;
}

const baseType = (m: string) => m.split(';')[0].trim().toLowerCase();
const isTextual = (m: string) => /^text\/|[/+](xml|json)$|^application\/(ld\+)?json$|^application\/(geo\+)?json$/.test(baseType(m));
/** Whether bytes read as text: valid UTF-8 with no NUL. */
function looksLikeText(data: Buffer): boolean {
  if (data.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a file input takes content of this media type: any, when it declares none; otherwise one
 * of those it declares (parameters and case aside; `*\/*` and `type/*` match as wildcards).
 */
export function takesMediaType(declared: string[], given: string): boolean {
  const g = baseType(given);
  return !declared.length || declared.some((m) => {
    const d = baseType(m);
    return d === g || d === '*/*' || (d.endsWith('/*') && g.startsWith(d.slice(0, -1)));
  });
}

function acceptsMediaType(spec: InterfaceInput, given: string | null, field: string, problems: Problem[]): boolean {
  if (!given) return true;
  const ok = takesMediaType(spec.mediaTypes, given);
  if (!ok) problems.push({ field, message: `input ${JSON.stringify(spec.name)} takes ${spec.mediaTypes.join(', ')}, not ${given}` });
  return ok;
}

/** A directory input (CWL Directory): a STAC catalog or item given by reference, as {href} or the URL alone. */
function directoryValue(v: unknown, spec: InterfaceInput, field: string, problems: Problem[]): GivenValue | null {
  if (isObject(v) && typeof v.href === 'string') return { kind: 'href', href: v.href, mediaType: typeof v.type === 'string' ? v.type : null };
  if (typeof v === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return { kind: 'href', href: v, mediaType: null };
  // A CWL Directory by location, or a literal one: its listing, each File's contents or location.
  const d = isObject(v) && 'value' in v && isObject(v.value) && v.value.class === 'Directory' ? v.value : v;
  if (isObject(d) && d.class === 'Directory') {
    const href = typeof d.location === 'string' ? d.location : null;
    if (href && /^https?:\/\//i.test(href)) return { kind: 'href', href, mediaType: null };
    if (href === null && Array.isArray(d.listing)) {
      const problem = literalListingProblem(d, 0);
      if (!problem) return { kind: 'value', value: d };
      problems.push({ field, message: `input ${JSON.stringify(spec.name)}: ${problem}` });
      return null;
    }
  }
  problems.push({ field, message: `input ${JSON.stringify(spec.name)} is a directory: give a STAC catalog or item by reference ({"href": URL}), or a literal CWL Directory ({"class": "Directory", "basename", "listing": [Files with contents or location]})` });
  return null;
}

const SAFE_NAME = /^(?!\.\.?$)[^/\\\0]{1,255}$/;

/** Why a literal Directory cannot be staged (null when it can): every entry named, a File by its contents or an http(s) location. */
export function literalListingProblem(d: Record<string, unknown>, depth: number): string | null {
  if (depth > 16) return 'a literal Directory nests deeper than 16 levels';
  if (d.basename !== undefined && (typeof d.basename !== 'string' || !SAFE_NAME.test(d.basename))) return `${JSON.stringify(d.basename)} is not a usable directory name`;
  for (const e of d.listing as unknown[]) {
    if (!isObject(e)) return 'a listing entry must be a File or Directory object';
    const loc = typeof e.location === 'string' ? e.location : null;
    const name = typeof e.basename === 'string' ? e.basename : loc ? decodeURIComponent(new URL(loc, 'http://x/').pathname.split('/').pop() ?? '') : '';
    if (!SAFE_NAME.test(name)) return `listing entry ${JSON.stringify(e.basename ?? loc)} has no usable basename`;
    if (e.class === 'Directory') {
      if (loc !== null || !Array.isArray(e.listing)) return `directory ${name} inside a literal Directory must itself be literal (a listing, no location)`;
      const p = literalListingProblem(e, depth + 1);
      if (p) return p;
    } else if (e.class === 'File') {
      if (typeof e.contents !== 'string' && !(loc && /^https?:\/\//i.test(loc))) return `file ${name} needs its contents or an http(s) location`;
    } else return `listing entry ${name} must have class File or Directory`;
  }
  return null;
}

/** Whether a value holds a CWL File or Directory object (which a runner would fetch by its location). */
function holdsFileObject(v: unknown, depth = 0): boolean {
  if (depth > 64) return true;
  if (Array.isArray(v)) return v.some((x) => holdsFileObject(x, depth + 1));
  if (!isObject(v)) return false;
  if (v.class === 'File' || v.class === 'Directory') return true;
  return Object.values(v).some((x) => holdsFileObject(x, depth + 1));
}

function literalValue(v: unknown, spec: InterfaceInput, field: string, problems: Problem[]): GivenValue | null {
  if (isObject(v) && typeof v.href === 'string' && Object.keys(v).every((k) => ['href', 'rel', 'type', 'hreflang', 'title'].includes(k))) {
    return { kind: 'href', href: v.href, mediaType: typeof v.type === 'string' ? v.type : null };
  }
  // A qualified value wraps the value with its format; a bbox ({bbox, crs}) is itself the value, and
  // so is an object with a `value` member given to an object input when what it wraps is no object
  // (the OGC test suite sends {"value": "teststring"} to every object input).
  const qualified = isObject(v) && 'value' in v && !('bbox' in v);
  const value = qualified && !(spec.kind === 'json' && spec.jsonType === 'object' && !isObject(v.value)) ? v.value : v;
  // Files inside a value only where the input takes them (a CWL record, union or Any: embedsFiles).
  if (!spec.embedsFiles && holdsFileObject(value)) {
    problems.push({ field, message: `input ${JSON.stringify(spec.name)} is a value: files and directories are given to file inputs by reference, not inside values` });
    return null;
  }
  // A JSON input without a type (CWL Any) takes any value.
  if (spec.kind === 'json' && !spec.jsonType) return { kind: 'value', value };
  if (spec.bbox) {
    // An OGC bounding box (bbox.yaml): 4 or 6 numbers, and a CRS URI when given.
    const b = isObject(value) ? value.bbox : undefined;
    if (!isObject(value) || !Array.isArray(b) || (b.length !== 4 && b.length !== 6) || !b.every((n) => typeof n === 'number' && Number.isFinite(n)) || (value.crs !== undefined && typeof value.crs !== 'string')) {
      problems.push({ field, message: `input ${JSON.stringify(spec.name)} is a bounding box: give {"bbox": [minx, miny, maxx, maxy] (or 6 numbers with heights), "crs": URI}` });
      return null;
    }
    return { kind: 'value', value };
  }
  const want: JsonType = spec.kind === 'property' ? 'string' : (spec.jsonType ?? 'string');
  const got = jsonTypeOf(value);
  if (!(got === want || (want === 'number' && got === 'integer'))) {
    problems.push({ field, message: `input ${JSON.stringify(spec.name)} must be ${want === 'integer' || want === 'array' || want === 'object' ? 'an' : 'a'} ${want}, not ${got === 'null' ? 'null' : `${got === 'integer' || got === 'array' || got === 'object' ? 'an' : 'a'} ${got}`}` });
    return null;
  }
  return { kind: 'value', value };
}

/**
 * The pre-1.0 draft form Weaver and older EMSs still send, in the v1.0 form: `inputs` and `outputs`
 * as lists of `{id, …}` (a value in `data` or `value`, a reference in `href`; an id repeated for
 * several values), `mode: async|sync|auto` and `response: document|raw`. Returns the body as v1.0
 * and whether the request asked for asynchronous execution; problems name the list entry at fault.
 */
export function fromListForm(body: Record<string, unknown>, problems: Problem[]): { body: Record<string, unknown>; async: boolean } {
  const out: Record<string, unknown> = { ...body };
  if (Array.isArray(body.inputs)) {
    const inputs: Record<string, unknown[]> = {};
    body.inputs.forEach((x, n) => {
      if (!isObject(x) || typeof x.id !== 'string') {
        problems.push({ field: `inputs[${n}].id`, message: 'is required: the list form gives each input as {"id": …, "data" | "value" | "href": …}' });
        return;
      }
      const { id, data, ...rest } = x;
      const value = typeof rest.href === 'string' ? rest : 'value' in rest ? rest : data !== undefined ? (Object.keys(rest).length ? { ...rest, value: data } : data) : undefined;
      if (value === undefined) problems.push({ field: `inputs[${n}]`, message: `input ${JSON.stringify(id)} gives no "data", "value" or "href"` });
      else (inputs[id] ??= []).push(value);
    });
    out.inputs = Object.fromEntries(Object.entries(inputs).map(([id, vs]) => [id, vs.length === 1 ? vs[0] : vs]));
  }
  if (Array.isArray(body.outputs)) {
    const outputs: Record<string, unknown> = {};
    body.outputs.forEach((x, n) => {
      if (!isObject(x) || typeof x.id !== 'string') problems.push({ field: `outputs[${n}].id`, message: 'is required: the list form gives each output as {"id": …, "transmissionMode": …}' });
      else outputs[x.id] = { transmissionMode: x.transmissionMode ?? 'value', ...(x.format ? { format: x.format } : {}) };
    });
    out.outputs = outputs;
  }
  let async = false;
  if (body.mode !== undefined) {
    if (body.mode !== 'async' && body.mode !== 'sync' && body.mode !== 'auto') problems.push({ field: 'mode', message: 'must be "async", "sync" or "auto"' });
    async = body.mode === 'async';
    delete out.mode;
  }
  return { body: out, async };
}

/** The members an execute request has (v1.0, its list form, and Part 3's names for the process). */
const EXECUTE_MEMBERS = new Set(['inputs', 'outputs', 'response', 'subscriber', 'mode', 'id', 'process', 'processID']);

export function readExecuteRequest(raw: unknown, iface: JobInterface): { value: ExecuteRequest | null; problems: Problem[] } {
  const problems: Problem[] = [];
  if (!isObject(raw)) return { value: null, problems: [{ field: null, message: 'the execute request must be a JSON object' }] };
  const { body, async } = fromListForm(raw, problems);
  // Members, none of them an execute request's (the OGC suite's {"invalid-execute-request": …}):
  // not a request to run the process with its defaults.
  const members = Object.keys(raw);
  if (members.length && !members.some((k) => EXECUTE_MEMBERS.has(k))) {
    return { value: null, problems: [{ field: members[0], message: `is not a member of an execute request (${[...EXECUTE_MEMBERS].slice(0, 4).join(', ')}, …): give the process its inputs in "inputs"` }] };
  }
  const inputs = new Map<string, GivenValue[]>();
  const given = body.inputs ?? {};
  if (!isObject(given)) problems.push({ field: 'inputs', message: 'must be an object of input id → value' });
  else {
    const specs = new Map(iface.inputs.map((i) => [i.name, i]));
    for (const [name, v] of Object.entries(given)) {
      const spec = specs.get(name);
      const field = `inputs.${name}`;
      if (!spec) {
        problems.push({ field, message: `the process has no input ${JSON.stringify(name)}; it takes ${[...specs.keys()].map((k) => JSON.stringify(k)).join(', ') || 'no inputs'}` });
        continue;
      }
      const isFile = spec.kind === 'file' || spec.kind === 'files';
      // Several values only where the input takes several (a files input); an array is the value itself
      // of an array input, and of one of any type (CWL's Any, a union).
      const list = Array.isArray(v) && !spec.directory && (isFile || (spec.jsonType !== undefined && spec.jsonType !== 'array')) ? v : [v];
      if (list.length === 0 && spec.required) {
        problems.push({ field, message: `input ${JSON.stringify(name)} needs at least one value` });
        continue;
      }
      if (list.length > 1 && (spec.kind !== 'files' || spec.directory)) {
        problems.push({ field, message: `input ${JSON.stringify(name)} takes one value (maxOccurs 1), not ${list.length}` });
        continue;
      }
      const read = spec.directory ? directoryValue : isFile ? fileValue : literalValue;
      const values = list.map((x, n) => read(x, spec, list.length > 1 || Array.isArray(v) ? `${field}[${n}]` : field, problems));
      if (values.every((x): x is GivenValue => x !== null)) inputs.set(name, values);
    }
    for (const spec of iface.inputs) {
      if (spec.required && !(spec.name in given)) problems.push({ field: `inputs.${spec.name}`, message: `required input ${JSON.stringify(spec.name)} is missing` });
    }
  }
  const outputs = new Map<string, 'value' | 'reference'>();
  const wanted = body.outputs;
  if (wanted !== undefined && !isObject(wanted)) problems.push({ field: 'outputs', message: 'must be an object of output id → {transmissionMode, format}' });
  const names = new Set(iface.outputs.map((o) => o.name));
  if (isObject(wanted) && Object.keys(wanted).length) {
    for (const [name, o] of Object.entries(wanted)) {
      if (!names.has(name)) {
        problems.push({ field: `outputs.${name}`, message: `the process has no output ${JSON.stringify(name)}` });
        continue;
      }
      const mode = isObject(o) ? (o.transmissionMode ?? 'value') : 'value';
      if (mode !== 'value' && mode !== 'reference') problems.push({ field: `outputs.${name}.transmissionMode`, message: 'must be "value" or "reference"' });
      else outputs.set(name, mode);
    }
  } else {
    for (const o of iface.outputs) outputs.set(o.name, 'value');
  }
  const response = body.response ?? 'raw';
  if (response !== 'raw' && response !== 'document') problems.push({ field: 'response', message: 'must be "raw" or "document"' });
  let subscriber: ExecuteRequest['subscriber'] = null;
  if (body.subscriber !== undefined) {
    if (!isObject(body.subscriber)) problems.push({ field: 'subscriber', message: 'must be an object {successUri, inProgressUri, failedUri}' });
    else {
      subscriber = {};
      for (const k of ['successUri', 'inProgressUri', 'failedUri'] as const) {
        const u = body.subscriber[k];
        if (u === undefined) continue;
        if (typeof u !== 'string' || !/^https?:\/\//.test(u)) problems.push({ field: `subscriber.${k}`, message: 'must be an http(s) URL' });
        else subscriber[k] = u;
      }
    }
  }
  if (problems.length) return { value: null, problems };
  return { value: { inputs, outputs, response: response as 'raw' | 'document', subscriber, async }, problems };
}
