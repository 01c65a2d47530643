// WPS 2.0 and 1.0.0 at /wps over a real server: every kind of response validated against the
// official XSDs with xmllint (--nonet, shared/ogc/xsd), the operations by KVP and POST XML, the
// exceptions of REFERENCE.md §4 with their codes, locators and HTTP statuses, hostile XML, and WPS-T
// DeployProcess / UndeployProcess in both XML forms.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { FIXTURES, upload } from './helpers/scale.ts';
import { assertValid, exec2, W1, W2, WPS1_XSD, WPS2_XSD, xmllintAvailable } from './helpers/wps-xml.ts';
import { startServer, waitFor, type TestServer } from './helpers/server.ts';

const literal2 = (id: string, v: string) => `<wps:Input id="${id}"><wps:Data><wps:LiteralValue>${v}</wps:LiteralValue></wps:Data></wps:Input>`;

describe('WPS 2.0 and 1.0.0 at /wps', function () {
  this.timeout(60_000);
  let t: TestServer;
  let fileHref: string;
  let files: http.Server;
  let filesUrl: string;

  before(async function () {
    if (!xmllintAvailable()) {
      if (process.env.REQUIRE_DOCKER === '1' || process.env.REQUIRE_XMLLINT === '1') throw new Error('xmllint (libxml2-utils) and schemas/xsd are needed to validate WPS responses');
      this.skip();
    }
    // The local executor: the WPS-T packages name images that exist nowhere (registry.example/…), which a
    // server running containers refuses; one that runs none accepts them with a warning. Nothing here runs a container.
    t = await startServer('pglite', { SCALE_EXECUTOR: 'local', SCALE_FETCH_ALLOW: '127.0.0.1', SCALE_OGC_SYNC_SECONDS: '30', SCALE_OGC_MAX_BODY_BYTES: '100000' });
    const f = await upload(t.app, 'from a file\n', 'note.txt', { media_type: 'text/plain' });
    fileHref = `${t.url}/scale/files/${f.id}/content`;
    // Serves CWL for WPS-T workflow deployments by reference.
    files = http.createServer((req, res) => {
      const p = path.join(FIXTURES, 'cwl', path.basename(req.url ?? ''));
      if (fs.existsSync(p)) res.end(fs.readFileSync(p));
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  after(async () => {
    files?.close();
    await t?.close();
  });

  const get = (qs: string) => request(t.url!).get(`/wps?${qs}`);
  const post = (xml: string) => request(t.url!).post('/wps').set('Content-Type', 'text/xml').send(xml);
  const code = (xml: string) => /exceptionCode="([^"]+)"/.exec(xml)?.[1];
  const locator = (xml: string) => /locator="([^"]*)"/.exec(xml)?.[1];
  const jobIdOf = (xml: string) => /<wps:JobID>([^<]+)<\/wps:JobID>/.exec(xml)![1];

  describe('capabilities and descriptions', () => {
    it('GetCapabilities 2.0 by KVP (any key case) and POST XML: valid, echo listed, WPS-T operations and profiles', async () => {
      for (const qs of ['service=WPS&request=GetCapabilities', 'SERVICE=WPS&REQUEST=GetCapabilities', 'Service=WPS&Request=getcapabilities&AcceptVersions=2.0.0']) {
        const res = await get(qs).expect(200);
        assert.match(res.headers['content-type'], /xml/);
        assertValid(res.text, WPS2_XSD, `capabilities2 ${qs}`);
        assert.match(res.text, /<ows:Identifier>echo<\/ows:Identifier>/);
      }
      const posted = await post(`<wps:GetCapabilities ${W2} service="WPS"/>`).expect(200);
      assertValid(posted.text, WPS2_XSD, 'capabilities2 post');
      assert.match(posted.text, /<ows:Operation name="DeployProcess">/);
      assert.match(posted.text, /eoc\/dockerizedApplication/);
      assert.match(posted.text, /<ows:Operation name="UndeployProcess">/);
    });

    it('GetCapabilities 1.0.0 by version or AcceptVersions: valid against wpsAll.xsd, processes with processVersion', async () => {
      for (const qs of ['service=WPS&request=GetCapabilities&version=1.0.0', 'service=WPS&request=GetCapabilities&AcceptVersions=1.0.0']) {
        const res = await get(qs).expect(200);
        assertValid(res.text, WPS1_XSD, `capabilities1 ${qs}`);
        assert.match(res.text, /<wps:Process wps:processVersion="1.0.0"><ows:Identifier>echo/);
      }
      assertValid((await post(`<wps:GetCapabilities ${W1} service="WPS" language="en-US"/>`).expect(200)).text, WPS1_XSD, 'capabilities1 post');
    });

    it('refuses a wrong service, an unsupported version and unknown operations with the right OWS exception', async () => {
      const wms = await get('Service=WMS&Request=GetCapabilities').expect(400);
      assert.equal(code(wms.text), 'InvalidParameterValue');
      assert.equal(locator(wms.text), 'service');
      assertValid(wms.text, WPS2_XSD, 'exception wms');
      const v3 = await get('service=WPS&request=GetCapabilities&Version=3.0.0').expect(400);
      assert.equal(code(v3.text), 'VersionNegotiationFailed');
      assert.equal(code((await get('service=WPS&version=2.0.0&request=Fly').expect(501)).text), 'OperationNotSupported');
      const missing = await get('service=WPS&version=2.0.0').expect(400);
      assert.equal(code(missing.text), 'MissingParameterValue');
      assert.equal(locator(missing.text), 'request');
      assert.equal(locator((await get('service=WPS&request=DescribeProcess&identifier=echo').expect(400)).text), 'version');
      const v1 = await get('service=WPS&version=1.0.0&request=DescribeProcess').expect(400);
      assert.equal(code(v1.text), 'MissingParameterValue');
      assertValid(v1.text, WPS1_XSD, 'exception1 missing');
      assert.equal(code((await get('service=WPS&version=2.0.0&request=Execute&identifier=echo').expect(501)).text), 'OperationNotSupported', 'no KVP Execute in 2.0');
    });

    it('DescribeProcess 2.0: one, several and ALL; echo has literal, complex and bounding-box inputs; NoSuchProcess names the ids', async () => {
      const one = await get('service=WPS&version=2.0.0&request=DescribeProcess&identifier=echo').expect(200);
      assertValid(one.text, WPS2_XSD, 'describe2 echo');
      for (const kind of ['LiteralData', 'ComplexData', 'BoundingBoxData']) assert.match(one.text, new RegExp(`<wps:${kind}>`), kind);
      assert.match(one.text, /<ows:DataType ows:reference="http:\/\/www.w3.org\/2001\/XMLSchema#string">string<\/ows:DataType>/);
      assert.match(one.text, /jobControlOptions="sync-execute async-execute dismiss"/);
      const all = await get('service=WPS&version=2.0.0&request=DescribeProcess&identifier=ALL').expect(200);
      assertValid(all.text, WPS2_XSD, 'describe2 all');
      const ids = [...all.text.matchAll(/<wps:Process>.*?<ows:Identifier>([^<]+)<\/ows:Identifier>/g)].map((m) => m[1]);
      assert.equal(new Set(ids).size, ids.length, 'unique identifiers');
      const posted = await post(`<wps:DescribeProcess ${W2} service="WPS" version="2.0.0"><ows:Identifier>echo</ows:Identifier><ows:Identifier>echo</ows:Identifier></wps:DescribeProcess>`).expect(200);
      assert.equal([...posted.text.matchAll(/<wps:ProcessOffering /g)].length, 2);
      const nope = await get('service=WPS&version=2.0.0&request=DescribeProcess&identifier=echo,nope,nada').expect(400);
      assert.equal(code(nope.text), 'NoSuchProcess');
      assert.equal(locator(nope.text), 'nope,nada');
    });

    it('describes allowed values, defaults and occurrences (a deployed CWL tool with an enum, a default and a File array)', async () => {
      const cwl = { cwlVersion: 'v1.2', class: 'CommandLineTool', id: 'described', requirements: [{ class: 'DockerRequirement', dockerPull: 'registry.example/d:1.0' }],
        inputs: { mode: { type: { type: 'enum', symbols: ['fast', 'slow'] }, default: 'fast', inputBinding: { position: 1 } }, count: { type: 'int', default: 3 }, images: { type: 'File[]', format: 'iana:image/tiff' } },
        outputs: { out: 'stdout' }, baseCommand: 'x', $namespaces: { iana: 'https://www.iana.org/assignments/media-types/' } };
      await request(t.url!).post('/processes').set('Content-Type', 'application/cwl+json').send(JSON.stringify(cwl)).expect(201);
      const d2 = await get('service=WPS&version=2.0.0&request=DescribeProcess&identifier=described').expect(200);
      assertValid(d2.text, WPS2_XSD, 'describe2 enum');
      assert.match(d2.text, /<ows:AllowedValues><ows:Value>fast<\/ows:Value><ows:Value>slow<\/ows:Value><\/ows:AllowedValues>.*<ows:DefaultValue>fast<\/ows:DefaultValue>/);
      assert.match(d2.text, /<wps:Input minOccurs="0" maxOccurs="1"><ows:Title>count<\/ows:Title><ows:Identifier>count<\/ows:Identifier><wps:LiteralData>.*?<ows:DataType[^>]*>integer<\/ows:DataType><ows:DefaultValue>3</);
      assert.match(d2.text, /<wps:Input minOccurs="1" maxOccurs="unbounded"><ows:Title>images<\/ows:Title><ows:Identifier>images<\/ows:Identifier><wps:ComplexData><wps:Format mimeType="image\/tiff" default="true"\/>/);
      const d1 = await get('service=WPS&version=1.0.0&request=DescribeProcess&identifier=described').expect(200);
      assertValid(d1.text, WPS1_XSD, 'describe1 enum');
      assert.match(d1.text, /<DefaultValue>fast<\/DefaultValue>/);
      await request(t.url!).delete('/processes/described').expect(204);
    });

    it('DescribeProcess 1.0.0: unqualified ProcessDescription, valid; an unknown id is InvalidParameterValue at Identifier', async () => {
      const res = await get('service=WPS&version=1.0.0&request=DescribeProcess&identifier=echo').expect(200);
      assertValid(res.text, WPS1_XSD, 'describe1');
      assert.match(res.text, /<ProcessDescription wps:processVersion="1.0.0"/);
      assert.match(res.text, /<DataInputs><Input minOccurs="0" maxOccurs="1"><ows:Identifier>message/);
      assert.match(res.text, /<Input minOccurs="0" maxOccurs="1"><ows:Identifier>complex/);
      assert.match(res.text, /<BoundingBoxData>/);
      const nope = await get('service=WPS&version=1.0.0&request=DescribeProcess&identifier=nope').expect(400);
      assert.equal(code(nope.text), 'InvalidParameterValue');
      assert.equal(locator(nope.text), 'Identifier');
      assertValid(nope.text, WPS1_XSD, 'exception1');
    });
  });

  describe('WPS 2.0 execution', () => {
    it('runs echo sync raw (the literal as the body) and sync document (a valid wps:Result with wps:Data)', async () => {
      const raw = await post(exec2(`${literal2('message', 'hello_literal')}<wps:Output id="message" transmission="value"/>`, 'mode="sync" response="raw"')).expect(200);
      assert.equal(raw.text, 'hello_literal');
      const doc = await post(exec2(`${literal2('message', 'hi')}<wps:Output id="message"/>`)).expect(200);
      assertValid(doc.text, WPS2_XSD, 'result2');
      assert.match(doc.text, /<wps:Output id="message"><wps:Data mimeType="text\/plain"><wps:LiteralValue>hi<\/wps:LiteralValue><\/wps:Data>/);
      // The same job for the OGC API and the Scale API.
      const job = (await request(t.url!).get(`/scale/jobs/${jobIdOf(doc.text)}/`).expect(200)).body;
      assert.equal(job.job_type.name, 'echo');
    });

    it('echoes an inline XML complex input, a bounding box and binary content to the outputs of their ids, and a literal given by reference', async () => {
      const complex = await post(exec2(`${literal2('message', 'm')}<wps:Input id="complex"><wps:Data mimeType="text/xml"><testElement>hello_complex</testElement></wps:Data></wps:Input><wps:Output id="complex"/>`, 'mode="sync" response="raw"')).expect(200);
      assert.match(complex.text, /<testElement>hello_complex<\/testElement>/);
      const bbox = await post(exec2(`${literal2('message', 'm')}<wps:Input id="bbox"><wps:Data><ows:BoundingBox crs="http://www.opengis.net/def/crs/OGC/1.3/CRS84"><ows:LowerCorner>1 2</ows:LowerCorner><ows:UpperCorner>3 4</ows:UpperCorner></ows:BoundingBox></wps:Data></wps:Input><wps:Output id="bbox"/>`, 'mode="sync" response="raw"')).expect(200);
      assert.deepEqual(JSON.parse(bbox.text).bbox, [1, 2, 3, 4]);
      const json = await post(exec2(`${literal2('message', 'm')}<wps:Input id="complex"><wps:Data mimeType="application/json">{"a": [1, 2]}</wps:Data></wps:Input><wps:Output id="complex"/>`, 'mode="sync" response="raw"')).expect(200);
      assert.deepEqual(JSON.parse(json.text), { a: [1, 2] });
      const b64 = await post(exec2(`${literal2('message', 'm')}<wps:Input id="complex"><wps:Data mimeType="text/plain" encoding="base64">aGVsbG9fYmFzZTY0</wps:Data></wps:Input><wps:Output id="complex"/>`, 'mode="sync" response="raw"')).expect(200);
      assert.equal(b64.text, 'hello_base64');
      // Any bytes to the binary input come back byte for byte, with their media type; the message is still the message.
      const bytes = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0xff, 0x00, 0x10, 0x80]);
      const bin = await post(exec2(`${literal2('message', 'm')}<wps:Input id="binary"><wps:Data mimeType="image/tiff" encoding="base64">${bytes.toString('base64')}</wps:Data></wps:Input><wps:Output id="binary"/>`, 'mode="sync" response="raw"'))
        .buffer(true).parse((res, cb) => { const c: Buffer[] = []; res.on('data', (x: Buffer) => c.push(x)); res.on('end', () => cb(null, Buffer.concat(c))); }).expect(200);
      assert.match(bin.headers['content-type'], /^image\/tiff/);
      assert.deepEqual(bin.body, bytes);
      const msg = await post(exec2(`${literal2('message', 'still the message')}<wps:Input id="complex"><wps:Data mimeType="text/plain">other</wps:Data></wps:Input><wps:Output id="message"/>`, 'mode="sync" response="raw"')).expect(200);
      assert.equal(msg.text, 'still the message');
      const ref = await post(exec2(`<wps:Input id="message"><wps:Reference mimeType="text/plain" xlink:href="${fileHref}"/></wps:Input><wps:Output id="message" transmission="value"/>`)).expect(200);
      assert.match(ref.text, /from a file/);
    });

    it('runs async (Accepted, then Succeeded), auto, unique job ids; GetStatus and GetResult by KVP and XML; output by reference', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await post(exec2(`${literal2('message', `a${i}`)}<wps:Output id="message" transmission="reference"/>`, 'mode="async" response="document"')).expect(200);
        assertValid(res.text, WPS2_XSD, 'statusinfo accepted');
        assert.match(res.text, /<wps:Status>Accepted<\/wps:Status>/);
        ids.push(jobIdOf(res.text));
      }
      assert.equal(new Set(ids).size, 3);
      await waitFor(async () => /Succeeded/.test((await get(`service=WPS&version=2.0.0&request=GetStatus&jobid=${ids[0]}`)).text), { timeoutMs: 20_000, what: 'the job to succeed' });
      const status = await post(`<wps:GetStatus ${W2} service="WPS" version="2.0.0"><wps:JobID>${ids[0]}</wps:JobID></wps:GetStatus>`).expect(200);
      assertValid(status.text, WPS2_XSD, 'statusinfo succeeded');
      assert.match(status.text, /<wps:PercentCompleted>100<\/wps:PercentCompleted>/);
      const result = await get(`service=WPS&version=2.0.0&request=GetResult&jobid=${ids[0]}`).expect(200);
      assertValid(result.text, WPS2_XSD, 'result by reference');
      const href = /<wps:Reference xlink:href="([^"]+)"/.exec(result.text)![1];
      assert.ok(href.startsWith(t.url!));
      const auto = await post(exec2(`${literal2('message', 'auto')}<wps:Output id="message"/>`, 'mode="auto" response="document"')).expect(200);
      assert.match(auto.text, /<wps:Result/, 'auto runs synchronously where the process allows it');
    });

    it('reports Running while a job runs, and Failed for a failed job (GetResult then answers its exception)', async () => {
      const slow = jobIdOf((await post(exec2(`${literal2('message', 'slow')}${literal2('pause', '3')}`, 'mode="async" response="document"')).expect(200)).text);
      const running = await waitFor(async () => {
        const r = await get(`service=WPS&version=2.0.0&request=GetStatus&jobid=${slow}`);
        return /<wps:Status>Running</.test(r.text) ? r.text : null;
      }, { timeoutMs: 20_000, what: 'the job to run' });
      assertValid(running, WPS2_XSD, 'statusinfo running');
      const failing = jobIdOf((await post(exec2(`${literal2('message', 'x')}${literal2('fail', 'true')}`, 'mode="async" response="document"')).expect(200)).text);
      await waitFor(async () => /<wps:Status>Failed</.test((await get(`service=WPS&version=2.0.0&request=GetStatus&jobid=${failing}`)).text), { timeoutMs: 20_000, what: 'the job to fail' });
      const result = await get(`service=WPS&version=2.0.0&request=GetResult&jobid=${failing}`).expect(500);
      assert.equal(code(result.text), 'NoApplicableCode');
      assert.match(result.text, /failed/);
      // The ExceptionText carries the algorithm's own words (its stderr).
      assert.match(result.text, /<ows:ExceptionText>[^<]*exit code 1: failing, as the fail input asked<\/ows:ExceptionText>/);
    });

    it('GetResult of a running job is ResultNotReady; Dismiss answers Dismissed, then the job is gone (NoSuchJob)', async () => {
      const res = await post(exec2(`${literal2('message', 'slow')}${literal2('pause', '20')}<wps:Output id="message"/>`, 'mode="async" response="document"')).expect(200);
      const id = jobIdOf(res.text);
      const early = await get(`service=WPS&version=2.0.0&request=GetResult&jobid=${id}`).expect(400);
      assert.equal(code(early.text), 'ResultNotReady');
      const dismissed = await get(`service=WPS&version=2.0.0&request=Dismiss&jobid=${id}`).expect(200);
      assertValid(dismissed.text, WPS2_XSD, 'statusinfo dismissed');
      assert.match(dismissed.text, /<wps:Status>Dismissed<\/wps:Status>/);
      const gone = await post(`<wps:GetStatus ${W2} service="WPS" version="2.0.0"><wps:JobID>${id}</wps:JobID></wps:GetStatus>`).expect(400);
      assert.equal(code(gone.text), 'NoSuchJob');
      assert.equal(code((await get('service=WPS&version=2.0.0&request=GetStatus&jobid=999999').expect(400)).text), 'NoSuchJob');
    });

    it('answers each bad Execute with its exception code and locator, and starts no job', async () => {
      const before = (await request(t.url!).get('/scale/jobs/?page_size=1').expect(200)).body.count;
      const cases: [string, string, string | undefined][] = [
        [exec2(literal2('message', 'x'), 'mode="sync" response="document"', 'nope'), 'NoSuchProcess', 'nope'],
        [exec2(`${literal2('message', 'x')}${literal2('colour', 'red')}`), 'NoSuchInput', 'colour'],
        [exec2(`${literal2('message', 'x')}<wps:Output id="nothing"/>`), 'NoSuchOutput', 'nothing'],
        [exec2(`${literal2('message', 'x')}${literal2('pause', 'soon')}`), 'WrongInputData', 'pause'],
        [exec2(literal2('message', 'x'), 'mode="fast" response="document"'), 'NoSuchMode', 'mode'],
        [exec2(`${literal2('message', 'x')}<wps:Input id="complex"><wps:Data mimeType="image/png">AAAA</wps:Data></wps:Input>`), 'NoSuchFormat', 'complex'],
        [exec2(`<wps:Input id="message"><wps:Reference xlink:href="http://127.0.0.1:1/nothing"/></wps:Input>`), 'DataNotAccessible', 'message'],
        [exec2(`${literal2('message', 'x')}${literal2('message', 'y')}`), 'TooManyInputs', 'message'],
        [exec2(literal2('x', '1'), 'mode="sync" response="document"', 'needs-y'), 'MissingParameterValue', 'y'],
      ];
      // A process with a required input (every input of echo is optional).
      const pkg = {
        processDescription: { process: { id: 'needs-y', version: '1.0.0', inputs: { x: { schema: { type: 'string' }, minOccurs: 0 }, y: { schema: { type: 'string' } } }, outputs: { a: { schema: { type: 'string' } } } } },
        executionUnit: { type: 'docker', image: 'registry.example/needs:1.0' },
      };
      await request(t.url!).post('/processes').set('Content-Type', 'application/json').send(JSON.stringify(pkg)).expect(201);
      for (const [xml, want, loc] of cases) {
        const res = await post(xml);
        assert.equal(res.status, 400, `${want}: ${res.text}`);
        assert.equal(code(res.text), want, res.text);
        if (loc) assert.equal(locator(res.text), loc, res.text);
        assertValid(res.text, WPS2_XSD, `exception ${want}`);
      }
      assert.equal((await request(t.url!).get('/scale/jobs/?page_size=1').expect(200)).body.count, before, 'no job was created');
    });

    it('refuses a raw response for several outputs (TooManyOutputs)', async () => {
      const pkg = {
        processDescription: { process: { id: 'two-outputs', version: '1.0.0', inputs: { x: { schema: { type: 'string' } } }, outputs: { a: { schema: { type: 'string' } }, b: { schema: { type: 'string' } } } } },
        executionUnit: { type: 'docker', image: 'registry.example/two:1.0' },
      };
      await request(t.url!).post('/processes').set('Content-Type', 'application/json').send(JSON.stringify(pkg)).expect(201);
      const res = await post(exec2(`${literal2('x', '1')}<wps:Output id="a"/><wps:Output id="b"/>`, 'mode="sync" response="raw"', 'two-outputs')).expect(400);
      assert.equal(code(res.text), 'TooManyOutputs');
      await request(t.url!).delete('/processes/two-outputs').expect(204);
    });
  });

  describe('WPS 1.0.0 execution', () => {
    const exec1 = (form: string, inputs = '<wps:Input><ows:Identifier>message</ows:Identifier><wps:Data><wps:LiteralData>hi1</wps:LiteralData></wps:Data></wps:Input>') =>
      `<wps:Execute service="WPS" version="1.0.0" ${W1}><ows:Identifier>echo</ows:Identifier><wps:DataInputs>${inputs}</wps:DataInputs>${form}</wps:Execute>`;

    it('runs synchronously: an ExecuteResponse with ProcessSucceeded and the output; RawDataOutput gives the value alone', async () => {
      const res = await post(exec1('')).expect(200);
      assertValid(res.text, WPS1_XSD, 'executeresponse1 sync');
      assert.match(res.text, /<wps:ProcessSucceeded>/);
      assert.match(res.text, /<wps:LiteralData>hi1<\/wps:LiteralData>/);
      assert.match(res.text, /serviceInstance="http/);
      const raw = await post(exec1('<wps:ResponseForm><wps:RawDataOutput><ows:Identifier>message</ows:Identifier></wps:RawDataOutput></wps:ResponseForm>')).expect(200);
      assert.equal(raw.text, 'hi1');
      const kvp = await get('service=WPS&version=1.0.0&request=Execute&identifier=echo&DataInputs=message=kvp%20value&RawDataOutput=message').expect(200);
      assert.equal(kvp.text, 'kvp value');
    });

    it('stores the response when asked (storeExecuteResponse + status): statusLocation, kept up to date until ProcessSucceeded; references by href', async () => {
      const form = '<wps:ResponseForm><wps:ResponseDocument storeExecuteResponse="true" status="true" lineage="true"><wps:Output asReference="true"><ows:Identifier>message</ows:Identifier></wps:Output></wps:ResponseDocument></wps:ResponseForm>';
      const res = await post(exec1(form)).expect(200);
      assertValid(res.text, WPS1_XSD, 'executeresponse1 accepted');
      const loc = /statusLocation="([^"]+)"/.exec(res.text)![1];
      assert.match(res.text, /<wps:ProcessAccepted>|<wps:ProcessStarted/);
      assert.match(res.text, /<wps:OutputDefinitions><wps:Output asReference="true"><ows:Identifier>message/, 'lineage: the outputs asked for');
      assert.match(res.text, /<wps:DataInputs><wps:Input><ows:Identifier>message<\/ows:Identifier><ows:Title>message<\/ows:Title><wps:Data><wps:LiteralData>hi1</, 'lineage: the inputs given');
      const done = await waitFor(async () => {
        const r = await request(t.url!).get(new URL(loc).pathname);
        return /ProcessSucceeded/.test(r.text) ? r.text : null;
      }, { timeoutMs: 20_000, what: 'the stored response to say succeeded' });
      assertValid(done, WPS1_XSD, 'executeresponse1 succeeded');
      assert.match(done, /<wps:Reference href="http[^"]+" mimeType="application\/json"/);
    });

    it('reports a failed job inside the ExecuteResponse (ProcessFailed with an OWS 1.1 report)', async () => {
      const res = await post(exec1('', '<wps:Input><ows:Identifier>message</ows:Identifier><wps:Data><wps:LiteralData>x</wps:LiteralData></wps:Data></wps:Input><wps:Input><ows:Identifier>fail</ows:Identifier><wps:Data><wps:LiteralData>true</wps:LiteralData></wps:Data></wps:Input>')).expect(200);
      assertValid(res.text, WPS1_XSD, 'executeresponse1 failed');
      assert.match(res.text, /<wps:ProcessFailed><ows:ExceptionReport version="1.0.0"><ows:Exception exceptionCode="NoApplicableCode">/);
      assert.match(res.text, /failing, as the fail input asked/);
    });
  });

  describe('hostile and malformed requests', () => {
    it('refuses external entities, entity expansion, malformed XML and oversized bodies without expanding anything', async () => {
      const xxe = await post(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><wps:GetCapabilities ${W2} service="WPS">&e;</wps:GetCapabilities>`).expect(400);
      assert.doesNotMatch(xxe.text, /root:/);
      assert.match(xxe.text, /DTD/);
      const lol = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><wps:GetCapabilities ${W2} service="WPS">&c;</wps:GetCapabilities>`;
      const started = Date.now();
      assert.equal(code((await post(lol).expect(400)).text), 'InvalidParameterValue');
      assert.ok(Date.now() - started < 2000);
      const broken = await post(`<wps:GetCapabilities ${W2} service="WPS">`).expect(400);
      assert.match(broken.text, /not well-formed/);
      assertValid(broken.text, WPS2_XSD, 'exception malformed');
      const huge = await post(`<wps:GetCapabilities ${W2} service="WPS"><!-- ${'x'.repeat(200_000)} --></wps:GetCapabilities>`).expect(413);
      assert.equal(code(huge.text), 'SizeExceeded');
      const other = await post('<foo xmlns="urn:x"/>').expect(501);
      assert.equal(code(other.text), 'OperationNotSupported');
    });
  });

  describe('WPS-T', () => {
    it('deploys a dockerizedApplication (wps:ProcessOffering + wps:DeploymentProfile), describes it, and undeploys it', async () => {
      const xml = `<wps:DeployProcess service="WPS" version="2.0.0" ${W2}>
        <wps:ProcessOffering jobControlOptions="async-execute dismiss" outputTransmission="value reference">
          <wps:Process><ows:Title>NDVI</ows:Title><ows:Identifier>multisensor_ndvi</ows:Identifier>
            <wps:Input minOccurs="1" maxOccurs="1"><ows:Title>Images</ows:Title><ows:Identifier>files</ows:Identifier><wps:ComplexData><wps:Format mimeType="application/zip" default="true"/></wps:ComplexData></wps:Input>
            <wps:Input minOccurs="0" maxOccurs="1"><ows:Title>Band</ows:Title><ows:Identifier>band</ows:Identifier><wps:LiteralData><wps:Format mimeType="text/plain" default="true"/><LiteralDataDomain><ows:AnyValue/><ows:DataType>integer</ows:DataType></LiteralDataDomain></wps:LiteralData></wps:Input>
            <wps:Output><ows:Title>NDVI</ows:Title><ows:Identifier>output</ows:Identifier><wps:ComplexData><wps:Format mimeType="image/tiff" default="true"/></wps:ComplexData></wps:Output>
          </wps:Process>
        </wps:ProcessOffering>
        <wps:DeploymentProfile>
          <wps:DeploymentProfileName>http://www.opengis.net/profiles/eoc/dockerizedApplication</wps:DeploymentProfileName>
          <wps:ExecutionUnit><wps:Reference href="docker.registry.host/multisensor-ndvi:1.0"/></wps:ExecutionUnit>
        </wps:DeploymentProfile>
      </wps:DeployProcess>`;
      const res = await post(xml).expect(200);
      assert.match(res.text, /<wps:DeploymentDone>true<\/wps:DeploymentDone>/);
      const caps = await get('service=WPS&request=GetCapabilities').expect(200);
      assert.match(caps.text, /<ows:Identifier>multisensor_ndvi<\/ows:Identifier>/);
      const d = await get('service=WPS&version=2.0.0&request=DescribeProcess&identifier=multisensor_ndvi').expect(200);
      assertValid(d.text, WPS2_XSD, 'describe deployed');
      assert.match(d.text, /<wps:Format mimeType="application\/zip" default="true"\/>/);
      assert.match(d.text, /<ows:DataType[^>]*>integer<\/ows:DataType>/);
      // The same process through OGC API - Processes, with the package it was deployed as.
      assert.equal((await request(t.url!).get('/processes/multisensor_ndvi').expect(200)).body.title, 'NDVI');
      const again = await post(xml).expect(409);
      assert.equal(code(again.text), 'DuplicatedProcess');
      const un = await post(`<wps:UndeployProcess service="WPS" version="2.0.0" ${W2}><ows:Identifier>multisensor_ndvi</ows:Identifier></wps:UndeployProcess>`).expect(200);
      assert.match(un.text, /<wps:UndeploymentDone>true/);
      assert.doesNotMatch((await get('service=WPS&request=GetCapabilities').expect(200)).text, /multisensor_ndvi/);
      assert.equal(code((await post(`<wps:UndeployProcess service="WPS" version="2.0.0" ${W2}><ows:Identifier>echo</ows:Identifier></wps:UndeployProcess>`).expect(403)).text), 'ImmutableProcess');
    });

    it('deploys the ProcessDescription / ExecutionUnit form, and a workflow profile with CWL by reference', async () => {
      const form2 = `<DeployProcess xmlns="http://www.opengis.net/wps/2.0" xmlns:wps="http://www.opengis.net/wps/2.0" xmlns:ows="http://www.opengis.net/ows/2.0" xmlns:xlink="http://www.w3.org/1999/xlink" service="WPS" version="2.0.0">
        <ProcessDescription><ProcessOffering jobControlOptions="async-execute"><wps:Process><ows:Title>Other</ows:Title><ows:Identifier>form-two</ows:Identifier>
          <wps:Input><ows:Title>x</ows:Title><ows:Identifier>x</ows:Identifier><wps:LiteralData><wps:Format mimeType="text/plain"/><LiteralDataDomain><ows:AnyValue/></LiteralDataDomain></wps:LiteralData></wps:Input>
          <wps:Output><ows:Title>y</ows:Title><ows:Identifier>y</ows:Identifier><wps:ComplexData><wps:Format mimeType="text/plain"/></wps:ComplexData></wps:Output>
        </wps:Process></ProcessOffering></ProcessDescription>
        <ExecutionUnit><Reference xlink:href="registry.example/form-two:2.1"/></ExecutionUnit>
        <DeploymentProfileName>http://www.opengis.net/profiles/eoc/dockerizedApplication</DeploymentProfileName>
      </DeployProcess>`;
      await post(form2).expect(200);
      assert.match((await get('service=WPS&version=2.0.0&request=DescribeProcess&identifier=form-two').expect(200)).text, /<ows:Identifier>y<\/ows:Identifier>/);
      const wf = `<wps:DeployProcess service="WPS" version="2.0.0" ${W2}><wps:ProcessOffering jobControlOptions="async-execute"><wps:Process><ows:Title>Reverse and sort</ows:Title><ows:Identifier>revsort</ows:Identifier>
        <ows:Metadata xlink:role="http://www.opengis.net/eoc/applicationContext/cwl" xlink:href="${filesUrl}/revsort-busybox.cwl"/></wps:Process></wps:ProcessOffering>
        <wps:DeploymentProfile><wps:DeploymentProfileName>http://www.opengis.net/profiles/eoc/workflow</wps:DeploymentProfileName></wps:DeploymentProfile></wps:DeployProcess>`;
      await post(wf).expect(200);
      const d = await get('service=WPS&version=2.0.0&request=DescribeProcess&identifier=revsort').expect(200);
      assertValid(d.text, WPS2_XSD, 'describe workflow');
      assert.match(d.text, /<ows:Identifier>workflow_input<\/ows:Identifier>/);
      // A CWL workflow is one process run by cwltool: a job type of the cwl runtime, not a recipe type.
      const types = (await request(t.url!).get('/scale/job-types/?name=revsort').expect(200)).body.results;
      assert.equal(types.length, 1);
      await request(t.url!).get('/scale/recipe-types/revsort/').expect(404);
      for (const id of ['form-two', 'revsort']) await post(`<wps:UndeployProcess service="WPS" version="2.0.0" ${W2}><ows:Identifier>${id}</ows:Identifier></wps:UndeployProcess>`).expect(200);
      const bad = await post(wf.replace('eoc/workflow', 'eoc/teleport')).expect(400);
      assert.equal(locator(bad.text), 'DeploymentProfileName');
    });
  });

  describe('Testbed-14 ADES REST paths', () => {
    it('executes under /processes/{id}/jobs (201, Location), reads status (jobId, succeeded), result ({outputs}), list and dismiss', async () => {
      const api = () => request(t.url!);
      const res = await api().post('/processes/echo/jobs').send({ mode: 'async', response: 'document', inputs: [{ id: 'message', data: 'tb14' }], outputs: [{ id: 'message', transmissionMode: 'value' }] }).expect(201);
      assert.ok(res.headers.location);
      const jobId = res.body.jobID;
      const status = await waitFor(async () => {
        const r = await api().get(`/processes/echo/jobs/${jobId}`).expect(200);
        return ['succeeded', 'failed'].includes(r.body.status) ? r.body : null;
      }, { timeoutMs: 20_000, what: 'the job to end' });
      assert.equal(status.status, 'succeeded');
      assert.equal(status.jobId, jobId);
      const result = (await api().get(`/processes/echo/jobs/${jobId}/result`).expect(200)).body;
      assert.deepEqual(result.outputs, [{ id: 'message', data: 'tb14' }]);
      assert.ok((await api().get('/processes/echo/jobs').expect(200)).body.jobs.some((j: any) => j.jobId === jobId));
      await api().get('/processes/nope/jobs/1').expect(404);
      await api().get(`/processes/echo/jobs/999999`).expect(404);
      assert.equal((await api().delete(`/processes/echo/jobs/${jobId}`).expect(200)).body.status, 'dismissed');
      await api().get(`/processes/echo/jobs/${jobId}`).expect(404);
      const bad = await api().post('/processes/echo/jobs').send({ inputs: [{ id: 'message' }] }).expect(400);
      assert.match(bad.body.detail, /data/);
    });
  });

  describe('WPS-T authorisation', () => {
    it('asks for the bearer token of OGC API Part 2 to deploy and undeploy; reading stays open', async () => {
      const guarded = await startServer('pglite', { SCALE_AUTH_TOKENS: 'wps-secret-deploy-0001:deploy,wps-secret-reader-0001:read' });
      try {
        const xml = `<wps:UndeployProcess service="WPS" version="2.0.0" ${W2}><ows:Identifier>echo</ows:Identifier></wps:UndeployProcess>`;
        const none = await request(guarded.url!).post('/wps').set('Content-Type', 'text/xml').send(xml).expect(401);
        assert.equal(code(none.text), 'Unauthorized');
        assert.equal(none.headers['www-authenticate'], 'Bearer');
        assert.equal(code((await request(guarded.url!).post('/wps').set('Content-Type', 'text/xml').set('Authorization', 'Bearer wrong-token-unknown').send(xml).expect(401)).text), 'Unauthorized');
        assert.equal(code((await request(guarded.url!).post('/wps').set('Content-Type', 'text/xml').set('Authorization', 'Bearer wps-secret-reader-0001').send(xml).expect(403)).text), 'Forbidden');
        assert.equal(code((await request(guarded.url!).post('/wps').set('Content-Type', 'text/xml').set('Authorization', 'Bearer wps-secret-deploy-0001').send(xml).expect(403)).text), 'ImmutableProcess', 'with the token, echo is still built in');
        await request(guarded.url!).get('/wps?service=WPS&request=GetCapabilities').expect(200);
      } finally {
        await guarded.close();
      }
    });
  });
});
