import assert from 'node:assert/strict';
import {
  acceptsData,
  checkFilterAgainstInterface,
  type DataFilter,
  dataFilterToJson,
  parseDataFilter,
} from '../src/core/recipes/data-filter.ts';
import type { ScaleFile } from '../src/core/files/service.ts';
import type { InterfaceInput } from '../src/core/job-types/model.ts';
import type { InputValue } from '../src/core/jobs/job-data.ts';

const ROOT = 'nodes.cond.node_type.data_filter';

function scaleFile(id: number, over: Partial<ScaleFile> = {}): ScaleFile {
  const t = new Date('2024-01-01T00:00:00Z');
  return {
    id, workspaceId: 1, workspaceName: 'ws', workspaceBaseUrl: null, fileName: `file_${id}.txt`, filePath: `p/file_${id}.txt`,
    fileType: 'PRODUCT', mediaType: 'text/plain', fileSize: 10, checksum: null, uuid: `uuid-${id}`, dataTypeTags: [], metaData: {},
    geometry: null, centerPoint: null, countries: [], dataStarted: null, dataEnded: null, sourceStarted: null, sourceEnded: null, sourceSensorClass: null, sourceSensor: null, sourceCollection: null, sourceTask: null,
    isDeleted: false, deleted: null, jobId: null, jobExeId: null, jobTypeId: null, jobOutput: null, isPublished: false, published: null, unpublished: null,
    created: t, lastModified: t, ...over,
  };
}

/** Parses filter JSON, failing the test on any problem. */
function filter(json: unknown): DataFilter {
  const r = parseDataFilter(json, ROOT);
  assert.deepEqual(r.problems, []);
  return r.value!;
}

/** A single filter on 'input_a' against one value. */
function one(item: Record<string, unknown>, value: InputValue, files: ScaleFile[] = []): boolean {
  const f = filter({ filters: [{ name: 'input_a', ...item }] });
  return acceptsData(f, new Map([['input_a', value]]), new Map(files.map((x) => [x.id, x])));
}
const json = (value: unknown): InputValue => ({ kind: 'json', value });
const prop = (value: string): InputValue => ({ kind: 'property', value });
const filesOf = (...ids: number[]): InputValue => ({ kind: ids.length === 1 ? 'file' : 'files', fileIds: ids });

function problemsOf(j: unknown): string[] {
  const r = parseDataFilter(j, ROOT);
  if (r.problems.length) assert.equal(r.value, null);
  return r.problems.map((p) => `${p.field}: ${p.message}`);
}

describe('data filter: number conditions', () => {
  const int = (condition: string, values: unknown[], v: unknown) => one({ type: 'integer', condition, values }, json(v));
  it('< <= > >= compare the input with the first value (the rest ignored)', () => {
    assert.equal(int('<', [100, 0], 50), true);
    assert.equal(int('<', [100, 0], 100), false);
    assert.equal(int('<=', [100, 0], 100), true);
    assert.equal(int('<=', [100, 0], 101), false);
    assert.equal(int('>', [100, 0], 101), true);
    assert.equal(int('>', [100, 0], 100), false);
    assert.equal(int('>=', [100, 0], 100), true);
    assert.equal(int('>=', [100, 0], 99), false);
    assert.equal(one({ type: 'number', condition: '>', values: [100, 0] }, json(100.5)), true);
    assert.equal(one({ type: 'number', condition: '>', values: [100, 0] }, json(99.5)), false);
  });
  it('== != in "not in"', () => {
    assert.equal(int('==', [5], 5), true);
    assert.equal(int('==', [5], 6), false);
    assert.equal(int('!=', [5], 6), true);
    assert.equal(int('!=', [5], 5), false);
    assert.equal(int('in', [1, 2, 3], 2), true);
    assert.equal(int('in', [1, 2, 3], 4), false);
    assert.equal(int('not in', [1, 2, 3], 4), true);
    assert.equal(int('not in', [1, 2, 3], 3), false);
  });
  it('between is inclusive and never true when the bounds are reversed', () => {
    for (const v of [0, 50, 100]) assert.equal(int('between', [0, 100], v), true, `${v}`);
    for (const v of [-1, 101]) assert.equal(int('between', [0, 100], v), false, `${v}`);
    assert.equal(int('between', [100, 0], 50), false);
  });
  it('a value of the wrong type fails at run time', () => {
    assert.equal(int('==', [3], 3.5), false);
    assert.equal(int('<', [100], 3.5), false);
    assert.equal(int('==', ['5'], 5), false, 'values are not coerced');
    assert.equal(int('<', [100], '5'), false);
    assert.equal(one({ type: 'number', condition: '<', values: [100] }, prop('5')), false);
  });
});

