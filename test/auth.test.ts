// Authentication and authorisation (issue 12, point 5): bearer tokens with scopes (read, execute,
// deploy, admin) from the environment or a file; every write and deploy route of every door checks
// them (the list of write routes is read from the routers' source, so a new route cannot go
// unchecked); secret SEED settings never come back from any API and never reach the server log.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { requiredScope } from '../src/auth/policy.ts';
import { buildServer, type Server } from '../src/server.ts';
import { freshDatabase, type TestDatabase } from './helpers/db.ts';
import { seedManifest } from './helpers/seed.ts';
import { tempDir } from './helpers/server.ts';

const TOKENS = {
  reader: 'reader-token-0123456789',
  runner: 'runner-token-0123456789',
  deployer: 'deployer-token-01234567',
  admin: 'admin-token-0123456789ab',
};
const SECRET = 'the-secret-value-7f3a9c';

describe('authentication and authorisation', function () {
  this.timeout(60_000);
  let dataDir: string;
  let database: TestDatabase;
  let server: Server;
  let logText = '';
  before(async () => {
    dataDir = await tempDir();
    database = await freshDatabase('pglite');
    const tokenFile = path.join(dataDir, 'tokens');
    await fs.writeFile(tokenFile, `# operators\n${TOKENS.deployer} deploy read\n${TOKENS.admin}\n`);
    const config = loadConfig({
      PORT: '0', HOST: '127.0.0.1', SCALE_DATA_DIR: dataDir, SCALE_SCHEDULER_INTERVAL_MS: '100', SCALE_EXECUTOR: 'local',
      SCALE_AUTH_TOKENS: `${TOKENS.reader}:read, ${TOKENS.runner}:read+execute`, SCALE_AUTH_TOKEN_FILE: tokenFile, SCALE_ANONYMOUS_SCOPES: 'none',
    });
    const sink = new PassThrough();
    sink.on('data', (c) => (logText += c));
    server = await buildServer(config, { db: await database.open(), listen: false, log: createLogger({}, 'debug', { destination: sink, format: 'json' }) });
  });
  after(async () => {
    await server?.close();
    await database?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });
  const as = (who: keyof typeof TOKENS | null, r: request.Test) => (who ? r.set('Authorization', `Bearer ${TOKENS[who]}`) : r);

  it('reads tokens and scopes from the environment and a file, refusing short tokens and unknown scopes by name', async () => {
    assert.throws(() => loadConfig({ SCALE_AUTH_TOKENS: 'short:read' }), /too short/);
    assert.throws(() => loadConfig({ SCALE_AUTH_TOKENS: `${TOKENS.reader}:read+fly` }), /SCALE_AUTH_TOKENS: unknown scope "fly"/);
    assert.throws(() => loadConfig({ SCALE_AUTH_TOKENS: TOKENS.reader, SCALE_ANONYMOUS_SCOPES: 'everything' }), /SCALE_ANONYMOUS_SCOPES: unknown scope/);
    assert.throws(() => loadConfig({ SCALE_AUTH_TOKEN_FILE: '/no/such/file' }), /SCALE_AUTH_TOKEN_FILE=\/no\/such\/file cannot be read/);
    assert.deepEqual(loadConfig({}).auth, { tokens: [], anonymous: ['read', 'execute', 'deploy', 'admin'] }, 'no tokens: authentication is off');
    assert.deepEqual(loadConfig({ SCALE_AUTH_TOKENS: TOKENS.admin }).auth.anonymous, ['read'], 'with tokens, anonymous requests only read by default');
  });

  it('asks anonymous callers for a token (401 with a challenge) and refuses unknown tokens', async () => {
    const none = await request(server.app).get('/scale/jobs/').expect(401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    assert.match(none.body.detail, /needs a bearer token with the read scope/);
    const bad = await request(server.app).get('/scale/jobs/').set('Authorization', 'Bearer not-a-known-token-at-all').expect(401);
    assert.equal(bad.headers['www-authenticate'], 'Bearer error="invalid_token"');
    await request(server.app).get('/scale/jobs/').set('Authorization', 'Basic dXNlcjpwYXNz').expect(401);
    // The dashboard's files are public (its API calls carry the user's token).
    await request(server.app).get('/ui/').expect(200);
  });

  it('gives each scope what it names: read, execute, deploy, and admin for everything else', async () => {
    await as('reader', request(server.app).get('/scale/jobs/')).expect(200);
    await as('reader', request(server.app).get('/processes')).expect(200);
    await as('reader', request(server.app).get('/metrics')).expect(200);
    // execute: run a job, an OGC execution, a WPS Execute
    const jt = (await as('deployer', request(server.app).post('/scale/job-types/')).send({ name: 'auth-echo', version: '1.0', interface: { version: '1.0', command: '/bin/echo', command_arguments: 'hi', input_data: [] } }).expect(201)).body;
    await as('reader', request(server.app).post('/scale/queue/new-job/')).send({ job_type_id: jt.id, job_data: { version: '1.0', input_data: [] } }).expect(403);
    await as('runner', request(server.app).post('/scale/queue/new-job/')).send({ job_type_id: jt.id, job_data: { version: '1.0', input_data: [] } }).expect(201);
    await as('reader', request(server.app).post('/processes/echo/execution')).send({ inputs: { message: 'x' } }).expect(403);
    await as('runner', request(server.app).post('/processes/echo/execution')).send({ inputs: { message: 'x' } }).expect(200);
    const wpsExecute = '/wps?service=WPS&version=1.0.0&request=Execute&identifier=echo&DataInputs=message=hi';
    assert.match((await as('reader', request(server.app).get(wpsExecute)).expect(403)).text, /exceptionCode="NoApplicableCode".*does not have the execute scope/s);
    // deploy: job types, recipe types, processes; WPS-T
    await as('runner', request(server.app).post('/scale/job-types/')).send({ name: 'auth-x', version: '1.0', interface: { version: '1.0', command: '/bin/true', command_arguments: '', input_data: [] } }).expect(403);
    await as('runner', request(server.app).post('/processes')).set('Content-Type', 'application/ogcapppkg+json').send('{}').expect(403);
    await as('deployer', request(server.app).post('/processes')).set('Content-Type', 'application/ogcapppkg+json').send('{}').expect(400);
    // admin: workspaces, nodes, the scheduler, errors
    await as('deployer', request(server.app).patch('/scale/scheduler/')).send({ is_paused: false }).expect(403);
    await as('admin', request(server.app).patch('/scale/scheduler/')).send({ is_paused: false }).expect(200);
    await as('deployer', request(server.app).post('/scale/errors/')).send({ name: 'auth-err', title: 'x', category: 'DATA' }).expect(403);
    await as('admin', request(server.app).post('/scale/errors/')).send({ name: 'auth-err', title: 'x', category: 'DATA' }).expect(201);
    // Checks that change nothing only read.
    await as('reader', request(server.app).post('/scale/job-types/validation/')).send({ name: 'v', version: '1', interface: { version: '1.0', command: 'x', command_arguments: '', input_data: [] } }).expect(200);
  });

  it('checks every write route of the Scale API: the routers\' write routes are read from their source and each needs more than read', async () => {
    const dir = path.join(import.meta.dirname, '..', 'src', 'scale-api');
    const routes: [string, string][] = [];
    for (const f of await fs.readdir(dir)) {
      const text = await fs.readFile(path.join(dir, f), 'utf8');
      for (const m of text.matchAll(/\br\.(post|patch|put|delete)\('([^']+)'/g)) routes.push([m[1].toUpperCase(), m[2]]);
    }
    assert.ok(routes.length >= 30, `found ${routes.length} write routes`);
    for (const [method, route] of routes) {
      const p = `/scale${route.replace(/:[a-z]+/g, (k) => (k === ':key' ? 'x' : '1'))}`;
      const scope = requiredScope(method, p);
      const expected = /\/validation\/$/.test(p) ? 'read' : scope;
      assert.notEqual(scope, 'public', `${method} ${p}`);
      if (expected !== 'read') {
        const res = await as('reader', request(server.app)[method.toLowerCase() as 'post'](p)).send({});
        assert.equal(res.status, 403, `${method} ${p} answered ${res.status} to a read-only token`);
      }
    }
  });

  it('never returns a secret SEED setting from any API, and never writes it to the log', async () => {
    const m = seedManifest({}, { command: 'echo ${DB_HOST}', settings: [{ name: 'DB_HOST' }, { name: 'DB_PASS', secret: true }] });
    const created = await as('deployer', request(server.app).post('/scale/job-types/')).send({ docker_image: `${m.job.name}:1.0.0`, manifest: m, configuration: { settings: { DB_HOST: 'db.local', DB_PASS: SECRET } } });
    assert.equal(created.status, 201, created.text);
    const jt = created.body;
    const job = (await as('runner', request(server.app).post('/scale/jobs/')).send({ job_type_id: jt.id, input: {} }).expect(201)).body;
    // This server has no Docker runtime: the job waits in the queue, its configuration stored with it.
    const reads = [
      '/scale/job-types/', `/scale/job-types/${jt.id}/`, `/scale/job-types/${jt.name}/${jt.version}/`, `/scale/job-types/${jt.id}/revisions/`, '/scale/jobs/', `/scale/jobs/${job.id}/`,
      '/scale/job-executions/', `/scale/jobs/${job.id}/executions/`, '/scale/configuration/', `/processes/${m.job.name}`, `/processes/${m.job.name}/package`,
      `/wps?service=WPS&version=2.0.0&request=DescribeProcess&identifier=${m.job.name}`, '/metrics',
    ];
    for (const p of reads) {
      const res = await as('admin', request(server.app).get(p));
      assert.ok(res.status < 500, `${p}: ${res.status}`);
      assert.ok(!res.text.includes(SECRET), `${p} shows the secret`);
    }
    assert.ok(!(await as('reader', request(server.app).get(`/scale/queue/status/`))).text.includes(SECRET));
    assert.ok(logText.length > 1000, 'the server logged at debug level throughout');
    assert.ok(!logText.includes(SECRET), 'the secret is not in the server log');
    assert.ok(!logText.includes(TOKENS.admin) && !logText.includes(TOKENS.deployer), 'nor are the tokens');
    // At rest it is encrypted: not in any row as text.
    const rows = await server.db.query(`SELECT count(*)::int AS n FROM job_type WHERE configuration::text LIKE $1`, [`%${SECRET}%`]);
    assert.equal(rows.rows[0].n, 0);
  });
});
