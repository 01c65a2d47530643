// The OGC API - Processes - Part 1 conformance runner (conformance/) against a live server: every
// abstract test that applies to this server must pass (the rest are skipped with a reason).
import assert from 'node:assert/strict';
import { runConformance } from '../conformance/runner.ts';
import { startServer, type TestServer } from './helpers/server.ts';

describe('OGC API - Processes conformance runner against this server', function () {
  this.timeout(300_000);
  let t: TestServer;
  before(async () => {
    t = await startServer('pglite');
  });
  after(() => t?.close());

  it('passes every check that applies (A.1-A.82 and the official test suite checklist)', async () => {
    const results = await runConformance({ url: t.url! });
    const failed = results.filter((r) => r.outcome === 'fail');
    assert.deepEqual(failed, [], failed.map((f) => `${f.id} ${f.title}: ${f.detail}`).join('\n'));
    const passed = results.filter((r) => r.outcome === 'pass').map((r) => r.id);
    for (const id of ['A.2', 'A.15', 'A.22', 'A.29', 'A.31', 'A.34', 'A.46', 'A.47', 'A.48', 'A.71', 'A.80', 'A.82', 'ETS.8', 'ETS.12']) assert.ok(passed.includes(id), `${id} passed`);
    assert.ok(passed.length >= 80, `${passed.length} checks passed`);
  });
});
