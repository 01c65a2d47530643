// OGC API - Processes - Part 2 over a real server and a real Docker engine: Application Packages
// deployed, described, run, replaced, undeployed and read back; SEED images as packages; Weaver's
// habits (visibility, the list-form execute request); bearer tokens; and the bad packages.
import assert from 'node:assert/strict';
import path from 'node:path';
import request from 'supertest';
import { checkOgc } from '../src/ogc-schemas.ts';
import { buildImage, buildSeedImage, dockerAvailable, testJobManifest } from './helpers/docker.ts';
import { FIXTURES, upload } from './helpers/scale.ts';
import { startServer, waitFor, type TestServer } from './helpers/server.ts';

const EXC1 = 'http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/';
const EXC2 = 'http://www.opengis.net/def/exceptions/ogcapi-processes-2/1.0/';
const APP = 'application/ogcapppkg+json';
const valid = (file: string, body: unknown) => assert.deepEqual(checkOgc(file, body), [], `${file}: ${JSON.stringify(body).slice(0, 400)}`);
const pathOf = (url: string) => new URL(url).pathname + new URL(url).search;

/** A job type's details from the Scale API, found by name. */
async function jobType(server: TestServer, name: string): Promise<any> {
  const list = (await request(server.app).get(`/scale/job-types/?name=${encodeURIComponent(name)}`).expect(200)).body.results;
  assert.equal(list.length, 1, `one job type named ${name}`);
  return (await request(server.app).get(`/scale/job-types/${list[0].id}/`).expect(200)).body;
}

/** The test application's package: `app.sh [--times N] [--sleep S] FILE` as an OGC process. */
function appPackage(id: string, image: string, over: { bindings?: Record<string, unknown>; config?: Record<string, unknown>; title?: string } = {}) {
  return {
    processDescription: {
      process: {
        id, version: '1.0.0', title: over.title ?? 'Upper-case', description: 'Upper-cases a text file, N times', keywords: ['text'],
        inputs: {
          text: { title: 'The text', schema: { type: 'string', contentMediaType: 'text/plain' } },
          times: { title: 'Times', schema: { type: 'integer' }, minOccurs: 0 },
          sleep: { title: 'Seconds to sleep first', schema: { type: 'integer' }, minOccurs: 0 },
        },
        outputs: { result: { title: 'The upper-cased text', schema: { type: 'string', contentMediaType: 'text/plain' } }, lines: { title: 'Lines written', schema: { type: 'integer' } } },
      },
    },
    executionUnit: {
      type: 'docker', image, config: { cpuMin: 0.25, memoryMin: 0.0625, ...over.config },
      bindings: over.bindings ?? {
        inputBindings: { sleep: { prefix: '--sleep', position: 0 }, times: { prefix: '--times', position: 1 }, text: { position: 2 } },
        outputBindings: { result: { glob: 'result.txt' } },
      },
    },
  };
}

