// Issue 21, point 5: a UI served elsewhere. SCALE_CORS_ORIGINS (off by default) answers preflights
// before authentication and adds the CORS headers on the Scale API (/scale/…) for the origins it
// names, and nothing for others; SCALE_UI_DIR hosts NGA's scale-ui production build at /scale-ui/
// with its base href, its appConfig.json pointing at this server's /scale/, its deep links and its
// own CSP relaxation (inline styles). The build is ../shared/scale-ui/dist (SCALE_UI_DIST to name
// another); without it the scale-ui tests skip, saying so.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { loadConfig } from '../src/config.ts';
import { cors, parseCorsOrigins } from '../src/http/cors.ts';
import { scaleUiRouter } from '../src/http/scale-ui.ts';
import { securityHeaders } from '../src/http/security-headers.ts';
import { startServer, tempDir, type TestServer } from './helpers/server.ts';
import { sharedMaterial } from '../conformance/lib/shared-material.ts';

/** The build: SCALE_UI_DIST, else ../shared/scale-ui/dist beside the repository, else /work/shared's (a clone elsewhere). */
const DIST = sharedMaterial(path.join('scale-ui', 'dist'), 'index.html', 'SCALE_UI_DIST');
const HAVE_DIST = fs.existsSync(path.join(DIST, 'index.html'));
const TOKEN = 'cors-test-token-0123456789abcdef';
const ALLOWED = 'https://ui.example.org';
const ALSO_ALLOWED = 'http://localhost:4200';
const OTHER = 'https://evil.example.com';

function skipWithoutDist(ctx: Mocha.Context) {
  if (HAVE_DIST) return;
  console.log(`      (skipped: no scale-ui build at ${DIST}; build it or set SCALE_UI_DIST)`);
  ctx.skip();
}

const cspOf = (res: request.Response): Record<string, string[]> =>
  Object.fromEntries(String(res.headers['content-security-policy']).split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));

