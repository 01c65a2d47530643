// Scale v6 data filter: the rule a recipe condition node applies to decide whether its input data is
// accepted. Semantics follow the "Data Filter JSON" section of Scale's docs/rest/v6/data.rst and its
// schema filter_v6.DATA_FILTER_SCHEMA; where the doc is loose, Scale's data/filter/filter.py decides
// (e.g. '<' means input < values[0]; object and meta-data filters with `fields` may use any condition).
import type { Problem } from '../../schemas.ts';
import type { InterfaceInput } from '../job-types/model.ts';
import type { ScaleFile } from '../files/service.ts';
import type { InputValue } from '../jobs/job-data.ts';
import { sameJson } from '../same-json.ts';

export type FilterType = 'array' | 'boolean' | 'integer' | 'number' | 'object' | 'string' | 'filename' | 'media-type' | 'data-type' | 'meta-data';
export type FilterCondition = '<' | '<=' | '>' | '>=' | '==' | '!=' | 'between' | 'in' | 'not in' | 'contains' | 'subset of' | 'superset of';

export interface FilterItem {
  name: string;
  type: FilterType;
  condition: FilterCondition;
  values: unknown[];
  /** Key paths into an object value or file meta-data; fields[n] is tested against values[n] (itself a list). */
  fields?: string[][];
  allFields: boolean;
  allFiles: boolean;
}

export interface DataFilter {
  filters: FilterItem[];
  all: boolean;
}

const TYPES: readonly FilterType[] = ['array', 'boolean', 'integer', 'number', 'object', 'string', 'filename', 'media-type', 'data-type', 'meta-data'];
const CONDITIONS: readonly FilterCondition[] = ['<', '<=', '>', '>=', '==', '!=', 'between', 'in', 'not in', 'contains', 'subset of', 'superset of'];
const FILE_TYPES: ReadonlySet<FilterType> = new Set(['filename', 'media-type', 'data-type', 'meta-data']);

