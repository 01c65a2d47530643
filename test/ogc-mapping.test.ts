// The pure OGC mappings (seed-mapping/): job types as process descriptions that validate against
// the OGC API - Processes v1.0 schemas, and execute requests read against a job interface.
import assert from 'node:assert/strict';
import { checkOgc } from '../src/ogc-schemas.ts';
import { readExecuteRequest } from '../seed-mapping/ogc-execute.ts';
import { isFinal, jobStatusesOf, RUN_STATUSES, runStatusOfJob } from '../src/core/runs/model.ts';
import { ogcStatus, runStatusOf } from '../ogc/processes/status.ts';
import { parseProcessId, processDescription, processSummary, type ProcessSource } from '../seed-mapping/ogc-process.ts';
import { parseScaleInterface } from '../seed-mapping/scale-job-interface.ts';
import { seedToInterface, validateManifest } from '../seed-mapping/seed-manifest.ts';
import { echoManifest } from '../src/core/job-types/builtin/echo.ts';
import { secondaryName, secondaryPatterns, secondaryUrl } from '../seed-mapping/cwl-secondary-files.ts';
import { seedManifest } from './helpers/seed.ts';

const seed = seedManifest(
  { name: 'landsat-ndvi', tags: ['optical', 'ndvi'], maintainer: { name: 'Ann', email: 'ann@example.com', organization: 'NGA', url: 'https://example.com/ann' } },
  {
    inputs: {
      files: [{ name: 'SCENE', mediaTypes: ['image/tiff', 'image/jp2'] }, { name: 'MASKS', multiple: true, required: false }],
      json: [{ name: 'THRESHOLD', type: 'number' }, { name: 'BANDS', type: 'array', required: false }, { name: 'OPTIONS', type: 'object', required: false }],
    },
    outputs: { files: [{ name: 'NDVI', pattern: '*.tif', mediaType: 'image/tiff' }, { name: 'TILES', pattern: 'tiles/*', multiple: true }], json: [{ name: 'MEAN', type: 'number' }] },
  },
);
const manifest = validateManifest(seed).value;
const seedSource: ProcessSource = { name: 'landsat-ndvi', version: '1.0.0', title: 'NDVI', description: 'Vegetation index', category: null, manifest, iface: seedToInterface(manifest) };
const scaleIface = parseScaleInterface({
  version: '1.0', command: 'x', command_arguments: '${label} ${image} ${job_output_dir}',
  input_data: [{ name: 'label', type: 'property' }, { name: 'image', type: 'file', media_types: ['image/png'] }],
  output_data: [{ name: 'geo', type: 'file', media_type: 'application/geo+json' }],
}).value!;
const scaleSource: ProcessSource = { name: 'tagger', version: '2.0', title: null, description: null, category: 'tools', manifest: null, iface: scaleIface };