describe('data filter: boolean, string and array conditions', () => {
  it('boolean == and !=', () => {
    assert.equal(one({ type: 'boolean', condition: '==', values: [true] }, json(true)), true);
    assert.equal(one({ type: 'boolean', condition: '==', values: [true] }, json(false)), false);
    assert.equal(one({ type: 'boolean', condition: '!=', values: [true] }, json(false)), true);
    assert.equal(one({ type: 'boolean', condition: '!=', values: [true] }, json(true)), false);
    assert.equal(one({ type: 'boolean', condition: '==', values: [true] }, json('true')), false);
  });
  it('string == != and the doc\'s in example (apple passes, pineapple fails)', () => {
    const s = (condition: string, values: unknown[], v: InputValue) => one({ type: 'string', condition, values }, v);
    assert.equal(s('==', ['abc'], json('abc')), true);
    assert.equal(s('==', ['abc'], json('abcd')), false);
    assert.equal(s('!=', ['abc'], json('abcd')), true);
    assert.equal(s('!=', ['abc'], json('abc')), false);
    assert.equal(s('in', ['orange', 'apple'], json('apple')), true);
    assert.equal(s('in', ['orange', 'apple'], json('pineapple')), false);
    assert.equal(s('not in', ['orange', 'apple'], json('pineapple')), true);
    assert.equal(s('not in', ['orange', 'apple'], json('apple')), false);
  });
  it('string contains succeeds if any value is a substring; property inputs are strings', () => {
    const s = (v: InputValue) => one({ type: 'string', condition: 'contains', values: ['abc', 'def'] }, v);
    assert.equal(s(json('xxdefxx')), true);
    assert.equal(s(json('xxabxx')), false);
    assert.equal(s(prop('abc')), true);
    assert.equal(s(prop('ab')), false);
    assert.equal(s(json(['abc'])), false, 'an array is not a string');
  });
  it('array == != in "not in" contains', () => {
    const a = (condition: string, values: unknown[], v: unknown) => one({ type: 'array', condition, values }, json(v));
    assert.equal(a('==', [[1, 2]], [1, 2]), true);
    assert.equal(a('==', [[1, 2]], [2, 1]), false);
    assert.equal(a('!=', [[1, 2]], [2, 1]), true);
    assert.equal(a('contains', ['x', 'y'], ['a', 'y']), true);
    assert.equal(a('contains', ['x', 'y'], ['a', 'b']), false);
    assert.equal(a('in', [[1], [2]], [2]), true);
    assert.equal(a('not in', [[1], [2]], [2]), false);
    assert.equal(a('contains', ['x'], 'x'), false, 'a string is not an array');
  });
});