const STRING_CONDS: FilterCondition[] = ['==', '!=', 'in', 'not in', 'contains'];
const NUMBER_CONDS: FilterCondition[] = ['<', '<=', '>', '>=', '==', '!=', 'between', 'in', 'not in'];
const OBJECT_CONDS: FilterCondition[] = ['subset of', 'superset of'];
/** Conditions each type allows on a whole value. With `fields`, object and meta-data allow every condition. */
const ALLOWED: Record<FilterType, FilterCondition[]> = {
  string: STRING_CONDS, filename: STRING_CONDS, 'media-type': STRING_CONDS, 'data-type': STRING_CONDS,
  array: STRING_CONDS,
  integer: NUMBER_CONDS, number: NUMBER_CONDS,
  boolean: ['==', '!='],
  object: OBJECT_CONDS,
  'meta-data': [...STRING_CONDS, ...OBJECT_CONDS],
};
const FILTER_KEYS = new Set(['name', 'type', 'condition', 'values', 'fields', 'all_fields', 'all_files']);
const TOP_KEYS = new Set(['version', 'filters', 'all']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const quote = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(', ');

export function parseDataFilter(json: unknown, root: string): { value: DataFilter | null; problems: Problem[] } {
  const problems: Problem[] = [];
  if (!isObject(json)) return { value: null, problems: [{ field: root, message: 'must be an object' }] };
  const bad = (field: string, message: string) => problems.push({ field: `${root}.${field}`, message });
  for (const k of Object.keys(json)) if (!TOP_KEYS.has(k)) bad(k, 'is not an allowed field');
  if (json.version !== undefined && typeof json.version !== 'string') bad('version', 'must be a string');
  if (json.all !== undefined && typeof json.all !== 'boolean') bad('all', 'must be a boolean');
  const filters: FilterItem[] = [];
  if (json.filters !== undefined && !Array.isArray(json.filters)) bad('filters', 'must be an array');
  else ((json.filters ?? []) as unknown[]).forEach((raw, i) => {
    const item = parseItem(raw, `${root}.filters[${i}]`, problems);
    if (item) filters.push(item);
  });
  if (problems.length) return { value: null, problems };
  return { value: { filters, all: (json.all as boolean | undefined) ?? true }, problems };
}

function parseItem(raw: unknown, at: string, problems: Problem[]): FilterItem | null {
  if (!isObject(raw)) return problems.push({ field: at, message: 'must be an object' }), null;
  const before = problems.length;
  const fail = (field: string, message: string) => problems.push({ field: `${at}.${field}`, message });
  for (const k of Object.keys(raw)) if (!FILTER_KEYS.has(k)) fail(k, 'is not an allowed field');
  for (const k of ['name', 'type', 'condition', 'values']) if (raw[k] === undefined) fail(k, 'is required');
  const { name, type, condition, values, fields, all_fields, all_files } = raw;
  if (name !== undefined && typeof name !== 'string') fail('name', 'must be a string');
  const typeOk = TYPES.includes(type as FilterType);
  if (type !== undefined && !typeOk) fail('type', `must be one of ${quote(TYPES)}`);
  const condOk = CONDITIONS.includes(condition as FilterCondition);
  if (condition !== undefined && !condOk) fail('condition', `must be one of ${quote(CONDITIONS)}`);
  if (values !== undefined && (!Array.isArray(values) || values.length === 0)) fail('values', 'must be a non-empty array');
  const fieldsOk = Array.isArray(fields) && fields.length > 0
    && fields.every((p) => Array.isArray(p) && p.length > 0 && p.every((k) => typeof k === 'string'));
  if (fields !== undefined && !fieldsOk) fail('fields', 'must be a non-empty array of non-empty arrays of strings');
  if (all_fields !== undefined && typeof all_fields !== 'boolean') fail('all_fields', 'must be a boolean');
  if (all_files !== undefined && typeof all_files !== 'boolean') fail('all_files', 'must be a boolean');
  const t = type as FilterType;
  const c = condition as FilterCondition;
  const hasFields = fields !== undefined;
  if (typeOk && hasFields && t !== 'object' && t !== 'meta-data') fail('fields', `only applies to "object" and "meta-data" filters, not "${t}"`);
  if (typeOk && condOk && !(hasFields && (t === 'object' || t === 'meta-data')) && !ALLOWED[t].includes(c)) {
    const extra = t === 'object' || t === 'meta-data' ? ' (other conditions need fields)' : '';
    fail('condition', `"${c}" does not apply to type "${t}"; use one of ${quote(ALLOWED[t])}${extra}`);
  }
  if (fieldsOk && Array.isArray(values) && values.length > 0) {
    if (fields.length !== values.length) fail('fields', `must have as many paths (${fields.length}) as values has entries (${values.length})`);
    values.forEach((v, n) => {
      if (!Array.isArray(v) || v.length === 0) fail(`values[${n}]`, 'must be a non-empty array when fields are given');
      else if (c === 'between' && v.length < 2) fail(`values[${n}]`, '"between" needs two values');
    });
  } else if (!hasFields && c === 'between' && Array.isArray(values) && values.length === 1) fail('values', '"between" needs two values');
  if (problems.length > before) return null;
  const item: FilterItem = {
    name: name as string, type: t, condition: c, values: structuredClone(values as unknown[]),
    allFields: (all_fields as boolean | undefined) ?? true, allFiles: (all_files as boolean | undefined) ?? false,
  };
  if (hasFields) item.fields = (fields as string[][]).map((p) => [...p]);
  return item;
}

export function dataFilterToJson(f: DataFilter): Record<string, unknown> {
  return {
    version: '6',
    all: f.all,
    filters: f.filters.map((x) => ({
      name: x.name, type: x.type, condition: x.condition, values: structuredClone(x.values),
      ...(x.fields ? { fields: x.fields.map((p) => [...p]) } : {}),
      all_fields: x.allFields, all_files: x.allFiles,
    })),
  };
}

export function checkFilterAgainstInterface(f: DataFilter, inputs: InterfaceInput[], root: string): Problem[] {
  const problems: Problem[] = [];
  const byName = new Map(inputs.map((i) => [i.name, i]));
  f.filters.forEach((x, i) => {
    const at = `${root}.filters[${i}]`;
    const input = byName.get(x.name);
    if (!input) return problems.push({ field: `${at}.name`, message: `names no input of the condition node ("${x.name}")` });
    const fileFilter = FILE_TYPES.has(x.type);
    const fileInput = input.kind === 'file' || input.kind === 'files';
    let why: string | null = null;
    if (fileFilter && !fileInput) why = `a "${x.type}" filter needs a file input, but "${x.name}" is ${input.kind}`;
    else if (!fileFilter && fileInput) why = `"${x.name}" is a file input; use a filename, media-type, data-type or meta-data filter`;
    else if (input.kind === 'property' && x.type !== 'string') why = `"${x.name}" is a property (a string); use a string filter`;
    else if (input.kind === 'json' && input.jsonType && input.jsonType !== x.type && !(x.type === 'number' && input.jsonType === 'integer')) {
      why = `a "${x.type}" filter does not match "${x.name}", which is json of type ${input.jsonType}`;
    }
    if (why) problems.push({ field: `${at}.type`, message: why });
  });
  return problems;
}

export function acceptsData(f: DataFilter, data: Map<string, InputValue>, files: Map<number, ScaleFile>): boolean {
  if (f.filters.length === 0) return true;
  const pass = (x: FilterItem) => filterPasses(x, data.get(x.name), files);
  return f.all ? f.filters.every(pass) : f.filters.some(pass);
}

function filterPasses(x: FilterItem, input: InputValue | undefined, files: Map<number, ScaleFile>): boolean {
  if (!input) return false;
  if (FILE_TYPES.has(x.type)) {
    if (input.kind !== 'file' && input.kind !== 'files') return false;
    const results = input.fileIds.map((id) => {
      const file = files.get(id);
      return file !== undefined && filePasses(x, file);
    });
    if (results.length === 0) return false;
    return x.allFiles ? results.every(Boolean) : results.some(Boolean);
  }
  if (input.kind !== 'property' && input.kind !== 'json') return false;
  const value = input.value;
  if (!hasType(value, x.type)) return false;
  return x.fields ? fieldsPass(x, value) : test(x.condition, value, x.values);
}

function filePasses(x: FilterItem, file: ScaleFile): boolean {
  switch (x.type) {
    case 'filename': return test(x.condition, file.fileName, x.values);
    case 'media-type': return test(x.condition, file.mediaType, x.values);
    case 'data-type': {
      // A file has many tags: '!=' and 'not in' need every tag to pass (no tag matches), the others any tag.
      const tags = file.dataTypeTags ?? [];
      const negative = x.condition === '!=' || x.condition === 'not in';
      return negative ? tags.every((t) => test(x.condition, t, x.values)) : tags.some((t) => test(x.condition, t, x.values));
    }
    case 'meta-data': {
      const md = file.metaData ?? {};
      return x.fields ? fieldsPass(x, md) : test(x.condition, md, x.values);
    }
    default: return false;
  }
}

/** Tests fields[n] of `obj` against values[n]; a path that does not resolve fails. */
function fieldsPass(x: FilterItem, obj: unknown): boolean {
  const results = (x.fields ?? []).map((path, n) => {
    const vals = x.values[n];
    const v = path.reduce<unknown>((o, k) => (isObject(o) && Object.hasOwn(o, k) ? o[k] : undefined), obj);
    return v !== undefined && Array.isArray(vals) && test(x.condition, v, vals);
  });
  return x.allFields ? results.every(Boolean) : results.some(Boolean);
}

/** The run-time type check the doc promises: a value not of the filter's type fails it. */
function hasType(v: unknown, type: FilterType): boolean {
  switch (type) {
    case 'string': return typeof v === 'string';
    case 'integer': return Number.isInteger(v);
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'boolean': return typeof v === 'boolean';
    case 'array': return Array.isArray(v);
    case 'object': return isObject(v);
    default: return false;
  }
}

/** Orders two numbers or two strings; anything else is incomparable (null). */
function compare(a: unknown, b: unknown): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return null;
}