describe('CORS on the Scale API and scale-ui at /scale-ui/', function () {
  this.timeout(60_000);
  /** CORS for two origins, tokens required (anonymous: nothing), scale-ui hosted when the build is there. */
  let listed: TestServer;
  /** Neither setting. */
  let plain: TestServer;
  const ui: Record<string, string> = HAVE_DIST ? { SCALE_UI_DIR: DIST } : {};

  before(async () => {
    [listed, plain] = await Promise.all([
      startServer('pglite', { SCALE_SCHEDULER: 'off', SCALE_CORS_ORIGINS: `${ALLOWED}, ${ALSO_ALLOWED}/`, SCALE_AUTH_TOKENS: `${TOKEN}:read`, SCALE_ANONYMOUS_SCOPES: 'none', ...ui }),
      startServer('pglite', { SCALE_SCHEDULER: 'off' }),
    ]);
  });
  after(async () => {
    await Promise.all([listed?.close(), plain?.close()]);
  });

  describe('SCALE_CORS_ORIGINS', () => {
    it('answers a preflight from an allowed origin with 204, before authentication', async () => {
      const res = await request(listed.app)
        .options('/scale/v6/jobs/cancel/')
        .set('Origin', ALLOWED)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization, content-type')
        .expect(204);
      assert.equal(res.headers['access-control-allow-origin'], ALLOWED);
      assert.equal(res.headers['access-control-allow-credentials'], 'true');
      const methods = String(res.headers['access-control-allow-methods']).split(/\s*,\s*/);
      for (const m of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS']) assert.ok(methods.includes(m), `${m} allowed`);
      assert.equal(res.headers['access-control-allow-headers'], 'authorization, content-type');
      assert.ok(Number(res.headers['access-control-max-age']) > 0);
      assert.match(String(res.headers.vary), /\bOrigin\b/);
      assert.match(String(res.headers.vary), /Access-Control-Request-Headers/);
      // The second origin was written with a trailing slash: the origin itself is allowed.
      const other = await request(listed.app).options('/scale/job-types/').set('Origin', ALSO_ALLOWED).set('Access-Control-Request-Method', 'GET').expect(204);
      assert.equal(other.headers['access-control-allow-origin'], ALSO_ALLOWED);
      // No Access-Control-Request-Headers: a fixed list that covers the API's own headers.
      assert.match(String(other.headers['access-control-allow-headers']), /Authorization/);
      assert.match(String(other.headers['access-control-allow-headers']), /Content-Type/);
    });

    it('refuses a preflight from another origin, without any CORS header', async () => {
      const res = await request(listed.app).options('/scale/v6/job-types/').set('Origin', OTHER).set('Access-Control-Request-Method', 'GET').expect(403);
      for (const h of Object.keys(res.headers)) assert.ok(!h.startsWith('access-control-'), `no ${h}`);
      assert.match(res.body.detail, /SCALE_CORS_ORIGINS/);
    });

    it('adds the headers to a real GET /scale/v6/job-types/ from an allowed origin, and to its refusals', async () => {
      const res = await request(listed.app).get('/scale/v6/job-types/').set('Origin', ALLOWED).set('Authorization', `Bearer ${TOKEN}`).expect(200);
      assert.equal(res.headers['access-control-allow-origin'], ALLOWED);
      assert.equal(res.headers['access-control-allow-credentials'], 'true');
      const exposed = String(res.headers['access-control-expose-headers']).split(/\s*,\s*/);
      for (const h of ['Location', 'Link', 'Retry-After', 'X-Request-Id']) assert.ok(exposed.includes(h), `${h} exposed`);
      assert.match(String(res.headers.vary), /\bOrigin\b/);
      assert.ok(Array.isArray(res.body.results));
      // A 401 the browser app must be able to read (to ask for a token).
      const denied = await request(listed.app).get('/scale/v6/job-types/').set('Origin', ALLOWED).expect(401);
      assert.equal(denied.headers['access-control-allow-origin'], ALLOWED);
      assert.match(String(denied.headers['www-authenticate']), /Bearer/);
    });

    it('gives another origin none, but serves it as any request (a same-origin POST carries an Origin too)', async () => {
      const res = await request(listed.app).get('/scale/v6/job-types/').set('Origin', OTHER).set('Authorization', `Bearer ${TOKEN}`).expect(200);
      for (const h of Object.keys(res.headers)) assert.ok(!h.startsWith('access-control-'), `no ${h}`);
      assert.match(String(res.headers.vary), /\bOrigin\b/, 'caches keep answers per origin');
    });

    it('is for the Scale API only: other doors get no CORS headers', async () => {
      const res = await request(listed.app).get('/processes').set('Origin', ALLOWED).set('Authorization', `Bearer ${TOKEN}`).expect(200);
      assert.equal(res.headers['access-control-allow-origin'], undefined);
    });

    it('with *, allows any origin as *, without credentials', async () => {
      // The middleware alone, as createApp mounts it (a whole server more is slow to start).
      const app = express().use(cors('*', (p) => p.startsWith('/scale/'))).get('/scale/v6/job-types/', (_req, res) => void res.json({ results: [] }));
      const pre = await request(app).options('/scale/v6/job-types/').set('Origin', OTHER).set('Access-Control-Request-Method', 'DELETE').expect(204);
      assert.equal(pre.headers['access-control-allow-origin'], '*');
      assert.equal(pre.headers['access-control-allow-credentials'], undefined);
      const res = await request(app).get('/scale/v6/job-types/').set('Origin', OTHER).expect(200);
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.equal(res.headers['access-control-allow-credentials'], undefined);
      assert.match(String(res.headers['access-control-expose-headers']), /Location/);
    });

    it('is off when unset: no CORS header on a preflight or a GET', async () => {
      const pre = await request(plain.app).options('/scale/v6/job-types/').set('Origin', ALLOWED).set('Access-Control-Request-Method', 'GET');
      assert.notEqual(pre.status, 204);
      const res = await request(plain.app).get('/scale/v6/job-types/').set('Origin', ALLOWED).expect(200);
      for (const r of [pre, res]) for (const h of Object.keys(r.headers)) assert.ok(!h.startsWith('access-control-'), `no ${h}`);
      assert.doesNotMatch(String(res.headers.vary ?? ''), /\bOrigin\b/);
    });

    it('reads the setting strictly', () => {
      assert.equal(loadConfig({}).corsOrigins, null);
      assert.deepEqual(parseCorsOrigins(' https://UI.example.org:443/ , http://localhost:4200 '), ['https://ui.example.org', 'http://localhost:4200']);
      assert.equal(parseCorsOrigins('*'), '*');
      assert.throws(() => loadConfig({ SCALE_CORS_ORIGINS: 'ui.example.org' }), /SCALE_CORS_ORIGINS: "ui.example.org" is not an origin/);
      assert.throws(() => loadConfig({ SCALE_CORS_ORIGINS: 'https://ui.example.org/app' }), /SCALE_CORS_ORIGINS: .*no path/);
      assert.throws(() => loadConfig({ SCALE_CORS_ORIGINS: 'ftp://ui.example.org' }), /SCALE_CORS_ORIGINS: .*not an http\(s\) origin/);
      assert.throws(() => loadConfig({ SCALE_CORS_ORIGINS: '*, https://ui.example.org' }), /SCALE_CORS_ORIGINS: .*cannot be listed with others/);
    });
  });

  describe('SCALE_UI_DIR', () => {
    before(function () {
      skipWithoutDist(this);
    });

    it('serves index.html at /scale-ui/ with <base href="/scale-ui/">, publicly, under a CSP with inline styles only', async () => {
      const redirect = await request(listed.app).get('/scale-ui').expect(301);
      assert.equal(redirect.headers.location, '/scale-ui/');
      // Tokens are required on this server, and anonymous requests may do nothing: the UI's files are public all the same.
      const res = await request(listed.app).get('/scale-ui/').expect(200);
      assert.match(res.headers['content-type'], /^text\/html/);
      assert.match(res.text, /<base href="\/scale-ui\/">/);
      assert.equal((res.text.match(/<base\s/g) ?? []).length, 1);
      assert.match(res.text, /<dev-root>/);
      assert.equal(res.headers['cache-control'], 'no-cache');
      const csp = cspOf(res);
      assert.deepEqual(csp['script-src'], ["'self'"]);
      assert.deepEqual(csp['style-src'], ["'self'", "'unsafe-inline'"]);
      assert.deepEqual(csp['connect-src'], ["'self'"]);
      assert.deepEqual(csp['frame-ancestors'], ["'none'"]);
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      // The relaxation stays under /scale-ui/.
      const api = await request(listed.app).get('/scale/v6/version/').set('Authorization', `Bearer ${TOKEN}`).expect(200);
      assert.ok(!String(api.headers['content-security-policy']).includes('unsafe-inline'));
      const index = await request(listed.app).get('/scale-ui/index.html').expect(200);
      assert.match(index.text, /<base href="\/scale-ui\/">/);
    });

    it("answers the app's appConfig.json with apiPrefix at this server's /scale", async () => {
      const original = JSON.parse(fs.readFileSync(path.join(DIST, 'assets', 'appConfig.json'), 'utf8'));
      // index.html's scripts load ./assets/appConfig.json, relative to the base href.
      for (const url of ['/scale-ui/assets/appConfig.json', '/scale-ui/appConfig.json']) {
        const res = await request(listed.app).get(url).expect(200);
        assert.match(res.headers['content-type'], /^application\/json/);
        assert.equal(res.body.apiPrefix, '/scale');
        assert.equal(res.body.apiDefaultVersion, 'v6');
        assert.equal(res.body.authEnabled, false);
        assert.equal(res.body.dateFormat, original.dateFormat, "the build's other keys are kept");
        assert.equal(res.headers['cache-control'], 'no-cache');
      }
      // What the app then calls: `${apiPrefix}/${apiDefaultVersion}/job-types/`.
      const cfg = (await request(listed.app).get('/scale-ui/assets/appConfig.json')).body;
      const list = await request(listed.app).get(`${cfg.apiPrefix}/${cfg.apiDefaultVersion}/job-types/`).set('Authorization', `Bearer ${TOKEN}`).expect(200);
      assert.ok(Array.isArray(list.body.results));
    });

    it('answers deep links of the app with index.html', async () => {
      for (const url of ['/scale-ui/processing/jobs', '/scale-ui/processing/jobs/12', '/scale-ui/system/status?x=1']) {
        const res = await request(listed.app).get(url).expect(200);
        assert.match(res.headers['content-type'], /^text\/html/, url);
        assert.match(res.text, /<base href="\/scale-ui\/">/, url);
      }
      // A route whose last segment looks like a file (a job type version) when a browser navigates to it.
      const versioned = await request(listed.app).get('/scale-ui/configuration/job-types/echo/1.0.0').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8').expect(200);
      assert.match(versioned.text, /<base href="\/scale-ui\/">/);
    });

    it('serves the static files with their types; a missing asset is a 404, not the page', async () => {
      const js = fs.readdirSync(DIST).find((f) => /^main-es2015\..*\.js$/.test(f)) ?? fs.readdirSync(DIST).find((f) => f.endsWith('.js'));
      assert.ok(js, 'the build has a script');
      const res = await request(listed.app).get(`/scale-ui/${js}`).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      }).expect(200);
      assert.match(res.headers['content-type'], /^(application|text)\/javascript/);
      assert.ok((res.body as Buffer).equals(fs.readFileSync(path.join(DIST, js))), 'the file as built');
      if (/\.[0-9a-f]{16,}\.js$/.test(js)) assert.match(res.headers['cache-control'], /immutable/, 'content-hashed files are cached');
      // Theme stylesheets and fonts: relative to the base.
      await request(listed.app).get('/scale-ui/assets/themes/light.css').expect(200).expect('content-type', /^text\/css/);
      await request(listed.app).get('/scale-ui/nope.0123456789abcdef.js').expect(404);
      const escape = await request(listed.app).get('/scale-ui/..%2f..%2f..%2fetc%2fpasswd');
      assert.ok(!/root:/.test(escape.text), 'nothing outside the build');
      await request(listed.app).post('/scale-ui/').set('Authorization', `Bearer ${TOKEN}`).expect(404);
    });

    it("points the stylesheets' root URLs under /scale-ui/", async () => {
      const css = fs.readdirSync(DIST).find((f) => /^styles\..*\.css$/.test(f));
      if (!css) return;
      const res = await request(listed.app).get(`/scale-ui/${css}`).expect(200);
      assert.match(res.headers['content-type'], /^text\/css/);
      assert.doesNotMatch(res.text, /url\(\s*['"]?\/(?!\/|scale-ui\/)/, 'no url(/…) outside /scale-ui/');
      if (/url\(\s*['"]?\/assets\//.test(fs.readFileSync(path.join(DIST, css), 'utf8'))) {
        const font = /url\(\s*['"]?(\/scale-ui\/assets\/[^)'"?#]+)/.exec(res.text)![1];
        await request(listed.app).get(font).expect(200);
      }
    });

    it("carries SCALE_PUBLIC_URL's path into the base href and the API prefix", async () => {
      // The router as the server mounts it behind a proxy under /ades (SCALE_PUBLIC_URL=https://gateway.example.org/ades/).
      const basePath = new URL(loadConfig({ SCALE_PUBLIC_URL: 'https://gateway.example.org/ades/' }).publicUrl!).pathname;
      const app = express().use(securityHeaders()).use(scaleUiRouter({ dir: DIST, basePath }));
      const res = await request(app).get('/scale-ui/').expect(200);
      assert.match(res.text, /<base href="\/ades\/scale-ui\/">/);
      assert.equal((await request(app).get('/scale-ui').expect(301)).headers.location, '/ades/scale-ui/');
      assert.equal((await request(app).get('/scale-ui/assets/appConfig.json').expect(200)).body.apiPrefix, '/ades/scale');
    });
  });

  describe('SCALE_UI_DIR setting', () => {
    it('is off when unset: /scale-ui/ is a 404', async () => {
      await request(plain.app).get('/scale-ui/').expect(404);
      await request(plain.app).get('/scale-ui/assets/appConfig.json').expect(404);
    });

    it('refuses to start on a directory without index.html, naming the setting', async () => {
      const empty = await tempDir('scale-ui-empty-');
      try {
        assert.throws(() => loadConfig({ SCALE_UI_DIR: empty }), /SCALE_UI_DIR=.* has no index\.html/);
        assert.throws(() => loadConfig({ SCALE_UI_DIR: path.join(empty, 'missing') }), /SCALE_UI_DIR=.* does not exist/);
        assert.equal(loadConfig({}).scaleUiDir, null);
        if (HAVE_DIST) assert.equal(loadConfig({ SCALE_UI_DIR: DIST }).scaleUiDir, DIST);
      } finally {
        fs.rmSync(empty, { recursive: true, force: true });
      }
    });
  });
});
