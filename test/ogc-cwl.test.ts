// OGC API - Processes Part 2, CWL (/req/cwl), run by cwltool, over a real server, a real cwltool and
// a real Docker engine: tools and workflows deployed by value and by href (relative `run:` fetched
// beside them), checked and packed by cwltool, each run as one job of the `cwl` runtime; what CWL v1.2
// defines (JavaScript expressions, EnvVar, InitialWorkDir, shell commands, enums, arrays, outputEval,
// scatter, sub-workflows) working as cwltool makes it work; STAC catalogs in and out as Directories
// (OGC 20-089); logs, cancel (containers removed), failures; replace and undeploy; WPS; and the CWL the
// server refuses, leaving nothing behind.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { findProgram } from '../src/cwl/cwltool.ts';
import { checkOgc } from '../src/ogc-schemas.ts';
import { buildImage, docker, dockerAvailable } from './helpers/docker.ts';
import { FIXTURES, upload } from './helpers/scale.ts';
import { startServer, waitFor, type TestServer } from './helpers/server.ts';
import { assertValid, exec2, WPS2_XSD, xmllintAvailable } from './helpers/wps-xml.ts';

const EXC2 = 'http://www.opengis.net/def/exceptions/ogcapi-processes-2/1.0/';
const CWL_DIR = path.join(FIXTURES, 'cwl');
const valid = (file: string, body: unknown) => assert.deepEqual(checkOgc(file, body), [], `${file}: ${JSON.stringify(body).slice(0, 400)}`);
const pathOf = (url: string) => new URL(url).pathname + new URL(url).search;

/** Debian's cwltool test documents, when the package's files are at hand (see .ci/run). */
const DEBIAN_WF = process.env.CWLTOOL_TESTS ?? '/usr/lib/python3/dist-packages/cwltool/tests/wf';

