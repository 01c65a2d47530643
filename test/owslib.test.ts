// OWSLib, the Python OGC client most users will reach for, against our server: its WPS 1.0.0 client
// on /wps (GetCapabilities, DescribeProcess, Execute async with a file by reference and a file
// output, Execute sync of a literal) and its OGC API - Processes client on /. The scripts under
// helpers/owslib/ print what OWSLib parsed as JSON; the assertions are on that. Needs python3 with
// OWSLib (Debian: python3-owslib); skipped without it unless REQUIRE_OWSLIB=1.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJobType, upload } from './helpers/scale.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const HERE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers', 'owslib');

/**
 * The first Python that imports owslib: $OWSLIB_PYTHON, then Debian's /usr/bin/python3 (a pyenv or
 * venv python3 first on PATH does not see Debian's dist-packages), then python3 on PATH.
 */
function findPython(): { python: string; version: string } | null {
  for (const python of [process.env.OWSLIB_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean) as string[]) {
    try {
      const version = execFileSync(python, ['-c', 'import owslib; print(owslib.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      return { python, version };
    } catch {
      // not there, or no owslib
    }
  }
  return null;
}

describe('OWSLib against our server (WPS 1.0.0 and OGC API - Processes)', function () {
  this.timeout(120_000);
  let py: { python: string; version: string } | null;
  let t: TestServer;
  let upper: any;
  let wps: string;

  /** Runs a helper script; its stdout is JSON. A failure carries the script's stderr (traceback and the XML OWSLib read). */
  const run = (script: string, ...args: string[]): Promise<any> =>
    new Promise((resolve, reject) => {
      execFile(py!.python, [path.join(HERE, script), ...args], { encoding: 'utf8', timeout: 100_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`${script} ${args.join(' ')} failed (${err.message.split('\n')[0]}):\n${stderr}\n${stdout}`));
        try {
          resolve(JSON.parse(stdout));
        } catch {
          reject(new Error(`${script} printed no JSON:\n${stdout}\n${stderr}`));
        }
      });
    });

  before(async function () {
    py = findPython();
    if (!py) {
      if (process.env.REQUIRE_OWSLIB === '1') throw new Error('REQUIRE_OWSLIB=1 but no python3 with OWSLib (apt-get install python3-owslib, or set OWSLIB_PYTHON)');
      this.skip();
    }
    t = await startServer('pglite', { SCALE_OGC_SYNC_SECONDS: '30' });
    wps = `${t.url}/wps`;
    // A Scale job type with a file in and a file out, run by the local executor.
    upper = await createJobType(t.app, {
      name: 'owslib-upper',
      title: 'Upper case (OWSLib test)',
      description: 'Upper-cases a text file.',
      interface: {
        version: '1.0',
        command: `/bin/sh ${path.join(HERE, 'upper.sh')}`,
        command_arguments: '${input_file} ${job_output_dir}',
        input_data: [{ name: 'input_file', type: 'file', media_types: ['text/plain'] }],
        output_data: [{ name: 'upper', type: 'file', media_type: 'text/plain' }],
      },
    });
  });
  after(() => t?.close());

  it('GetCapabilities: OWSLib lists our processes with their titles', async () => {
    const caps = await run('wps_client.py', 'caps', wps);
    assert.equal(caps.version, '1.0.0');
    assert.equal(caps.type, 'WPS');
    for (const op of ['GetCapabilities', 'DescribeProcess', 'Execute']) assert.ok(caps.operations.includes(op), `operation ${op} in ${caps.operations}`);
    const byId = new Map(caps.processes.map((p: any) => [p.identifier, p]));
    assert.equal((byId.get('echo') as any)?.title, 'Echo', JSON.stringify(caps.processes));
    assert.equal((byId.get(upper.name) as any)?.title, 'Upper case (OWSLib test)', JSON.stringify(caps.processes));
  });

  it('DescribeProcess: inputs, literal data types and complex formats as OWSLib parses them', async () => {
    const d = await run('wps_client.py', 'describe', wps, 'echo', upper.name);
    const echo = d.echo;
    assert.equal(echo.identifier, 'echo');
    assert.equal(echo.title, 'Echo');
    const inputs = new Map(echo.inputs.map((i: any) => [i.identifier, i]));
    for (const id of ['message', 'pause', 'fail']) assert.ok(inputs.has(id), `input ${id} in ${[...inputs.keys()]}`);
    assert.equal((inputs.get('message') as any).dataType, 'string');
    assert.equal((inputs.get('message') as any).minOccurs, 0);
    assert.equal((inputs.get('pause') as any).dataType, 'integer');
    assert.equal((inputs.get('pause') as any).minOccurs, 0);
    assert.equal((inputs.get('fail') as any).dataType, 'boolean');
    // The optional complex and bounding-box inputs echo has beside its literals (for the WPS test suites).
    if (inputs.has('complex')) {
      assert.equal((inputs.get('complex') as any).dataType, 'ComplexData');
      assert.ok((inputs.get('complex') as any).formats.length > 0, JSON.stringify(inputs.get('complex')));
    }
    if (inputs.has('bbox')) assert.equal((inputs.get('bbox') as any).dataType, 'BoundingBoxData', JSON.stringify(inputs.get('bbox')));
    // Each input echoed to the output of its id; message, the literal, leads.
    assert.deepEqual(echo.outputs.map((o: any) => [o.identifier, o.dataType]), [['message', 'string'], ['object', 'ComplexData'], ['bbox', 'ComplexData'], ['binary', 'ComplexData'], ['complex', 'ComplexData']]);

    const u = d[upper.name];
    assert.equal(u.title, 'Upper case (OWSLib test)');
    assert.equal(u.storeSupported, true, 'async execution (storeExecuteResponse) is OWSLib\'s default');
    assert.equal(u.statusSupported, true);
    assert.equal(u.inputs.length, 1);
    assert.equal(u.inputs[0].identifier, 'input_file');
    assert.equal(u.inputs[0].dataType, 'ComplexData');
    assert.ok(u.inputs[0].formats.includes('text/plain'), JSON.stringify(u.inputs[0]));
    assert.equal(u.inputs[0].default, 'text/plain');
    assert.equal(u.inputs[0].minOccurs, 1);
    assert.equal(u.outputs.length, 1);
    assert.equal(u.outputs[0].identifier, 'upper');
    assert.equal(u.outputs[0].dataType, 'ComplexData');
    assert.ok(u.outputs[0].formats.includes('text/plain'), JSON.stringify(u.outputs[0]));
  });

  it('Execute (async, OWSLib\'s default): a file by reference in, a file reference out, polled through statusLocation', async () => {
    const file = await upload(t.app, 'hello owslib\n', 'hello.txt', { media_type: 'text/plain' });
    const href = `${t.url}/scale/files/${file.id}/content`;
    const r = await run('wps_client.py', 'execute-ref', wps, upper.name, 'input_file', href, 'upper', 'text/plain');
    assert.ok(['ProcessAccepted', 'ProcessStarted', 'ProcessSucceeded'].includes(r.first.status), JSON.stringify(r.first));
    assert.match(r.first.statusLocation ?? '', /^http:\/\//, 'an absolute statusLocation to poll');
    assert.equal(r.status, 'ProcessSucceeded', JSON.stringify(r));
    assert.equal(r.outputs.length, 1);
    assert.equal(r.outputs[0].identifier, 'upper');
    assert.match(r.outputs[0].reference ?? '', /^http:\/\//, JSON.stringify(r.outputs[0]));
    assert.equal(r.contentStatus, 200);
    assert.equal(r.content, 'HELLO OWSLIB\n');
  });

  it('Execute (sync): a literal in, the literal out by value', async () => {
    const r = await run('wps_client.py', 'execute-literal', wps, 'echo', 'message', 'hello', 'message', 'sync');
    assert.equal(r.status, 'ProcessSucceeded', JSON.stringify(r));
    assert.deepEqual(r.outputs.map((o: any) => [o.identifier, o.data]), [['message', ['hello']]]);
  });

  it('Execute (async) of the same literal echo, the output by value in the final status document', async () => {
    const r = await run('wps_client.py', 'execute-literal', wps, 'echo', 'message', 'hello', 'message', 'async');
    assert.equal(r.status, 'ProcessSucceeded', JSON.stringify(r));
    assert.deepEqual(r.outputs.map((o: any) => [o.identifier, o.data]), [['message', ['hello']]]);
  });

  it('OGC API - Processes: OWSLib lists and describes our processes (and executes echo when it can)', async () => {
    const r = await run('ogcapi_client.py', t.url!, 'echo', 'message', 'hello');
    assert.ok(r.conformsTo > 0);
    const ids = r.processes.map((p: any) => p.id);
    assert.ok(ids.includes('echo') && ids.includes(upper.name), JSON.stringify(ids));
    assert.equal(r.process.id, 'echo');
    assert.equal(r.process.inputs.message?.type, 'string');
    assert.ok(r.process.outputs.message, JSON.stringify(r.process.outputs));
    // OWSLib 0.27 (Debian bookworm) has no Processes.execute (added in 0.28): the script reports
    // null and this part is skipped; with a newer OWSLib the execute result is checked.
    if (r.execute !== null) assert.match(JSON.stringify(r.execute), /hello/);
  });
});
