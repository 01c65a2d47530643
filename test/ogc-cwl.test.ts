// OGC API - Processes Part 2, CWL (/req/cwl), over a real server and a real Docker engine: CWL
// CommandLineTools deployed as job types and run (stdin, stdout, stderr, parameter references,
// defaults); a two-step CWL workflow deployed as a recipe type and run through OGC execute; real
// CWL documents from Debian's cwltool package deployed by href with relative `run` references;
// $graph and `w`; replace and undeploy; and the CWL the server refuses, leaving nothing behind.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { checkOgc } from '../src/ogc-schemas.ts';
import { buildImage, dockerAvailable } from './helpers/docker.ts';
import { FIXTURES, upload } from './helpers/scale.ts';
import { startServer, waitFor, type TestServer } from './helpers/server.ts';
import { assertValid, exec2, W1, W2, WPS1_XSD, WPS2_XSD, xmllintAvailable } from './helpers/wps-xml.ts';

const EXC2 = 'http://www.opengis.net/def/exceptions/ogcapi-processes-2/1.0/';
const CWL_DIR = path.join(FIXTURES, 'cwl');
const valid = (file: string, body: unknown) => assert.deepEqual(checkOgc(file, body), [], `${file}: ${JSON.stringify(body).slice(0, 400)}`);
const pathOf = (url: string) => new URL(url).pathname + new URL(url).search;

/** Debian's cwltool test documents, when the package's files are at hand (see .ci/run). */
const DEBIAN_WF = process.env.CWLTOOL_TESTS ?? '/usr/lib/python3/dist-packages/cwltool/tests/wf';