describe('OGC API - Processes Part 2: CWL on cwltool', function () {
  this.timeout(180_000);
  let t: TestServer;
  let textHref: string;
  let files: http.Server;
  let filesUrl: string;
  const callbacks: { path: string; body: any }[] = [];

  before(async function () {
    if (!(await dockerAvailable()) || !findProgram('cwltool')) {
      if (process.env.REQUIRE_DOCKER === '1' && !(await dockerAvailable())) throw new Error('REQUIRE_DOCKER=1 but no Docker engine answers');
      if (process.env.REQUIRE_CWLTOOL === '1') throw new Error('REQUIRE_CWLTOOL=1 but cwltool is not installed (apt install cwltool)');
      this.skip();
    }
    await buildImage('cwl-busybox-test:1.0', path.join(FIXTURES, 'app-image', 'app.sh'), {}, { entrypoint: false });
    t = await startServer('pglite', { SCALE_FETCH_ALLOW: '127.0.0.1', SCALE_EXECUTOR: 'auto', SCALE_OGC_SYNC_SECONDS: '90', SCALE_OGC_MAX_BODY_BYTES: '200000', SCALE_KILL_GRACE_SECONDS: '2' });
    // The long-lived cwltool starts on the first deploy or run; the runs here are to go through it from the first.
    assert.equal(await t.cwltoolServer?.ready(), true, 'the long-lived cwltool starts');
    const file = await upload(t.app, 'banana\napple\ncherry\n', 'fruit.txt', { media_type: 'text/plain' });
    textHref = `${t.url}/scale/files/${file.id}/content`;
    // Serves CWL documents and STAC catalogs by href, as an EMS's registry and a data provider would:
    // /debian/* from cwltool's tests, /fixtures/* from ours (the STAC catalog under /fixtures/stac/).
    files = http.createServer(async (req, res) => {
      if (req.method === 'POST' && req.url?.startsWith('/callbacks/')) {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        callbacks.push({ path: req.url, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') });
        res.end();
        return;
      }
      const [, root, ...rest] = (req.url ?? '').split('/');
      const dir = root === 'debian' ? DEBIAN_WF : CWL_DIR;
      const file = path.join(dir, ...rest.filter((s) => s && s !== '..'));
      try {
        res.end(await fs.readFile(file));
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

  const api = () => request(t.url!);
  const deploy = (body: string, type: string, query = '') => api().post(`/processes${query}`).set('Content-Type', type).send(body);
  const waitDone = (jobId: string) =>
    waitFor(async () => {
      const r = await api().get(`/jobs/${jobId}`);
      return ['successful', 'failed', 'dismissed'].includes(r.body.status) ? r.body : null;
    }, { timeoutMs: 120_000, what: `job ${jobId} to end` });
  /** An output file's text, given by reference or by value (base64). */
  const content = async (o: { href?: string; value?: string; encoding?: string }) =>
    o.href ? (await api().get(pathOf(o.href)).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
    }).expect(200)).body as string : Buffer.from(o.value ?? '', o.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
  const execute = async (id: string, body: Record<string, unknown>) => {
    const res = await api().post(`/processes/${id}/execution`).set('Prefer', 'respond-async').send({ response: 'document', ...body }).expect(201);
    return { id: res.body.jobID as string, done: await waitDone(res.body.jobID) };
  };
  const logOf = async (jobId: string) => {
    const job = (await api().get(`/scale/jobs/${jobId}/`).expect(200)).body;
    return (await api().get(`/scale/job-executions/${job.job_exes[0].id}/logs/combined/`).set('Accept', 'text/plain').expect(200)).text;
  };

  describe('a CommandLineTool', () => {
    let cwlText: string;

    it('deploys from application/cwl+yaml, checked and packed by cwltool: 201, Location, a summary; its description from the CWL', async () => {
      cwlText = await fs.readFile(path.join(CWL_DIR, 'wc-stdin.cwl'), 'utf8');
      const res = await deploy(cwlText, 'application/cwl+yaml').expect(201);
      assert.equal(res.headers.location, `${t.url}/processes/wc-lines`);
      valid('processSummary.yaml', res.body);
      assert.equal(res.body.id, 'wc-lines');
      const d = (await api().get('/processes/wc-lines').expect(200)).body;
      valid('process.yaml', d);
      assert.equal(d.title, 'Count lines');
      assert.deepEqual(d.inputs.file1.schema, { type: 'string', contentEncoding: 'binary', contentMediaType: 'text/plain' });
      assert.equal(d.inputs.label.minOccurs, 0);
      assert.deepEqual(Object.keys(d.outputs).sort(), ['output', 'report']);
      const pkg = await api().get('/processes/wc-lines/package').expect(200);
      assert.match(pkg.headers['content-type'], /^application\/cwl\+yaml/);
      assert.equal(pkg.text, cwlText, 'the package is the CWL exactly as deployed');
      // One job type in the Scale API, its resources from the CWL's ResourceRequirement, its revision holding the packed document.
      const jt = (await api().get('/scale/job-types/?name=wc-lines').expect(200)).body.results[0];
      assert.equal(jt.cpus_required, 0.5);
      assert.equal(jt.mem_required, 64);
      const rev = (await api().get(`/scale/job-types/${jt.id}/`).expect(200)).body;
      assert.equal(JSON.stringify(rev).includes('"#main"'), true, 'the packed document is kept');
    });

    it('runs on the cwl runtime: cwltool, the tool in its container, stdin from the input file, stdout and stderr to output files', async () => {
      const { id, done } = await execute('wc-lines', { inputs: { file1: { href: textHref } } });
      assert.equal(done.status, 'successful', JSON.stringify(done));
      const results = (await api().get(`/jobs/${id}/results`).expect(200)).body;
      assert.equal((await content(results.output)).trim(), '3');
      assert.equal(await content(results.report), '');
      const job = (await api().get(`/scale/jobs/${id}/`).expect(200)).body;
      assert.equal(job.job_type.name, 'wc-lines');
      assert.equal(job.status, 'COMPLETED');
      const log = await logOf(id);
      assert.match(log, /cwltool/);
      assert.match(log, /docker[\s\\]+run/, "cwltool's log is the execution's log");
      assert.match(log, /--cpus=0\.5|--cpus=1/);
      // The long-lived cwltool sends no `docker kill` after a step that ended (cwltool's own does, and logs the engine's refusal).
      assert.doesNotMatch(log, /No such container|Cannot kill container/);
      assert.doesNotMatch(log, /docker['"]?,? ['"]?images/);
    });

    it('runs every step as an unprivileged user, without network unless the tool asks for NetworkAccess, and removes its directories after', async () => {
      const probe = (id: string, network: boolean) => JSON.stringify({
        cwlVersion: 'v1.2', class: 'CommandLineTool', id,
        requirements: [{ class: 'DockerRequirement', dockerPull: 'cwl-busybox-test:1.0' }, { class: 'NetworkAccess', networkAccess: network }],
        baseCommand: ['sh', '-c', 'id -u; ls /sys/class/net | sort | tr "\\n" " "'], inputs: {}, outputs: { out: 'stdout' }, stdout: 'probe.txt',
      });
      for (const [id, network] of [['probe-closed', false], ['probe-open', true]] as const) {
        await deploy(probe(id, network), 'application/cwl+json').expect(201);
        const { id: jobId, done } = await execute(id, { inputs: {} });
        assert.equal(done.status, 'successful', JSON.stringify(done));
        const [uid, interfaces] = (await content((await api().get(`/jobs/${jobId}/results`).expect(200)).body.out)).split('\n');
        if (process.getuid?.() === 0) assert.equal(uid, '65534', 'under a root server, steps run as SCALE_CWL_USER (nobody)');
        else assert.equal(uid, String(process.getuid?.()), "steps run as the server's own user");
        if (network) assert.match(interfaces, /eth0/, 'NetworkAccess: the container has the network');
        else assert.equal(interfaces.trim(), 'lo', 'no NetworkAccess: loopback only');
        // cwltool's files lived in the execution's directory, and only the log is left of it.
        const exe = (await api().get(`/scale/jobs/${jobId}/`).expect(200)).body.job_exes[0];
        const exeDir = path.join(t.dataDir!, 'executions', String(exe.id));
        await waitFor(async () => ((await fs.readdir(exeDir)).join() === 'log' ? true : null), { timeoutMs: 30_000 });
        await api().delete(`/processes/${id}`).expect(204);
      }
    });

    it('runs what CWL defines with JavaScript: expressions, EnvVar, InitialWorkDir, a shell command, an enum, outputEval', async () => {
      const res = await deploy(await fs.readFile(path.join(CWL_DIR, 'greet-js.cwl'), 'utf8'), 'application/cwl+yaml').expect(201);
      assert.equal(res.body.version, '2.1.0', 'the version from s:softwareVersion');
      const d = (await api().get('/processes/greet').expect(200)).body;
      assert.deepEqual(d.keywords, ['greeting', 'test']);
      assert.equal(d.description, 'Writes a greeting per name, and says how many it wrote.');
      assert.deepEqual(d.inputs.mode.schema, { type: 'string', enum: ['quiet', 'loud'], default: 'quiet' });
      assert.deepEqual(d.inputs.names.schema, { type: 'array', items: { type: 'string' } });
      assert.deepEqual(d.outputs.count.schema, { type: 'integer', format: 'int32' });
      const { id, done } = await execute('greet', { inputs: { names: ['ada', 'alan'], mode: 'loud' } });
      assert.equal(done.status, 'successful', JSON.stringify(done));
      const results = (await api().get(`/jobs/${id}/results`).expect(200)).body;
      assert.equal(await content(results.greetings), 'HELLO ada\nHELLO alan\n');
      assert.equal(results.count, 2);
      // A wrong value for an enum is cwltool's to refuse: the job fails saying so.
      const bad = await execute('greet', { inputs: { names: ['x'], mode: 'whisper' } });
      assert.equal(bad.done.status, 'failed');
      assert.match(await logOf(bad.id), /whisper/);
    });

    it('replaces with PUT application/cwl: a new job type revision; GET package returns the new CWL', async () => {
      const changed = cwlText.replace('label: Count lines', 'label: Count the lines');
      await api().put('/processes/wc-lines').set('Content-Type', 'application/cwl').send(changed).expect(200);
      assert.equal((await api().get('/processes/wc-lines').expect(200)).body.title, 'Count the lines');
      assert.equal((await api().get('/processes/wc-lines/package').expect(200)).text, changed);
      const jt = (await api().get('/scale/job-types/?name=wc-lines').expect(200)).body.results[0];
      assert.equal(jt.revision_num, 2, 'a new revision');
      const other = await api().put('/processes/wc-lines').set('Content-Type', 'application/cwl').send(changed.replace('id: wc-lines', 'id: other')).expect(400);
      assert.match(other.body.detail, /keeps the process id/);
    });

    it('reports a failing tool as failed, with cwltool\'s account in its log', async () => {
      const failing = JSON.stringify({
        cwlVersion: 'v1.2', class: 'CommandLineTool', id: 'exit-three', requirements: [{ class: 'DockerRequirement', dockerPull: 'cwl-busybox-test:1.0' }],
        baseCommand: ['sh', '-c', 'echo going down >&2; exit 3'], inputs: {}, outputs: {},
      });
      await deploy(failing, 'application/cwl+json').expect(201);
      const { id, done } = await execute('exit-three', { inputs: {} });
      assert.equal(done.status, 'failed');
      const log = await logOf(id);
      assert.match(log, /going down/);
      assert.match(log, /permanentFail/);
    });

    it('dismisses a running tool: cwltool stops and its container is removed', async () => {
      const slow = JSON.stringify({
        cwlVersion: 'v1.2', class: 'CommandLineTool', id: 'sleepy', requirements: [{ class: 'DockerRequirement', dockerPull: 'cwl-busybox-test:1.0' }],
        baseCommand: ['sleep', '120'], inputs: {}, outputs: {},
      });
      await deploy(slow, 'application/cwl+json').expect(201);
      const res = await api().post('/processes/sleepy/execution').set('Prefer', 'respond-async').send({ inputs: {} }).expect(201);
      const running = () => docker.listContainers({ filters: { ancestor: ['cwl-busybox-test:1.0'] } }).then((cs) => cs.filter((c) => c.Command.includes('sleep 120')));
      await waitFor(async () => (await running()).length > 0, { timeoutMs: 60_000, what: 'the container to start' });
      await api().delete(`/jobs/${res.body.jobID}`).expect(200);
      await waitFor(async () => (await running()).length === 0, { timeoutMs: 30_000, what: 'the container to go' });
      const job = (await api().get(`/scale/jobs/${res.body.jobID}/`).expect(200)).body;
      await waitFor(async () => (await api().get(`/scale/jobs/${res.body.jobID}/`)).body.job_exes?.[0]?.status === 'CANCELED', { what: 'the execution to end canceled' });
      assert.equal(job.status, 'CANCELED');
    });
  });

  describe('workflows', () => {
    it('shows a running workflow\'s progress from the steps cwltool has completed (OGC status and WPS GetStatus)', async () => {
      const step = (command: string) => ({
        class: 'CommandLineTool', requirements: [{ class: 'DockerRequirement', dockerPull: 'cwl-busybox-test:1.0' }],
        baseCommand: ['sh', '-c', command], inputs: {}, outputs: { out: 'stdout' }, stdout: 'out.txt',
      });
      await deploy(JSON.stringify({
        cwlVersion: 'v1.2', class: 'Workflow', id: 'two-steps', inputs: {}, outputs: { out: { type: 'File', outputSource: 'slow/out' } },
        steps: { quick: { run: step('echo quick'), in: {}, out: ['out'] }, slow: { run: step('sleep 6; echo slow'), in: { after: 'quick/out' }, out: ['out'] } },
      }), 'application/cwl+json').expect(201);
      const res = await api().post('/processes/two-steps/execution').set('Prefer', 'respond-async').send({ inputs: {} }).expect(201);
      const jobId = String(res.body.jobID);
      const half = await waitFor(async () => {
        const s = (await api().get(`/jobs/${jobId}`).expect(200)).body;
        assert.notEqual(s.status, 'failed', JSON.stringify(s));
        return s.status === 'running' && s.progress === 50 ? s : null;
      }, { timeoutMs: 60_000, intervalMs: 100, what: 'progress 50 while the second step runs' });
      assert.equal(half.progress, 50);
      const wps = await api().get(`/wps?service=WPS&version=2.0.0&request=GetStatus&JobID=${jobId}`).expect(200);
      assert.match(wps.text, /<wps:PercentCompleted>50<\/wps:PercentCompleted>/);
      const done = await waitDone(jobId);
      assert.equal(done.status, 'successful');
      assert.equal(done.progress, 100);
    });

    it('runs a two-step workflow from a $graph as one job: both steps in their containers, the sorted output by href', async () => {
      const graph = await fs.readFile(path.join(CWL_DIR, 'revsort-busybox.cwl'), 'utf8');
      const res = await deploy(JSON.stringify(parseYaml(graph)), 'application/cwl+json').expect(201);
      assert.equal(res.body.id, 'revsort');
      const d = (await api().get('/processes/revsort').expect(200)).body;
      valid('process.yaml', d);
      assert.equal(d.title, 'Reverse and sort');
      assert.deepEqual(Object.keys(d.inputs).sort(), ['reverse_sort', 'workflow_input']);
      const { id, done } = await execute('revsort', { inputs: { workflow_input: { href: textHref } }, outputs: { sorted_output: { transmissionMode: 'reference' } } });
      assert.equal(done.status, 'successful', JSON.stringify(done));
      const results = (await api().get(`/jobs/${id}/results`).expect(200)).body;
      assert.ok(results.sorted_output.href, JSON.stringify(results));
      assert.equal(await content(results.sorted_output), 'yrrehc\nelppa\nananab\n');
      const log = await logOf(id);
      assert.match(log, /\[step rev\]/);
      assert.match(log, /\[step sorted\]/);
      // One job, of the workflow's own job type: the steps are not job types of their own.
      assert.equal((await api().get('/scale/job-types/?name=revsort.rev').expect(200)).body.results.length, 0);
      assert.equal((await api().get(`/scale/jobs/${id}/`).expect(200)).body.job_type.name, 'revsort');
    });

    it('scatters a sub-workflow over an array', async () => {
      await deploy(await fs.readFile(path.join(CWL_DIR, 'scatter-upper.cwl'), 'utf8'), 'application/cwl+yaml').expect(201);
      const { id, done } = await execute('scatter-upper', { inputs: { words: ['alpha', 'beta', 'gamma'] } });
      assert.equal(done.status, 'successful', JSON.stringify(done));
      const results = (await api().get(`/jobs/${id}/results`).expect(200)).body;
      assert.equal(results.uppers.length, 3);
      assert.deepEqual(await Promise.all(results.uppers.map(content)), ['ALPHA\n', 'BETA\n', 'GAMMA\n']);
    });

    it('calls a subscriber back, and answers over WPS by the same job id', async function () {
      const subscriber = { successUri: `${filesUrl}/callbacks/success`, inProgressUri: `${filesUrl}/callbacks/progress` };
      await api().post('/processes/revsort/execution').set('Prefer', 'respond-async').send({ inputs: { workflow_input: { href: textHref } }, subscriber, response: 'document' }).expect(201);
      const success = await waitFor(async () => callbacks.find((c) => c.path === '/callbacks/success'), { timeoutMs: 90_000, what: 'the success callback' });
      assert.equal(await content(success.body.sorted_output), 'yrrehc\nelppa\nananab\n');
      if (!xmllintAvailable()) {
        if (process.env.REQUIRE_DOCKER === '1') throw new Error('xmllint (libxml2-utils) is needed to validate WPS responses');
        this.skip();
      }
      const started = await api().post('/wps').set('Content-Type', 'text/xml')
        .send(exec2(`<wps:Input id="workflow_input"><wps:Reference mimeType="text/plain" xlink:href="${textHref}"/></wps:Input><wps:Output id="sorted_output" transmission="reference"/>`, 'mode="async" response="document"', 'revsort')).expect(200);
      const id = /<wps:JobID>(\d+)<\/wps:JobID>/.exec(started.text)![1];
      await waitFor(async () => /Succeeded/.test((await api().get(`/wps?service=WPS&version=2.0.0&request=GetStatus&jobid=${id}`)).text), { timeoutMs: 90_000, what: 'the WPS run' });
      const result = await api().get(`/wps?service=WPS&version=2.0.0&request=GetResult&jobid=${id}`).expect(200);
      assertValid(result.text, WPS2_XSD, 'cwl result2');
      const href = /<wps:Reference xlink:href="([^"]+)"/.exec(result.text)![1];
      assert.equal((await api().get(pathOf(href)).expect(200)).text, 'yrrehc\nelppa\nananab\n');
    });

    it('keeps a file a document by href names beside itself (a default) with the package: runs after its origin is gone', async () => {
      const doc = {
        cwlVersion: 'v1.2', class: 'CommandLineTool', id: 'count-default-words',
        requirements: [{ class: 'DockerRequirement', dockerPull: 'cwl-busybox-test:1.0' }, { class: 'InlineJavascriptRequirement' }],
        baseCommand: ['wc', '-w'], stdin: '$(inputs.words.path)', stdout: 'out.txt',
        inputs: { words: { type: 'File', default: { class: 'File', location: 'words.txt.tmp' } } },
        outputs: { count: { type: 'int', outputBinding: { glob: 'out.txt', loadContents: true, outputEval: '$(parseInt(self[0].contents))' } } },
      };
      await fs.writeFile(path.join(CWL_DIR, 'count-default.cwl.tmp'), JSON.stringify(doc));
      await fs.writeFile(path.join(CWL_DIR, 'words.txt.tmp'), 'one two three four\n');
      try {
        await api().post('/processes').set('Content-Type', 'application/ogcapppkg+json')
          .send(JSON.stringify({ executionUnit: { href: `${filesUrl}/fixtures/count-default.cwl.tmp`, type: 'application/cwl' } })).expect(201);
      } finally {
        await fs.rm(path.join(CWL_DIR, 'count-default.cwl.tmp'), { force: true });
        await fs.rm(path.join(CWL_DIR, 'words.txt.tmp'), { force: true });
      }
      const res = await api().post('/processes/count-default-words/execution').send({ inputs: {}, response: 'document' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, { count: 4 });
    });

    it('stages the secondary files found beside File and File[] inputs given by href, and keeps those beside a default', async () => {
      const doc = {
        cwlVersion: 'v1.2', class: 'CommandLineTool', id: 'cat-secondaries',
        requirements: [{ class: 'DockerRequirement', dockerPull: 'cwl-busybox-test:1.0' }, { class: 'InlineJavascriptRequirement' }],
        baseCommand: 'cat', stdout: 'out.txt',
        arguments: ['$(inputs.one.secondaryFiles[0].path)', '$(inputs.many.map(function (f) { return f.secondaryFiles[0].path }))', '$(inputs.dflt.secondaryFiles[0].path)'],
        inputs: {
          one: { type: 'File', secondaryFiles: ['^.idx'] },
          many: { type: 'File[]', secondaryFiles: [{ pattern: '.sec', required: true }] },
          dflt: { type: 'File', secondaryFiles: '.sec', default: { class: 'File', location: 'd.txt.tmp' } },
        },
        outputs: { text: { type: 'string', outputBinding: { glob: 'out.txt', loadContents: true, outputEval: '$(self[0].contents)' } } },
      };
      const written = { 'cat-sec.cwl.tmp': JSON.stringify(doc), 'a.tmp': 'A', 'a.idx': 'index of a\n', 'b.txt.tmp': 'B', 'b.txt.tmp.sec': 'sec of b\n', 'c.txt.tmp': 'C', 'c.txt.tmp.sec': 'sec of c\n', 'd.txt.tmp': 'D', 'd.txt.tmp.sec': 'sec of the default\n' };
      for (const [name, text] of Object.entries(written)) await fs.writeFile(path.join(CWL_DIR, name), text);
      try {
        await api().post('/processes').set('Content-Type', 'application/ogcapppkg+json')
          .send(JSON.stringify({ executionUnit: { href: `${filesUrl}/fixtures/cat-sec.cwl.tmp`, type: 'application/cwl' } })).expect(201);
        const res = await api().post('/processes/cat-secondaries/execution')
          .send({ inputs: { one: { href: `${filesUrl}/fixtures/a.tmp` }, many: [{ href: `${filesUrl}/fixtures/b.txt.tmp` }, { href: `${filesUrl}/fixtures/c.txt.tmp` }] }, response: 'document' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body, { text: 'index of a\nsec of b\nsec of c\nsec of the default\n' });
      } finally {
        for (const name of Object.keys(written)) await fs.rm(path.join(CWL_DIR, name), { force: true });
      }
    });

    it('stages the secondary files a client lists with a File (a directory among them); returns an output\'s secondary files, a linked file, one file two outputs name', async () => {
      const doc = {
        cwlVersion: 'v1.2', class: 'CommandLineTool', id: 'listed-secondaries',
        requirements: [{ class: 'DockerRequirement', dockerPull: 'cwl-busybox-test:1.0' }, { class: 'ShellCommandRequirement' }],
        inputs: { inf: 'File' },
        arguments: [{ valueFrom: 'cat $(inputs.inf.path) $(inputs.inf.dirname)/side.txt $(inputs.inf.dirname)/dirx/sub/f.txt > out.txt && echo idx > out.txt.idx && mkdir a && cp out.txt a/real.txt && ln -s a/real.txt link.txt', shellQuote: false }],
        outputs: {
          out: { type: 'File', secondaryFiles: ['.idx'], outputBinding: { glob: 'out.txt' } },
          again: { type: 'File', outputBinding: { glob: 'out.txt' } },
          link: { type: 'File', outputBinding: { glob: 'link.txt' } },
        },
      };
      const written = { 'p.tmp': 'P\n', 'side.tmp': 'S\n', 'f.tmp': 'F\n', 'dirx.tmp': JSON.stringify({ type: 'directory', name: 'listed', files: [{ path: 'sub/f.txt', href: `${filesUrl}/fixtures/f.tmp` }] }) };
      for (const [name, text] of Object.entries(written)) await fs.writeFile(path.join(CWL_DIR, name), text);
      try {
        await deploy(JSON.stringify(doc), 'application/cwl+json').expect(201);
        const inf = { href: `${filesUrl}/fixtures/p.tmp`, secondaryFiles: [{ href: `${filesUrl}/fixtures/side.tmp`, basename: 'side.txt' }, { class: 'Directory', location: `${filesUrl}/fixtures/dirx.tmp`, basename: 'dirx' }] };
        const { id, done } = await execute('listed-secondaries', { inputs: { inf } });
        assert.equal(done.status, 'successful', JSON.stringify(done));
        const results = (await api().get(`/jobs/${id}/results`).expect(200)).body;
        assert.equal(await content(results.out), 'P\nS\nF\n');
        assert.equal(results.out.secondaryFiles.length, 1, JSON.stringify(results.out));
        assert.equal(await content(results.out.secondaryFiles[0]), 'idx\n');
        // The file a link names; and the file two outputs name, stored for each under its own name.
        assert.equal(await content(results.link), 'P\nS\nF\n');
        assert.equal(await content(results.again), 'P\nS\nF\n');
        const names = await Promise.all([results.out, results.again, results.out.secondaryFiles[0]].map(async (o) => (await api().get(pathOf(o.href)).expect(200)).headers['content-disposition']));
        assert.deepEqual(names.map((n) => /filename="([^"]+)"/.exec(n)?.[1]), ['out.txt', 'out.txt', 'out.txt.idx']);
        // Still a valid results document: secondaryFiles is a member beside a link's own.
        valid('results.yaml', results);
      } finally {
        for (const name of Object.keys(written)) await fs.rm(path.join(CWL_DIR, name), { force: true });
      }
    });

    it('keeps the File and Directory an InitialWorkDir names beside a document by href (a directory by its listing), and each output of a tool whose input has its id', async () => {
      const tool = (glob: string) => JSON.stringify({
        cwlVersion: 'v1.2', class: 'CommandLineTool',
        requirements: [{ class: 'DockerRequirement', dockerPull: 'cwl-busybox-test:1.0' }, { class: 'InitialWorkDirRequirement', listing: [{ class: 'File', location: 'words.tmp' }, { class: 'Directory', location: 'listed-dir.tmp' }] }],
        baseCommand: 'true', inputs: { d: 'string' },
        // Output d has its input's id: cwltool --pack loses it in the second such tool of a workflow.
        outputs: { d: { type: 'Directory', outputBinding: { glob } }, f: { type: 'File', outputBinding: { glob: 'words.tmp' } } },
      });
      const wf = JSON.stringify({
        cwlVersion: 'v1.2', class: 'Workflow', id: 'iwd-beside', inputs: { d: { type: 'string', default: 'x' } },
        outputs: { out: { type: 'Directory', outputSource: 't/d' }, f: { type: 'File', outputSource: 's/f' } },
        steps: { s: { run: 'iwd-a.tmp.cwl', in: { d: 'd' }, out: ['d', 'f'] }, t: { run: 'iwd-b.tmp.cwl', in: { d: 'd' }, out: ['d'] } },
      });
      const written = {
        'iwd-wf.cwl.tmp': wf, 'iwd-a.tmp.cwl': tool('listed-dir.tmp'), 'iwd-b.tmp.cwl': tool('listed-dir.tmp/sub'), 'words.tmp': 'one two\n', 'inner.tmp': 'inner\n',
        // A directory beside the document: its URL answers a listing (this server's form).
        'listed-dir.tmp': JSON.stringify({ type: 'directory', name: 'listed', files: [{ path: 'sub/inner.txt', href: `${filesUrl}/fixtures/inner.tmp` }] }),
      };
      for (const [name, text] of Object.entries(written)) await fs.writeFile(path.join(CWL_DIR, name), text);
      try {
        const res = await api().post('/processes').set('Content-Type', 'application/ogcapppkg+json')
          .send(JSON.stringify({ executionUnit: { href: `${filesUrl}/fixtures/iwd-wf.cwl.tmp`, type: 'application/cwl' } }));
        assert.equal(res.status, 201, JSON.stringify(res.body));
      } finally {
        for (const name of Object.keys(written)) await fs.rm(path.join(CWL_DIR, name), { force: true });
      }
      // Runs with its origin gone: what it names beside itself is kept with the package.
      const { id, done } = await execute('iwd-beside', { inputs: {} });
      assert.equal(done.status, 'successful', JSON.stringify(done));
      const results = (await api().get(`/jobs/${id}/results`).expect(200)).body;
      assert.equal(await content(results.f), 'one two\n');
      const listing = (await api().get(pathOf(results.out.href)).expect(200)).body;
      assert.deepEqual(listing.files.map((f: { path: string }) => f.path), ['inner.txt']);
      assert.equal(await content(listing.files[0]), 'inner\n');
    });

    it('stores the File and Directory literals an ExpressionTool returns as its outputs', async () => {
      const doc = {
        cwlVersion: 'v1.2', class: 'ExpressionTool', id: 'literal-outputs', requirements: [{ class: 'InlineJavascriptRequirement' }],
        inputs: { word: 'string' },
        outputs: { lit: 'File', dir: 'Directory' },
        expression: '$({lit: {class: "File", basename: "lit.txt", contents: inputs.word}, dir: {class: "Directory", basename: "d", listing: [{class: "File", basename: "inner.txt", contents: inputs.word + "!"}]}})',
      };
      await deploy(JSON.stringify(doc), 'application/cwl+json').expect(201);
      const { id, done } = await execute('literal-outputs', { inputs: { word: 'hello' } });
      assert.equal(done.status, 'successful', JSON.stringify(done));
      const results = (await api().get(`/jobs/${id}/results`).expect(200)).body;
      assert.equal(await content(results.lit), 'hello');
      const listing = (await api().get(pathOf(results.dir.href)).expect(200)).body;
      assert.deepEqual(listing.files.map((f: { path: string }) => f.path), ['inner.txt']);
      assert.equal(await content(listing.files[0]), 'hello!');
    });

    it("deploys Debian's revsort.cwl by href: the documents its steps run are fetched beside it", async function () {
      try {
        await fs.access(path.join(DEBIAN_WF, 'revsort.cwl'));
      } catch {
        if (process.env.REQUIRE_CWLTOOL_TESTS === '1') throw new Error(`REQUIRE_CWLTOOL_TESTS=1 but ${DEBIAN_WF}/revsort.cwl is missing`);
        this.skip();
      }
      const pkg = { processDescription: { process: { id: 'debian-revsort', version: '1.0.0', inputs: {}, outputs: {} } }, executionUnit: { href: `${filesUrl}/debian/revsort.cwl`, type: 'application/cwl' } };
      const res = await api().post('/processes').set('Content-Type', 'application/ogcapppkg+json').send(JSON.stringify(pkg)).expect(201);
      assert.equal(res.body.id, 'debian-revsort');
      const d = (await api().get('/processes/debian-revsort').expect(200)).body;
      assert.deepEqual(Object.keys(d.inputs).sort(), ['reverse_sort', 'workflow_input']);
      assert.equal(d.inputs.workflow_input.minOccurs, 0, 'its default (hello.txt beside it) is kept with the package');
      const jt = (await api().get('/scale/job-types/?name=debian-revsort').expect(200)).body.results[0];
      const rev = (await api().get(`/scale/job-types/debian-revsort/${jt.version}/revisions/1/`).expect(200)).body;
      const packed = rev.interface.packed;
      const main = packed.$graph ? packed.$graph.find((p: any) => p.id === '#main') : packed;
      const hello = await fs.readFile(path.join(DEBIAN_WF, 'hello.txt'), 'utf8');
      const kept = main?.inputs.find((i: any) => i.id === '#main/workflow_input').default;
      assert.equal(kept.class, 'File');
      assert.match(kept.location, /^package-files\/\d+\/hello\.txt$/);
      assert.equal(Buffer.from(rev.interface.files[kept.location], 'base64').toString(), hello);
      // So are the ontologies its formats are checked against ($schemas), named relative to the packed document.
      for (const sc of packed.$schemas ?? []) assert.ok(sc in rev.interface.files, `${sc} is kept with the package`);
      await api().delete('/processes/debian-revsort').expect(204);
      await api().get('/processes/debian-revsort').expect(404);
    });
  });

  describe('STAC catalogs as Directories (OGC 20-089)', () => {
    it('stages a STAC catalog given by href into a directory, and returns a Directory output as a link to its catalog.json', async () => {
      await deploy(await fs.readFile(path.join(CWL_DIR, 'stac-listing.cwl'), 'utf8'), 'application/cwl+yaml').expect(201);
      const d = (await api().get('/processes/stac-listing').expect(200)).body;
      assert.equal(d.inputs.catalog.schema.format, 'uri');
      assert.equal(d.outputs.result.schema.format, 'uri');
      const { id, done } = await execute('stac-listing', { inputs: { catalog: { href: `${filesUrl}/fixtures/stac/catalog.json` } } });
      assert.equal(done.status, 'successful', JSON.stringify(done));
      const results = (await api().get(`/jobs/${id}/results`).expect(200)).body;
      assert.deepEqual(Object.keys(results), ['result'], 'an optional directory that was not made is left out');
      assert.equal(pathOf(results.result.href), `/jobs/${id}/results/result/catalog.json`, 'the catalog under the directory\'s own URL, so its relative links resolve');
      const catalog = JSON.parse(await content(results.result));
      assert.equal(catalog.type, 'Catalog');
      // The listing item, by its relative link, then its asset: what the input directory held.
      const itemHref = new URL(catalog.links.find((l: any) => l.rel === 'item').href, results.result.href).toString();
      const item = JSON.parse((await api().get(pathOf(itemHref)).expect(200)).text);
      const listing = (await api().get(pathOf(new URL(item.assets.files.href, itemHref).toString())).expect(200)).text;
      assert.deepEqual(listing.trim().split('\n'), [
        './catalog.json', './more/catalog.json', './more/scene-2/band1.txt', './more/scene-2/scene-2.json', './scene-1/band1.txt', './scene-1/info.txt', './scene-1/scene-1.json',
      ]);
      // The staged item links its assets where they now are.
      const staged = await api().get(`/scale/jobs/${id}/input_files/`).expect(200);
      assert.ok(JSON.stringify(staged.body).includes('scene-1.json'));
      // The directory's files, listed: the link target of a directory without a catalog.
      const files = (await api().get(`/jobs/${id}/results/result`).expect(200)).body;
      assert.deepEqual(files.files.map((f: any) => f.path).sort(), ['catalog.json', 'listing/files.txt', 'listing/listing.json']);
      for (const f of files.files) assert.equal(pathOf(f.href), `/jobs/${id}/results/result/${f.path}`);
      assert.equal(files.name, 'result', "the listing names the directory (the tool's glob)");
      await api().get(`/jobs/${id}/results/result/listing/nothing.txt`).expect(404);
      await api().get(`/jobs/${id}/results/result/../../results`).expect(404);
      // One run's directory is the next run's input: its listing, given by reference, is staged file by file.
      const next = await execute('stac-listing', { inputs: { catalog: { href: `${t.url}/jobs/${id}/results/result` } } });
      assert.equal(next.done.status, 'successful', JSON.stringify(next.done));
      const again = (await api().get(`/jobs/${next.id}/results`).expect(200)).body;
      const nextItem = new URL('listing/listing.json', again.result.href).toString();
      const listed = (await api().get(pathOf(new URL(JSON.parse((await api().get(pathOf(nextItem)).expect(200)).text).assets.files.href, nextItem).toString())).expect(200)).text;
      assert.deepEqual(listed.trim().split('\n'), ['./catalog.json', './listing/files.txt', './listing/listing.json']);
    });

    it('fails the run, naming the input, when the href is not a STAC catalog or item', async () => {
      const { id, done } = await execute('stac-listing', { inputs: { catalog: { href: `${filesUrl}/fixtures/wc-stdin.cwl` } } });
      assert.equal(done.status, 'failed');
      assert.match(done.message, /inputs\.catalog/);
      assert.match(done.message, /not JSON|not a STAC/);
      assert.equal((await api().get(`/jobs/${id}/results`).expect(500)).body.type, 'input-fetch');
    });
  });

  describe('CWL it refuses', () => {
    const tool = (over: Record<string, unknown>) => JSON.stringify({
      cwlVersion: 'v1.2', class: 'CommandLineTool', id: 'bad-tool',
      requirements: [{ class: 'DockerRequirement', dockerPull: 'cwl-busybox-test:1.0' }],
      inputs: { x: 'string' }, outputs: { out: 'stdout' }, baseCommand: 'echo', ...over,
    });
    const cases: [string, string, string, RegExp][] = [
      ['a tool without a container', tool({ requirements: [] }), 'application/cwl+json', /name no container \(DockerRequirement\)/],
      ['a type cwltool does not know', tool({ inputs: { x: 'strin' } }), 'application/cwl+json', /cwltool refused the document.*strin/s],
      ['inputs that are not CWL', tool({ inputs: 42 }), 'application/cwl+json', /cwltool refused the document/],
      ['an unknown cwlVersion', tool({ cwlVersion: 'v0.1' }), 'application/cwl+json', /cwlVersion.*v0\.1/],
      ['YAML that does not parse', 'class: [CommandLineTool\n', 'application/cwl+yaml', /not valid YAML/],
      ['a YAML alias bomb', `cwlVersion: v1.2\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`, 'application/cwl+yaml', /YAML|alias/i],
      ['a document nested very deeply', `cwlVersion: v1.2\nclass: CommandLineTool\nid: bad-tool\nx: ${'['.repeat(200)}${']'.repeat(200)}\n`, 'application/cwl+yaml', /deeper|YAML/],
      ['a step running a file it cannot resolve', JSON.stringify({
        cwlVersion: 'v1.2', class: 'Workflow', id: 'bad-tool', inputs: {}, outputs: {}, steps: { a: { run: 'elsewhere.cwl', in: {}, out: [] } },
      }), 'application/cwl+json', /elsewhere\.cwl.*deploy it by href/],
      ['a built-in process id', tool({ id: 'echo' }), 'application/cwl+json', /built-in/],
      // The engine has no such image and its registry host cannot exist: refused at deploy, not at the step.
      ['a tool whose image exists nowhere', tool({ hints: [{ class: 'DockerRequirement', dockerPull: 'registry.invalid/nothing:1.0' }] }), 'application/cwl+json', /dockerPull: image registry\.invalid\/nothing:1\.0 cannot be had: the Docker engine says "No such image/],
      // cwltool packs it, upgraded to v1.2, without a word: only --validate holds it to its own version.
      ['a v1.0 workflow using v1.2 syntax (when)', JSON.stringify({
        cwlVersion: 'v1.0', class: 'Workflow', id: 'bad-tool', requirements: [{ class: 'InlineJavascriptRequirement' }], inputs: { x: 'string' }, outputs: {},
        steps: { a: { run: JSON.parse(tool({ cwlVersion: 'v1.0', id: 'inner' })), when: '$(true)', in: { x: 'x' }, out: [] } },
      }), 'application/cwl+json', /invalid field `when`/],
    ];
    for (const [what, body, type, re] of cases) {
      it(`refuses ${what} with 4xx naming the problem, and deploys nothing`, async () => {
        const res = await deploy(body, type);
        assert.ok(res.status === 400 || res.status === 409, `${res.status} ${res.text}`);
        valid('exception.yaml', res.body);
        assert.match(`${res.body.detail} ${JSON.stringify(res.body.errors ?? [])}`, re);
        await api().get('/processes/bad-tool').expect(404);
        assert.equal((await api().get('/scale/job-types/?name=bad-tool').expect(200)).body.results.length, 0);
      });
    }

    it('refuses a document by href larger than the deploy limit, reading no more of it than the limit', async () => {
      let sent = 0;
      const endless = http.createServer((req, res) => {
        // No Content-Length: the server must count as it reads, and stop.
        const chunk = Buffer.alloc(64 * 1024, 'a');
        const more = () => {
          while (sent < 64 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
          if (sent >= 64 * 1024 * 1024) res.end();
        };
        res.on('drain', more);
        req.socket.on('close', () => res.destroy());
        more();
      });
      await new Promise<void>((r) => endless.listen(0, '127.0.0.1', r));
      try {
        const href = `http://127.0.0.1:${(endless.address() as AddressInfo).port}/huge.cwl`;
        const res = await api().post('/processes').set('Content-Type', 'application/ogcapppkg+json').send(JSON.stringify({ executionUnit: { href, type: 'application/cwl' } })).expect(400);
        assert.match(res.body.detail, /huge\.cwl is larger than 200000 bytes/);
        assert.ok(sent < 16 * 1024 * 1024, `the server stopped reading (${sent} bytes were sent)`);
      } finally {
        endless.close();
      }
    });

    it('refuses files beside a document given by value, and directories beside one by href', async () => {
      const tool = (location: string, cls = 'File') => JSON.stringify({
        cwlVersion: 'v1.2', class: 'CommandLineTool', id: 'beside-tool', requirements: [{ class: 'DockerRequirement', dockerPull: 'cwl-busybox-test:1.0' }],
        baseCommand: ['ls'], inputs: { x: { type: cls, default: { class: cls, location } } }, outputs: {},
      });
      const byValue = await deploy(tool('words.txt'), 'application/cwl+json').expect(400);
      assert.match(byValue.body.detail, /file "words\.txt" beside the document, which a document given by value cannot/);
      await fs.writeFile(path.join(CWL_DIR, 'beside-dir.cwl.tmp'), tool('stac', 'Directory'));
      await fs.writeFile(path.join(CWL_DIR, 'beside-missing.cwl.tmp'), tool('missing.tmp'));
      try {
        const pkg = (f: string) => JSON.stringify({ executionUnit: { href: `${filesUrl}/fixtures/${f}`, type: 'application/cwl' } });
        const dir = await api().post('/processes').set('Content-Type', 'application/ogcapppkg+json').send(pkg('beside-dir.cwl.tmp')).expect(400);
        assert.match(dir.body.detail, /directory "stac" beside the document, whose URL answers no directory listing/);
        const missing = await api().post('/processes').set('Content-Type', 'application/ogcapppkg+json').send(pkg('beside-missing.cwl.tmp')).expect(400);
        assert.match(missing.body.detail, /missing\.tmp answered 404/);
      } finally {
        for (const f of ['beside-dir.cwl.tmp', 'beside-missing.cwl.tmp']) await fs.rm(path.join(CWL_DIR, f), { force: true });
      }
      assert.equal((await api().get('/processes/beside-tool').expect(404)).status, 404);
    });

    it('refuses a step run by a document on another server, a missing href document (400), a w it does not have, and text/plain (415)', async () => {
      const remote = JSON.stringify({ cwlVersion: 'v1.2', class: 'Workflow', id: 'bad-tool', inputs: {}, outputs: {}, steps: { a: { run: 'http://198.51.100.7/tool.cwl', in: {}, out: [] } } });
      await fs.writeFile(path.join(CWL_DIR, 'remote-step.cwl.tmp'), remote);
      try {
        const pkg = { executionUnit: { href: `${filesUrl}/fixtures/remote-step.cwl.tmp`, type: 'application/cwl' } };
        const res = await api().post('/processes').set('Content-Type', 'application/ogcapppkg+json').send(JSON.stringify(pkg)).expect(400);
        assert.match(res.body.detail, /another server/);
      } finally {
        await fs.rm(path.join(CWL_DIR, 'remote-step.cwl.tmp'), { force: true });
      }
      const missing = { executionUnit: { href: `${filesUrl}/fixtures/missing.cwl`, type: 'application/cwl' } };
      assert.match((await api().post('/processes').set('Content-Type', 'application/ogcapppkg+json').send(JSON.stringify(missing)).expect(400)).body.detail, /404/);
      const graph = await fs.readFile(path.join(CWL_DIR, 'revsort-busybox.cwl'), 'utf8');
      const nope = await deploy(graph, 'application/cwl+yaml', '?w=nope').expect(400);
      assert.equal(nope.body.type, `${EXC2}workflow-not-found`);
      assert.match(nope.body.detail, /revtool/);
      const plain = await deploy('class: CommandLineTool', 'text/plain').expect(415);
      assert.equal(plain.body.type, `${EXC2}unsupported-media-type`);
    });
  });
});
