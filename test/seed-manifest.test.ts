import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { manifestLabel, normalizeName, parseManifestLabel, parseSeedImageName, seedImageName, seedToInterface, validateManifest } from '../seed-mapping/seed-manifest.ts';
import { FIXTURES } from './helpers/scale.ts';

const dir = (d: string) => path.join(FIXTURES, 'seed', d);
const read = (d: string, f: string) => fs.readFileSync(path.join(dir(d), f), 'utf8').replace(/"SEED_VERSION"/g, '"1.0.0"');
const complete = () => JSON.parse(read('valid', 'seed__spec__examples__complete.json'));

describe('SEED manifests', () => {
  it('accepts every example manifest of the spec, seed-cli and seed-common', () => {
    const files = fs.readdirSync(dir('valid'));
    assert.ok(files.length >= 15);
    for (const f of files) {
      const r = validateManifest(JSON.parse(read('valid', f)));
      assert.deepEqual(r.errors, [], f);
      assert.ok(r.value, f);
    }
  });

  it("rejects every seed-cli invalid fixture with a message naming the field", () => {
    const expected: Record<string, RegExp> = {
      'invalid-duplicate-names.json': /manifest\.job\.interface\.inputs\.files\[1\]\.name.*collides|errors\[1\]/,
      'invalid-missing-job-interface-inputs-files-name.json': /manifest\.job\.interface\.inputs\.files\[0\]\.name: is required/,
      'invalid-missing-job.json': /manifest\.job: is required/,
      'invalid-mounts.json': /manifest\.job\.interface\.mounts\[1\]\.name.*collides/,
      'invalid-reserved-name.json': /manifest\.job\.interface\.inputs\.files\[1\]\.name/,
    };
    for (const f of fs.readdirSync(dir('invalid'))) {
      const text = read('invalid', f);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        assert.ok(f.startsWith('invalid-json'), `${f} is not JSON`);
        continue; // malformed JSON is refused before validation (the API answers 400 "malformed JSON")
      }
      const r = validateManifest(parsed);
      assert.equal(r.value, null, f);
      const text2 = r.errors.map((e) => `${e.field}: ${e.message}`).join('\n');
      if (expected[f]) assert.match(text2, expected[f], f);
      assert.ok(r.errors.every((e) => e.field), `${f}: every error names a field`);
    }
  });

  it('fills the defaults of the spec', () => {
    const m = validateManifest({
      seedVersion: '1.0.0',
      job: {
        name: 'd', jobVersion: '1.0.0', packageVersion: '1.0.0', title: 'D', description: 'd', maintainer: { name: 'n', email: 'e@x' }, timeout: 10,
        interface: { inputs: { files: [{ name: 'IN' }], json: [{ name: 'J', type: 'string' }] }, outputs: { files: [{ name: 'OUT', pattern: '*.txt' }], json: [{ name: 'count', type: 'integer' }] }, mounts: [{ name: 'M', path: '/m' }], settings: [{ name: 'S' }] },
        errors: [{ code: 3, name: 'e3' }],
      },
    }).value;
    const i = m.job.interface;
    assert.deepEqual(i.inputs.files[0], { name: 'IN', required: true, multiple: false, partial: false, mediaTypes: [] });
    assert.equal(i.inputs.json[0].required, true);
    assert.deepEqual(i.outputs.files[0], { name: 'OUT', pattern: '*.txt', required: true, multiple: false, mediaType: 'application/octet-stream' });
    assert.equal(i.mounts[0].mode, 'ro');
    assert.equal(i.settings[0].secret, false);
    assert.deepEqual(m.job.errors[0], { code: 3, name: 'e3', category: 'job', title: 'e3' });
  });

  it('accepts a manifest with no outputs at all (Scale #1604)', () => {
    const m = complete();
    m.job.interface.outputs = {};
    assert.deepEqual(validateManifest(m).errors, []);
    delete m.job.interface.outputs;
    assert.deepEqual(validateManifest(m).errors, []);
  });

  it('makes the checks seed-cli and Scale make, naming the field', () => {
    const cases: [(m: any) => void, RegExp][] = [
      [(m) => (m.job.interface.inputs.files[0].name = 'OUTPUT_DIR'), /inputs\.files\[0\]\.name: "OUTPUT_DIR" collides with the reserved variable OUTPUT_DIR/],
      [(m) => (m.job.interface.settings[0].name = 'allocated-mem'), /settings\[0\]\.name: "allocated-mem" collides with the reserved variable ALLOCATED_MEM/],
      [(m) => (m.job.interface.outputs.files[0].name = 'input-file'), /outputs\.files\[0\]\.name: "input-file" collides with .*inputs\.files\[0\]\.name.*INPUT_FILE/],
      [(m) => (m.job.errors[1].code = 1), /errors\[1\]\.code: exit code 1 is mapped twice/],
      [(m) => (m.job.interface.mounts[0].path = 'relative/path'), /mounts\[0\]\.path: must be an absolute path/],
      [(m) => (m.job.interface.mounts[0].path = '/a/../etc'), /mounts\[0\]\.path: must not contain '\.\.'/],
      [(m) => (m.job.interface.outputs.files[0].pattern = '../*.png'), /outputs\.files\[0\]\.pattern: must be a pattern relative to OUTPUT_DIR/],
      [(m) => (m.job.interface.outputs.files[0].pattern = '/etc/*'), /outputs\.files\[0\]\.pattern/],
      [(m) => m.job.resources.scalar.push({ name: 'gpus', value: 1.5 }), /gpus must be a whole number/],
      [(m) => (m.job.name = 'validation'), /job\.name: "validation" is reserved/],
      [(m) => (m.job.name = 'bad_name'), /manifest\.job\.name: must match pattern/],
      [(m) => (m.seedVersion = '2.0.0'), /manifest\.seedVersion/],
      [(m) => (m.job.interface.inputs.json[0].type = 'date'), /inputs\.json\[0\]\.type: must be one of/],
    ];
    for (const [mutate, re] of cases) {
      const m = complete();
      mutate(m);
      const r = validateManifest(m);
      assert.equal(r.value, null, String(re));
      assert.match(r.errors.map((e) => `${e.field}: ${e.message}`).join('\n'), re);
    }
  });

  it('warns about names that are not normalised and missing recommended resources', () => {
    const r = validateManifest(JSON.parse(read('valid', 'seed-cli__testdata__complete-denormalized.json')));
    assert.ok(r.warnings.some((w) => w.details.includes('"inPut-File"') && w.details.includes('INPUT_FILE')));
    const noRes = complete();
    delete noRes.job.resources;
    assert.ok(validateManifest(noRes).warnings.some((w) => w.id === 'resources'));
    assert.equal(normalizeName('my-demo-resourceNew'), 'MY_DEMO_RESOURCENEW');
  });

  it('translates a manifest into the internal job interface', () => {
    const i = seedToInterface(validateManifest(complete()).value);
    assert.equal(i.format, 'seed');
    assert.equal(i.commandArguments, '${INPUT_FILE} ${OUTPUT_DIR} ${VERSION}');
    assert.deepEqual(i.inputs.map((x) => [x.name, x.kind, x.required]), [['INPUT_FILE', 'file', true], ['INPUT_JSON', 'json', true]]);
    assert.equal(i.inputs[0].partial, true);
    assert.equal(i.inputs[1].jsonType, 'string');
    assert.deepEqual(i.outputs.map((x) => [x.name, x.kind, x.pattern ?? x.jsonKey]), [['output_file_pngs', 'files', 'outfile*.png'], ['output_file_csv', 'file', 'outfile*.csv'], ['cell_count', 'json', 'cellCount'], ['dummy', 'json', 'dummy']]);
    assert.deepEqual(i.settings, [{ name: 'VERSION', secret: false }, { name: 'DB_HOST', secret: false }, { name: 'DB_PASS', secret: true }]);
    assert.deepEqual(i.resources!.find((r) => r.name === 'disk'), { name: 'disk', value: 1000, inputMultiplier: 4 });
    assert.deepEqual(i.errors![0], { code: 1, name: 'error-name-one', title: 'Error Name', description: 'Error Description', category: 'data' });
    assert.deepEqual(i.mounts![1], { name: 'WRITE_PATH', path: '/write', mode: 'rw' });
  });

  it('reads the image label with any of the escaping variants', () => {
    const m = complete();
    const compact = JSON.stringify(m);
    const variants = [
      compact,
      manifestLabel(m),
      JSON.stringify(compact).replace(/\$/g, '\\$').replace(/\//g, '\\/'),
      `'${compact}'`,
      JSON.stringify(JSON.stringify(compact)),
    ];
    for (const v of variants) assert.deepEqual(parseManifestLabel(v), m, v.slice(0, 40));
    assert.throws(() => parseManifestLabel('not json'), /not a JSON manifest/);
  });

  it('parses and builds SEED image names, SemVer pre-releases included', () => {
    assert.deepEqual(parseSeedImageName('my-job-1.0.0-seed:0.1.0'), { registry: null, repository: 'my-job-1.0.0-seed', name: 'my-job', jobVersion: '1.0.0', packageVersion: '0.1.0' });
    assert.deepEqual(parseSeedImageName('localhost:5000/geoint/img-watermark-1.2.3-rc.1-seed:2.0.0'), {
      registry: 'localhost:5000', repository: 'geoint/img-watermark-1.2.3-rc.1-seed', name: 'img-watermark', jobVersion: '1.2.3-rc.1', packageVersion: '2.0.0',
    });
    assert.equal(parseSeedImageName('ubuntu:22.04'), null);
    assert.equal(parseSeedImageName('my-job-seed:1.0.0'), null);
    assert.equal(seedImageName('a-b', '1.0.0', '2.0.0'), 'a-b-1.0.0-seed:2.0.0');
  });
});
