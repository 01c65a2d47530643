// One Ajv instance over every schema under schemas/, compiled on first use, and a formatter that
// turns Ajv's errors into "field: problem" pairs a client can act on.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { Invalid } from './errors.ts';
import { ROOT } from './root.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const Ajv04 = Ajv04Module as unknown as typeof Ajv;

export const SCHEMAS_DIR = path.join(ROOT, 'schemas');

export interface Problem {
  field: string | null;
  message: string;
}

function listJson(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return listJson(p);
    return e.name.endsWith('.json') ? [p] : [];
  });
}

const compiled = new Map<string, ValidateFunction>();
let sources: Map<string, { schema: any; draft04: boolean }> | null = null;
let ajv07: Ajv | null = null;
let ajv04: Ajv | null = null;

/**
 * Every schema file under schemas/, by its `$id` and by its path there (`seed/seed.manifest.schema.json`).
 * Draft-04 schemas (SEED's) are compiled by a draft-04 Ajv, the rest by a draft-07 one.
 */
function load(): Map<string, { schema: any; draft04: boolean }> {
  if (sources) return sources;
  sources = new Map();
  for (const file of listJson(SCHEMAS_DIR)) {
    const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
    const entry = { schema, draft04: String(schema.$schema ?? '').includes('draft-04') };
    sources.set(path.relative(SCHEMAS_DIR, file).split(path.sep).join('/'), entry);
    if (typeof schema.$id === 'string') sources.set(schema.$id, entry);
  }
  return sources;
}

function instance(draft04: boolean): Ajv {
  // Upstream schemas carry keywords such as "default" and "description" in odd places; accept them verbatim.
  const opts = { allErrors: true, strict: false, allowUnionTypes: true };
  if (draft04) {
    if (!ajv04) {
      ajv04 = addFormats(new Ajv04(opts));
      // Draft-04 schemas name themselves with `id`; all are registered so they can refer to each other.
      for (const { schema, draft04: d4 } of new Set(load().values())) if (d4 && typeof schema.id === 'string') ajv04.addSchema(schema);
    }
    return ajv04;
  }
  if (!ajv07) {
    ajv07 = addFormats(new Ajv(opts));
    for (const { schema, draft04: d4 } of new Set(load().values())) if (!d4 && typeof schema.$id === 'string') ajv07.addSchema(schema);
  }
  return ajv07;
}

function validator(id: string): ValidateFunction {
  let fn = compiled.get(id);
  if (!fn) {
    const entry = load().get(id);
    if (!entry) throw new Error(`no schema ${id} under ${SCHEMAS_DIR}`);
    const ajv = instance(entry.draft04);
    const key = entry.schema.$id ?? (entry.draft04 ? entry.schema.id : undefined);
    const compiledFn: ValidateFunction = (key && ajv.getSchema(key)) || ajv.compile(entry.schema);
    compiled.set(id, compiledFn);
    fn = compiledFn;
  }
  return fn;
}

/** `/input_data/0/type` → `input_data[0].type`, with an optional root in front. */
export function fieldPath(root: string | null, pointer: string, extra?: string): string | null {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let out = root ?? '';
  for (const p of parts) {
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else out += out ? `.${p}` : p;
  }
  return out || null;
}

function describe(e: ErrorObject): { extra?: string; message: string } {
  switch (e.keyword) {
    case 'required':
      return { extra: e.params.missingProperty, message: 'is required' };
    case 'additionalProperties':
      return { extra: e.params.additionalProperty, message: 'is not an allowed field' };
    case 'enum':
      return { message: `must be one of: ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'type':
      return { message: `must be of type ${e.params.type}` };
    case 'propertyNames':
      return { message: `has an invalid key ${JSON.stringify(e.params.propertyName)}` };
    default:
      return { message: e.message ?? `fails ${e.keyword}` };
  }
}

/** Problems found validating data against schema `id`; empty when valid. */
export function check(id: string, data: unknown, root: string | null = null): Problem[] {
  const fn = validator(id);
  if (fn(data)) return [];
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const e of fn.errors ?? []) {
    // propertyNames reports twice (once for the name, once for the schema); keep the one with the name.
    if (e.keyword === 'pattern' && e.propertyName !== undefined) continue;
    // if/then dispatch reports the failing "then" branch's own errors too; those are the useful ones.
    if (e.keyword === 'if') continue;
    const d = describe(e);
    const field = fieldPath(root, e.instancePath, d.extra);
    const key = `${field}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ field, message: d.message });
  }
  return problems;
}

/** Validates, throwing Invalid naming every field at fault. */
export function assertValid(id: string, data: unknown, root: string | null = null): void {
  const problems = check(id, data, root);
  if (problems.length) throw Invalid.many(problems);
}
