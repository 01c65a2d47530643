// Hostile input (issue 12, point 4): what an attacker sends on purpose, on every door. XML external
// entities and DTDs, entity and alias expansion, nesting 100,000 levels deep, compression bombs,
// path traversal and symlinks in file names and workspace paths, hrefs into the server's own network
// (loopback, RFC 1918, link-local / cloud metadata, IPv6, names resolving there, redirects there,
// file://), CRLF in names that reach headers, and shell text in input values. Each case records what
// was tried and what held (test/reliability/report.ts).
//
// Archives: the server reads none — no zip, tar or gunzip anywhere in src/ or ogc/ (an upload, an
// inline input, a fetched href are stored as the bytes they are). The tests prove a compression bomb
// and a tar with a ../ member stay opaque files; the one decompression on the request path, of
// Content-Encoding: gzip JSON bodies, is bounded by the body limit counted after inflation.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import request from 'supertest';
import { parseAllowList } from '../../src/net/fetch-guard.ts';
import { seedManifest } from '../helpers/seed.ts';
import { startServer, type TestServer, waitFor } from '../helpers/server.ts';
import { checksumDiff, dbChecksum as checksumAll, exceptionReportNs } from './fuzz-kit.ts';
import { record } from './report.ts';

/** The tables a request could change: the node row is this server's own heartbeat (the scheduler runs here). */
async function dbChecksum(db: TestServer['db']): Promise<Map<string, string>> {
  const all = await checksumAll(db);
  for (const k of ['node', 'scheduler']) all.delete(k);
  return all;
}

const W2 = 'xmlns:wps="http://www.opengis.net/wps/2.0" xmlns:ows="http://www.opengis.net/ows/2.0" xmlns:xlink="http://www.w3.org/1999/xlink"';
const exec2 = (inputs: string) => `<wps:Execute ${W2} service="WPS" version="2.0.0" response="document" mode="async"><ows:Identifier>echo</ows:Identifier>${inputs}<wps:Output id="message" transmission="value"/></wps:Execute>`;

/** A service inside the server's network: every request it gets is one the server should not have made. */
async function insider(host = '127.0.0.1', handler?: http.RequestListener): Promise<{ url: string; hits: string[]; close: () => Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    if (handler) return handler(req, res);
    res.setHeader('content-type', 'text/plain');
    res.end('root:x:0:0:secret from inside\n');
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://${host}:${port}`, hits, close: () => new Promise((r) => server.close(() => r())) };
}

