// The CWL v1.2 conformance suite's `required` cases (../shared/cwl-conformance, upstream's own
// documents, job orders and expected outputs) through a real server's deploy and execute, and with
// cwltool run directly on the same documents in the same run (conformance/cwl, `npm run
// cwl-conformance`). Every case cwltool passes here must pass through the server, except the ones
// named below with the reason; a named case that starts passing fails this test too, so the list
// stays true.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCwlConformance, tagTable } from '../conformance/cwl/runner.ts';
import { suiteDir } from '../conformance/cwl/suite.ts';
import { findProgram } from '../src/cwl/cwltool.ts';
import { dockerAvailable } from './helpers/docker.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const SUITE = suiteDir();

/** Cases the server does not pass yet, and why (cwltool itself passes them). */
const KNOWN: Record<string, string> = {};

describe('CWL v1.2 conformance, required cases: through the server beside cwltool', function () {
  this.timeout(30 * 60_000);
  let t: TestServer;

  before(async function () {
    if (!(await dockerAvailable()) || !findProgram('cwltool') || !fs.existsSync(path.join(SUITE, 'conformance_tests.yaml'))) {
      if (process.env.REQUIRE_CWLTOOL === '1') throw new Error(`REQUIRE_CWLTOOL=1 but cwltool, a Docker engine or the suite at ${SUITE} is missing`);
      this.skip();
    }
    t = await startServer('pglite', { SCALE_FETCH_ALLOW: '127.0.0.1', SCALE_EXECUTOR: 'auto', SCALE_CWL_DEFAULT_CONTAINER: 'scale-cwl-conformance:busybox', SCALE_OGC_SYNC_SECONDS: '60' });
  });
  after(async () => {
    await t?.close();
  });

  it('passes every required case cwltool passes, but the known ones', async () => {
    const results = await runCwlConformance({ url: t.url!, suiteDir: SUITE, tags: ['required'], jobs: 3, server: true, direct: true, filesHost: '127.0.0.1', caseSeconds: 240 });
    console.log(`\n${tagTable(results)}\n`);
    assert.ok(results.length >= 80, `the suite's required cases (${results.length})`);
    const passedDirect = results.filter((r) => r.direct?.verdict === 'pass');
    assert.ok(passedDirect.length >= 60, `cwltool passes most required cases here (${passedDirect.length})`);
    const gaps = passedDirect.filter((r) => r.server?.verdict !== 'pass');
    const unexpected = gaps.filter((r) => !(r.id in KNOWN)).map((r) => `${r.id}: ${r.server?.verdict} ${r.server?.reason ?? ''}`);
    assert.deepEqual(unexpected, [], 'cases cwltool passes that fail through the server');
    const fixed = Object.keys(KNOWN).filter((id) => results.find((r) => r.id === id)?.server?.verdict === 'pass');
    assert.deepEqual(fixed, [], 'known gaps that now pass: take them off the list');
  });
});