describe('data filter: objects and fields', () => {
  const obj = { foo: 10, bar: 100 };
  it('superset of (doc example): extra fields in the input are ignored', () => {
    const sup = (v: unknown) => one({ type: 'object', condition: 'superset of', values: [obj] }, json(v));
    assert.equal(sup({ foo: 10, bar: 100, baz: 1 }), true);
    assert.equal(sup({ foo: 10 }), false);
    assert.equal(sup({ foo: 10, bar: 99 }), false);
    assert.equal(sup([1]), false);
  });
  it('subset of: every input entry must be in the value; an empty object is a subset', () => {
    const sub = (v: unknown) => one({ type: 'object', condition: 'subset of', values: [obj] }, json(v));
    assert.equal(sub({ foo: 10 }), true);
    assert.equal(sub({}), true);
    assert.equal(sub({ foo: 10, baz: 1 }), false);
    assert.equal(sub({ foo: 11 }), false);
  });
  it('nested values compare deeply regardless of key order', () => {
    const f = { type: 'object', condition: 'superset of', values: [{ a: { x: 1, y: [1, 2] } }] };
    assert.equal(one(f, json({ a: { y: [1, 2], x: 1 } })), true);
    assert.equal(one(f, json({ a: { y: [1, 2], x: 2 } })), false);
  });
  it('fields select a path (doc: object >= [[100,0]] at foo/bar)', () => {
    const f = { type: 'object', condition: '>=', values: [[100, 0]], fields: [['foo', 'bar']] };
    assert.equal(one(f, json({ foo: { bar: 100 } })), true);
    assert.equal(one(f, json({ foo: { bar: 99 } })), false);
  });
  it('a field path that does not resolve fails, even for != and not in', () => {
    const ne = { type: 'object', condition: '!=', values: [[5]], fields: [['foo', 'bar']] };
    assert.equal(one(ne, json({ foo: {} })), false);
    assert.equal(one(ne, json({ foo: 3 })), false);
    assert.equal(one(ne, json({ foo: { bar: 4 } })), true);
    assert.equal(one({ ...ne, condition: 'not in' }, json({})), false);
  });
  it('all_fields: true needs every path to pass, false any', () => {
    const base = { type: 'object', condition: '==', values: [['a'], ['b']], fields: [['x'], ['y']] };
    assert.equal(one(base, json({ x: 'a', y: 'b' })), true);
    assert.equal(one(base, json({ x: 'a', y: 'c' })), false);
    assert.equal(one({ ...base, all_fields: false }, json({ x: 'a', y: 'c' })), true);
    assert.equal(one({ ...base, all_fields: false }, json({ x: 'z', y: 'c' })), false);
  });
  it('each path has its own value list (between and in per field)', () => {
    const f = { type: 'object', condition: 'in', values: [['a', 'b'], [1, 2]], fields: [['s'], ['n']] };
    assert.equal(one(f, json({ s: 'b', n: 1 })), true);
    assert.equal(one(f, json({ s: 'b', n: 3 })), false);
  });
});

