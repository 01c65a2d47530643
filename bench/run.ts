// npm run bench: prints figures; never fails on a number. BENCH=a,b,c picks some.
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

const pick = (process.env.BENCH ?? 'a,b,c,d,e,f,g,h,i,j,k,l').split(',');
console.log(`scale-ades benchmarks on ${process.version}, ${(await import('node:os')).cpus().length} cpus${process.env.DATABASE_URL ? '' : ' (set DATABASE_URL for the PostgreSQL figures)'}`);
if (pick.includes('a')) await throughput();
if (pick.includes('b')) await claims();
if (pick.includes('c')) await listLatency();
if (pick.includes('d')) await dockerThroughput();
if (pick.includes('e')) await recipes();
if (pick.includes('f')) await ogcApi();
if (pick.includes('g')) await wps();
if (pick.includes('h')) await ingest();
if (pick.includes('i')) await mesos();
if (pick.includes('j')) await metrics();
if (pick.includes('k')) await soak();
if (pick.includes('l')) await runs();
process.exit(0);
