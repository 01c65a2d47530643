// Sample values that satisfy a (simple) input schema of a process description, for filling in the
// inputs a check does not care about, and classifiers for the input kinds the tests look for.
import { TEST_STRING } from '../constants.ts';
import { isObj, type Obj } from './util.ts';

const BBOX_FORMATS = ['ogc-bbox', 'http://www.opengis.net/def/format/ogcapi-processes/0/ogc-bbox'];

export function isBboxSchema(schema: unknown): boolean {
  if (!isObj(schema)) return false;
  if (typeof schema.format === 'string' && BBOX_FORMATS.includes(schema.format)) return true;
  if (Array.isArray(schema.allOf) && schema.allOf.some(isBboxSchema)) return true;
  return schema.type === 'object' && isObj(schema.properties) && 'bbox' in schema.properties;
}

export function isBinarySchema(schema: unknown): boolean {
  if (!isObj(schema) || schema.type !== 'string') return false;
  return schema.format === 'byte' || schema.format === 'binary' || schema.contentEncoding === 'base64' || schema.contentEncoding === 'binary';
}

/** A string schema with no format, media type, encoding, enum or pattern: any text will do. */
export function isPlainStringSchema(schema: unknown): boolean {
  if (!isObj(schema) || schema.type !== 'string') return false;
  return ['format', 'contentMediaType', 'contentEncoding', 'enum', 'pattern'].every((k) => schema[k] === undefined);
}

export function isObjectSchema(schema: unknown): boolean {
  return isObj(schema) && schema.type === 'object' && !isBboxSchema(schema);
}

export function isArraySchema(schema: unknown): boolean {
  return isObj(schema) && schema.type === 'array';
}

export function maxOccursAbove1(input: Obj): boolean {
  return input.maxOccurs === 'unbounded' || (typeof input.maxOccurs === 'number' && input.maxOccurs > 1);
}

function number(schema: Obj, integer: boolean): number {
  let v = typeof schema.minimum === 'number' ? schema.minimum : 0;
  if (typeof schema.exclusiveMinimum === 'number') v = schema.exclusiveMinimum + 1;
  else if (schema.exclusiveMinimum === true && typeof schema.minimum === 'number') v = schema.minimum + 1;
  if (typeof schema.maximum === 'number' && v > schema.maximum) v = schema.maximum;
  return integer ? Math.ceil(v) : v;
}

/** A value valid against `schema` as far as this simple generator understands it. */
export function sampleValue(schema: unknown, depth = 0): unknown {
  if (!isObj(schema) || depth > 6) return TEST_STRING;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list) && list.length && schema.type === undefined) {
      if (key === 'allOf' && isBboxSchema(schema)) break;
      return sampleValue(list[0], depth + 1);
    }
  }
  if (isBboxSchema(schema)) return { bbox: [51.9, 7, 52, 7.1], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84' };
  switch (schema.type) {
    case 'integer':
      return number(schema, true);
    case 'number':
      return number(schema, false);
    case 'boolean':
      return false;
    case 'array': {
      const n = typeof schema.minItems === 'number' && schema.minItems > 0 ? schema.minItems : 1;
      return Array.from({ length: n }, () => sampleValue(schema.items, depth + 1));
    }
    case 'object': {
      const out: Obj = {};
      const props = isObj(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
      for (const name of required) out[name] = sampleValue(props[name], depth + 1);
      return out;
    }
    default:
      break;
  }
  if (isBinarySchema(schema)) return Buffer.from(TEST_STRING).toString('base64');
  if (schema.format === 'date-time') return new Date().toISOString();
  if (schema.format === 'date') return new Date().toISOString().slice(0, 10);
  if (schema.format === 'uri' || schema.format === 'url') return 'http://example.com/';
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  return TEST_STRING.padEnd(min, 'x');
}