describe('data filter: file types', () => {
  it('filename != (doc example) and contains abc/def (doc example)', () => {
    const ne = { type: 'filename', condition: '!=', values: ['bad_file.txt'] };
    assert.equal(one(ne, filesOf(1), [scaleFile(1, { fileName: 'good.txt' })]), true);
    assert.equal(one(ne, filesOf(1), [scaleFile(1, { fileName: 'bad_file.txt' })]), false);
    const c = { type: 'filename', condition: 'contains', values: ['abc', 'def'] };
    assert.equal(one(c, filesOf(1), [scaleFile(1, { fileName: 'x_def_y.tif' })]), true);
    assert.equal(one(c, filesOf(1), [scaleFile(1, { fileName: 'x_de_y.tif' })]), false);
    assert.equal(one({ type: 'filename', condition: '==', values: ['a.txt'] }, filesOf(1), [scaleFile(1, { fileName: 'a.txt' })]), true);
    assert.equal(one({ type: 'filename', condition: 'in', values: ['a.txt', 'b.txt'] }, filesOf(1), [scaleFile(1, { fileName: 'c.txt' })]), false);
  });
  it('media-type in / not in (doc examples)', () => {
    const values = ['application/javascript', 'text/plain'];
    const js = [scaleFile(1, { mediaType: 'application/javascript' })];
    const png = [scaleFile(1, { mediaType: 'image/png' })];
    assert.equal(one({ type: 'media-type', condition: 'in', values }, filesOf(1), js), true);
    assert.equal(one({ type: 'media-type', condition: 'in', values }, filesOf(1), png), false);
    assert.equal(one({ type: 'media-type', condition: 'not in', values }, filesOf(1), png), true);
    assert.equal(one({ type: 'media-type', condition: 'not in', values }, filesOf(1), js), false);
    assert.equal(one({ type: 'media-type', condition: '==', values: ['image/png'] }, filesOf(1), png), true);
  });
  it('data-type == ABC (doc example): any tag may match; != and not in need no tag to match', () => {
    const tagged = (...tags: string[]) => [scaleFile(1, { dataTypeTags: tags })];
    const eq = { type: 'data-type', condition: '==', values: ['ABC'] };
    assert.equal(one(eq, filesOf(1), tagged('DEF', 'ABC')), true);
    assert.equal(one(eq, filesOf(1), tagged('DEF')), false);
    assert.equal(one(eq, filesOf(1), tagged()), false);
    const ne = { type: 'data-type', condition: '!=', values: ['ABC'] };
    assert.equal(one(ne, filesOf(1), tagged('DEF', 'ABC')), false);
    assert.equal(one(ne, filesOf(1), tagged('DEF')), true);
    assert.equal(one(ne, filesOf(1), tagged()), true);
    assert.equal(one({ type: 'data-type', condition: 'not in', values: ['A', 'B'] }, filesOf(1), tagged('C', 'B')), false);
    assert.equal(one({ type: 'data-type', condition: 'contains', values: ['BC'] }, filesOf(1), tagged('X', 'ABCD')), true);
  });
  it('meta-data <= [[100,0]] at foo/bar (doc example)', () => {
    const f = { type: 'meta-data', condition: '<=', values: [[100, 0]], fields: [['foo', 'bar']] };
    assert.equal(one(f, filesOf(1), [scaleFile(1, { metaData: { foo: { bar: 100 } } })]), true);
    assert.equal(one(f, filesOf(1), [scaleFile(1, { metaData: { foo: { bar: 101 } } })]), false);
    assert.equal(one(f, filesOf(1), [scaleFile(1, { metaData: {} })]), false);
  });
  it('meta-data subset of (doc example) is true for empty meta-data, so pair it with != {}', () => {
    const sub = { type: 'meta-data', condition: 'subset of', values: [{ foo: 10, bar: 100 }] };
    const md = (metaData: Record<string, unknown>) => [scaleFile(1, { metaData })];
    assert.equal(one(sub, filesOf(1), md({ foo: 10 })), true);
    assert.equal(one(sub, filesOf(1), md({ foo: 10, other: 1 })), false);
    assert.equal(one(sub, filesOf(1), md({})), true);
    const both = filter({ filters: [{ name: 'a', ...sub }, { name: 'a', type: 'meta-data', condition: '!=', values: [{}] }] });
    const files = (m: Record<string, unknown>) => new Map([[1, scaleFile(1, { metaData: m })]]);
    assert.equal(acceptsData(both, new Map([['a', filesOf(1)]]), files({})), false);
    assert.equal(acceptsData(both, new Map([['a', filesOf(1)]]), files({ bar: 100 })), true);
    assert.equal(one({ type: 'meta-data', condition: 'superset of', values: [{ foo: 10 }] }, filesOf(1), md({ foo: 10, x: 1 })), true);
  });
  it('all_files: by default one passing file is enough; true needs all of them', () => {
    const files = [scaleFile(1, { mediaType: 'image/png' }), scaleFile(2, { mediaType: 'text/plain' })];
    const f = { type: 'media-type', condition: '==', values: ['image/png'] };
    assert.equal(one(f, filesOf(1, 2), files), true);
    assert.equal(one({ ...f, all_files: true }, filesOf(1, 2), files), false);
    assert.equal(one({ ...f, all_files: true }, filesOf(1, 3), [files[0], scaleFile(3, { mediaType: 'image/png' })]), true);
  });
  it('meta-data fields combine all_fields per file and all_files across files', () => {
    const f = { type: 'meta-data', condition: '==', values: [[1], [2]], fields: [['a'], ['b']], all_fields: false };
    const files = [scaleFile(1, { metaData: { a: 1, b: 0 } }), scaleFile(2, { metaData: { a: 0, b: 0 } })];
    assert.equal(one(f, filesOf(1, 2), files), true);
    assert.equal(one({ ...f, all_files: true }, filesOf(1, 2), files), false);
    assert.equal(one({ ...f, all_fields: true }, filesOf(1, 2), files), false);
  });
  it('a file id with no record, or no files at all, fails', () => {
    const f = { type: 'filename', condition: '!=', values: ['x'] };
    assert.equal(one(f, filesOf(9), []), false);
    assert.equal(one(f, { kind: 'files', fileIds: [] }, []), false);
    assert.equal(one({ ...f, all_files: true }, filesOf(1, 9), [scaleFile(1)]), false);
  });
  it('file filters fail on json values and value filters fail on files', () => {
    assert.equal(one({ type: 'filename', condition: '!=', values: ['x'] }, json('a.txt')), false);
    assert.equal(one({ type: 'string', condition: '!=', values: ['x'] }, filesOf(1), [scaleFile(1)]), false);
  });
});