describe('OGC API - Processes Part 2: CWL tools and workflows', function () {
  this.timeout(180_000);
  let t: TestServer;
  let textHref: string;
  let files: http.Server;
  let filesUrl: string;
  const callbacks: { path: string; body: any }[] = [];

  before(async function () {
    if (!(await dockerAvailable())) {
      if (process.env.REQUIRE_DOCKER === '1') throw new Error('REQUIRE_DOCKER=1 but no Docker engine answers at /var/run/docker.sock');
      this.skip();
    }
    await buildImage('cwl-busybox-test:1.0', path.join(FIXTURES, 'app-image', 'app.sh'), {}, { entrypoint: false });
    t = await startServer('pglite', { SCALE_FETCH_ALLOW: '127.0.0.1', SCALE_EXECUTOR: 'auto', SCALE_OGC_SYNC_SECONDS: '60', SCALE_OGC_MAX_BODY_BYTES: '200000' });
    const file = await upload(t.app, 'banana\napple\ncherry\n', 'fruit.txt', { media_type: 'text/plain' });
    textHref = `${t.url}/scale/files/${file.id}/content`;
    // Serves CWL documents by href, as an EMS's registry would: /debian/* from cwltool's tests, /fixtures/* from ours.
    files = http.createServer(async (req, res) => {
      // Callbacks of workflow runs land here too (POST /callbacks/<name>).
      if (req.method === 'POST' && req.url?.startsWith('/callbacks/')) {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        callbacks.push({ path: req.url, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') });
        res.end();
        return;
      }
      const [, root, ...rest] = (req.url ?? '').split('/');
      const dir = root === 'debian' ? DEBIAN_WF : CWL_DIR;
      try {
        res.end(await fs.readFile(path.join(dir, path.basename(rest.join('/')))));
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
    }, { timeoutMs: 90_000, what: `job ${jobId} to end` });
  /** An output file's text, given by reference or by value (base64). */
  const content = async (o: { href?: string; value?: string; encoding?: string }) =>
    o.href ? (await api().get(pathOf(o.href)).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
    }).expect(200)).body as string : Buffer.from(o.value ?? '', o.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');

  describe('a CommandLineTool', () => {
    let cwlText: string;

    it('deploys from application/cwl+yaml: 201, Location, a process summary; its description comes from the CWL', async () => {
      cwlText = await fs.readFile(path.join(CWL_DIR, 'wc-stdin.cwl'), 'utf8');
      const res = await deploy(cwlText, 'application/cwl+yaml').expect(201);
      assert.equal(res.headers.location, `${t.url}/processes/wc-lines`);
      valid('processSummary.yaml', res.body);
      assert.equal(res.body.id, 'wc-lines');
      assert.equal(res.body.mutable, true);
      const d = (await api().get('/processes/wc-lines').expect(200)).body;
      valid('process.yaml', d);
      assert.equal(d.title, 'Count lines');
      assert.deepEqual(d.inputs.file1.schema, { type: 'string', format: 'binary', contentMediaType: 'text/plain' });
      assert.equal(d.inputs.label.minOccurs, 0);
      assert.deepEqual(Object.keys(d.outputs).sort(), ['output', 'report']);
      const pkg = await api().get('/processes/wc-lines/package').expect(200);
      assert.match(pkg.headers['content-type'], /^application\/cwl\+yaml/);
      assert.equal(pkg.text, cwlText, 'the package is the CWL exactly as deployed');
      // The same job type in the Scale API, with the CWL's resources.
      const jt = (await api().get('/scale/job-types/?name=wc-lines').expect(200)).body.results[0];
      assert.equal(jt.docker_image, 'cwl-busybox-test:1.0');
      const details = (await api().get(`/scale/job-types/${jt.id}/`).expect(200)).body;
      assert.equal(details.resources?.scalar?.find?.((r: any) => r.name === 'cpus')?.value ?? details.cpus_required, 0.5);
    });

    it('runs on Docker: stdin from the input file, stdout and stderr to output files', async () => {
      const res = await api().post('/processes/wc-lines/execution').set('Prefer', 'respond-async').send({ inputs: { file1: { href: textHref } }, response: 'document' }).expect(201);
      const done = await waitDone(res.body.jobID);
      assert.equal(done.status, 'successful', JSON.stringify(done));
      const results = (await api().get(`/jobs/${res.body.jobID}/results`).expect(200)).body;
      assert.equal((await content(results.output)).trim(), '3');
      assert.equal(await content(results.report), '');
      // The same job in the Scale API.
      const job = (await api().get(`/scale/jobs/${res.body.jobID}/`).expect(200)).body;
      assert.equal(job.job_type.name, 'wc-lines');
      assert.equal(job.status, 'COMPLETED');
    });

    it('resolves parameter references in arguments and uses input defaults', async () => {
      const echo = {
        cwlVersion: 'v1.2', class: 'CommandLineTool', id: 'echo-refs',
        requirements: [{ class: 'DockerRequirement', dockerPull: 'cwl-busybox-test:1.0' }],
        inputs: { file1: 'File', label: { type: 'string', default: 'name' }, loud: { type: 'boolean', default: false, inputBinding: { prefix: '-e', position: 0 } } },
        outputs: { out: { type: 'stdout' } },
        baseCommand: 'echo',
        arguments: [{ valueFrom: '$(inputs.label)', position: 1 }, { valueFrom: '$(inputs.file1.basename):$(inputs.file1.nameext)', position: 2 }, { valueFrom: '$(runtime.outdir)', position: 3 }],
        stdout: 'out.txt',
      };
      await deploy(JSON.stringify(echo), 'application/cwl+json').expect(201);
      const res = await api().post('/processes/echo-refs/execution').set('Prefer', 'respond-async').send({ inputs: { file1: { href: textHref } }, response: 'document' }).expect(201);
      const done = await waitDone(res.body.jobID);
      assert.equal(done.status, 'successful', JSON.stringify(done));
      const results = (await api().get(`/jobs/${res.body.jobID}/results`).expect(200)).body;
      assert.match(await content(results.out), /^name fruit\.txt:\.txt \/\S+\n$/, 'label default, the file basename and nameext, runtime.outdir; loud=false adds no -e');
    });

    it('replaces with PUT application/cwl: a new job type revision; GET package returns the new CWL', async () => {
      const changed = cwlText.replace('label: Count lines', 'label: Count the lines');
      await api().put('/processes/wc-lines').set('Content-Type', 'application/cwl').send(changed).expect(200);
      assert.equal((await api().get('/processes/wc-lines').expect(200)).body.title, 'Count the lines');
      assert.equal((await api().get('/processes/wc-lines/package').expect(200)).text, changed);
      const jt = (await api().get('/scale/job-types/?name=wc-lines').expect(200)).body.results[0];
      assert.equal(jt.revision_num, 2, 'a new revision');
      // Another id in the document than the one replaced is refused.
      const other = await api().put('/processes/wc-lines').set('Content-Type', 'application/cwl').send(changed.replace('id: wc-lines', 'id: other')).expect(400);
      assert.match(other.body.detail, /keeps the process id/);
    });

    it('picks a tool from a $graph with w, and answers workflow-not-found for a w it does not have', async () => {
      const graph = await fs.readFile(path.join(CWL_DIR, 'revsort-busybox.cwl'), 'utf8');
      const missing = await deploy(graph, 'application/cwl+yaml', '?w=nope').expect(400);
      valid('exception.yaml', missing.body);
      assert.equal(missing.body.type, `${EXC2}workflow-not-found`);
      assert.match(missing.body.detail, /revtool/);
      // revtool alone has no image: the workflow's DockerRequirement is what gives it one.
      const alone = await deploy(graph, 'application/cwl+yaml', '?w=revtool').expect(400);
      assert.match(alone.body.detail, /DockerRequirement/);
      const res = await deploy(graph, 'application/cwl+yaml', '?w=revsort').expect(201);
      assert.equal(res.body.id, 'revsort');
      await api().delete('/processes/revsort').expect(204);
      await api().get('/processes/revsort').expect(404);
    });
  });

  describe('a two-step workflow', () => {
    let runId: string;
    const ids = (q: string): Promise<string[]> => api().get(`/jobs?${q}`).expect(200).then((r) => r.body.jobs.map((j: any) => j.jobID));
    it('deploys as a recipe type whose nodes are its steps, connected as the CWL says', async () => {
      const graph = await fs.readFile(path.join(CWL_DIR, 'revsort-busybox.cwl'), 'utf8');
      const json = JSON.stringify(parseYaml(graph));
      const res = await deploy(json, 'application/cwl+json').expect(201);
      assert.equal(res.headers.location, `${t.url}/processes/revsort`);
      valid('processSummary.yaml', res.body);
      const d = (await api().get('/processes/revsort').expect(200)).body;
      valid('process.yaml', d);
      assert.equal(d.title, 'Reverse and sort');
      assert.deepEqual(Object.keys(d.inputs).sort(), ['reverse_sort', 'workflow_input']);
      assert.deepEqual(d.outputs.sorted_output.schema, { type: 'string', format: 'binary', contentMediaType: 'text/plain' });
      assert.ok((await api().get('/processes?limit=1000').expect(200)).body.processes.some((p: any) => p.id === 'revsort'), 'listed');
      const rt = (await api().get('/scale/recipe-types/revsort/').expect(200)).body;
      const nodes = rt.revision?.definition?.nodes ?? rt.definition.nodes;
      assert.deepEqual(Object.keys(nodes).sort(), ['rev', 'sorted']);
      assert.deepEqual(nodes.sorted.input.sorted_input, { type: 'dependency', node: 'rev', output: 'revtool_output' });
      assert.deepEqual(nodes.rev.input.revtool_input, { type: 'recipe', input: 'workflow_input' });
      assert.equal(nodes.rev.node_type.job_type_name, 'revsort.rev');
      // The steps are job types, not processes of their own: not listed, and changed only through the workflow.
      assert.ok(!(await api().get('/processes?limit=1000').expect(200)).body.processes.some((p: any) => p.id === 'revsort.rev'));
      const step = await api().delete('/processes/revsort.rev').expect(403);
      assert.equal(step.body.type, `${EXC2}immutable-process`);
    });

    it('runs end to end on Docker through OGC execute: two jobs, the sorted output by href, the recipe in the Scale API', async () => {
      const res = await api().post('/processes/revsort/execution').send({ inputs: { workflow_input: { href: textHref } } }).expect(201);
      valid('statusInfo.yaml', res.body);
      assert.match(res.body.jobID, /^wf-\d+$/);
      runId = res.body.jobID;
      assert.equal(res.headers.location, `${t.url}/jobs/${res.body.jobID}`);
      const done = await waitDone(res.body.jobID);
      assert.equal(done.status, 'successful', JSON.stringify(done));
      valid('statusInfo.yaml', done);
      const results = (await api().get(`/jobs/${res.body.jobID}/results`).expect(200)).body;
      // rev: ananab elppa yrrehc; sort -r: yrrehc, elppa, ananab.
      assert.equal(await content(results.sorted_output), 'yrrehc\nelppa\nananab\n');
      const recipeId = res.body.jobID.slice(3);
      const recipe = (await api().get(`/scale/recipes/${recipeId}/`).expect(200)).body;
      assert.equal(recipe.recipe_type.name, 'revsort');
      assert.ok(recipe.is_completed ?? recipe.completed);
      const jobs = (await api().get('/scale/jobs/?job_type_name=revsort.rev&job_type_name=revsort.sorted').expect(200)).body.results;
      assert.deepEqual(jobs.map((j: any) => `${j.job_type.name} ${j.status}`).sort(), ['revsort.rev COMPLETED', 'revsort.sorted COMPLETED']);
    });

    it('lists the run in /jobs as its status document shows it, and filters it by process, status, type and date', async () => {
      const status = (await api().get(`/jobs/${runId}`).expect(200)).body;
      assert.equal(status.progress, 100);
      const all = (await api().get('/jobs?limit=1000').expect(200)).body;
      valid('jobList.yaml', all);
      assert.deepEqual(all.jobs.find((j: any) => j.jobID === runId), status, 'the list shows what the status document shows');
      // Newest first, runs among jobs: the run was created before its steps' jobs.
      const created = all.jobs.map((j: any) => Date.parse(j.created));
      assert.deepEqual(created, [...created].sort((a, b) => b - a));
      assert.deepEqual(await ids('processID=revsort'), [runId]);
      assert.deepEqual(await ids('processID=revsort&status=successful'), [runId]);
      assert.deepEqual(await ids('processID=revsort&status=running,accepted,failed,dismissed'), []);
      assert.deepEqual(await ids('processID=revsort&type=openeo'), []);
      assert.deepEqual(await ids(`processID=revsort&datetime=${encodeURIComponent(status.created)}/..`), [runId]);
      assert.deepEqual(await ids(`processID=revsort&datetime=../${encodeURIComponent(new Date(Date.parse(status.created) - 1000).toISOString())}`), []);
      assert.deepEqual(await ids('processID=revsort&minDuration=0&maxDuration=3600'), [runId]);
      assert.deepEqual(await ids('processID=revsort&minDuration=3600'), []);
      // Both kinds under one processID list, and paging through runs and jobs alike.
      assert.ok((await ids('processID=revsort,echo&limit=1000')).includes(runId));
      const paged: string[] = [];
      for (let next: string | undefined = '/jobs?limit=2'; next;) {
        const page: any = (await api().get(next.replace(t.url!, '')).expect(200)).body;
        paged.push(...page.jobs.map((j: any) => j.jobID));
        next = page.links.find((l: any) => l.rel === 'next')?.href;
      }
      assert.deepEqual(paged, all.jobs.map((j: any) => j.jobID));
      const html = await api().get(`/jobs/${runId}?f=html`).expect(200);
      assert.match(html.headers['content-type'], /text\/html/);
      assert.match(html.text, new RegExp(runId));
    });

    it('calls the subscriber of a run back: in progress with its status, then success with its results', async () => {
      const subscriber = { successUri: `${filesUrl}/callbacks/success`, inProgressUri: `${filesUrl}/callbacks/progress`, failedUri: `${filesUrl}/callbacks/failed` };
      const res = await api().post('/processes/revsort/execution').send({ inputs: { workflow_input: { href: textHref } }, subscriber }).expect(201);
      const id: string = res.body.jobID;
      const success = await waitFor(async () => callbacks.find((c) => c.path === '/callbacks/success'), { timeoutMs: 60_000, what: 'the success callback' });
      assert.equal(await content(success.body.sorted_output), 'yrrehc\nelppa\nananab\n');
      const progress = callbacks.filter((c) => c.path === '/callbacks/progress');
      for (const p of progress) {
        valid('statusInfo.yaml', p.body);
        assert.equal(p.body.jobID, id);
        assert.equal(p.body.status, 'running');
      }
      assert.ok(callbacks.indexOf(success) > callbacks.findLastIndex((c) => c.path === '/callbacks/progress'), 'success comes last');
      assert.equal(callbacks.filter((c) => c.path === '/callbacks/success').length, 1, 'told once');
      assert.deepEqual(callbacks.filter((c) => c.path === '/callbacks/failed'), []);
    });

    it('lists a run while it waits and once dismissed, as its status document shows it', async () => {
      const res = await api().post('/processes/revsort/execution').send({ inputs: { workflow_input: { href: textHref } } }).expect(201);
      const id: string = res.body.jobID;
      assert.ok(['accepted', 'running'].includes(res.body.status), res.body.status);
      assert.ok(res.body.progress < 100);
      assert.deepEqual(await ids('processID=revsort&status=accepted,running'), [id]);
      const dismissed = (await api().delete(`/jobs/${id}`).expect(200)).body;
      assert.equal(dismissed.status, 'dismissed');
      const status = (await api().get(`/jobs/${id}`).expect(200)).body;
      valid('statusInfo.yaml', status);
      assert.equal(status.status, 'dismissed');
      assert.ok(status.finished, 'a dismissed run has ended');
      assert.deepEqual(await ids('processID=revsort&status=dismissed'), [id]);
      const successful = await ids('processID=revsort&status=successful');
      assert.ok(successful.includes(runId) && !successful.includes(id), JSON.stringify(successful));
      assert.deepEqual((await api().get('/jobs?processID=revsort').expect(200)).body.jobs.find((j: any) => j.jobID === id), status);
      assert.equal((await api().get(`/jobs/${id}/results`).expect(410)).body.type.endsWith('dismissed'), true);
    });

    it('runs over WPS as well: 2.0 async Execute, GetStatus, GetResult and Dismiss by its wf- id; 1.0.0 sync and stored, outputs inline or by reference', async function () {
      if (!xmllintAvailable()) {
        if (process.env.REQUIRE_DOCKER === '1') throw new Error('xmllint (libxml2-utils) and schemas/xsd are needed to validate WPS responses');
        this.skip();
      }
      const post = (xml: string) => api().post('/wps').set('Content-Type', 'text/xml').send(xml);
      const get = (qs: string) => api().get(`/wps?${qs}`);
      const input2 = `<wps:Input id="workflow_input"><wps:Reference mimeType="text/plain" xlink:href="${textHref}"/></wps:Input>`;
      // WPS 2.0, asynchronous: the job id is the OGC API's, and the run is the one /jobs lists.
      const started = await post(exec2(`${input2}<wps:Output id="sorted_output" transmission="reference"/>`, 'mode="async" response="document"', 'revsort')).expect(200);
      assertValid(started.text, WPS2_XSD, 'workflow statusinfo2');
      const id = /<wps:JobID>(wf-\d+)<\/wps:JobID>/.exec(started.text)?.[1];
      assert.ok(id, started.text);
      assert.ok((await ids('processID=revsort&limit=100')).includes(id));
      await waitFor(async () => /<wps:Status>Succeeded</.test((await get(`service=WPS&version=2.0.0&request=GetStatus&jobid=${id}`)).text), { timeoutMs: 60_000, what: 'the run to succeed over WPS' });
      const status = await post(`<wps:GetStatus ${W2} service="WPS" version="2.0.0"><wps:JobID>${id}</wps:JobID></wps:GetStatus>`).expect(200);
      assertValid(status.text, WPS2_XSD, 'workflow getstatus2');
      assert.match(status.text, /<wps:PercentCompleted>100</);
      const result = await get(`service=WPS&version=2.0.0&request=GetResult&jobid=${id}`).expect(200);
      assertValid(result.text, WPS2_XSD, 'workflow result2');
      const href = /<wps:Output id="sorted_output"><wps:Reference xlink:href="([^"]+)"/.exec(result.text)?.[1];
      assert.ok(href, result.text);
      assert.equal((await api().get(pathOf(href)).expect(200)).text, 'yrrehc\nelppa\nananab\n');
      assert.equal((await api().get(`/jobs/${id}`).expect(200)).body.status, 'successful');
      // WPS 1.0.0, synchronous, the output asked for by value: inline in the ExecuteResponse.
      const exec1 = (form: string) => `<wps:Execute service="WPS" version="1.0.0" ${W1}><ows:Identifier>revsort</ows:Identifier><wps:DataInputs><wps:Input><ows:Identifier>workflow_input</ows:Identifier><wps:Reference xlink:href="${textHref}" mimeType="text/plain"/></wps:Input></wps:DataInputs>${form}</wps:Execute>`;
      const sync = await post(exec1('<wps:ResponseForm><wps:ResponseDocument><wps:Output asReference="false"><ows:Identifier>sorted_output</ows:Identifier></wps:Output></wps:ResponseDocument></wps:ResponseForm>')).expect(200);
      assertValid(sync.text, WPS1_XSD, 'workflow executeresponse1');
      assert.match(sync.text, /<wps:ProcessSucceeded>/);
      assert.match(sync.text, /<wps:ComplexData mimeType="text\/plain">yrrehc\nelppa\nananab\n<\/wps:ComplexData>/);
      // WPS 1.0.0, stored: statusLocation names the run, and the stored response keeps the outputs asked for by reference.
      const stored = await post(exec1('<wps:ResponseForm><wps:ResponseDocument storeExecuteResponse="true" status="true"><wps:Output asReference="true"><ows:Identifier>sorted_output</ows:Identifier></wps:Output></wps:ResponseDocument></wps:ResponseForm>')).expect(200);
      assertValid(stored.text, WPS1_XSD, 'workflow executeresponse1 stored');
      const location = /statusLocation="([^"]+)"/.exec(stored.text)?.[1];
      assert.match(location ?? '', /\/wps\/status\/wf-\d+$/);
      let done = '';
      await waitFor(async () => /ProcessSucceeded/.test((done = (await api().get(pathOf(location!)).expect(200)).text)), { timeoutMs: 60_000, what: 'the stored response to succeed' });
      assertValid(done, WPS1_XSD, 'workflow executeresponse1 done');
      assert.match(done, /<wps:Reference href="http[^"]+\/scale\/files\/\d+\/content" mimeType="text\/plain"/);
      // Dismiss a run that has not ended: Dismissed over WPS, dismissed in the OGC API.
      const other = await post(exec2(input2, 'mode="async" response="document"', 'revsort')).expect(200);
      const otherId = /<wps:JobID>(wf-\d+)<\/wps:JobID>/.exec(other.text)![1];
      const dismissed = await get(`service=WPS&version=2.0.0&request=Dismiss&jobid=${otherId}`).expect(200);
      assertValid(dismissed.text, WPS2_XSD, 'workflow dismiss');
      assert.match(dismissed.text, /<wps:Status>Dismissed</);
      assert.equal((await api().get(`/jobs/${otherId}`).expect(200)).body.status, 'dismissed');
      const gone = await get(`service=WPS&version=2.0.0&request=GetResult&jobid=${otherId}`).expect(400);
      assert.match(gone.text, /exceptionCode="NoSuchJob"/);
      assert.match((await get('service=WPS&version=2.0.0&request=GetStatus&jobid=wf-999999').expect(400)).text, /NoSuchJob/);
    });

    it('accepts a run whose input is fetched from elsewhere before fetching it; a fetch that fails ends the run failed, naming the input', async () => {
      // A CWL document is text like any other: rev and sort work on it.
      const fetched = await api().post('/processes/revsort/execution').send({ inputs: { workflow_input: { href: `${filesUrl}/fixtures/wc-stdin.cwl` } } }).expect(201);
      assert.equal(fetched.body.status, 'accepted');
      const done = await waitDone(fetched.body.jobID);
      assert.equal(done.status, 'successful', JSON.stringify(done));
      const lines = (text: string) => text.split('\n').filter(Boolean).sort();
      const given = (await fs.readFile(path.join(CWL_DIR, 'wc-stdin.cwl'), 'utf8')).split('\n').map((l) => [...l].reverse().join(''));
      const results = (await api().get(`/jobs/${fetched.body.jobID}/results`).expect(200)).body;
      assert.deepEqual(lines(await content(results.sorted_output)), lines(given.join('\n')), 'the fetched document, each line reversed');
      const missing = await api().post('/processes/revsort/execution').send({ inputs: { workflow_input: { href: `${filesUrl}/fixtures/missing.txt` } } }).expect(201);
      const failed = await waitDone(missing.body.jobID);
      valid('statusInfo.yaml', failed);
      assert.equal(failed.status, 'failed');
      const exc = (await api().get(`/jobs/${missing.body.jobID}/results`).expect(500)).body;
      assert.equal(exc.type, 'input-fetch');
      assert.match(exc.detail, /inputs\.workflow_input: fetching .*missing\.txt answered 404/);
      const recipe = (await api().get(`/scale/recipes/${missing.body.jobID.slice(3)}/`).expect(200)).body;
      assert.equal(recipe.jobs_total, 0, 'no step was made');
    });

    it('replaces with PUT: a changed step is a new job type revision the recipe type pins; a tool cannot replace a workflow', async () => {
      const graph = (await fs.readFile(path.join(CWL_DIR, 'revsort-busybox.cwl'), 'utf8')).replace('label: Reverse and sort', 'label: Reverse, then sort').replace('prefix: -r', 'prefix: -r\n          separate: true');
      const doc = parseYaml(graph);
      // The sort step now also sorts numerically: a change in what the step runs.
      doc.$graph[1].arguments = ['-n'];
      await api().put('/processes/revsort').set('Content-Type', 'application/cwl+json').send(JSON.stringify(doc)).expect(200);
      assert.equal((await api().get('/processes/revsort').expect(200)).body.title, 'Reverse, then sort');
      const step = (await api().get('/scale/job-types/?name=revsort.sorted').expect(200)).body.results[0];
      assert.equal(step.revision_num, 2);
      const rt = (await api().get('/scale/recipe-types/revsort/').expect(200)).body;
      const nodes = rt.revision?.definition?.nodes ?? rt.definition.nodes;
      assert.equal(nodes.sorted.node_type.job_type_revision, 2);
      assert.equal(nodes.rev.node_type.job_type_revision, 1);
      const wc = await fs.readFile(path.join(CWL_DIR, 'wc-stdin.cwl'), 'utf8');
      const res = await api().put('/processes/revsort').set('Content-Type', 'application/cwl+yaml').send(wc.replace('id: wc-lines', 'id: revsort')).expect(400);
      assert.match(res.body.detail, /is a workflow/);
    });

    it('undeploys: the workflow and its steps go, finished runs stay readable in the Scale API', async () => {
      await api().delete('/processes/revsort').expect(204);
      await api().get('/processes/revsort').expect(404);
      await api().get('/processes/revsort.rev').expect(404);
      const rt = (await api().get('/scale/recipe-types/revsort/').expect(200)).body;
      assert.equal(rt.is_active, false);
      assert.equal((await api().get(`/jobs/${runId}`).expect(200)).body.status, 'successful');
      assert.ok((await api().get('/jobs?limit=1000').expect(200)).body.jobs.some((j: any) => j.jobID === runId), 'still listed');
      assert.equal(await content((await api().get(`/jobs/${runId}/results`).expect(200)).body.sorted_output), 'yrrehc\nelppa\nananab\n');
      await api().get('/jobs/wf-999999').expect(404);
    });
  });

  describe("real CWL documents (Debian's cwltool tests)", () => {
    it('deploys revsort.cwl by href: its steps run: revtool.cwl and sorttool.cwl are fetched beside it', async function () {
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
      const rt = (await api().get('/scale/recipe-types/debian-revsort/').expect(200)).body;
      const nodes = rt.revision?.definition?.nodes ?? rt.definition.nodes;
      assert.deepEqual(Object.keys(nodes).sort(), ['rev', 'sorted']);
      const step = (await api().get('/scale/job-types/?name=debian-revsort.sorted').expect(200)).body.results[0];
      assert.equal(step.docker_image, 'docker.io/debian:stable-slim', 'the workflow hint gives the steps their image');
      await api().delete('/processes/debian-revsort').expect(204);
    });

    it("deploys cwltool's wc-tool.cwl by value in a package, named by its processDescription", async function () {
      let text: string;
      try {
        text = await fs.readFile(path.join(DEBIAN_WF, 'wc-tool.cwl'), 'utf8');
      } catch {
        if (process.env.REQUIRE_CWLTOOL_TESTS === '1') throw new Error(`REQUIRE_CWLTOOL_TESTS=1 but ${DEBIAN_WF}/wc-tool.cwl is missing`);
        this.skip();
        return;
      }
      const pkg = { processDescription: { process: { id: 'debian-wc', version: '1.0.0', inputs: {}, outputs: {} } }, executionUnit: { value: text, mediaType: 'application/cwl+yaml' } };
      await api().post('/processes').set('Content-Type', 'application/ogcapppkg+json').send(JSON.stringify(pkg)).expect(201);
      const d = (await api().get('/processes/debian-wc').expect(200)).body;
      assert.deepEqual(Object.keys(d.inputs), ['file1']);
      await api().delete('/processes/debian-wc').expect(204);
    });
  });

  describe('CWL it refuses', () => {
    const tool = (over: Record<string, unknown>) => JSON.stringify({
      cwlVersion: 'v1.2', class: 'CommandLineTool', id: 'bad-tool',
      requirements: [{ class: 'DockerRequirement', dockerPull: 'cwl-busybox-test:1.0' }],
      inputs: { x: 'string' }, outputs: { out: 'stdout' }, baseCommand: 'echo', ...over,
    });
    const cases: [string, string, string, RegExp][] = [
      ['InlineJavascriptRequirement', tool({ requirements: [{ class: 'DockerRequirement', dockerPull: 'cwl-busybox-test:1.0' }, { class: 'InlineJavascriptRequirement' }] }), 'application/cwl+json', /InlineJavascriptRequirement.*not supported.*JavaScript/],
      ['a JavaScript expression', tool({ arguments: ['$(inputs.x.toUpperCase())'] }), 'application/cwl+json', /JavaScript expression/],
      ['no DockerRequirement', tool({ requirements: [] }), 'application/cwl+json', /DockerRequirement.*required/],
      ['an image without a tag', tool({ requirements: [{ class: 'DockerRequirement', dockerPull: 'busybox' }] }), 'application/cwl+json', /tag or a digest/],
      ['a Directory input', tool({ inputs: { d: 'Directory' } }), 'application/cwl+json', /Directory.*not supported/],
      ['a document the CWL schema refuses', tool({ inputs: 42 }), 'application/cwl+json', /CWL v1\.2 schema/],
      ['an unknown cwlVersion', tool({ cwlVersion: 'v0.1' }), 'application/cwl+json', /cwlVersion/],
      ['YAML that does not parse', 'class: [CommandLineTool\n', 'application/cwl+yaml', /not valid YAML/],
      ['a YAML alias bomb', `cwlVersion: v1.2\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`, 'application/cwl+yaml', /YAML|alias/i],
      ['a workflow whose steps form a cycle', JSON.stringify({
        cwlVersion: 'v1.2', class: 'Workflow', id: 'bad-tool',
        requirements: [{ class: 'DockerRequirement', dockerPull: 'cwl-busybox-test:1.0' }],
        inputs: {}, outputs: { o: { type: 'File', outputSource: 'a/out' } },
        steps: {
          a: { run: { class: 'CommandLineTool', baseCommand: 'cat', inputs: { f: { type: 'File', inputBinding: {} } }, outputs: { out: 'stdout' } }, in: { f: 'b/out' }, out: ['out'] },
          b: { run: { class: 'CommandLineTool', baseCommand: 'cat', inputs: { f: { type: 'File', inputBinding: {} } }, outputs: { out: 'stdout' } }, in: { f: 'a/out' }, out: ['out'] },
        },
      }), 'application/cwl+json', /cycle: (a → b → a|b → a → b)/],
      ['a step running a file it cannot fetch', JSON.stringify({
        cwlVersion: 'v1.2', class: 'Workflow', id: 'bad-tool', inputs: {}, outputs: {}, steps: { a: { run: 'elsewhere.cwl', in: {}, out: [] } },
      }), 'application/cwl+json', /elsewhere\.cwl/],
    ];
    for (const [what, body, type, re] of cases) {
      it(`refuses ${what} with 400 naming the problem, and deploys nothing`, async () => {
        const res = await deploy(body, type).expect(400);
        valid('exception.yaml', res.body);
        assert.match(`${res.body.detail} ${JSON.stringify(res.body.errors ?? [])}`, re);
        await api().get('/processes/bad-tool').expect(404);
        assert.equal((await api().get('/scale/job-types/?name=bad-tool').expect(200)).body.results.length, 0);
        assert.equal((await api().get('/scale/recipe-types/?name=bad-tool').expect(200)).body.results?.length ?? 0, 0);
      });
    }

    it('refuses a CWL package with a missing href document (400) and text/plain (415)', async () => {
      const pkg = { executionUnit: { href: `${filesUrl}/fixtures/missing.cwl`, type: 'application/cwl' } };
      const res = await api().post('/processes').set('Content-Type', 'application/ogcapppkg+json').send(JSON.stringify(pkg)).expect(400);
      assert.match(res.body.detail, /404/);
      const plain = await deploy('class: CommandLineTool', 'text/plain').expect(415);
      assert.equal(plain.body.type, `${EXC2}unsupported-media-type`);
    });
  });
});