describe('hostile input (issue 12, point 4)', function () {
  this.timeout(180_000);
  let t: TestServer;
  let inside: Awaited<ReturnType<typeof insider>>;
  const api = () => request(t.app);
  const wps = (xml: string) => api().post('/wps').set('content-type', 'application/xml').send(xml);

  before(async () => {
    inside = await insider();
    t = await startServer('pglite', { SCALE_EXECUTOR: 'local', SCALE_OGC_SYNC_SECONDS: '0', SCALE_OGC_FETCH_SECONDS: '3', SCALE_STRIKE_POLL_MS: '3600000' });
  });
  after(async () => {
    const t0 = Date.now();
    await t?.close();
    if (process.env.HOSTILE_DEBUG) console.log(`      server closed in ${Date.now() - t0} ms`);
    await inside?.close();
  });

  it('XML external entities and DTDs are refused before parsing: nothing is read, fetched or expanded', async () => {
    const cases: [string, string][] = [
      ['file entity', `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${exec2('<wps:Input id="message"><wps:Data>&xxe;</wps:Data></wps:Input>')}`],
      ['http entity', `<!DOCTYPE x [<!ENTITY xxe SYSTEM "${inside.url}/entity">]>${exec2('<wps:Input id="message"><wps:Data>&xxe;</wps:Data></wps:Input>')}`],
      ['external DTD', `<!DOCTYPE wps:Execute SYSTEM "${inside.url}/x.dtd">${exec2('<wps:Input id="message"><wps:Data>x</wps:Data></wps:Input>')}`],
      ['parameter entity', `<!DOCTYPE x [<!ENTITY % p SYSTEM "${inside.url}/p.dtd"> %p;]>${exec2('<wps:Input id="message"><wps:Data>x</wps:Data></wps:Input>')}`],
      ['billion laughs', `<!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]>${exec2('<wps:Input id="message"><wps:Data>&lol9;</wps:Data></wps:Input>')}`],
      ['lower-case doctype', `<!doctype x [<!entity xxe system "file:///etc/passwd">]>${exec2('<wps:Input id="message"><wps:Data>&xxe;</wps:Data></wps:Input>')}`],
      ['entity in WPS-T deploy', `<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><wps:DeployProcess service="WPS" version="2.0.0" ${W2}><wps:ProcessOffering><wps:Process><ows:Title>&xxe;</ows:Title><ows:Identifier>xxe</ows:Identifier></wps:Process></wps:ProcessOffering></wps:DeployProcess>`],
    ];
    const before = await dbChecksum(t.db);
    for (const [what, xml] of cases) {
      const t0 = Date.now();
      const res = await wps(xml);
      assert.ok(res.status >= 400 && res.status < 500, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
      assert.ok('ns' in exceptionReportNs(res.text), `${what}: not an ExceptionReport`);
      assert.doesNotMatch(res.text, /root:x|lollol/, `${what}: entity content in the answer`);
      assert.ok(Date.now() - t0 < 2000, `${what} took ${Date.now() - t0} ms`);
    }
    assert.deepEqual(checksumDiff(before, await dbChecksum(t.db)), [], 'a refused document changed the database');
    assert.deepEqual(inside.hits, [], 'the server fetched an entity or DTD');
    record({ area: 'hostile input', what: 'XML external entities, external and parameter DTDs, billion laughs (WPS Execute and WPS-T Deploy)', tried: cases.length, held: true, figures: { 'fetches made': 0, '5xx': 0 } });
  });

  it('YAML alias bombs in a CWL package are refused quickly', async () => {
    const bomb = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n${Array.from({ length: 8 }, (_, i) => `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`).join('\n')}\nclass: CommandLineTool\ncwlVersion: v1.2\nid: bomb\ninputs: {}\noutputs: {}\nbaseCommand: [echo]\n`;
    const t0 = Date.now();
    const res = await api().post('/processes').set('content-type', 'application/cwl+yaml').send(bomb);
    assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.text.slice(0, 300)}`);
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    record({ area: 'hostile input', what: 'YAML alias expansion bomb in a CWL deploy', tried: 1, held: true, figures: { status: res.status, ms: Date.now() - t0 } });
  });

  it('JSON and XML nested 100,000 levels deep are 4xx on every door, and the server stays up', async () => {
    const n = 100_000;
    const deepArray = `${'['.repeat(n)}${']'.repeat(n)}`;
    const deepObject = `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    const jsonTargets: [string, string, string][] = [
      ['post', '/scale/job-types/', 'application/json'], ['post', '/scale/queue/new-job/', 'application/json'], ['patch', '/scale/scheduler/', 'application/json'],
      ['post', '/processes/echo/execution', 'application/json'], ['post', '/processes/echo/jobs', 'application/json'], ['post', '/processes', 'application/ogcapppkg+json'], ['put', '/processes/echo', 'application/cwl+json'],
    ];
    let sent = 0;
    for (const [method, p, type] of jsonTargets) {
      for (const body of [deepArray, `{"inputs":${deepObject}}`, `{"name":"x","interface":${deepArray}}`]) {
        const res = await (api() as any)[method](p).set('content-type', type).send(body);
        sent++;
        assert.ok(res.status >= 400 && res.status < 500, `${method} ${p}: ${res.status} ${res.text.slice(0, 200)}`);
      }
    }
    for (const xml of [exec2(`<wps:Input id="message"><wps:Data>${'<a>'.repeat(n)}${'</a>'.repeat(n)}</wps:Data></wps:Input>`), `<wps:DeployProcess service="WPS" version="2.0.0" ${W2}>${'<x>'.repeat(n)}${'</x>'.repeat(n)}</wps:DeployProcess>`]) {
      const res = await wps(xml);
      sent++;
      assert.equal(res.status, 400, res.text.slice(0, 300));
      assert.ok('ns' in exceptionReportNs(res.text));
    }
    await api().get('/scale/status/').expect(200);
    record({ area: 'hostile input', what: 'JSON and XML nested 100,000 levels (Scale, OGC, Testbed-14, deploy, WPS, WPS-T)', tried: sent, held: true, figures: { '5xx': 0 } });
  });

  it('archives are never expanded: a compression bomb and a tar with a ../ member are stored as the bytes sent; a gzip request body is bounded after inflation', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(50 * 1024 * 1024));
    // A tar whose one member is named ../../escaped.txt (ustar header by hand).
    const header = Buffer.alloc(512);
    header.write('../../escaped.txt', 0);
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write('00000000005\0', 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    const tar = Buffer.concat([header, Buffer.from('pwned'), Buffer.alloc(507), Buffer.alloc(1024)]);
    const wsDir = path.join(t.dataDir, 'workspaces', 'default');
    for (const [name, bytes] of [['bomb.gz', bomb], ['evil.tar', tar], ['evil.tar.gz', zlib.gzipSync(tar)]] as const) {
      const up = await api().post('/scale/files/').field('workspace', 'default').attach('file', bytes, name).expect(201);
      assert.equal(up.body.file_size, bytes.length, `${name} stored at its own size`);
      const back = await api().get(`/scale/files/${up.body.id}/content`).buffer(true).parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      }).expect(200);
      assert.ok(Buffer.compare(back.body as Buffer, bytes) === 0, `${name} comes back byte for byte`);
    }
    assert.ok(!fs.existsSync(path.join(wsDir, '..', '..', 'escaped.txt')) && !fs.existsSync(path.join(wsDir, 'escaped.txt')), 'a tar member was extracted');
    // The same bomb given inline to an execute (a complex input) is stored as it is, too.
    const ex = await api().post('/processes/echo/execution').set('prefer', 'respond-async').send({ inputs: { message: 'x', complex: { value: zlib.gzipSync(Buffer.alloc(1024 * 1024)).toString('base64'), mediaType: 'application/json', encoding: 'base64' } } });
    assert.equal(ex.status, 201, ex.text.slice(0, 200));
    // Its echo puts the gzip's NUL bytes in an output value the database cannot store: the job must
    // end (FAILED, invalid-results-manifest) rather than hold the outcome writer forever.
    const ended = await waitFor(async () => {
      const j = (await api().get(`/scale/jobs/${ex.body.jobID}/`)).body;
      return ['COMPLETED', 'FAILED', 'CANCELED'].includes(j.status) ? j : null;
    }, { timeoutMs: 30_000, what: 'the job given a compression bomb to end' });
    assert.ok(ended.status === 'COMPLETED' || ended.error?.name === 'invalid-results-manifest', JSON.stringify(ended).slice(0, 300));
    // Content-Encoding: gzip on a JSON body inflates at most the body limit (1 MiB here), then 413.
    const t0 = Date.now();
    const gz = zlib.gzipSync(Buffer.from(`{"name":"${' '.repeat(100 * 1024 * 1024)}"}`));
    const port = (t.http!.address() as { port: number }).port;
    const inflated = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/scale/job-types/', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gz.length } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.end(gz);
    });
    assert.equal(inflated.status, 413, inflated.text.slice(0, 200));
    assert.ok(Date.now() - t0 < 10_000);
    record({ area: 'hostile input', what: 'compression bomb (50 MiB of zeros), tar with a ../ member, gzip request body of 100 MiB inflated', tried: 5, held: true, figures: { 'archives expanded': 0, 'gzip body': '413 after 1 MiB' } });
  });

  it('path traversal and symlinks in upload paths, workspace paths and SEED host mounts are refused', async () => {
    const wsDir = path.join(t.dataDir, 'workspaces', 'default');
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-outside-'));
    fs.symlinkSync(outside, path.join(wsDir, 'escape'));
    const refused: string[] = [];
    for (const filePath of ['../../escaped.txt', '/etc/hostile.txt', 'a/../../../escaped.txt', 'escape/through-link.txt', 'escape/../../x.txt', '..', './../x']) {
      const res = await api().post('/scale/files/').field('workspace', 'default').field('file_path', filePath).attach('file', Buffer.from('x'), 'a.txt');
      assert.equal(res.status, 400, `${filePath}: ${res.status} ${res.text}`);
      refused.push(filePath);
    }
    // A file name is a name, whatever it says: the file lands inside the workspace.
    const named = await api().post('/scale/files/').field('workspace', 'default').attach('file', Buffer.from('x'), '../../../named.txt').expect(201);
    assert.ok(!named.body.file_path.includes('..'), named.body.file_path);
    assert.deepEqual(fs.readdirSync(outside), [], 'a file was written through the symlink');
    // Workspaces: host paths with .. or outside SCALE_WORKSPACE_ROOTS (when set) are refused.
    const dots = await api().post('/scale/workspaces/').send({ name: 'dots', json_config: { version: '1.0', broker: { type: 'host', host_path: '/tmp/../etc' } } });
    assert.equal(dots.status, 400, dots.text);
    const confined = await startServer('pglite', { SCALE_SCHEDULER: 'off', SCALE_WORKSPACE_ROOTS: outside, SCALE_DEFAULT_WORKSPACE: '' });
    try {
      const etc = await request(confined.app).post('/scale/workspaces/').send({ name: 'etc', json_config: { version: '1.0', broker: { type: 'host', host_path: '/etc' } } });
      assert.equal(etc.status, 400, etc.text);
      // SEED mounts: a host path with '..' or outside SCALE_WORKSPACE_ROOTS is not mounted into a container.
      for (const hostPath of ['/', '/var/run/docker.sock', `${outside}/../../etc`]) {
        const jt = await request(confined.app).post('/scale/job-types/').send({
          docker_image: 'hostile-1.0.0-seed:1.0.0', manifest: seedManifest({}, { mounts: [{ name: 'M', path: '/data', mode: 'rw' }] }),
          configuration: { mounts: { M: { type: 'host', host_path: hostPath } } },
        });
        assert.equal(jt.status, 400, `${hostPath}: ${jt.text}`);
        assert.match(jt.body.detail, /host_path/, jt.text);
      }
    } finally {
      await confined.close();
    }
    fs.rmSync(outside, { recursive: true, force: true });
    record({ area: 'hostile input', what: 'path traversal and symlinks: upload file_path and file name, workspace host paths, SEED host mounts', tried: refused.length + 6, held: true });
  });

  it('Strike/Scan sweeps do not follow symlinks out of their workspace', async () => {
    const dir = path.join(t.dataDir, 'scanned-hostile');
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-scan-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.csv'), 'secret');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'ok.csv'), 'ok');
    fs.symlinkSync(path.join(outside, 'secret.csv'), path.join(dir, 'leak.csv'));
    fs.symlinkSync(outside, path.join(dir, 'dir-link'));
    fs.symlinkSync('/etc/passwd', path.join(dir, 'passwd.csv'));
    await api().post('/scale/workspaces/').send({ name: 'scanned-hostile', json_config: { version: '1.0', broker: { type: 'host', host_path: dir } } }).expect(201);
    const scan = (await api().post('/scale/scans/').send({ name: 'scan-hostile', configuration: { version: '1.0', workspace: 'scanned-hostile', scanner: { type: 'dir' }, recursive: true, files_to_ingest: [{ filename_regex: '.*' }] } }).expect(201)).body;
    const dry = (await api().post(`/scale/scans/${scan.id}/process/`).send({ ingest: false }).expect(201)).body;
    assert.deepEqual(dry.files.map((f: any) => f.file).sort(), ['ok.csv'], JSON.stringify(dry.files));
    const run = (await api().post(`/scale/scans/${scan.id}/process/`).send({ ingest: true }).expect(201)).body;
    assert.equal(run.ingested, 1, JSON.stringify(run).slice(0, 300));
    fs.rmSync(outside, { recursive: true, force: true });
    record({ area: 'hostile input', what: 'symlinks out of a scanned workspace (file, directory, /etc/passwd)', tried: 3, held: true, figures: { 'files ingested through a link': 0 } });
  });

  describe('hrefs into the server\'s own network', () => {
    const hrefs = (url: string, port: number) => [
      `${url}/secret`, `http://localhost:${port}/secret`, `http://[::1]:${port}/secret`, `http://[::ffff:127.0.0.1]:${port}/secret`, `http://2130706433:${port}/secret`, `http://0x7f.1:${port}/secret`,
      `http://0.0.0.0:${port}/secret`, 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'http://192.168.1.1/', 'http://172.16.0.1/', 'http://100.64.0.1/', 'http://[fd00::1]/', 'http://[fe80::1]/',
      'file:///etc/passwd', 'ftp://127.0.0.1/x', 'gopher://127.0.0.1:25/x',
    ];

    it('are refused by default: OGC execute inputs, WPS Reference inputs, CWL packages by href — nothing is fetched', async () => {
      const port = Number(new URL(inside.url).port);
      const before = await dbChecksum(t.db);
      let tried = 0;
      for (const href of hrefs(inside.url, port)) {
        const value = await api().post('/processes/echo/execution').set('prefer', 'respond-async').send({ inputs: { message: { href } } });
        assert.equal(value.status, 400, `value ${href}: ${value.status} ${value.text.slice(0, 200)}`);
        const file = await api().post('/processes/echo/execution').set('prefer', 'respond-async').send({ inputs: { message: 'x', complex: { href, type: 'text/plain' } } });
        assert.equal(file.status, 400, `file ${href}: ${file.status} ${file.text.slice(0, 200)}`);
        const ref = await wps(exec2(`<wps:Input id="message"><wps:Reference xlink:href="${href.replace(/&/g, '&amp;')}"/></wps:Input>`));
        assert.ok(ref.status >= 400 && ref.status < 500, `WPS ${href}: ${ref.status} ${ref.text.slice(0, 300)}`);
        const cwl = await api().post('/processes').set('content-type', 'application/ogcapppkg+json').send({ executionUnit: { type: 'cwl', href }, processDescription: { process: { id: 'ssrf', version: '1.0.0', inputs: {}, outputs: {} } } });
        assert.ok(cwl.status >= 400 && cwl.status < 500, `CWL ${href}: ${cwl.status} ${cwl.text.slice(0, 200)}`);
        tried += 4;
      }
      assert.deepEqual(inside.hits, [], 'the server fetched from its own network');
      assert.deepEqual(checksumDiff(before, await dbChecksum(t.db)), [], 'a refused execute left something behind');
      record({ area: 'hostile input', what: 'hrefs to loopback, RFC 1918, link-local/metadata, IPv6 ::1/fc00::/fe80::, mapped and numeric forms, localhost, file://, ftp://, gopher:// (OGC inputs, WPS Reference, CWL href)', tried, held: true, figures: { 'fetches made': 0 } });
    });

    it('SCALE_FETCH_ALLOW opens what it names and nothing else, and a redirect is checked again', async () => {
      // Allowed: 127.0.0.2 (a service the deployment trusts). Not allowed: 127.0.0.1, where it redirects.
      const trusted = await insider('127.0.0.2', (req, res) => {
        if (req.url === '/redirect') {
          res.statusCode = 302;
          res.setHeader('location', `${inside.url}/secret`);
          return res.end();
        }
        res.end('hello from a trusted host');
      });
      const open = await startServer('pglite', { SCALE_FETCH_ALLOW: '127.0.0.2', SCALE_SCHEDULER: 'off', SCALE_OGC_SYNC_SECONDS: '0' });
      try {
        const ok = await request(open.app).post('/processes/echo/execution').set('prefer', 'respond-async').send({ inputs: { message: { href: `${trusted.url}/value` } } });
        assert.equal(ok.status, 201, ok.text);
        // An asynchronous run is accepted first; fetching its input is its first step.
        const job = await waitFor(async () => {
          const j = (await request(open.app).get(`/scale/jobs/${ok.body.jobID}/`).expect(200)).body;
          return j.status !== 'PENDING' && j;
        }, { what: 'the input to be fetched' });
        assert.match(JSON.stringify(job), /hello from a trusted host/);
        // The redirect into the network is found while fetching: the run fails, saying why.
        const hop = await request(open.app).post('/processes/echo/execution').set('prefer', 'respond-async').send({ inputs: { message: { href: `${trusted.url}/redirect` } } });
        assert.equal(hop.status, 201, hop.text);
        const failed = await waitFor(async () => {
          const st = (await request(open.app).get(`/jobs/${hop.body.jobID}`).expect(200)).body;
          return st.status === 'failed' && st;
        }, { what: 'the redirected run to fail' });
        assert.match(failed.message, /SCALE_FETCH_ALLOW/);
        const direct = await request(open.app).post('/processes/echo/execution').set('prefer', 'respond-async').send({ inputs: { message: { href: `${inside.url}/secret` } } });
        assert.equal(direct.status, 400, direct.text);
        assert.deepEqual(inside.hits, [], 'the redirect was followed into the network');
        assert.deepEqual(trusted.hits, ['GET /value', 'GET /redirect']);
      } finally {
        await open.close();
        await trusted.close();
      }
      assert.throws(() => parseAllowList('10.0.0.0/33'), /CIDR/);
      record({ area: 'hostile input', what: 'SCALE_FETCH_ALLOW: an allowed host is fetched, its redirect into the network is refused, other private addresses stay closed', tried: 3, held: true });
    });
  });

  it('CR/LF in names never reaches a header', async () => {
    const names = ['evil\r\nX-Injected: 1', 'evil\nSet-Cookie: a=b', 'evil%0d%0aX-Injected:%201'];
    const seen: string[] = [];
    for (const name of names) {
      for (const res of [
        await api().post('/scale/job-types/').send({ name, version: '1.0', interface: { command: '/bin/true', input_data: [], output_data: [] } }),
        await api().post('/scale/recipe-types/').send({ name, definition: { input_data: [], jobs: [] } }),
        await api().post('/scale/workspaces/').send({ name, json_config: { version: '1.0', broker: { type: 'host', host_path: path.join(t.dataDir, 'ws-crlf') } } }),
        await api().post('/processes').set('content-type', 'application/ogcapppkg+json').send({ processDescription: { process: { id: name, version: '1.0.0', inputs: {}, outputs: {} } }, executionUnit: { type: 'docker', image: 'x/y:1' } }),
      ]) {
        assert.ok(res.status < 500, `${JSON.stringify(name)}: ${res.status} ${res.text.slice(0, 200)}`);
        assert.equal(res.headers['x-injected'], undefined);
        assert.equal(res.headers['set-cookie'], undefined);
        seen.push(String(res.headers.location ?? ''));
      }
    }
    // File names: a CR/LF given in the multipart header's filename* is dropped; the download's
    // Content-Disposition carries only the cleaned name (and a UTF-8 name outside Latin-1 works).
    const b = 'HOSTILE';
    for (const disp of [`filename*=UTF-8''a%0D%0AX-Injected%3A%201.txt`, `filename*=UTF-8''%E6%96%87%E4%BB%B6.txt`]) {
      const body = `--${b}\r\nContent-Disposition: form-data; name="workspace"\r\n\r\ndefault\r\n--${b}\r\nContent-Disposition: form-data; name="file"; ${disp}\r\n\r\nhello\r\n--${b}--\r\n`;
      const up = await api().post('/scale/files/').set('content-type', `multipart/form-data; boundary=${b}`).send(Buffer.from(body)).expect(201);
      const down = await api().get(`/scale/files/${up.body.id}/content`).expect(200);
      assert.equal(down.headers['x-injected'], undefined);
      assert.doesNotMatch(String(down.headers['content-disposition']), /[\r\n]/);
    }
    assert.ok(seen.every((l) => !/[\r\n]/.test(l)), 'a Location with CR/LF');
    record({ area: 'hostile input', what: 'CR/LF in job type, recipe type, workspace and process names and in uploaded file names (Location, Content-Disposition)', tried: names.length * 4 + 2, held: true, figures: { 'headers injected': 0 } });
  });

  it('input values are argv elements, never shell text: nothing they say is run', async () => {
    const marker = path.join(os.tmpdir(), `hostile-marker-${process.pid}`);
    fs.rmSync(marker, { force: true });
    const jt = (await api().post('/scale/job-types/').send({
      name: 'hostile-echo', version: '1.0', cpus_required: 0.1, mem_required: 16,
      interface: { command: '/bin/echo', command_arguments: '${value}', input_data: [{ name: 'value', type: 'property' }], output_data: [] },
    }).expect(201)).body;
    const values = [`$(touch ${marker}); rm -rf /tmp/nothing`, `\`touch ${marker}\``, `; touch ${marker}`, `| touch ${marker}`, `&& touch ${marker}`, `'"; touch ${marker}; echo "'`, `\ntouch ${marker}`];
    const jobs: number[] = [];
    for (const v of values) jobs.push((await api().post('/scale/queue/new-job/').send({ job_type_id: jt.id, job_data: { input_data: [{ name: 'value', value: v }] } }).expect(201)).body.id);
    // The same through OGC API - Processes.
    const ogc = await api().post('/processes/hostile-echo/execution').set('prefer', 'respond-async').send({ inputs: { value: `$(touch ${marker})` } });
    assert.equal(ogc.status, 201, ogc.text);
    jobs.push(Number(ogc.body.jobID));
    for (const [i, id] of jobs.entries()) {
      const job = await waitFor(async () => {
        const j = (await api().get(`/scale/jobs/${id}/`)).body;
        return ['COMPLETED', 'FAILED', 'CANCELED'].includes(j.status) ? j : null;
      }, { timeoutMs: 60_000, what: `job ${id}` });
      assert.equal(job.status, 'COMPLETED', JSON.stringify(job).slice(0, 500));
      const out = (await api().get(`/scale/job-executions/${job.job_exes[0].id}/logs/stdout/`).expect(200)).text;
      const given = i < values.length ? values[i] : `$(touch ${marker})`;
      // echo printed the value itself, as one argument.
      assert.ok(out.includes(given.split('\n').pop()!.trim()), `stdout ${JSON.stringify(out)} does not hold ${JSON.stringify(given)}`);
    }
    assert.ok(!fs.existsSync(marker), 'an input value was run as shell text');
    record({ area: 'hostile input', what: 'shell text in input values ($(), backticks, ;, |, &&, quotes, newline) through the Scale API and OGC execute', tried: jobs.length, held: true, figures: { 'commands run': 0 } });
  });
});
