// Every scheduler call checked against Apache Mesos's own protobuf definitions (schemas/mesos/v1, copied
// from apache/mesos 1.11.0; see schemas/README.md), loaded with protobufjs. The walk follows stout's JSON
// → protobuf parser (3rdparty/stout/include/stout/protobuf.hpp): proto field names, enums by name, bytes
// as Base64, 64-bit integers as numbers or strings, maps as objects, proto2 `required` fields enforced
// ("Missing required fields: …"). It is stricter than a real master in one way: an unknown field is an
// error here (the master silently drops it), so a misspelt field in what the framework sends is caught.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const SCHEMAS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');

let root: protobuf.Root | null = null;

/** The mesos.v1 definitions, loaded once (keepCase: the JSON uses the proto's snake_case names). */
export function mesosRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  // `import "mesos/v1/mesos.proto"` is relative to the include root, as protoc's -I include/.
  r.resolvePath = (origin, target) => (path.isAbsolute(target) ? target : path.join(SCHEMAS, target));
  r.loadSync(path.join(SCHEMAS, 'mesos', 'v1', 'scheduler', 'scheduler.proto'), { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

export interface ProtoProblems {
  /** Fields present in the JSON that the message does not define (a real master ignores them). */
  unknown: string[];
  /** Values of the wrong JSON type, enum names that do not exist, bad Base64. */
  invalid: string[];
  /** proto2 `required` fields that are absent, as stout lists them. */
  missing: string[];
}

const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);

function checkScalar(type: string, v: unknown, at: string, p: ProtoProblems): void {
  const bad = (why: string) => void p.invalid.push(`${at}: ${why}`);
  if (type === 'string') {
    if (typeof v !== 'string') bad('expecting a string');
  } else if (type === 'bool') {
    if (typeof v !== 'boolean') bad('expecting a boolean');
  } else if (type === 'double' || type === 'float') {
    if (typeof v !== 'number') bad('expecting a number');
  } else if (INT32.has(type) || INT64.has(type)) {
    const ok = (typeof v === 'number' && Number.isInteger(v)) || (INT64.has(type) && typeof v === 'string' && /^-?\d+$/.test(v));
    if (!ok) bad(`expecting an integer (${type})`);
    else if (type.startsWith('u') && Number(v) < 0) bad(`expecting an unsigned integer (${type})`);
  } else if (type === 'bytes') {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) bad('expecting Base64 (bytes)');
  } else {
    bad(`unsupported field type ${type}`);
  }
}

function checkValue(field: protobuf.Field | protobuf.MapField, v: unknown, at: string, p: ProtoProblems): void {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) {
    if (typeof v !== 'string') p.invalid.push(`${at}: expecting an enum name of ${rt.fullName.slice(1)}`);
    else if (!(v in rt.values)) p.invalid.push(`${at}: Failed to find enum for '${v}'`);
  } else if (rt instanceof protobuf.Type) {
    walk(rt, v, at, p);
  } else {
    checkScalar(field.type, v, at, p);
  }
}

function walk(type: protobuf.Type, json: unknown, at: string, p: ProtoProblems): void {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    p.invalid.push(`${at || '(call)'}: expecting a JSON object for ${type.fullName.slice(1)}`);
    return;
  }
  const obj = json as Record<string, unknown>;
  const prefix = at ? `${at}.` : '';
  for (const [name, v] of Object.entries(obj)) {
    const field = type.fields[name];
    if (!field) {
      p.unknown.push(`${prefix}${name}`);
      continue;
    }
    const here = `${prefix}${name}`;
    if (v === null) {
      p.invalid.push(`${here}: null is not a value`);
    } else if (field instanceof protobuf.MapField) {
      if (typeof v !== 'object' || Array.isArray(v)) p.invalid.push(`${here}: expecting a JSON object (map)`);
      else for (const [k, x] of Object.entries(v as object)) checkValue(field, x, `${here}[${k}]`, p);
    } else if (field.repeated) {
      if (!Array.isArray(v)) p.invalid.push(`${here}: expecting a JSON array`);
      else v.forEach((x, i) => checkValue(field, x, `${here}[${i}]`, p));
    } else {
      checkValue(field, v, here, p);
    }
  }
  for (const field of type.fieldsArray) {
    if (field.required && obj[field.name] === undefined) p.missing.push(`${prefix}${field.name}`);
  }
}

/** Checks a JSON value against a mesos.v1 message type (default: the scheduler Call). */
export function checkMessage(json: unknown, typeName = 'mesos.v1.scheduler.Call'): ProtoProblems {
  const p: ProtoProblems = { unknown: [], invalid: [], missing: [] };
  walk(mesosRoot().lookupType(typeName), json, '', p);
  return p;
}