describe('data filter: combining filters', () => {
  const f = (all: boolean) => filter({
    all,
    filters: [
      { name: 'a', type: 'integer', condition: '>', values: [0] },
      { name: 'b', type: 'string', condition: '==', values: ['yes'] },
    ],
  });
  const data = (a: number, b: string) => new Map<string, InputValue>([['a', json(a)], ['b', json(b)]]);
  it('all (the default) needs every filter to pass', () => {
    assert.equal(acceptsData(f(true), data(1, 'yes'), new Map()), true);
    assert.equal(acceptsData(f(true), data(1, 'no'), new Map()), false);
  });
  it('all=false accepts when any filter passes', () => {
    assert.equal(acceptsData(f(false), data(1, 'no'), new Map()), true);
    assert.equal(acceptsData(f(false), data(0, 'yes'), new Map()), true);
    assert.equal(acceptsData(f(false), data(0, 'no'), new Map()), false);
  });
  it('a filter whose parameter is missing fails (even with !=)', () => {
    const only = new Map<string, InputValue>([['b', json('yes')]]);
    assert.equal(acceptsData(f(true), only, new Map()), false);
    assert.equal(acceptsData(f(false), only, new Map()), true);
    assert.equal(acceptsData(filter({ filters: [{ name: 'gone', type: 'string', condition: '!=', values: ['x'] }] }), new Map(), new Map()), false);
  });
  it('an empty filter list accepts', () => {
    assert.equal(acceptsData(filter({}), new Map(), new Map()), true);
    assert.equal(acceptsData(filter({ filters: [], all: false }), new Map(), new Map()), true);
  });
  it('evaluates the doc\'s example filter', () => {
    const doc = filter({
      filters: [
        { name: 'input_a', type: 'media-type', condition: '==', values: ['application/json'] },
        { name: 'input_b', type: 'string', condition: 'contains', values: ['abcde'] },
        { name: 'input_c', type: 'integer', condition: '>', values: [0] },
        { name: 'input_d', type: 'meta-data', condition: 'between', values: [[0, 100]], fields: [['path', 'to', 'field']], all_fields: true },
      ],
      all: true,
    });
    const files = new Map([
      [1, scaleFile(1, { mediaType: 'application/json' })],
      [2, scaleFile(2, { metaData: { path: { to: { field: 42 } } } })],
      [3, scaleFile(3, { metaData: { path: { to: { field: 420 } } } })],
    ]);
    const data = (d: number) => new Map<string, InputValue>([
      ['input_a', filesOf(1)], ['input_b', json('xxabcdexx')], ['input_c', json(7)], ['input_d', filesOf(d)],
    ]);
    assert.equal(acceptsData(doc, data(2), files), true);
    assert.equal(acceptsData(doc, data(3), files), false);
  });
});

