import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseErrorMapping, parseScaleInterface, toScaleInterface } from '../seed-mapping/scale-job-interface.ts';
import { captureOutputs } from '../src/core/jobs/capture.ts';
import { buildArgs, splitWords } from '../src/executors/command.ts';
import { normalizeName as envName } from '../seed-mapping/seed-manifest.ts';
import { tempDir } from './helpers/server.ts';

const MAKE_GEOTIFF = {
  version: '1.0',
  command: 'python make_geotiff.py',
  command_arguments: '${image} ${georeference_data} ${job_output_dir}',
  input_data: [
    { name: 'image', type: 'file', media_types: ['image/png'] },
    { name: 'georeference_data', type: 'file', media_types: ['text/csv'] },
  ],
  output_data: [{ name: 'geo_image', type: 'file', media_type: 'image/tiff' }],
};

describe('Scale job interface 1.0 codec', () => {
  it('parses the seed 002 example into the internal model with defaults', () => {
    const p = parseScaleInterface(MAKE_GEOTIFF);
    assert.deepEqual(p.errors, []);
    assert.equal(p.value!.inputs[0].required, true);
    assert.deepEqual(p.value!.inputs[1].mediaTypes, ['text/csv']);
    assert.equal(p.value!.outputs[0].mediaType, 'image/tiff');
    const back = toScaleInterface(p.value!);
    assert.deepEqual(parseScaleInterface(back).value, p.value, 'round trip');
  });

  it('names the field of each schema and semantic error', () => {
    const cases: [unknown, RegExp][] = [
      [{ command: 'x' }, /interface\.command_arguments: is required/],
      [{ command: 'x', command_arguments: '', input_data: [{ name: 'a', type: 'blob' }] }, /interface\.input_data\[0\]\.type: must be one of/],
      [{ command: 'x', command_arguments: '', input_data: [{ name: 'a/b', type: 'file' }] }, /interface\.input_data\[0\]\.name/],
      [{ command: 'x', command_arguments: '', extra: 1 }, /interface\.extra: is not an allowed field/],
      [{ command: 'x', command_arguments: '${nope}' }, /interface\.command_arguments: \$\{nope\} names no input/],
      [{ command: 'x', command_arguments: '${a', input_data: [{ name: 'a', type: 'property' }] }, /unclosed/],
      [{ command: 'x', command_arguments: '', input_data: [{ name: 'a', type: 'property' }], output_data: [{ name: 'a', type: 'file' }] }, /output_data\[0\]\.name: duplicates input "a"/],
      [{ version: '2.0', command: 'x', command_arguments: '' }, /interface\.version: must be "1\.0"/],
      [{ command: ' ', command_arguments: '' }, /interface\.command: must not be empty/],
    ];
    for (const [json, re] of cases) {
      const p = parseScaleInterface(json);
      assert.equal(p.value, null, JSON.stringify(json));
      assert.match(p.errors.map((e) => `${e.field}: ${e.message}`).join('\n'), re);
    }
  });

  it('warns about malformed media types', () => {
    const p = parseScaleInterface({ command: 'x', command_arguments: '', input_data: [{ name: 'a', type: 'file', media_types: ['png'] }] });
    assert.equal(p.warnings[0].id, 'media_type');
  });

  it('parses error interfaces and rejects non-numeric exit codes', () => {
    assert.deepEqual([...parseErrorMapping({ version: '1.0', exit_codes: { '1': 'unknown', '42': 'bad-data' } }).value!], [[1, 'unknown'], [42, 'bad-data']]);
    assert.match(parseErrorMapping({ exit_codes: { one: 'x' } }).errors[0].message, /invalid key/);
    assert.match(parseErrorMapping({ exit_codes: { '0': 'x' } }).errors[0].message, /non-zero/);
    assert.match(parseErrorMapping({}).errors[0].field!, /error_mapping\.exit_codes/);
  });
});

