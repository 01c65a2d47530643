// EMS orchestrators using this server as their ADES, played request for request from their source,
// over a real server, cwltool and Docker engine:
//  - Weaver (crim-ca/weaver 6.x, weaver/processes/wps3_process.py and wps_process_base.py): every call
//    with Accept and Content-Type application/json; GET …/visibility (404: not deployed), POST
//    /processes with the payload its user deployed on the EMS, unchanged (409 is taken as deployed),
//    PUT …/visibility {"value": "public"}, POST …/execution with Prefer: respond-async and the list
//    form ({"mode": "async", "response": "document", inputs [{id, data|href}], no outputs}) which must
//    answer exactly 201 with an absolute Location, polling Location for `status`, GET
//    {Location}/results with Prefer: return=minimal, and stage-out: a plain GET of each file output's
//    href (no headers), the file named by Content-Disposition (else the URL's last segment), which must
//    match the step's CWL glob. A file output inline as base64 breaks its stage-out.
//  - ZOO-Project-DRU / EOEPCA (zoo-kernel service_json.c, the EOEPCA deployment guide): POST /processes
//    with Content-Type application/ogcapppkg+json and only {"executionUnit": {"href", "type":
//    "application/cwl"}}; 201 with the process's Location.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { findProgram } from '../src/cwl/cwltool.ts';
import { buildImage, dockerAvailable } from './helpers/docker.ts';
import { FIXTURES } from './helpers/scale.ts';
import { startServer, waitFor, type TestServer } from './helpers/server.ts';

const EMS = path.join(FIXTURES, 'ems');
/** Weaver's WpsProcessInterface.make_request: these two headers on every call, GETs included. */
const WEAVER_HEADERS = { Accept: 'application/json', 'Content-Type': 'application/json' };
/** Weaver's map_status: what ends its monitoring loop, and what of that is success. */
const WEAVER_FINAL = ['failed', 'dismissed', 'canceled', 'exception', 'error', 'succeeded', 'successful', 'finished'];
const WEAVER_SUCCESS = ['succeeded', 'successful', 'finished'];

/** A file name matched against a CWL glob of plain names and `*` (what Weaver's stage-out needs). */
const matchesGlob = (name: string, glob: string) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(name);

