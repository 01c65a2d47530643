// Security headers on every response of every front door (issue 11, point 6): a strict
// Content-Security-Policy (no inline script; the OGC HTML pages' one inline style allowed by its
// exact hash), no framing, no sniffing, no referrer.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { scaledMs, startServer, type TestServer } from './helpers/server.ts';

describe('security headers', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async function () {
    this.timeout(scaledMs(60_000));
    t = await startServer('pglite');
  });
  after(() => t?.close());

  const check = (res: request.Response, { inlineStyles = false } = {}) => {
    const csp = res.headers['content-security-policy'];
    assert.ok(csp, 'a Content-Security-Policy');
    const directives = Object.fromEntries(csp.split(';').map((d: string) => d.trim().split(/\s+/)).map(([k, ...v]: string[]) => [k, v]));
    assert.deepEqual(directives['script-src'], ["'self'"]);
    assert.ok(!csp.includes('unsafe-eval'));
    if (inlineStyles) assert.deepEqual(directives['style-src'], ["'self'", "'unsafe-inline'"]);
    else assert.ok(!csp.includes('unsafe-inline'));
    assert.deepEqual(directives['frame-ancestors'], ["'none'"]);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['x-powered-by'], undefined);
    return directives;
  };

  it('sends them from the Scale API, OGC API - Processes, WPS, /metrics and 404s', async () => {
    check(await request(t.app).get('/scale/status/').expect(200));
    check(await request(t.app).get('/processes').expect(200));
    // XML: a browser's XML viewer styles the tree inline (Chromium's is refused otherwise); scripts stay out.
    check(await request(t.app).get('/wps').query({ service: 'WPS', request: 'GetCapabilities' }).expect(200), { inlineStyles: true });
    check(await request(t.app).get('/wps').query({ service: 'WPS', request: 'Nonsense' }).expect(501), { inlineStyles: true });
    check(await request(t.app).get('/metrics').expect(200));
    check(await request(t.app).get('/nowhere').expect(404));
  });

  it('allows the OGC HTML pages their inline style by hash, and nothing inline else', async () => {
    const res = await request(t.app).get('/').set('Accept', 'text/html').expect(200);
    const directives = check(res);
    const styles = [...res.text.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
    assert.equal(styles.length, 1);
    assert.ok(directives['style-src'].includes(`'sha256-${createHash('sha256').update(styles[0]).digest('base64')}'`), 'the page style hash is allowed');
    assert.doesNotMatch(res.text, /<script|\son[a-z]+="|style="/i);
  });
});
