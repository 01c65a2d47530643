// The OGC API - Processes conformance runner (conformance/) against a live server: every abstract
// test of Part 1 and Part 2 that applies to this server must pass (the rest are skipped with a
// reason), every Jobs test of the official suite replayed as it builds it passes or is a known suite
// defect, and the processes Part 2 deploys are gone afterwards.
import assert from 'node:assert/strict';
import request from 'supertest';
import { ETS_JOBS_METHODS } from '../conformance/checks/ets-jobs.ts';
import { CLASSES } from '../conformance/constants.ts';
import { type CheckResult, runConformance } from '../conformance/runner.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const ids = (results: CheckResult[], outcome: CheckResult['outcome']) => results.filter((r) => r.outcome === outcome).map((r) => r.id);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `B.${from + i}`);
/** Part 2 checks by conformance class. */
const DRU = [...range(1, 8), 'B.24', 'B.25'];
const OGCAPPPKG = range(9, 15);
const DOCKER = range(16, 17);
const CWL = range(18, 23);

async function processIds(t: TestServer): Promise<string[]> {
  return (await request(t.url!).get('/processes?limit=10000').expect(200)).body.processes.map((p: { id: string }) => p.id).sort();
}

async function declares(t: TestServer, uri: string): Promise<boolean> {
  return (await request(t.url!).get('/conformance').expect(200)).body.conformsTo.includes(uri);
}

function assertNoFailures(results: CheckResult[]): void {
  const failed = results.filter((r) => r.outcome === 'fail');
  assert.deepEqual(failed, [], failed.map((f) => `${f.id} ${f.title}: ${f.detail}`).join('\n'));
}

function assertPassed(results: CheckResult[], want: string[]): void {
  const passed = ids(results, 'pass');
  const missing = want.filter((id) => !passed.includes(id));
  const why = (id: string) => {
    const r = results.find((x) => x.id === id);
    return `${id} ${r?.title}: ${r?.outcome} ${r?.detail ?? ''}`;
  };
  assert.deepEqual(missing, [], missing.map(why).join('\n'));
}

describe('OGC API - Processes conformance runner against this server', function () {
  this.timeout(300_000);
  let t: TestServer;
  let initial: string[];
  let results: CheckResult[];
  before(async () => {
    t = await startServer('pglite', { SCALE_FETCH_ALLOW: '127.0.0.1' });
    initial = await processIds(t);
    results = await runConformance({ url: t.url! });
  });
  after(() => t?.close());

  it('passes every check that applies (A.1-A.82, B.1-B.25 and the official test suite checklist)', async () => {
    assertNoFailures(results);
    const passed = ids(results, 'pass');
    for (const id of ['A.2', 'A.15', 'A.22', 'A.29', 'A.30', 'A.31', 'A.32', 'A.34', 'A.41', 'A.43', 'A.46', 'A.47', 'A.48', 'A.58', 'A.59', 'A.63', 'A.71', 'A.80', 'A.82', 'ETS.8', 'ETS.12', 'ETS.17'])
      assert.ok(passed.includes(id), `${id} passed`);
    assert.ok(passed.length >= 80, `${passed.length} checks passed`);
    assert.deepEqual(results.map((r) => r.id.split('.')[0]).filter((p, i, all) => all.indexOf(p) === i), ['A', 'B', 'ETS', 'ETS-JOBS'], 'sorted A, B, ETS, ETS-JOBS');
  });

  it("replays every Jobs test of the official suite: each passes, skips as the suite does, or is one of the suite's known defects", () => {
    const replayed = results.filter((r) => r.id.startsWith('ETS-JOBS.'));
    assert.deepEqual(
      replayed.map((r) => r.id),
      ETS_JOBS_METHODS.map((m) => `ETS-JOBS.${m}`),
      'the 33 test methods, in the order TestNG runs them',
    );
    assert.equal(replayed.length, 33);
    const outcome = (m: string) => replayed.find((r) => r.id === `ETS-JOBS.${m}`);
    // The echo has a binary input (the suite's build lacks the test data for it) and the sync Link header is RFC 8288.
    for (const m of ['testJobCreationInputInlineBinary', 'testJobResultsSync']) {
      assert.equal(outcome(m)?.outcome, 'suite-defect', `${m}: ${outcome(m)?.outcome} ${outcome(m)?.detail ?? ''}`);
      assert.match(outcome(m)?.detail ?? '', /suite defect:/);
    }
    assert.match(outcome('testJobResultsSync')?.detail ?? '', /"<http:\/\/[^"]+>" \(brackets included\)/);
    for (const m of ['testJobCreationInputRef', 'testJobCreationInputValidation', 'testJobResultsExceptionResultsNotReady', 'testJobResultsAsyncRawValueOne', 'testJobCreationOp', 'testJobSuccess']) {
      assert.equal(outcome(m)?.outcome, 'pass', `${m}: ${outcome(m)?.outcome} ${outcome(m)?.detail ?? ''}`);
    }
    const skipped = replayed.filter((r) => r.outcome === 'skip');
    for (const r of skipped) assert.match(r.detail ?? '', /^No input of type (array|bounding box) found\.$/, `${r.id} skipped: ${r.detail}`);
  });

  it('passes Part 2: deploy-replace-undeploy, ogcapppkg and docker; CWL when the server declares it', async () => {
    assertPassed(results, [...DRU, ...OGCAPPPKG, ...DOCKER]);
    assert.ok(await declares(t, CLASSES.cwl), 'the server declares the cwl class');
    assertPassed(results, CWL);
  });

  it('leaves no process behind', async () => {
    assert.deepEqual(await processIds(t), initial);
  });
});

describe('OGC API - Processes conformance runner against a server that wants a bearer token to change processes', function () {
  this.timeout(300_000);
  let t: TestServer;
  before(async () => {
    t = await startServer('pglite', { SCALE_FETCH_ALLOW: '127.0.0.1', SCALE_AUTH_TOKENS: 'conformance-token' });
  });
  after(() => t?.close());

  it('deploys, replaces and undeploys with --token, and leaves no process behind', async () => {
    const initial = await processIds(t);
    const results = await runConformance({ url: t.url!, token: 'conformance-token' });
    assertNoFailures(results);
    assertPassed(results, [...DRU, ...OGCAPPPKG, ...DOCKER]);
    assert.deepEqual(await processIds(t), initial);
  });
});
