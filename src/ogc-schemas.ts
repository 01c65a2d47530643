// The OGC API - Processes - Part 1 v1.0 JSON schemas (YAML, as published; copies in
// schemas/ogc/processes-1/schemas/) compiled with Ajv, for checking what this server sends and
// what clients send it. The published files are OpenAPI 3.0 flavoured, so they are adapted as the
// OGC test suite adapts them: boolean exclusiveMinimum/Maximum become the numeric form, and oneOf
// becomes anyOf (several of its oneOfs overlap: a plain string is both a value and binary, an
// integer both integer and number, so a strict oneOf refuses valid documents; ETS issue #54).
import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import YAML from 'yaml';
import { ROOT } from './root.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export const OGC_SCHEMAS_DIR = path.join(ROOT, 'schemas', 'ogc', 'processes-1', 'schemas');
const BASE = 'http://schemas.opengis.net/ogcapi/processes/part1/1.0/openapi/schemas/';

/** Rewrites an OpenAPI 3.0 schema into one Ajv (draft-07) reads the way the OGC suite does. */
export function adaptSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(adaptSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  const src = node as Record<string, unknown>;
  for (const [k, v] of Object.entries(src)) {
    // The keys of `properties` are names, not keywords (schema.yaml has properties named default, example, nullable).
    if (k === 'properties' && v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, adaptSchema(sub)]));
    } else if (k === 'oneOf') out.anyOf = adaptSchema(v);
    else if ((k === 'exclusiveMinimum' || k === 'exclusiveMaximum') && typeof v === 'boolean') {
      const bound = k === 'exclusiveMinimum' ? 'minimum' : 'maximum';
      if (v && typeof src[bound] === 'number') out[k] = src[bound];
    } else if (k === 'default' || k === 'example' || k === 'nullable') continue;
    else out[k] = adaptSchema(v);
  }
  if (src.exclusiveMinimum === true && typeof src.minimum === 'number') delete out.minimum;
  if (src.exclusiveMaximum === true && typeof src.maximum === 'number') delete out.maximum;
  return out;
}

let ajv: Ajv | null = null;
const compiled = new Map<string, ValidateFunction>();

function instance(): Ajv {
  if (ajv) return ajv;
  ajv = addFormats(new Ajv({ allErrors: true, strict: false, validateSchema: false }));
  ajv.addFormat('url', true);
  for (const file of fs.readdirSync(OGC_SCHEMAS_DIR).filter((f) => f.endsWith('.yaml'))) {
    const schema = adaptSchema(YAML.parse(fs.readFileSync(path.join(OGC_SCHEMAS_DIR, file), 'utf8'))) as Record<string, unknown>;
    ajv.addSchema({ ...schema, $id: BASE + file });
  }
  return ajv;
}

export interface OgcProblem {
  path: string;
  message: string;
}

/** Problems found validating `data` against a Part 1 schema file (`process.yaml`, `statusInfo.yaml` …). */
export function checkOgc(schemaFile: string, data: unknown): OgcProblem[] {
  let fn = compiled.get(schemaFile);
  if (!fn) {
    fn = instance().getSchema(BASE + schemaFile);
    if (!fn) throw new Error(`no OGC schema ${schemaFile} under ${OGC_SCHEMAS_DIR}`);
    compiled.set(schemaFile, fn);
  }
  if (fn(data)) return [];
  return (fn.errors ?? []).map((e: ErrorObject) => ({ path: e.instancePath || '/', message: `${e.message ?? e.keyword}${e.params ? ` ${JSON.stringify(e.params)}` : ''}` }));
}
