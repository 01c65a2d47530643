import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SETTINGS, databaseUrlFrom, loadConfig } from '../src/config.ts';

const run = promisify(execFile);

describe('configuration and command line', () => {
  it('serve --help lists every setting with its default', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--help']);
    for (const s of SETTINGS) assert.match(stdout, new RegExp(`\\b${s.env}\\b`), `${s.env} is listed`);
    assert.match(stdout, /PORT\s+.*default: 8080/);
    assert.match(stdout, /SCALE_DATA_DIR\s+.*default: \.\/data/);
  });

  it('npm start -- --help reaches the same help', async () => {
    const { stdout } = await run('npm', ['start', '--silent', '--', '--help']);
    assert.match(stdout, /SCALE_EXECUTOR/);
  });

  it('defaults to port 8080, ./data and PGlite', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.ok(c.dataDir.endsWith('/data'));
    assert.equal(c.databaseUrl, null);
    assert.equal(c.executor, 'local');
  });

  it("builds a PostgreSQL URL from Scale's SCALE_DB_* variables", () => {
    assert.equal(
      databaseUrlFrom({ SCALE_DB_HOST: 'db.example', SCALE_DB_PORT: '5433', SCALE_DB_NAME: 'scale', SCALE_DB_USER: 'u', SCALE_DB_PASS: 'p@ss' }),
      'postgres://u:p%40ss@db.example:5433/scale',
    );
    assert.equal(databaseUrlFrom({ DATABASE_URL: 'postgres://x/y', SCALE_DB_HOST: 'ignored' }), 'postgres://x/y');
  });

  it('rejects bad values naming the setting', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT="eighty"/);
    assert.throws(() => loadConfig({ SCALE_EXECUTOR: 'kubernetes' }), /SCALE_EXECUTOR=kubernetes/);
    assert.throws(() => loadConfig({ SCALE_WORKSPACE_ROOTS: 'relative/dir' }), /absolute/);
  });

  it('exits with a clear message on a bad setting', async () => {
    await assert.rejects(run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], { env: { ...process.env, PORT: 'x' } }), (err: any) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /configuration error: PORT="x"/);
      return true;
    });
  });
});