describe('job types as OGC process descriptions', () => {
  it('maps SEED inputs and outputs to JSON Schemas with occurrences, and validates as process.yaml', () => {
    const d = processDescription(seedSource, 'landsat-ndvi', [{ href: 'http://h/processes/landsat-ndvi', rel: 'self' }]);
    assert.deepEqual(checkOgc('process.yaml', d), []);
    assert.deepEqual(d.inputs.SCENE, {
      title: 'SCENE', minOccurs: 1, maxOccurs: 1,
      schema: { oneOf: [{ type: 'string', format: 'binary', contentEncoding: 'binary', contentMediaType: 'image/tiff' }, { type: 'string', format: 'binary', contentEncoding: 'binary', contentMediaType: 'image/jp2' }] },
    });
    assert.deepEqual(d.inputs.MASKS, { title: 'MASKS', minOccurs: 0, maxOccurs: 'unbounded', schema: { type: 'string', format: 'binary', contentEncoding: 'binary' } });
    assert.deepEqual((d.inputs.THRESHOLD as any).schema, { type: 'number' });
    assert.deepEqual((d.inputs.BANDS as any).schema, { type: 'array', items: {} });
    assert.deepEqual((d.outputs.TILES as any).schema, { type: 'array', items: { type: 'string', format: 'binary', contentEncoding: 'binary' } }, 'application/octet-stream is SEED saying nothing: no contentMediaType');
    assert.deepEqual((d.outputs.MEAN as any).schema, { type: 'number' });
    assert.deepEqual(d.keywords, ['optical', 'ndvi']);
    assert.deepEqual(d.metadata?.[0], { title: 'Ann, NGA <ann@example.com>', role: 'maintainer', href: 'https://example.com/ann' });
    assert.deepEqual(d.jobControlOptions, ['sync-execute', 'async-execute', 'dismiss']);
    assert.deepEqual(d.outputTransmission, ['value', 'reference']);
    for (const i of Object.values(d.inputs)) assert.deepEqual(checkOgc('inputDescription.yaml', i), []);
    for (const o of Object.values(d.outputs)) assert.deepEqual(checkOgc('outputDescription.yaml', o), []);
  });

  it('maps Scale 1.0 interfaces, and summaries validate as processSummary.yaml', () => {
    const d = processDescription(scaleSource, 'tagger:2.0', []);
    assert.deepEqual(checkOgc('process.yaml', d), []);
    assert.equal(d.title, 'tagger');
    assert.deepEqual(d.keywords, ['tools']);
    assert.deepEqual((d.inputs.label as any).schema, { type: 'string' });
    assert.deepEqual((d.inputs.image as any).schema, { type: 'string', format: 'binary', contentEncoding: 'binary', contentMediaType: 'image/png' });
    assert.deepEqual(checkOgc('processSummary.yaml', processSummary(scaleSource, 'tagger', [])), []);
    assert.deepEqual(parseProcessId('tagger:2.0'), { name: 'tagger', version: '2.0' });
    assert.deepEqual(parseProcessId('tagger'), { name: 'tagger', version: null });
  });

  it('describes the built-in echo process as the OGC test suite needs it', () => {
    const m = validateManifest(echoManifest(), 'manifest', { builtin: true });
    assert.deepEqual(m.errors, []);
    assert.ok(validateManifest(echoManifest()).errors.length, 'a user manifest may not give an output the name of an input (seed-cli)');
    const d = processDescription({ name: 'echo', version: '1.0.0', title: 'Echo', description: null, category: null, manifest: m.value, iface: seedToInterface(m.value) }, 'echo', []);
    assert.deepEqual(checkOgc('process.yaml', d), []);
    assert.deepEqual(Object.keys(d.inputs), ['message', 'pause', 'fail', 'object', 'bbox', 'binary', 'complex'], 'values before files; object before bbox');
    assert.deepEqual((d.inputs.message as any).schema, { type: 'string' }, 'a plain string input: no format, no contentMediaType');
    assert.deepEqual(Object.keys(d.outputs), ['message', 'object', 'bbox', 'binary', 'complex'], 'each output has the id of an input, in the same order; message leads');
    // The suite's fill-in rules (Jobs.addInput): the first binary input takes any media type (it is sent a GeoTIFF);
    // the object input takes any object (it is sent {"value": "teststring"}).
    assert.deepEqual((d.inputs.binary as any).schema, { type: 'string', format: 'binary', contentEncoding: 'binary' });
    assert.deepEqual((d.inputs.object as any).schema, { type: 'object' });
  });

  it("maps the core's job states to run statuses, and those to OGC status codes and back", () => {
    const jobStates = ['PENDING', 'BLOCKED', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED'] as const;
    assert.deepEqual(jobStates.map((s) => ogcStatus(runStatusOfJob(s))), ['accepted', 'accepted', 'accepted', 'running', 'successful', 'failed', 'dismissed']);
    assert.equal(runStatusOfJob('COMPLETED', true), 'DISMISSED');
    assert.deepEqual(jobStatusesOf('ACCEPTED'), ['PENDING', 'BLOCKED', 'QUEUED']);
    // Every job state is one run status's, exactly once; each final job state is a final run status.
    assert.deepEqual(RUN_STATUSES.flatMap(jobStatusesOf).sort(), [...jobStates].sort());
    for (const s of jobStates) assert.equal(isFinal(runStatusOfJob(s)), ['COMPLETED', 'FAILED', 'CANCELED'].includes(s), s);
    for (const s of RUN_STATUSES) assert.equal(runStatusOf(ogcStatus(s)), s);
    assert.equal(runStatusOf('nonsense'), undefined);
  });
});

describe('CWL secondary files by pattern', () => {
  it("collects a document's plain patterns (optional ones too, expressions not), and names them beside a file as CWL does", () => {
    const doc = {
      class: 'Workflow',
      requirements: [{ class: 'SchemaDefRequirement', types: [{ name: '#main/rec', type: 'record', fields: [{ name: 'f', type: 'File', secondaryFiles: ['.s2', { pattern: '^.idx', required: false }] }] }] }],
      inputs: { a: { type: 'File', secondaryFiles: '.bai?' }, b: { type: 'File', secondaryFiles: '$(self.basename).x' }, r: { type: '#main/rec' }, plain: 'File' },
      steps: { s: { in: { x: 'plain' }, run: { class: 'CommandLineTool', inputs: { x: { type: 'File', secondaryFiles: '.step' } } } } },
    };
    assert.deepEqual(secondaryPatterns(doc, 'a'), ['.bai']);
    assert.deepEqual(secondaryPatterns(doc, 'b'), [], 'an expression is not evaluated before the run');
    assert.deepEqual(secondaryPatterns(doc, 'r').sort(), ['.s2', '^.idx'], 'from the SchemaDef type it names');
    assert.deepEqual(secondaryPatterns(doc, 'plain'), [], "a step's patterns are not the workflow input's");
    assert.equal(secondaryName('reads.bam', '.bai'), 'reads.bam.bai');
    assert.equal(secondaryName('reads.bam', '^.bai'), 'reads.bai');
    assert.equal(secondaryName('a.b.c', '^^.d'), 'a.d');
    assert.equal(secondaryUrl('http://h/data/img%201.tif?x=1', '^.tfw'), 'http://h/data/img%201.tfw');
    assert.equal(secondaryUrl('not a url', '.x'), null);
  });
});

describe('execute requests', () => {
  it('takes a literal CWL Directory for a directory input, and refuses one it could not write out, naming why', () => {
    const iface = { format: 'cwl', command: '', commandArguments: '', sharedResources: [], outputs: [], inputs: [{ name: 'dir', kind: 'files', required: true, mediaTypes: [], directory: true }] } as any;
    const literal = { class: 'Directory', basename: 'cwl', listing: [{ class: 'File', basename: 'a.txt', contents: 'A' }, { class: 'Directory', basename: 'sub', listing: [{ class: 'File', location: 'http://example.org/b.txt' }] }] };
    assert.deepEqual(readExecuteRequest({ inputs: { dir: literal } }, iface).value?.inputs.get('dir'), [{ kind: 'value', value: literal }]);
    // By location it is a reference, as {href} is.
    assert.deepEqual(readExecuteRequest({ inputs: { dir: { class: 'Directory', location: 'http://example.org/catalog.json' } } }, iface).value?.inputs.get('dir'), [{ kind: 'href', href: 'http://example.org/catalog.json', mediaType: null }]);
    const bad: [unknown, RegExp][] = [
      [{ class: 'Directory', basename: '..', listing: [] }, /"\.\." is not a usable directory name/],
      [{ class: 'Directory', listing: [{ class: 'File', basename: 'x' }] }, /file x needs its contents or an http\(s\) location/],
      [{ class: 'Directory', listing: [{ class: 'File', basename: 'a/b', contents: '' }] }, /"a\/b" has no usable basename/],
      [{ class: 'Directory', listing: [{ class: 'Directory', basename: 'd', location: 'http://x/' }] }, /must itself be literal/],
      [{ class: 'Directory', listing: [{ class: 'File', location: 'file:///etc/passwd' }] }, /needs its contents or an http\(s\) location/],
    ];
    for (const [dir, re] of bad) {
      const r = readExecuteRequest({ inputs: { dir } }, iface);
      assert.equal(r.value, null, JSON.stringify(dir));
      assert.equal(r.problems[0].field, 'inputs.dir');
      assert.match(r.problems[0].message, re);
    }
  });

  const iface = seedSource.iface;

  it('reads values, qualified values, references, base64 content, arrays and bboxes', () => {
    const r = readExecuteRequest({
      inputs: {
        SCENE: { value: Buffer.from('tiff bytes').toString('base64'), format: { mediaType: 'image/tiff', encoding: 'base64' } },
        MASKS: [{ href: 'http://example.com/a.tif', type: 'image/tiff' }, 'plain text mask'],
        THRESHOLD: { value: 0.4, mediaType: 'application/json' },
        BANDS: [4, 3],
        OPTIONS: { bbox: [1, 2, 3, 4], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84' },
      },
      outputs: { NDVI: { transmissionMode: 'reference' } },
      response: 'document',
    }, iface);
    assert.deepEqual(r.problems, []);
    const v = r.value!;
    assert.deepEqual(v.inputs.get('SCENE'), [{ kind: 'content', data: Buffer.from('tiff bytes'), mediaType: 'image/tiff' }]);
    assert.deepEqual(v.inputs.get('MASKS'), [{ kind: 'href', href: 'http://example.com/a.tif', mediaType: 'image/tiff' }, { kind: 'content', data: Buffer.from('plain text mask'), mediaType: null }]);
    assert.deepEqual(v.inputs.get('THRESHOLD'), [{ kind: 'value', value: 0.4 }]);
    assert.deepEqual(v.inputs.get('BANDS'), [{ kind: 'value', value: [4, 3] }], 'an array input takes the array as one value');
    assert.deepEqual(v.inputs.get('OPTIONS'), [{ kind: 'value', value: { bbox: [1, 2, 3, 4], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84' } }]);
    assert.deepEqual([...v.outputs], [['NDVI', 'reference']]);
    assert.equal(v.response, 'document');
  });

  it('defaults to every output by value and a raw response', () => {
    const r = readExecuteRequest({ inputs: { SCENE: { href: 'http://x/s.tif' }, THRESHOLD: 1 } }, iface);
    assert.deepEqual([...r.value!.outputs], [['NDVI', 'value'], ['TILES', 'value'], ['MEAN', 'value']]);
    assert.equal(r.value!.response, 'raw');
  });

  it('names the input at fault', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ inputs: { THRESHOLD: 1 } }, 'inputs.SCENE', /required input "SCENE" is missing/],
      [{ inputs: { SCENE: 'x', THRESHOLD: 'high' } }, 'inputs.THRESHOLD', /must be a number, not a string/],
      [{ inputs: { SCENE: ['a', 'b'], THRESHOLD: 1 } }, 'inputs.SCENE', /takes one value \(maxOccurs 1\), not 2/],
      [{ inputs: { SCENE: 42, THRESHOLD: 1 } }, 'inputs.SCENE', /takes a file/],
      [{ inputs: { SCENE: { value: 'not base64!', encoding: 'base64' }, THRESHOLD: 1 } }, 'inputs.SCENE', /not base64/],
      [{ inputs: { SCENE: 'x', THRESHOLD: 1, COLOUR: 'red' } }, 'inputs.COLOUR', /has no input "COLOUR"/],
      [{ inputs: { SCENE: 'x', THRESHOLD: 1 }, outputs: { NOPE: {} } }, 'outputs.NOPE', /has no output/],
      [{ inputs: { SCENE: 'x', THRESHOLD: 1 }, outputs: { NDVI: { transmissionMode: 'carrier-pigeon' } } }, 'outputs.NDVI.transmissionMode', /value" or "reference/],
      [{ inputs: { SCENE: 'x', THRESHOLD: 1 }, response: 'everything' }, 'response', /raw" or "document/],
      [{ inputs: { SCENE: 'x', THRESHOLD: 1 }, subscriber: { successUri: 'ftp://x' } }, 'subscriber.successUri', /http\(s\) URL/],
      [{ inputs: 'SCENE=x' }, 'inputs', /must be an object/],
      [{ 'invalid-execute-request': 'true)' }, 'invalid-execute-request', /is not a member of an execute request/],
    ];
    for (const [body, field, re] of cases) {
      const r = readExecuteRequest(body, iface);
      assert.equal(r.value, null, JSON.stringify(body));
      const p = r.problems.find((x) => x.field === field);
      assert.ok(p, `${JSON.stringify(body)} names ${field}: ${JSON.stringify(r.problems)}`);
      assert.match(p.message, re);
    }
    assert.deepEqual(readExecuteRequest([1], iface).problems, [{ field: null, message: 'the execute request must be a JSON object' }]);
  });
});