/** One condition on one input value; comparisons use values[0] (and values[1] for between). */
function test(cond: FilterCondition, input: unknown, values: unknown[]): boolean {
  const c = compare(input, values[0]);
  switch (cond) {
    case '<': return c !== null && c < 0;
    case '<=': return c !== null && c <= 0;
    case '>': return c !== null && c > 0;
    case '>=': return c !== null && c >= 0;
    case '==': return values.length > 0 && sameJson(input, values[0]);
    case '!=': return values.length > 0 && !sameJson(input, values[0]);
    case 'between': {
      const hi = compare(input, values[1]);
      return c !== null && hi !== null && c >= 0 && hi <= 0;
    }
    case 'in': return values.some((v) => sameJson(input, v));
    case 'not in': return !values.some((v) => sameJson(input, v));
    case 'contains':
      if (typeof input === 'string') return values.some((v) => typeof v === 'string' && input.includes(v));
      if (Array.isArray(input)) return values.some((v) => input.some((e) => sameJson(e, v)));
      if (isObject(input)) return values.some((v) => typeof v === 'string' && Object.hasOwn(input, v));
      return false;
    case 'subset of': return isObject(input) && isObject(values[0]) && includes(values[0], input);
    case 'superset of': return isObject(input) && isObject(values[0]) && includes(input, values[0]);
  }
}

/** Whether every key of `part` is in `whole` with an equal value. */
function includes(whole: Record<string, unknown>, part: Record<string, unknown>): boolean {
  return Object.entries(part).every(([k, v]) => Object.hasOwn(whole, k) && sameJson(whole[k], v));
}