describe('data filter: parsing', () => {
  it('fills defaults and keeps fields only when given', () => {
    const f = filter({ version: '6', filters: [{ name: 'a', type: 'integer', condition: '<', values: [1] }] });
    assert.deepEqual(f, { all: true, filters: [{ name: 'a', type: 'integer', condition: '<', values: [1], allFields: true, allFiles: false }] });
    assert.equal('fields' in f.filters[0], false);
    assert.deepEqual(filter({}), { filters: [], all: true });
  });
  it('names the field of each shape problem', () => {
    const cases: [unknown, RegExp][] = [
      ['x', /^nodes\.cond\.node_type\.data_filter: must be an object/],
      [{ extra: 1 }, /data_filter\.extra: is not an allowed field/],
      [{ all: 'yes' }, /data_filter\.all: must be a boolean/],
      [{ version: 6 }, /data_filter\.version: must be a string/],
      [{ filters: {} }, /data_filter\.filters: must be an array/],
      [{ filters: [7] }, /data_filter\.filters\[0\]: must be an object/],
      [{ filters: [{ name: 'a', type: 'integer', condition: '<' }] }, /filters\[0\]\.values: is required/],
      [{ filters: [{ name: 'a', type: 'integer', condition: '<', values: [] }] }, /filters\[0\]\.values: must be a non-empty array/],
      [{ filters: [{ name: 'a', type: 'integer', condition: '<', values: 1 }] }, /filters\[0\]\.values: must be a non-empty array/],
      [{ filters: [{ type: 'integer', condition: '<', values: [1] }] }, /filters\[0\]\.name: is required/],
      [{ filters: [{ name: 'a', type: 'integer', condition: '<', values: [1], extra: true }] }, /filters\[0\]\.extra: is not an allowed field/],
      [{ filters: [{ name: 'a', type: 'date', condition: '<', values: [1] }] }, /filters\[0\]\.type: must be one of/],
      [{ filters: [{ name: 'a', type: 'integer', condition: '=~', values: [1] }] }, /filters\[0\]\.condition: must be one of/],
      [{ filters: [{ name: 'a', type: 'integer', condition: '<', values: [1], all_files: 'no' }] }, /filters\[0\]\.all_files: must be a boolean/],
      [{ filters: [{ name: 'a', type: 'object', condition: '==', values: [[1]], fields: [[]] }] }, /filters\[0\]\.fields: must be a non-empty array of non-empty arrays of strings/],
    ];
    for (const [j, re] of cases) {
      const ps = problemsOf(j);
      assert.ok(ps.some((p) => re.test(p)), `${JSON.stringify(j)} → ${JSON.stringify(ps)}`);
    }
  });
  it('rejects a condition the type does not allow', () => {
    const bad = (type: string, condition: string, values: unknown[] = ['x', 'y']) =>
      problemsOf({ filters: [{ name: 'a', type: 'integer', condition: '<', values: [1] }, { name: 'a', type, condition, values }] });
    assert.match(bad('string', '<')[0], /^nodes\.cond\.node_type\.data_filter\.filters\[1\]\.condition: "<" does not apply to type "string"/);
    for (const [t, c] of [['filename', '<'], ['media-type', 'between'], ['data-type', 'subset of'], ['integer', 'contains'], ['number', 'superset of'],
      ['boolean', '<'], ['boolean', 'in'], ['object', '=='], ['object', 'contains'], ['meta-data', '<'], ['array', '>']]) {
      assert.equal(bad(t, c).length, 1, `${t} ${c}`);
      assert.match(bad(t, c)[0], /filters\[1\]\.condition/);
    }
    for (const [t, c] of [['string', 'contains'], ['filename', 'in'], ['integer', 'between'], ['boolean', '!='], ['object', 'subset of'],
      ['meta-data', '!='], ['meta-data', 'superset of'], ['array', 'contains']]) {
      assert.deepEqual(bad(t, c), [], `${t} ${c}`);
    }
  });
  it('object and meta-data take any condition on fields, which must pair with list values', () => {
    assert.deepEqual(problemsOf({ filters: [{ name: 'a', type: 'object', condition: '<', values: [[1]], fields: [['x']] }] }), []);
    assert.deepEqual(problemsOf({ filters: [{ name: 'a', type: 'meta-data', condition: 'contains', values: [['x']], fields: [['x']] }] }), []);
    assert.match(problemsOf({ filters: [{ name: 'a', type: 'object', condition: '<', values: [[1], [2]], fields: [['x']] }] })[0],
      /filters\[0\]\.fields: must have as many paths \(1\) as values has entries \(2\)/);
    assert.match(problemsOf({ filters: [{ name: 'a', type: 'object', condition: '<', values: [1], fields: [['x']] }] })[0],
      /filters\[0\]\.values\[0\]: must be a non-empty array when fields are given/);
    assert.match(problemsOf({ filters: [{ name: 'a', type: 'string', condition: '==', values: [['x']], fields: [['x']] }] })[0],
      /filters\[0\]\.fields: only applies to "object" and "meta-data"/);
  });
  it('between needs two values', () => {
    assert.match(problemsOf({ filters: [{ name: 'a', type: 'integer', condition: 'between', values: [1] }] })[0], /filters\[0\]\.values: "between" needs two values/);
    assert.match(problemsOf({ filters: [{ name: 'a', type: 'object', condition: 'between', values: [[1]], fields: [['x']] }] })[0], /values\[0\]: "between" needs two values/);
  });
  it('does not type-check values (the doc leaves that to run time)', () => {
    assert.deepEqual(problemsOf({ filters: [{ name: 'a', type: 'integer', condition: '==', values: ['ten'] }] }), []);
  });
});

