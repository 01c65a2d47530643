// The CWL v1.2 JSON schema (schemas/cwl/, see its README for provenance), compiled once on first
// use. Its many oneOf branches make Ajv report every branch that failed; only the errors deepest in
// the document are kept, which name the field a client got wrong.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { SCHEMAS_DIR, type Problem } from '../src/schemas.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
export const CWL_SCHEMA_FILE = path.join(SCHEMAS_DIR, 'cwl', 'cwl-v1.2.schema.yaml');

let validate: ValidateFunction | null = null;

function compiled(): ValidateFunction {
  if (validate) return validate;
  const schema = parseYaml(fs.readFileSync(CWL_SCHEMA_FILE, 'utf8'));
  // Two places upstream write `type: {$ref}` where `$ref` is meant (see schemas/cwl/README.md); no Ajv option accepts that.
  schema.$defs.EnvironmentDef.properties.envValue = { $ref: '#/$defs/CWLExpression' };
  schema.$defs.CWLDefaultTypedConditional.allOf[8].then.properties.default = { $ref: '#/$defs/CWLTypeSymbolValues' };
  // Its patterns escape `#`, which a unicode RegExp refuses.
  const ajv = addFormats(new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, logger: false, unicodeRegExp: false }));
  // Formats the schema names that ajv-formats does not define; its patterns carry the checks.
  for (const f of ['url', 'uuid']) if (!ajv.formats[f]) ajv.addFormat(f, true);
  ajv.addSchema(schema, 'cwl');
  validate = ajv.compile({ $ref: 'cwl#/$defs/CWL' });
  return validate;
}

function fieldOf(e: ErrorObject): string | null {
  const p = e.instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  return p || null;
}

/** Problems with a CWL document as the v1.2 schema sees them (empty when it validates). */
export function validateCwlSchema(doc: unknown): Problem[] {
  const v = compiled();
  if (v(doc)) return [];
  const errors = v.errors ?? [];
  const depth = (e: ErrorObject) => e.instancePath.split('/').length;
  const deepest = Math.max(...errors.map(depth));
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const e of errors.filter((x) => depth(x) === deepest && x.keyword !== 'oneOf' && x.keyword !== 'anyOf')) {
    const extra = e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ')})` : '';
    const message = `${e.message ?? 'is not valid'}${extra} (CWL v1.2 schema)`;
    const key = `${fieldOf(e)}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field: fieldOf(e), message });
    if (out.length >= 5) break;
  }
  return out.length ? out : [{ field: null, message: 'the document does not validate against the CWL v1.2 schema' }];
}
