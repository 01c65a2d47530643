// npm run conformance -- --url http://host:port [--echo echo] [--local-host name] [--package url|file] [--token token]
import { runConformance } from './runner.ts';

interface Args {
  url: string;
  echo?: string;
  localHost?: string;
  packageUrl?: string;
  token?: string;
}

function usage(): never {
  console.error(
    'usage: npm run conformance -- --url http://host:port [--echo <process id>] [--local-host <name this machine is reached by>]\n' +
      '         [--package <URL or file of the Part 2 test package: an OGC Application Package or CWL>] [--token <bearer token for deploy, replace, undeploy>]',
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const out: Partial<Args> = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i] ?? usage();
    if (flag === '--url') out.url = value();
    else if (flag === '--echo') out.echo = value();
    else if (flag === '--local-host') out.localHost = value();
    else if (flag === '--package') out.packageUrl = value();
    else if (flag === '--token') out.token = value();
    else if (flag === '--help' || flag === '-h') usage();
    else usage();
  }
  if (!out.url) usage();
  return { ...out, url: out.url };
}

const args = parseArgs(process.argv.slice(2));
const results = await runConformance({
  url: args.url,
  echoProcessId: args.echo,
  localHost: args.localHost,
  packageUrl: args.packageUrl,
  token: args.token ?? process.env.CONFORMANCE_TOKEN,
  log: (line) => console.log(line),
});
const count = (o: string) => results.filter((r) => r.outcome === o).length;
const defects = count('suite-defect');
// A suite defect is not a failure of the server: the official suite could not pass what it did.
console.log(`${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped${defects ? `, ${defects} suite defect${defects === 1 ? '' : 's'}` : ''}`);
process.exitCode = count('fail') > 0 ? 1 : 0;