describe('data filter: interface check', () => {
  const input = (name: string, kind: InterfaceInput['kind'], jsonType?: InterfaceInput['jsonType']): InterfaceInput =>
    ({ name, kind, required: true, mediaTypes: [], ...(jsonType ? { jsonType } : {}) });
  const inputs = [input('f', 'file'), input('fs', 'files'), input('p', 'property'), input('i', 'json', 'integer'),
    input('n', 'json', 'number'), input('s', 'json', 'string'), input('o', 'json', 'object'), input('any', 'json')];
  const check = (name: string, type: string, condition = '==', values: unknown[] = ['x']) =>
    checkFilterAgainstInterface(filter({ filters: [{ name, type, condition, values }] }), inputs, ROOT);
  it('accepts matching filters', () => {
    assert.deepEqual(check('f', 'filename'), []);
    assert.deepEqual(check('fs', 'meta-data', 'subset of', [{}]), []);
    assert.deepEqual(check('fs', 'data-type'), []);
    assert.deepEqual(check('p', 'string'), []);
    assert.deepEqual(check('s', 'string', 'contains'), []);
    assert.deepEqual(check('i', 'integer'), []);
    assert.deepEqual(check('i', 'number'), [], 'an integer is a number');
    assert.deepEqual(check('n', 'number'), []);
    assert.deepEqual(check('o', 'object', 'superset of', [{}]), []);
    assert.deepEqual(check('any', 'boolean'), [], 'a json input with no declared type takes any value filter');
  });
  it('names the filter field of each mismatch', () => {
    assert.deepEqual(check('nope', 'string'), [{ field: `${ROOT}.filters[0].name`, message: 'names no input of the condition node ("nope")' }]);
    const typeProblem = (name: string, type: string, condition = '==', values: unknown[] = ['x']) => {
      const ps = check(name, type, condition, values);
      assert.equal(ps.length, 1, `${name} ${type}`);
      assert.equal(ps[0].field, `${ROOT}.filters[0].type`);
      return ps[0].message;
    };
    assert.match(typeProblem('s', 'filename'), /needs a file input/);
    assert.match(typeProblem('p', 'media-type'), /needs a file input/);
    assert.match(typeProblem('f', 'string'), /is a file input/);
    assert.match(typeProblem('fs', 'integer'), /is a file input/);
    assert.match(typeProblem('p', 'integer'), /is a property/);
    assert.match(typeProblem('n', 'integer'), /json of type number/);
    assert.match(typeProblem('s', 'boolean'), /json of type string/);
    assert.match(typeProblem('o', 'array'), /json of type object/);
  });
});

describe('data filter: JSON round trip', () => {
  it('writes version 6, all and per-filter flags, and parses back to the same filter', () => {
    const f = filter({
      all: false,
      filters: [
        { name: 'a', type: 'meta-data', condition: 'between', values: [[0, 100]], fields: [['path', 'to', 'field']], all_fields: false, all_files: true },
        { name: 'b', type: 'object', condition: 'superset of', values: [{ foo: 10, bar: 100 }] },
      ],
    });
    const j = dataFilterToJson(f);
    assert.deepEqual(j, {
      version: '6',
      all: false,
      filters: [
        { name: 'a', type: 'meta-data', condition: 'between', values: [[0, 100]], fields: [['path', 'to', 'field']], all_fields: false, all_files: true },
        { name: 'b', type: 'object', condition: 'superset of', values: [{ foo: 10, bar: 100 }], all_fields: true, all_files: false },
      ],
    });
    assert.deepEqual(parseDataFilter(j, ROOT), { value: f, problems: [] });
    (j.filters as { values: unknown[] }[])[1].values.push(1);
    assert.equal(f.filters[1].values.length, 1, 'the JSON does not share values with the filter');
  });
});
