// npm run cwl-conformance -- --url http://host:port [--tags required,…] [--ids id,…] [--jobs n]
//   [--no-direct] [--no-server] [--files-host name] [--token token] [--suite dir]
// Runs the CWL v1.2 conformance suite through a live server's deploy and execute, and with cwltool
// directly, and prints a table per tag. The server must be able to fetch from this machine's file
// server (SCALE_FETCH_ALLOW naming --files-host), and to run tools that name no image in
// scale-cwl-conformance:busybox (SCALE_CWL_DEFAULT_CONTAINER), which this runner builds.
import path from 'node:path';
import { runCwlConformance, tagTable } from './runner.ts';
import { suiteDir } from './suite.ts';

const DEFAULT_SUITE = suiteDir();

function usage(): never {
  console.error('usage: npm run cwl-conformance -- --url http://host:port [--tags required,…] [--ids id,…] [--jobs n] [--no-direct] [--no-server] [--files-host name] [--token token] [--suite dir]');
  process.exit(2);
}

const opts = { url: '', tags: [] as string[], ids: [] as string[], jobs: 3, server: true, direct: true, filesHost: '127.0.0.1', token: process.env.CONFORMANCE_TOKEN, suiteDir: DEFAULT_SUITE };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const [flag, inline] = argv[i].split(/=(.*)/s, 2);
  const value = () => inline ?? argv[++i] ?? usage();
  if (flag === '--url') opts.url = value();
  else if (flag === '--tags') opts.tags = value().split(',').filter(Boolean);
  else if (flag === '--ids') opts.ids = value().split(',').filter(Boolean);
  else if (flag === '--jobs') opts.jobs = Number(value()) || 1;
  else if (flag === '--no-direct') opts.direct = false;
  else if (flag === '--no-server') opts.server = false;
  else if (flag === '--files-host') opts.filesHost = value();
  else if (flag === '--token') opts.token = value();
  else if (flag === '--suite') opts.suiteDir = path.resolve(value());
  else usage();
}
if (!opts.url && opts.server) usage();

const results = await runCwlConformance({ ...opts, log: (line) => console.log(line) });
console.log(`\n${tagTable(results)}`);
const gap = results.filter((r) => r.direct?.verdict === 'pass' && r.server && r.server.verdict !== 'pass');
if (gap.length) console.log(`\npassed by cwltool, not through the server: ${gap.map((r) => r.id).join(', ')}`);
process.exitCode = gap.length ? 1 : 0;