describe('EMS clients using this server as their ADES', function () {
  this.timeout(180_000);
  let t: TestServer;
  let files: http.Server;
  let filesUrl: string;

  before(async function () {
    if (!(await dockerAvailable()) || !findProgram('cwltool')) {
      if (process.env.REQUIRE_DOCKER === '1' && !(await dockerAvailable())) throw new Error('REQUIRE_DOCKER=1 but no Docker engine answers');
      if (process.env.REQUIRE_CWLTOOL === '1') throw new Error('REQUIRE_CWLTOOL=1 but cwltool is not installed (apt install cwltool)');
      this.skip();
    }
    await buildImage('cwl-busybox-test:1.0', path.join(FIXTURES, 'app-image', 'app.sh'), {}, { entrypoint: false });
    t = await startServer('pglite', { SCALE_FETCH_ALLOW: '127.0.0.1', SCALE_EXECUTOR: 'auto' });
    // The EMS's application package registry and a data provider: CWL documents and input data by URL.
    files = http.createServer(async (req, res) => {
      const name = path.basename(new URL(req.url ?? '/', 'http://x').pathname);
      if (name === 'scene.txt') return void res.end('bytes of a scene\nsecond line\n');
      // The same Weaver test package under the name a ZOO user would give it.
      const file = name === 'zoo-echo.cwl' || name === 'echo-from-zoo.cwl' ? 'echo.cwl' : name;
      try {
        res.end(await fs.readFile(path.join(EMS, file)));
      } catch {
        res.statusCode = 404;
        res.end('not found');
      }
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  after(async () => {
    files?.close();
    await t?.close();
  });

  /** One of Weaver's calls: its headers always, and whatever the call adds. */
  const weaver = (method: 'get' | 'post' | 'put' | 'delete', url: string, extra: Record<string, string> = {}) => {
    const target = url.startsWith('http') ? url : `${t.url}${url}`;
    const u = new URL(target);
    return request(u.origin)[method](u.pathname + u.search).set({ ...WEAVER_HEADERS, ...extra });
  };

  /** Weaver's monitor loop on the Location it was given: status until it is final. */
  const monitor = (location: string) =>
    waitFor(async () => {
      const r = await weaver('get', location).expect(200);
      const status = String(r.body.status).toLowerCase().replace(/^process/, '');
      return WEAVER_FINAL.includes(status) ? r.body : null;
    }, { timeoutMs: 120_000, what: `the job at ${location} to end` });

  /** Weaver's dispatch of one step: execute, monitor, results with return=minimal, stage-out by href. */
  async function dispatch(id: string, inputs: unknown[], globs: Record<string, string>): Promise<Record<string, Buffer>> {
    const exec = await weaver('post', `/processes/${id}/execution`, { Prefer: 'respond-async' }).send({ mode: 'async', response: 'document', inputs });
    assert.equal(exec.status, 201, `Weaver accepts only 201 from execute: ${exec.status} ${exec.text}`);
    const location = exec.headers.location;
    assert.match(location, /^https?:\/\//, 'Weaver opens a Location without a scheme as a local file');
    const final = await monitor(location);
    assert.ok(WEAVER_SUCCESS.includes(final.status), `the step ended ${final.status}: ${final.message ?? ''}`);
    const results = await weaver('get', `${location}/results`, { Prefer: 'return=minimal' }).expect(200);
    assert.equal(results.headers['preference-applied'], 'return=minimal');
    // Weaver turns the map into its output list only when every entry is a link or a value.
    const entries = Object.entries(results.body as Record<string, any>);
    assert.ok(entries.length > 0 && entries.every(([, v]) => v !== null && typeof v === 'object' && ('href' in v || 'value' in v)), JSON.stringify(results.body));
    const staged: Record<string, Buffer> = {};
    for (const [output, glob] of Object.entries(globs)) {
      const entry = results.body[output];
      assert.ok(entry?.href, `file output ${output} must be a link for Weaver's stage-out, got ${JSON.stringify(entry)}`);
      assert.ok(!('encoding' in entry), 'no inline base64 for a file output');
      // utils.download_file_http: a plain GET, no ADES auth headers.
      const u = new URL(entry.href);
      const got = await request(u.origin).get(u.pathname + u.search).buffer(true).parse((res, cb) => {
        const c: Buffer[] = [];
        res.on('data', (x: Buffer) => c.push(x));
        res.on('end', () => cb(null, Buffer.concat(c)));
      }).expect(200);
      const named = /filename="([^"]+)"/.exec(String(got.headers['content-disposition'] ?? ''))?.[1] ?? u.pathname.split('/').pop()!;
      assert.ok(matchesGlob(named, glob), `the staged file is named ${named}; the step's glob is ${glob}`);
      staged[output] = got.body as Buffer;
    }
    return staged;
  }

  it("plays Weaver's dispatch of a step: visibility 404, deploy of its stored payload, visibility PUT, async list-form execute, monitor, results with return=minimal, stage-out by link", async () => {
    // weaver/wps_restapi/examples/deploy_process_ogcapppkg.json, its executionUnit pointing at the test package here.
    const payload = {
      processDescription: {
        id: 'Echo', title: 'Example Echo', version: '1.0', keywords: ['test'],
        description: "Example process that simply echo's back the input message for testing purposes.",
        inputs: { message: { description: 'Message to echo.', minOccurs: 1, maxOccurs: 1, schema: { type: 'string' } } },
        outputs: { output: { description: 'Output file with echo message.', schema: { type: 'string', contentMediaType: 'text/plain' } } },
      },
      jobControlOptions: ['async-execute'],
      outputTransmission: ['reference'],
      executionUnit: [{ href: `${filesUrl}/echo.cwl` }],
      deploymentProfileName: 'http://www.opengis.net/profiles/eoc/dockerizedApplication',
    };
    // is_visible: 404 means not deployed (405 or another 4xx would fail the step).
    await weaver('get', '/processes/Echo/visibility').expect(404);
    const deployed = await weaver('post', '/processes').send(payload);
    assert.ok(deployed.status < 400, `deploy: ${deployed.status} ${deployed.text}`);
    // A retried deploy (Weaver retries once on a timeout) is a 409, which Weaver takes as deployed.
    assert.equal((await weaver('post', '/processes').send(payload)).status, 409);
    const visible = await weaver('put', '/processes/Echo/visibility').send({ value: 'public' });
    assert.ok(visible.status < 400, `visibility PUT: ${visible.status} ${visible.text}`);
    assert.deepEqual((await weaver('get', '/processes/Echo/visibility').expect(200)).body, { value: 'public' });

    // What the deployer said is what the process says.
    const d = (await weaver('get', '/processes/Echo').expect(200)).body;
    assert.equal(d.title, 'Example Echo');
    assert.equal(d.version, '1.0');
    assert.equal(d.description, payload.processDescription.description);
    assert.deepEqual(d.keywords, ['test']);
    assert.deepEqual(d.jobControlOptions, ['async-execute']);
    assert.deepEqual(d.outputTransmission, ['reference']);
    assert.equal(d.inputs.message.description, 'Message to echo.');
    assert.equal(d.outputs.output.description, 'Output file with echo message.');
    assert.deepEqual(d.outputs.output.schema, { type: 'string', contentMediaType: 'text/plain' });

    // stage_inputs: a literal as {"id", "data"}.
    const staged = await dispatch('Echo', [{ id: 'message', data: 'hello from weaver' }], { output: 'stdout.log' });
    assert.equal(staged.output.toString(), 'hello from weaver\n');
  });

  it('plays Weaver with a Testbed-14 deploy body and a file input by href, staged out byte for byte', async () => {
    const payload = {
      processDescription: { process: { id: 'CatFile', title: 'Copies a file' } },
      executionUnit: [{ href: `${filesUrl}/cat-file.cwl` }],
      deploymentProfileName: 'http://www.opengis.net/profiles/eoc/dockerizedApplication',
    };
    await weaver('get', '/processes/CatFile/visibility').expect(404);
    assert.ok((await weaver('post', '/processes').send(payload)).status < 400);
    assert.ok((await weaver('put', '/processes/CatFile/visibility').send({ value: 'public' })).status < 400);
    // A file as {"id", "href"} with no type (Weaver sends none).
    const staged = await dispatch('CatFile', [{ id: 'file', href: `${filesUrl}/scene.txt` }], { copy: 'copy.txt' });
    assert.equal(staged.copy.toString(), 'bytes of a scene\nsecond line\n');
  });

  it("plays ZOO-Project/EOEPCA's ogcapppkg deploy: only {executionUnit: {href, type: application/cwl}}; an id that is a built-in process's is a 409 naming it", async () => {
    const zoo = (href: string) => request(t.url!).post('/processes').set({ Accept: 'application/json', 'Content-Type': 'application/ogcapppkg+json' })
      .send(JSON.stringify({ executionUnit: { href, type: 'application/cwl' } }));
    // A package with no id is named by its file: echo.cwl would be the built-in echo.
    const clash = await zoo(`${filesUrl}/echo.cwl`);
    assert.equal(clash.status, 409, clash.text);
    assert.match(clash.body.detail, /process "echo" is a built-in process/);
    const res = await zoo(`${filesUrl}/zoo-echo.cwl`);
    assert.equal(res.status, 201, res.text);
    assert.match(res.headers.location, /^https?:\/\/[^/]+\/processes\/zoo-echo$/);
    // Then an execute in the map form with Prefer: respond-async, asking for a results document.
    const exec = await request(t.url!).post('/processes/zoo-echo/execution').set({ Prefer: 'respond-async', 'Content-Type': 'application/json' }).send({ inputs: { message: 'hi zoo' }, response: 'document' }).expect(201);
    const final = await monitor(exec.headers.location);
    assert.equal(final.status, 'successful');
    const results = (await request(t.url!).get(new URL(`${exec.headers.location}/results`).pathname).expect(200)).body;
    const u = new URL(results.output.href);
    assert.equal((await request(u.origin).get(u.pathname).expect(200)).text, 'hi zoo\n');
  });
});
