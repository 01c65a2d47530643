// npm run bench: prints figures; never fails on a number. BENCH=a,b,c picks some. Ends with the
// summary table of every figure against its goal, also written to bench/out/summary.md (and .png).
// A section that throws is reported and the others still run; the run then exits 1.
import { fileURLToPath } from 'node:url';
import { throughput } from './throughput.ts';
import { claims } from './claims.ts';
import { listLatency } from './list-latency.ts';
import { dockerThroughput } from './docker.ts';
import { recipes } from './recipes.ts';
import { ogcApi } from './ogc.ts';
import { wps } from './wps.ts';
import { ingest } from './ingest.ts';
import { mesos } from './mesos.ts';
import { metrics } from './metrics.ts';
import { soak } from './soak.ts';
import { runs } from './runs.ts';
import { cwlBench } from './cwl.ts';
import { memory } from './memory.ts';
import { echoSync } from './echo-sync.ts';
import { printSummary, writeSummary } from './summary.ts';

const SECTIONS: [string, () => Promise<void>][] = [
  ['a', throughput], ['b', claims], ['c', listLatency], ['d', dockerThroughput], ['e', recipes], ['f', ogcApi], ['g', wps],
  ['h', ingest], ['i', mesos], ['j', metrics], ['k', soak], ['l', runs], ['m', cwlBench], ['n', memory], ['o', echoSync],
];

const pick = (process.env.BENCH ?? SECTIONS.map(([letter]) => letter).join(',')).split(',');
console.log(`scale-ades benchmarks on ${process.version}, ${(await import('node:os')).cpus().length} cpus${process.env.DATABASE_URL ? '' : ' (set DATABASE_URL for the PostgreSQL figures)'}`);
const failed: string[] = [];
for (const [letter, section] of SECTIONS) {
  if (!pick.includes(letter)) continue;
  try {
    await section();
  } catch (err) {
    failed.push(letter);
    console.error(`\n(${letter}) failed: ${(err as Error)?.stack ?? String(err)}`);
  }
}
printSummary();
const out = await writeSummary(fileURLToPath(new URL('./out/', import.meta.url)), { sections: pick });
console.log(`  written to ${out.markdown}${out.chart ? ` (the ratios charted in ${out.chart})` : ''}`);
if (failed.length) console.error(`sections that failed: ${failed.join(', ')}`);
process.exit(failed.length ? 1 : 0);
