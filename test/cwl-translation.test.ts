// The pure CWL translations (seed-mapping/cwl-*.ts) and the command lines they make, and the local
// executor running a CWL tool's standard streams for real (stdin from a file, stdout and stderr to
// files) through its launcher process.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { normaliseProcess, parseCwl, pickProcess } from '../seed-mapping/cwl-document.ts';
import { cwlTool, cwlType, expressionsIn, mediaTypeOfFormat } from '../seed-mapping/cwl-tool.ts';
import { boundArgv, refContext, runContract } from '../src/executors/contract.ts';
import type { LaunchSpec } from '../src/executors/executor.ts';
import { LocalExecutor } from '../src/executors/local/local-executor.ts';
import { resolveTemplate } from '../src/executors/param-refs.ts';
import { tempDir } from './helpers/server.ts';

const LAYOUT = { inputDir: (n: string) => `/in/${n}`, inputFile: (n: string, f: string) => `/in/${n}/${f}`, outputDir: '/out', inputMetadata: '/in/meta.json' };
const DOCKER = [{ class: 'DockerRequirement', dockerPull: 'img:1' }];

function tool(over: Record<string, unknown>) {
  const r = cwlTool(normaliseProcess({ cwlVersion: 'v1.2', class: 'CommandLineTool', requirements: DOCKER, inputs: {}, outputs: {}, ...over }), 't');
  assert.ok(r.value, JSON.stringify(r.problems));
  return r.value;
}

function spec(iface: LaunchSpec['iface'], inputs: LaunchSpec['inputs']): LaunchSpec {
  return { exeId: 1, jobId: 1, exeNum: 1, jobTypeName: 't', jobTypeVersion: '1', iface, inputs, resources: { cpus: 2, mem: 512, disk: 10 } };
}

