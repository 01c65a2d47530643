// One Ajv instance over every schema under schemas/, compiled on first use, and a formatter that
// turns Ajv's errors into "field: problem" pairs a client can act on.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { Invalid } from './core/domain-errors.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export const SCHEMAS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'schemas');

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

let ajv: Ajv | null = null;
const compiled = new Map<string, ValidateFunction>();

function instance(): Ajv {
  if (ajv) return ajv;
  // Upstream schemas carry keywords such as "default" and "description" in odd places; accept them verbatim.
  ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  addFormats(ajv);
  for (const file of listJson(SCHEMAS_DIR)) {
    const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof schema.$id === 'string') ajv.addSchema(schema);
  }
  return ajv;
}

function validator(id: string): ValidateFunction {
  let fn = compiled.get(id);
  if (!fn) {
    fn = instance().getSchema(id);
    if (!fn) throw new Error(`no schema with $id ${id} under ${SCHEMAS_DIR}`);
    compiled.set(id, fn);
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