describe('OGC API - Processes Part 2: deploy, replace, undeploy', function () {
  this.timeout(120_000);
  let t: TestServer;
  let image: string;
  let textHref: string;

  before(async function () {
    if (!(await dockerAvailable())) {
      if (process.env.REQUIRE_DOCKER === '1') throw new Error('REQUIRE_DOCKER=1 but no Docker engine answers at /var/run/docker.sock');
      this.skip();
    }
    image = await buildImage('ogc-app-test:1.0', path.join(FIXTURES, 'app-image', 'app.sh'));
    t = await startServer('pglite', { SCALE_FETCH_ALLOW: '127.0.0.1', SCALE_EXECUTOR: 'auto', SCALE_OGC_SYNC_SECONDS: '60', SCALE_OGC_MAX_BODY_BYTES: '100000' });
    const file = await upload(t.app, 'hello\nworld\n', 'hello.txt', { media_type: 'text/plain' });
    textHref = `${t.url}/scale/files/${file.id}/content`;
  });
  after(async () => t?.close());

  const api = () => request(t.url!);
  const deploy = (pkg: unknown, type = APP) => api().post('/processes').set('Content-Type', type).send(typeof pkg === 'string' ? pkg : JSON.stringify(pkg));
  const execute = (id: string, body: unknown, prefer?: string) => {
    const r = api().post(`/processes/${id}/execution`).send(body as object);
    return prefer ? r.set('Prefer', prefer) : r;
  };
  const waitDone = (jobId: string) =>
    waitFor(async () => {
      const r = await api().get(`/jobs/${jobId}`);
      return ['successful', 'failed', 'dismissed'].includes(r.body.status) ? r.body : null;
    }, { timeoutMs: 60_000, what: `job ${jobId} to end` });

  describe('a docker Application Package', () => {
    let deployed: request.Response;
    before(async () => {
      deployed = await deploy(appPackage('upper', image));
    });

    it('deploys: 201, an absolute Location, a process summary; listed, described from its own description', async () => {
      assert.equal(deployed.status, 201, deployed.text);
      assert.equal(deployed.headers.location, `${t.url}/processes/upper`);
      valid('processSummary.yaml', deployed.body);
      assert.equal(deployed.body.id, 'upper');
      assert.equal(deployed.body.mutable, true);
      assert.ok(deployed.body.links.some((l: any) => l.href === `${t.url}/processes/upper/package`), 'links the package');
      const list = (await api().get('/processes?limit=1000').expect(200)).body;
      assert.ok(list.processes.some((p: any) => p.id === 'upper'));
      const d = (await api().get('/processes/upper').expect(200)).body;
      valid('process.yaml', d);
      assert.equal(d.title, 'Upper-case');
      assert.equal(d.inputs.text.title, 'The text');
      assert.deepEqual(d.inputs.text.schema, { type: 'string', contentMediaType: 'text/plain' });
      assert.equal(d.inputs.times.minOccurs, 0);
      assert.deepEqual(Object.keys(d.outputs).sort(), ['lines', 'result']);
    });

    it('shows in the Scale API as a job type with the image and the resources of its config', async () => {
      const jt = await jobType(t, 'upper');
      assert.equal(jt.docker_image, image);
      assert.equal(jt.cpus_required, 0.25);
      assert.equal(jt.mem_required, 64);
    });

    it('gives the package back exactly as it was sent, with its media type', async () => {
      const res = await api().get('/processes/upper/package').expect(200);
      assert.match(res.headers['content-type'], /^application\/ogcapppkg\+json/);
      assert.equal(res.text, JSON.stringify(appPackage('upper', image)));
    });

    it('answers 409 duplicated-process for an id already deployed, pointing at it', async () => {
      const res = await deploy(appPackage('upper', image), 'application/json').expect(409);
      assert.equal(res.body.type, `${EXC2}duplicated-process`);
      assert.equal(res.body.location, `${t.url}/processes/upper`);
      valid('exception.yaml', res.body);
    });

    it('runs on Docker: input by href, arguments from the bindings, the output file back by its href, the same job in /scale/jobs/', async () => {
      const res = await execute('upper', { inputs: { text: { href: textHref }, times: 2 }, outputs: { result: { transmissionMode: 'reference' }, lines: {} }, response: 'document' });
      assert.equal(res.status, 200, res.text);
      valid('results.yaml', res.body);
      assert.equal(res.body.lines, 4);
      const href = res.body.result.href;
      assert.match(href, /^http:\/\/127\.0\.0\.1:\d+\/scale\/files\/\d+\/content$/);
      assert.equal((await api().get(pathOf(href)).expect(200)).text, 'HELLO\nWORLD\nHELLO\nWORLD\n');
      const jobId = Number(/^<?([^>;]+)/.exec(res.headers.link)![1].split('/').pop());
      const job = (await request(t.app).get(`/scale/jobs/${jobId}/`).expect(200)).body;
      assert.equal(job.status, 'COMPLETED');
      assert.equal(job.job_type.name, 'upper');
      const logs = (await request(t.app).get(`/scale/job-executions/${job.job_exes[0].id}/logs/combined/`).expect(200)).text;
      assert.match(logs, /args: \/\S+\/hello\.txt/, 'the file input was the last argument, a path inside the container');
    });

    it('takes the list-form execute request Weaver sends ({id, data|href}, mode: async)', async () => {
      const res = await execute('upper', { mode: 'async', response: 'document', inputs: [{ id: 'text', href: textHref }, { id: 'times', data: 3 }], outputs: [{ id: 'lines', transmissionMode: 'value' }] });
      assert.equal(res.status, 201, res.text);
      valid('statusInfo.yaml', res.body);
      const done = await waitDone(res.body.jobID);
      assert.equal(done.status, 'successful', JSON.stringify(done));
      const results = (await api().get(`/jobs/${res.body.jobID}/results`).expect(200)).body;
      assert.deepEqual(results, { lines: 6 });
      const bad = await execute('upper', { inputs: [{ id: 'text', href: textHref }, { data: 3 }], mode: 'later' }).expect(400);
      assert.match(bad.body.detail, /inputs\[1\]\.id: is required/);
      assert.match(bad.body.detail, /mode: must be "async", "sync" or "auto"/);
    });

    it('replaces: PUT makes a new revision; a job already running keeps the revision it started with', async () => {
      const first = await execute('upper', { inputs: { text: { href: textHref }, times: 2, sleep: 3 }, outputs: { lines: {} }, response: 'document' }, 'respond-async').expect(201);
      await waitFor(async () => (await api().get(`/jobs/${first.body.jobID}`)).body.status === 'running', { timeoutMs: 30_000, what: 'the first job to run' });
      // Revision 2 no longer passes `times` on: one copy whatever is asked.
      const v2 = appPackage('upper', image, { title: 'Upper-case once', bindings: { inputBindings: { sleep: { prefix: '--sleep', position: 0 }, text: { position: 2 } }, outputBindings: { result: { glob: 'result.txt' } } } });
      const put = await api().put('/processes/upper').set('Content-Type', APP).send(JSON.stringify(v2));
      assert.ok([200, 204].includes(put.status), put.text);
      assert.equal((await api().get('/processes/upper').expect(200)).body.title, 'Upper-case once');
      assert.equal((await api().get('/processes/upper/package').expect(200)).text, JSON.stringify(v2));
      const second = await execute('upper', { inputs: { text: { href: textHref }, times: 2 }, outputs: { lines: {} }, response: 'document' }).expect(200);
      assert.equal(second.body.lines, 2, 'the new revision ignores times');
      const done = await waitDone(first.body.jobID);
      assert.equal(done.status, 'successful');
      assert.equal((await api().get(`/jobs/${first.body.jobID}/results`).expect(200)).body.lines, 4, 'the running job kept revision 1');
      const revs = await Promise.all([first.body.jobID, /([^/]+)>/.exec(second.headers.link)![1]].map(async (id) => (await request(t.app).get(`/scale/jobs/${id}/`)).body.job_type_rev.revision_num));
      assert.deepEqual(revs, [1, 2]);
      assert.equal((await jobType(t, 'upper')).revision_num, 2);
    });

    it('replaces with another version: the process shows it, and the Scale API has that job type version', async () => {
      await deploy(appPackage('versioned', image)).expect(201);
      const v2 = appPackage('versioned', image);
      v2.processDescription.process.version = '2.0.0';
      const put = await api().put('/processes/versioned').set('Content-Type', APP).send(JSON.stringify(v2)).expect(200);
      assert.equal(put.body.version, '2.0.0');
      assert.equal((await api().get('/processes/versioned').expect(200)).body.version, '2.0.0');
      const versions = (await request(t.app).get('/scale/job-types/?name=versioned').expect(200)).body.results.map((j: any) => `${j.version} ${j.is_active}`).sort();
      assert.deepEqual(versions, ['1.0.0 false', '2.0.0 true']);
      await api().delete('/processes/versioned').expect(204);
    });

    it('refuses a replacement of another id, or of a process that does not exist', async () => {
      const wrong = await api().put('/processes/upper').set('Content-Type', APP).send(JSON.stringify(appPackage('other', image))).expect(400);
      assert.match(wrong.body.detail, /processDescription\.id/);
      const missing = await api().put('/processes/nope').set('Content-Type', APP).send(JSON.stringify(appPackage('nope', image))).expect(404);
      assert.equal(missing.body.type, `${EXC1}no-such-process`);
    });
  });

  describe('undeploy', () => {
    it('cancels the queued jobs of the process and removes it; finished jobs and their results stay readable', async () => {
      await deploy(appPackage('quick', image)).expect(201);
      const done = await execute('quick', { inputs: { text: { href: textHref } }, outputs: { result: { transmissionMode: 'reference' } }, response: 'document' }, 'respond-async').expect(201);
      await waitDone(done.body.jobID);
      // No node has 512 CPUs: this job stays QUEUED until the process goes away.
      await deploy(appPackage('huge', image, { config: { cpuMin: 512 } })).expect(201);
      const queued = await execute('huge', { inputs: { text: { href: textHref } } }, 'respond-async').expect(201);
      await waitFor(async () => (await request(t.app).get(`/scale/jobs/${queued.body.jobID}/`)).body.status === 'QUEUED', { what: 'the huge job to be queued' });

      await api().delete('/processes/huge').expect(204);
      await api().delete('/processes/quick').expect(204);
      assert.equal((await api().get('/processes/huge').expect(404)).body.type, `${EXC1}no-such-process`);
      const ids = (await api().get('/processes?limit=1000').expect(200)).body.processes.map((p: any) => p.id);
      assert.ok(!ids.includes('huge') && !ids.includes('quick'), ids.join());
      assert.equal((await request(t.app).get(`/scale/jobs/${queued.body.jobID}/`).expect(200)).body.status, 'CANCELED');
      assert.ok(!(await request(t.app).get('/scale/queue/status/').expect(200)).body.queue_status.some((q: any) => q.job_type_name === 'huge'), 'off the queue');
      assert.equal((await api().get(`/jobs/${queued.body.jobID}`).expect(200)).body.status, 'dismissed');
      // The finished job, its results and the result file.
      assert.equal((await api().get(`/jobs/${done.body.jobID}`).expect(200)).body.status, 'successful');
      const results = (await api().get(`/jobs/${done.body.jobID}/results`).expect(200)).body;
      assert.equal((await api().get(pathOf(results.result.href)).expect(200)).text, 'HELLO\nWORLD\n');
      await execute('quick', { inputs: { text: { href: textHref } } }).expect(404);
      await api().delete('/processes/quick').expect(404);
    });

    it('lets an undeployed id be deployed again', async () => {
      const again = await deploy(appPackage('quick', image, { title: 'Quick again' }));
      assert.equal(again.status, 201, again.text);
      assert.equal((await api().get('/processes/quick').expect(200)).body.title, 'Quick again');
    });
  });

  describe('built-in processes', () => {
    it('are not mutable: DELETE and PUT answer 403 immutable-process; they have no package', async () => {
      assert.equal((await api().get('/processes/echo').expect(200)).body.mutable, false);
      const del = await api().delete('/processes/echo').expect(403);
      assert.equal(del.body.type, `${EXC2}immutable-process`);
      valid('exception.yaml', del.body);
      const put = await api().put('/processes/echo').set('Content-Type', APP).send(JSON.stringify(appPackage('echo', image))).expect(403);
      assert.equal(put.body.type, `${EXC2}immutable-process`);
      await api().get('/processes/echo/package').expect(404);
      assert.equal((await api().get('/processes/echo').expect(200)).body.id, 'echo', 'still there');
    });
  });

  describe('Weaver visibility', () => {
    it('PUT /processes/{id}/visibility hides a process from the list; it stays describable and runnable by id', async () => {
      await deploy(appPackage('hidden', image)).expect(201);
      assert.deepEqual((await api().get('/processes/hidden/visibility').expect(200)).body, { value: 'public' });
      assert.deepEqual((await api().put('/processes/hidden/visibility').send({ value: 'private' }).expect(200)).body, { value: 'private' });
      assert.deepEqual((await api().get('/processes/hidden/visibility').expect(200)).body, { value: 'private' });
      const ids = (await api().get('/processes?limit=1000').expect(200)).body.processes.map((p: any) => p.id);
      assert.ok(!ids.includes('hidden'));
      await api().get('/processes/hidden').expect(200);
      await api().put('/processes/hidden/visibility').send({ value: 'public' }).expect(200);
      assert.ok((await api().get('/processes?limit=1000').expect(200)).body.processes.some((p: any) => p.id === 'hidden'));
      const bad = await api().put('/processes/hidden/visibility').send({ value: 'secret' }).expect(400);
      assert.match(bad.body.detail, /value must be "public" or "private"/);
      await api().get('/processes/nope/visibility').expect(404);
      await api().put('/processes/echo/visibility').send({ value: 'private' }).expect(403);
    });
  });

  describe('bad packages', () => {
    const pkg = appPackage('bad', 'ogc-app-test:1.0');
    const cases: [string, unknown, RegExp][] = [
      ['no executionUnit', { processDescription: pkg.processDescription }, /executionUnit: is required/],
      ['an unknown execution unit type', { ...pkg, executionUnit: { type: 'kubernetes', image: 'x:1' } }, /executionUnit\.type: execution unit type "kubernetes" is not supported/],
      ['an image without a tag or digest', { ...pkg, executionUnit: { ...pkg.executionUnit, image: 'ogc-app-test' } }, /executionUnit\.image: "ogc-app-test" is not an image reference with a tag or a digest/],
      ['a docker unit with bindings but no process description', { executionUnit: pkg.executionUnit }, /processDescription: is required with a docker execution unit that has bindings/],
      ['a docker unit whose image is no SEED image, without a process description', { executionUnit: { type: 'docker', image: 'ogc-app-test:1.0' } }, /processDescription: is required: image ogc-app-test:1.0 carries no SEED manifest/],
      ['a binding for an input the process does not have', { ...pkg, executionUnit: { ...pkg.executionUnit, bindings: { inputBindings: { nope: { position: 1 } } } } }, /inputBindings\.nope: binds "nope", which is not an input/],
      ['an expression in a glob', { ...pkg, executionUnit: { ...pkg.executionUnit, bindings: { outputBindings: { result: { glob: '$(inputs.text.basename)' } } } } }, /outputBindings\.result\.glob: must be a plain glob pattern/],
      ['a bad process id', { ...pkg, processDescription: { process: { ...pkg.processDescription.process, id: '../etc' } } }, /processDescription\.process\.id: is required: 1-50 letters/],
      ['an input without a schema', { ...pkg, processDescription: { process: { ...pkg.processDescription.process, inputs: { text: { title: 'x' } } } } }, /inputs\.text\.schema: is required/],
      ['a description that is not Part 1', { ...pkg, processDescription: { process: { ...pkg.processDescription.process, jobControlOptions: 'sync' } } }, /not a valid OGC process description/],
      ['not an object', [1, 2], /must be a JSON object/],
      // Neither the engine nor the registry it names knows the image: refused, not a launch failure at every execution.
      ['an image that exists nowhere', { ...pkg, executionUnit: { ...pkg.executionUnit, image: 'registry.invalid/upper:1.0' } },
        /executionUnit\.image: image registry\.invalid\/upper:1\.0 cannot be had: the Docker engine says "No such image: registry\.invalid\/upper:1\.0"; its registry host registry\.invalid is under \.invalid, which never resolves/],
      ['a SEED image unit that exists nowhere', { executionUnit: { type: 'docker', image: 'registry.invalid/upper:1.0' } }, /executionUnit\.image: image registry\.invalid\/upper:1\.0 cannot be had/],
    ];
    for (const [what, body, detail] of cases) {
      it(`answers 400 for ${what}, and deploys nothing`, async () => {
        const res = await deploy(body);
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.type, 'InvalidParameterValue', res.text);
        assert.match(res.body.detail, detail);
        await api().get('/processes/bad').expect(404);
      });
    }

    it('answers 400 for JSON that does not parse, and for bodies nested too deep', async () => {
      assert.match((await deploy('{"processDescription": ').expect(400)).body.detail, /not JSON/);
      const deep = '{"a":'.repeat(200) + '1' + '}'.repeat(200);
      assert.match((await deploy(deep).expect(400)).body.detail, /nests deeper than 64 levels/);
    });

    it('answers 413 for a package over the size limit and 415 for a media type it does not deploy', async () => {
      const big = { ...pkg, processDescription: { process: { ...pkg.processDescription.process, description: 'x'.repeat(200_000) } } };
      assert.equal((await deploy(big).expect(413)).body.title, 'Request body too large');
      const res = await deploy('id: bad', 'text/plain').expect(415);
      assert.equal(res.body.type, `${EXC2}unsupported-media-type`);
      assert.match(res.body.detail, /not "text\/plain"/);
      await api().get('/processes/bad').expect(404);
    });
  });

  describe('SEED images as packages', () => {
    let seedImage: string;
    let manifest: any;
    before(async () => {
      manifest = testJobManifest(`seed-pkg-${process.pid}`);
      seedImage = await buildSeedImage(manifest);
    });

    it('takes the interface from the image manifest: a package of just the image deploys the SEED job type', async () => {
      const res = await deploy({ executionUnit: [{ href: seedImage }], deploymentProfileName: 'http://www.opengis.net/profiles/eoc/dockerizedApplication' });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.id, manifest.job.name);
      const jt = await jobType(t, manifest.job.name);
      assert.equal(jt.docker_image, seedImage);
      assert.deepEqual(jt.manifest.job.interface.inputs.files.map((f: any) => f.name), ['INPUT_FILE']);
      assert.deepEqual(jt.manifest.job.interface.outputs.files.map((f: any) => f.pattern), ['result*.out']);
      const d = (await api().get(`/processes/${manifest.job.name}`).expect(200)).body;
      assert.deepEqual(Object.keys(d.inputs).sort(), ['INPUT_FILE', 'MODE', 'NUM']);
    });

    it('deploys an ogcapppkg whose docker unit names a SEED image with no processDescription: all from the manifest', async () => {
      await api().delete(`/processes/${manifest.job.name}`).expect(204);
      const res = await deploy({ executionUnit: { type: 'docker', image: seedImage } }, 'application/ogcapppkg+json');
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.id, manifest.job.name);
      const d = (await api().get(`/processes/${manifest.job.name}`).expect(200)).body;
      assert.equal(d.version, manifest.job.jobVersion);
      assert.equal(d.title, manifest.job.title);
      assert.deepEqual(Object.keys(d.inputs).sort(), ['INPUT_FILE', 'MODE', 'NUM']);
      assert.deepEqual(Object.keys(d.outputs).sort(), ['RESULT', 'TOTAL']);
    });

    it("keeps what a package's processDescription says of a SEED image: titles, descriptions, keywords, metadata, job control", async () => {
      await api().delete(`/processes/${manifest.job.name}`).expect(204);
      const description = {
        id: manifest.job.name, version: manifest.job.jobVersion, title: 'Told by the deployer', description: 'What the client said', keywords: ['told', 'kept'],
        metadata: [{ title: 'the manual', href: 'https://example.org/manual' }],
        inputs: {
          INPUT_FILE: { title: 'A file', description: 'any text', schema: { type: 'string', contentMediaType: 'text/plain' }, minOccurs: 0, maxOccurs: 1 },
          MODE: { title: 'Mode', schema: { type: 'string' } }, NUM: { title: 'Number', schema: { type: 'integer' }, minOccurs: 0 },
        },
        outputs: { RESULT: { title: 'Result', description: 'the result file', schema: { type: 'string', contentMediaType: 'text/plain' } }, TOTAL: { schema: { type: 'integer' } } },
      };
      const res = await deploy({ processDescription: description, jobControlOptions: ['async-execute', 'dismiss'], outputTransmission: ['reference'], executionUnit: { href: seedImage } });
      assert.equal(res.status, 201, res.text);
      const d = (await api().get(`/processes/${manifest.job.name}`).expect(200)).body;
      for (const k of ['title', 'description', 'keywords', 'metadata'] as const) assert.deepEqual(d[k], (description as any)[k], k);
      assert.deepEqual(d.jobControlOptions, ['async-execute', 'dismiss']);
      assert.deepEqual(d.outputTransmission, ['reference']);
      assert.equal(d.inputs.INPUT_FILE.title, 'A file');
      assert.equal(d.inputs.INPUT_FILE.description, 'any text');
      assert.deepEqual(d.inputs.INPUT_FILE.schema, { type: 'string', contentMediaType: 'text/plain' });
      assert.equal(d.outputs.RESULT.description, 'the result file');
      const listed = (await api().get('/processes').expect(200)).body.processes.find((p: any) => p.id === manifest.job.name);
      assert.equal(listed.title, 'Told by the deployer');
      // async-execute only: an execute without Prefer runs asynchronously.
      const run = await execute(manifest.job.name, { inputs: { MODE: 'none' } });
      assert.equal(run.status, 201, run.text);
      assert.match(run.headers.location, /\/jobs\/\d+$/);
    });

    it('answers 400 listing the differences when a process description disagrees with the manifest', async () => {
      await api().delete(`/processes/${manifest.job.name}`).expect(204);
      const description = {
        id: manifest.job.name, version: '1.0.0',
        inputs: { INPUT_FILE: { schema: { type: 'integer' } }, MODE: { schema: { type: 'string' } }, EXTRA: { schema: { type: 'string' } } },
        outputs: { RESULT: { schema: { type: 'string', contentMediaType: 'text/plain' } } },
      };
      const res = await deploy({ processDescription: { process: description }, executionUnit: { href: seedImage } }).expect(400);
      assert.match(res.body.detail, /input NUM is in the image's manifest but not in the package/);
      assert.match(res.body.detail, /input EXTRA is in the package but not in the image's manifest/);
      assert.match(res.body.detail, /input INPUT_FILE is a value in the package but a file in the image's manifest/);
      assert.match(res.body.detail, /output TOTAL is in the image's manifest but not in the package/);
      await api().get(`/processes/${manifest.job.name}`).expect(404);
    });

    it('adopts a SEED job type registered through the Scale API when the unit names its process id', async () => {
      const name = `seed-adopt-${process.pid}`;
      const m = testJobManifest(name);
      const img = await buildSeedImage(m);
      await request(t.app).post('/scale/job-types/').send({ docker_image: img }).expect(201);
      await api().get(`/processes/${name}/package`).expect(404);
      const res = await deploy({ executionUnit: { href: `/processes/${name}` } });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.id, name);
      assert.equal((await api().get(`/processes/${name}/package`).expect(200)).text, JSON.stringify({ executionUnit: { href: `/processes/${name}` } }));
      assert.equal((await deploy({ executionUnit: { process: name } }).expect(409)).body.type, `${EXC2}duplicated-process`);
      assert.match((await deploy({ executionUnit: { process: 'upper' } }).expect(400)).body.detail, /not a SEED job type/);
    });
  });
});