describe('CWL translation', () => {
  it('reads type expressions: optional, arrays, unions with null, enums', () => {
    assert.deepEqual(cwlType('File?'), { base: 'File', array: false, optional: true });
    assert.deepEqual(cwlType('string[]'), { base: 'string', array: true, optional: false });
    assert.deepEqual(cwlType(['null', { type: 'array', items: 'File' }]), { base: 'File', array: true, optional: true });
    assert.deepEqual(cwlType({ type: 'enum', symbols: ['#main/x/a', 'b'] }), { base: 'enum', array: false, optional: false, symbols: ['a', 'b'] });
    assert.equal(cwlType({ type: 'record', fields: [] }).base, 'unknown');
    assert.equal(mediaTypeOfFormat('iana:text/plain'), 'text/plain');
    assert.equal(mediaTypeOfFormat('edam:format_1234', { edam: 'http://edamontology.org/' }), null);
  });

  it('tells parameter references from JavaScript', () => {
    assert.deepEqual(expressionsIn("$(inputs.a) $(inputs['b c'].path) $(runtime.outdir) $(self[0])"), []);
    assert.deepEqual(expressionsIn('$(inputs.a.toUpperCase()) ${ return 1; }'), ['$(inputs.a.toUpperCase())', '${ return 1; }']);
  });

  it('orders the command line as CWL does: arguments before inputs at one position, inputs by name', () => {
    const t = tool({
      baseCommand: ['prog', 'sub'],
      arguments: ['-v', { valueFrom: '$(runtime.cores)', prefix: '--threads', position: 3 }],
      inputs: {
        b: { type: 'string', inputBinding: { position: 1, prefix: '--b=', separate: false } },
        a: { type: 'string', inputBinding: { position: 1, prefix: '-a' } },
        list: { type: 'int[]', inputBinding: { position: 2, itemSeparator: ',', prefix: '-l' } },
        flag: { type: 'boolean', inputBinding: { position: 4, prefix: '--flag' } },
        off: { type: 'boolean', default: false, inputBinding: { position: 4, prefix: '--off' } },
        unbound: 'string',
        missing: { type: 'string?', inputBinding: { position: 5, prefix: '-m' } },
        f: { type: 'File', inputBinding: { position: 6, valueFrom: '$(self.basename)' } },
      },
    });
    const s = spec(t.iface, [
      { name: 'a', kind: 'json', value: 'A' }, { name: 'b', kind: 'json', value: 'B' }, { name: 'list', kind: 'json', value: [1, 2] },
      { name: 'flag', kind: 'json', value: true }, { name: 'unbound', kind: 'json', value: 'x' },
      { name: 'f', kind: 'file', files: [{ id: 9, fileName: 'in.tif', localPath: '/ws/in.tif', size: 3, mediaType: 'image/tiff' }] },
    ]);
    const c = runContract(s, LAYOUT);
    assert.deepEqual(c.argv, ['prog', 'sub', '-v', '-a', 'A', '--b=B', '-l', '1,2', '--threads', '2', '--flag', 'in.tif']);
    assert.equal(c.workingDir, '/out');
    assert.deepEqual(t.iface.inputs.find((i) => i.name === 'off')?.required, false);
  });

  it('resolves references to files, defaults and runtime, and stdio to layout paths', () => {
    const t = tool({
      inputs: { f: 'File', name: { type: 'string', default: 'n' } },
      outputs: { out: 'stdout', err: 'stderr', all: { type: 'File[]', outputBinding: { glob: '*.txt' } } },
      baseCommand: 'wc', stdin: '$(inputs.f.path)', stdout: 'count.txt',
      arguments: ['$(inputs.name)-$(inputs.f.nameroot)$(inputs.f.nameext)'],
    });
    assert.deepEqual(t.iface.outputs.map((o) => [o.name, o.kind, o.pattern]), [['out', 'file', 'count.txt'], ['err', 'file', 'err.stderr'], ['all', 'files', '*.txt']]);
    const c = runContract(spec(t.iface, [{ name: 'f', kind: 'file', files: [{ id: 1, fileName: 'a.b.txt', localPath: '/ws/a', size: 1, mediaType: 'text/plain' }] }]), LAYOUT);
    assert.deepEqual(c.argv, ['wc', 'n-a.b.txt']);
    assert.deepEqual(c.stdio, { stdin: '/in/f/a.b.txt', stdout: '/out/count.txt', stderr: '/out/err.stderr' });
    const ctx = refContext(spec(t.iface, []), [], '/out');
    assert.equal(resolveTemplate('$(inputs.f)', ctx), null, 'an input not given is null');
    assert.deepEqual(boundArgv({ baseCommand: [], args: [{ position: 0, literal: '$(inputs.f.path)', template: true, separate: true }] }, ctx), [], 'and adds nothing');
  });

  it('maps ResourceRequirement and ToolTimeLimit; hints may be ignored but requirements may not', () => {
    const t = tool({ requirements: [...DOCKER, { class: 'ResourceRequirement', coresMin: 2, ramMin: 1024, outdirMin: 300 }, { class: 'ToolTimeLimit', timelimit: 60 }] });
    assert.deepEqual(t.resources, { cpus: 2, mem: 1024, disk: 300, timeout: 60 });
    assert.equal(tool({ hints: [{ class: 'ResourceRequirement', coresMin: '$(inputs.n)' }] }).resources.cpus, 1);
    const bad = cwlTool(normaliseProcess({ class: 'CommandLineTool', requirements: [...DOCKER, { class: 'ResourceRequirement', coresMin: '$(inputs.n)' }, { class: 'MPIRequirement' }], inputs: {}, outputs: {} }), 't');
    assert.deepEqual(bad.problems.map((p) => p.field), ['requirements.MPIRequirement', 'requirements.ResourceRequirement.coresMin']);
  });

  it('picks the process of a $graph: w, #main, or the workflow', () => {
    const doc = { cwlVersion: 'v1.2', $graph: [{ id: '#tool', class: 'CommandLineTool', inputs: [], outputs: [] }, { id: '#wf', class: 'Workflow', inputs: [], outputs: [], steps: [] }] };
    const parsed = parseCwl(doc).value!;
    assert.equal(pickProcess(parsed, null).value?.id, 'wf');
    assert.equal(pickProcess(parsed, 'tool').value?.id, 'tool');
    assert.equal(pickProcess(parsed, 'x').notFound, true);
  });
});

describe('the local executor with CWL standard streams', function () {
  this.timeout(30_000);
  let dir: string;
  let executor: LocalExecutor;
  before(async () => {
    dir = await tempDir('cwl-local-');
    executor = new LocalExecutor(path.join(dir, 'exe'), 2000);
  });
  after(async () => executor?.close());

  it('reads stdin from the input file and writes stdout and stderr to files in the output directory', async () => {
    const input = path.join(dir, 'lines.txt');
    await fs.writeFile(input, 'b\na\n');
    const t = cwlTool(normaliseProcess({
      class: 'CommandLineTool', requirements: DOCKER, inputs: { f: 'File' }, outputs: { out: 'stdout', err: 'stderr' },
      baseCommand: ['sh', '-c', 'sort; echo done >&2'], stdin: '$(inputs.f.path)', stdout: 'sorted.txt', stderr: 'log.txt',
    }), 't').value!;
    const run = await executor.launch(spec(t.iface, [{ name: 'f', kind: 'file', files: [{ id: 1, fileName: 'lines.txt', localPath: input, size: 4, mediaType: 'text/plain' }] }])).done;
    assert.equal(run.exitCode, 0, run.launchError ?? '');
    assert.equal(await fs.readFile(path.join(run.outputDir, 'sorted.txt'), 'utf8'), 'a\nb\n');
    assert.equal(await fs.readFile(path.join(run.outputDir, 'log.txt'), 'utf8'), 'done\n');
  });
});
