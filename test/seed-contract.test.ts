import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { seedToInterface, validateManifest } from '../seed-mapping/seed-manifest.ts';
import { glob } from '../src/core/jobs/glob.ts';
import { captureSeedOutputs } from '../src/core/jobs/seed-capture.ts';
import { expandSeedCommand, runContract } from '../src/executors/contract.ts';
import { seedManifest } from './helpers/seed.ts';
import { tempDir } from './helpers/server.ts';

const LAYOUT = { inputDir: (n: string) => `/in/${n}`, inputFile: (n: string, f: string) => `/in/${n}/${f}`, outputDir: '/out', inputMetadata: '/in/meta.json' };

describe('the SEED run contract', () => {
  it('expands $VAR, ${VAR} and ${VAR/#/prefix} word by word, without a shell', () => {
    const env = { A: '/in/a b.txt', B: '2', OUTPUT_DIR: '/out' };
    assert.deepEqual(expandSeedCommand('run $A ${B} --out=${OUTPUT_DIR} ${B/#/-n } ${C/#/-c }', env, new Set(['C'])), ['run', '/in/a b.txt', '2', '--out=/out', '-n', '2']);
    assert.deepEqual(expandSeedCommand('${OPTIONAL} $HOME keep', {}, new Set(['OPTIONAL'])), ['$HOME', 'keep'], 'unset optional inputs vanish; unknown variables stay');
    assert.deepEqual(expandSeedCommand('x ${A}', { A: '$(rm -rf /)' }, new Set()), ['x', '$(rm -rf /)']);
  });

  it('injects inputs, OUTPUT_DIR, ALLOCATED_*, INPUT_METADATA, settings and mounts with normalised names', () => {
    const m = seedManifest({}, {
      command: '${INPUT_FILE} $MULTI ${COUNT} ${OUTPUT_DIR}',
      inputs: { files: [{ name: 'INPUT-FILE' }, { name: 'multi', multiple: true }], json: [{ name: 'count', type: 'integer' }, { name: 'cfg', type: 'object' }, { name: 'label', type: 'string', required: false }] },
      settings: [{ name: 'db-host' }],
      mounts: [{ name: 'shared', path: '/shared', mode: 'ro' }],
    });
    const iface = seedToInterface(validateManifest(m).value);
    const c = runContract(
      {
        exeId: 7, jobId: 3, exeNum: 1, jobTypeName: 't', jobTypeVersion: '1', iface,
        inputs: [
          { name: 'INPUT-FILE', kind: 'file', files: [{ id: 1, fileName: 'a.tif', localPath: '/ws/a.tif', size: 1, mediaType: 'image/tiff' }] },
          { name: 'multi', kind: 'files', files: [{ id: 2, fileName: 'b', localPath: '/ws/1/b', size: 1, mediaType: 'x/y' }, { id: 3, fileName: 'b', localPath: '/ws/2/b', size: 1, mediaType: 'x/y' }] },
          { name: 'count', kind: 'json', value: 3 },
          { name: 'cfg', kind: 'json', value: { k: [1] } },
        ],
        resources: { cpus: 0.5, mem: 64, disk: 10, sharedMem: 32 },
        settings: { 'db-host': 'db' },
        mounts: { shared: { type: 'host', host_path: '/srv/shared' } },
      },
      LAYOUT,
    );
    assert.equal(c.failure, undefined);
    assert.deepEqual(c.argv, ['/in/INPUT-FILE/a.tif', '/in/multi', '3', '/out']);
    assert.equal(c.env.INPUT_FILE, '/in/INPUT-FILE/a.tif');
    assert.equal(c.env.MULTI, '/in/multi');
    assert.equal(c.env.COUNT, '3');
    assert.equal(c.env.CFG, '{"k":[1]}');
    assert.equal(c.env.LABEL, undefined, 'an absent optional input is left unset');
    assert.equal(c.env.OUTPUT_DIR, '/out');
    assert.equal(c.env.INPUT_METADATA, '/in/meta.json');
    assert.deepEqual([c.env.ALLOCATED_CPUS, c.env.ALLOCATED_MEM, c.env.ALLOCATED_DISK, c.env.ALLOCATED_SHAREDMEM], ['0.5', '64', '10', '32']);
    assert.equal(c.env.DB_HOST, 'db');
    assert.equal(c.env.SHARED, '/shared');
    assert.deepEqual(c.files.map((f) => f.path), ['/in/INPUT-FILE/a.tif', '/in/multi/b', '/in/multi/3.b'], 'same-named files of one input are told apart by id');
    assert.deepEqual(c.mounts, [{ name: 'shared', path: '/shared', mode: 'ro', source: { type: 'host', host_path: '/srv/shared' } }]);
  });

  it('refuses to run without a setting value or a mount', () => {
    const iface = seedToInterface(validateManifest(seedManifest({}, { settings: [{ name: 'S' }], mounts: [{ name: 'M', path: '/m' }] })).value);
    const base = { exeId: 1, jobId: 1, exeNum: 1, jobTypeName: 't', jobTypeVersion: '1', iface, inputs: [], resources: {} };
    assert.equal(runContract({ ...base, mounts: { M: { type: 'host', host_path: '/x' } } }, LAYOUT).failure?.error, 'missing-setting');
    assert.equal(runContract({ ...base, settings: { S: 'v' } }, LAYOUT).failure?.error, 'missing-mount');
  });
});

