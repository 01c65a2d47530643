// npm run conformance -- --url http://host:port [--echo echo] [--local-host name]
import { runConformance } from './runner.ts';

function usage(): never {
  console.error('usage: npm run conformance -- --url http://host:port [--echo <process id>] [--local-host <name this machine is reached by>]');
  process.exit(2);
}

function parseArgs(argv: string[]): { url: string; echo?: string; localHost?: string } {
  const out: { url?: string; echo?: string; localHost?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i] ?? usage();
    if (flag === '--url') out.url = value();
    else if (flag === '--echo') out.echo = value();
    else if (flag === '--local-host') out.localHost = value();
    else if (flag === '--help' || flag === '-h') usage();
    else usage();
  }
  if (!out.url) usage();
  return { url: out.url, echo: out.echo, localHost: out.localHost };
}

const args = parseArgs(process.argv.slice(2));
const results = await runConformance({ url: args.url, echoProcessId: args.echo, localHost: args.localHost, log: (line) => console.log(line) });
const count = (o: string) => results.filter((r) => r.outcome === o).length;
console.log(`${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped`);
process.exitCode = count('fail') > 0 ? 1 : 0;