describe('command line building (no shell)', () => {
  it('substitutes ${name}, ${prefix:name} and ${job_output_dir}', () => {
    const values = new Map<string, string | null>([['image', '/in/a b.png'], ['mode', 'fast'], ['job_output_dir', '/out']]);
    assert.deepEqual(buildArgs('${image} ${-m :mode} --out=${job_output_dir}', values), ['/in/a b.png', '-m', 'fast', '--out=/out']);
    assert.deepEqual(buildArgs('${--mode=:mode}', values), ['--mode=fast']);
  });

  it('drops an absent optional input together with its prefix', () => {
    assert.deepEqual(buildArgs('a ${-f :missing} b ${gone}', new Map([['missing', null]])), ['a', 'b']);
  });

  it('keeps a value with spaces or shell syntax as one argument', () => {
    assert.deepEqual(buildArgs('${x}', new Map([['x', '$(rm -rf /); echo `id`']])), ['$(rm -rf /); echo `id`']);
  });

  it('splits the command on whitespace, honouring quotes', () => {
    assert.deepEqual(splitWords(`python 'my script.py'  -v`), ['python', 'my script.py', '-v']);
    assert.throws(() => splitWords('a "b'), /unbalanced quote/);
  });

  it("normalises input names to environment variables as SEED does", () => {
    assert.equal(envName('input-file name.1'), 'INPUT_FILENAME1');
  });
});

describe('output capture from results manifests', () => {
  const iface = parseScaleInterface({
    command: 'x', command_arguments: '',
    output_data: [{ name: 'one', type: 'file', media_type: 'text/plain' }, { name: 'many', type: 'files' }, { name: 'maybe', type: 'file', required: false }],
  }).value!;
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
    await fs.writeFile(path.join(dir, 'a.txt'), 'a');
    await fs.writeFile(path.join(dir, 'b.json'), '{}');
    await fs.writeFile(path.join(dir, 'c.json'), '{}');
  });
  const manifest = (m: unknown) => fs.writeFile(path.join(dir, 'results_manifest.json'), JSON.stringify(m));

  it('reads a 1.1 manifest with relative and absolute paths', async () => {
    await manifest({ version: '1.1', output_data: [{ name: 'one', file: { path: 'a.txt', geo_metadata: { data_started: '2015-05-15T10:34:12Z' } } }, { name: 'many', files: [{ path: path.join(dir, 'b.json') }, { path: 'c.json' }] }] });
    const r = await captureOutputs(iface, dir, []);
    assert.ok(r.ok);
    assert.deepEqual(r.files.map((f) => [f.output, f.relPath, f.mediaType]), [['one', 'a.txt', 'text/plain'], ['many', 'b.json', 'application/json'], ['many', 'c.json', 'application/json']]);
    assert.equal(r.files[0].geo!.dataStarted, '2015-05-15T10:34:12Z');
  });

  it('reads a 1.0 manifest and ARTIFACT lines', async () => {
    await manifest({ version: '1.0', files: [{ name: 'one', path: 'a.txt' }] });
    const r = await captureOutputs(iface, dir, [{ name: 'many', path: 'b.json' }]);
    assert.ok(r.ok);
    assert.deepEqual(r.files.map((f) => f.output), ['one', 'many']);
  });

  it('fails with the builtin error that fits', async () => {
    const check = async (m: unknown, artifacts: { name: string; path: string }[], error: string, re: RegExp) => {
      if (m === undefined) await fs.rm(path.join(dir, 'results_manifest.json'), { force: true });
      else if (typeof m === 'string') await fs.writeFile(path.join(dir, 'results_manifest.json'), m);
      else await manifest(m);
      const r = await captureOutputs(iface, dir, artifacts);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.error, error);
        assert.match(r.message, re);
      }
    };
    await check(undefined, [], 'missing-required-output', /required output "one"/);
    await check('{not json', [], 'invalid-results-manifest', /not valid JSON/);
    await check({ version: '1.1', output_data: [{ name: 7 }] }, [], 'invalid-results-manifest', /output_data\[0\]\.name/);
    await check({ version: '1.1', output_data: [{ name: 'nope', file: { path: 'a.txt' } }] }, [], 'invalid-results-manifest', /not in the job type's interface/);
    await check({ version: '1.1', output_data: [{ name: 'one', file: { path: 'missing.txt' } }] }, [], 'invalid-results-manifest', /missing file path/);
    await check({ version: '1.1', output_data: [{ name: 'one', file: { path: '/etc/hostname' } }] }, [], 'invalid-results-manifest', /outside the output directory/);
    await check({ version: '1.1', output_data: [{ name: 'one', files: [{ path: 'a.txt' }, { path: 'b.json' }] }] }, [], 'unexpected-multiple-outputs', /takes one file/);
    await fs.symlink('/etc/hostname', path.join(dir, 'link'));
    await check({ version: '1.1', output_data: [{ name: 'one', file: { path: 'link' } }, { name: 'many', files: [{ path: 'b.json' }] }] }, [], 'invalid-results-manifest', /outside the output directory/);
  });
});