describe('OGC API - Processes Part 2: bearer tokens for deploy, and the Scale API and OGC agreeing', function () {
  this.timeout(120_000);
  let ogc: TestServer;
  let scale: TestServer;
  let seedImage: string;
  let manifest: any;

  before(async function () {
    if (!(await dockerAvailable())) {
      if (process.env.REQUIRE_DOCKER === '1') throw new Error('REQUIRE_DOCKER=1 but no Docker engine answers at /var/run/docker.sock');
      this.skip();
    }
    manifest = testJobManifest(`seed-same-${process.pid}`);
    seedImage = await buildSeedImage(manifest);
    [ogc, scale] = await Promise.all([startServer('pglite', { SCALE_AUTH_TOKENS: 'deploy-token-0001:deploy, deploy-token-0002:deploy, reader-token-00001:read', SCALE_ANONYMOUS_SCOPES: 'read,execute', SCALE_FETCH_ALLOW: '127.0.0.1' }), startServer('pglite', { SCALE_FETCH_ALLOW: '127.0.0.1' })]);
  });
  after(async () => {
    await ogc?.close();
    await scale?.close();
  });

  const pkg = () => JSON.stringify({ executionUnit: { href: seedImage } });

  it('asks for a bearer token with the deploy scope to deploy, replace and undeploy: 401 with WWW-Authenticate, 401 for an unknown token, 403 for a token without the scope', async () => {
    const none = await request(ogc.url!).post('/processes').set('Content-Type', APP).send(pkg()).expect(401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    assert.match(none.headers['content-type'], /json/);
    assert.match(none.body.detail, /bearer token/);
    valid('exception.yaml', none.body);
    assert.match(none.body.type, /^https?:\/\//, 'the exception type is a URI');
    const wrong = await request(ogc.url!).post('/processes').set('Content-Type', APP).set('Authorization', 'Bearer token-three-unknown').send(pkg()).expect(401);
    assert.equal(wrong.headers['www-authenticate'], 'Bearer error="invalid_token"');
    const reader = await request(ogc.url!).post('/processes').set('Content-Type', APP).set('Authorization', 'Bearer reader-token-00001').send(pkg()).expect(403);
    assert.match(reader.body.detail, /does not have the deploy scope/);
    valid('exception.yaml', reader.body);
    await request(ogc.url!).put(`/processes/${manifest.job.name}`).set('Content-Type', APP).send(pkg()).expect(401);
    await request(ogc.url!).delete('/processes/echo').expect(401);
    await request(ogc.url!).put('/processes/echo/visibility').send({ value: 'private' }).expect(401);
    await request(ogc.url!).get(`/processes/${manifest.job.name}`).expect(404);
  });

  it('deploys with a token; reading and executing stay open where the anonymous scopes say so', async () => {
    const res = await request(ogc.url!).post('/processes').set('Content-Type', APP).set('Authorization', 'Bearer deploy-token-0002').send(pkg());
    assert.equal(res.status, 201, res.text);
    await request(ogc.url!).get(`/processes/${manifest.job.name}`).expect(200);
    await request(ogc.url!).get('/processes/echo').expect(200);
    const ran = await request(ogc.url!).post('/processes/echo/execution').send({ inputs: { message: 'open' } });
    assert.equal(ran.status, 200, ran.text);
  });

  it('a deploy through OGC and one through the Scale API make the same job type', async () => {
    await request(scale.app).post('/scale/job-types/').send({ docker_image: seedImage }).expect(201);
    // Ids and times are the only things two servers may differ on.
    const strip = (v: any): any => (Array.isArray(v) ? v.map(strip) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => !['id', 'created', 'last_modified'].includes(k)).map(([k, x]) => [k, strip(x)])) : v);
    const [a, b] = await Promise.all([jobType(ogc, manifest.job.name), jobType(scale, manifest.job.name)]);
    assert.deepEqual(strip(a), strip(b));
    const [pa, pb] = await Promise.all([request(ogc.url!).get(`/processes/${manifest.job.name}`).expect(200), request(scale.url!).get(`/processes/${manifest.job.name}`).expect(200)]);
    const noLinks = (p: any) => ({ ...p, links: p.links.filter((l: any) => !l.href.endsWith('/package')).map((l: any) => ({ ...l, href: new URL(l.href).pathname })) });
    assert.deepEqual(noLinks(pa.body), noLinks(pb.body));
  });
});