describe('SEED output capture', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
    await fs.mkdir(path.join(dir, 'sub', 'deep'), { recursive: true });
    for (const f of ['a.png', 'b.png', 'c.txt', 'seed.outputs.json', 'sub/d.png', 'sub/deep/e.png', '.hidden.png']) await fs.writeFile(path.join(dir, f), f.endsWith('.json') ? '{}' : 'x');
    await fs.writeFile(path.join(dir, 'a.png.metadata.json'), JSON.stringify({ type: 'Point', coordinates: [1, 2] }));
    await fs.symlink('/etc/hostname', path.join(dir, 'link.png'));
  });

  it('globs one level, known sub-directories, character classes; never side-cars, hidden files, symlinks or ..', async () => {
    assert.deepEqual(await glob(dir, '*.png'), ['a.png', 'b.png']);
    assert.deepEqual(await glob(dir, '*'), ['a.png', 'a.png.metadata.json', 'b.png', 'c.txt', 'seed.outputs.json'].sort());
    assert.deepEqual(await glob(dir, 'sub/*.png'), ['sub/d.png']);
    assert.deepEqual(await glob(dir, 'sub/*/e.png'), ['sub/deep/e.png']);
    assert.deepEqual(await glob(dir, '[ab].png'), ['a.png', 'b.png']);
    assert.deepEqual(await glob(dir, '?.txt'), ['c.txt']);
    assert.deepEqual(await glob(dir, '../*'), []);
  });

  const iface = (outputs: any, inputs: any = {}) => seedToInterface(validateManifest(seedManifest({}, { outputs, inputs })).value);

  it('keeps side-cars and seed.outputs.json out of outputs, even for a pattern of *', async () => {
    const r = await captureSeedOutputs(iface({ files: [{ name: 'ALL', pattern: '*', multiple: true }] }), dir);
    assert.ok(r.ok);
    assert.deepEqual(r.files.map((f) => f.relPath), ['a.png', 'b.png', 'c.txt']);
  });

  it('fails required JSON outputs when seed.outputs.json is missing, and reads keys when present', async () => {
    await fs.rm(path.join(dir, 'seed.outputs.json'));
    const spec = iface({ json: [{ name: 'count', key: 'cellCount', type: 'integer' }, { name: 'note', type: 'string', required: false }] });
    const missing = await captureSeedOutputs(spec, dir);
    assert.equal(missing.ok, false);
    assert.equal(!missing.ok && missing.error, 'missing-required-output');
    await fs.writeFile(path.join(dir, 'seed.outputs.json'), JSON.stringify({ cellCount: 12, other: 1 }));
    const r = await captureSeedOutputs(spec, dir);
    assert.ok(r.ok);
    assert.deepEqual(r.jsonValues, { count: 12 });
    await fs.writeFile(path.join(dir, 'seed.outputs.json'), '{"cellCount": 1.5}');
    const wrong = await captureSeedOutputs(spec, dir);
    assert.equal(!wrong.ok && wrong.error, 'invalid-results-manifest');
  });

  it('rejects a side-car that is not GeoJSON', async () => {
    await fs.writeFile(path.join(dir, 'a.png.metadata.json'), JSON.stringify({ type: 'Feature', geometry: { type: 'Point', coordinates: 'x' } }));
    const r = await captureSeedOutputs(iface({ files: [{ name: 'A', pattern: 'a.png' }] }), dir);
    assert.equal(!r.ok && r.error, 'invalid-results-manifest');
  });
});
