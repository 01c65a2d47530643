// Job list (A.64-A.79): GET /jobs, its parameters, and whether the filters really filter.
import { STATUS_CODES } from '../constants.ts';
import type { Context } from '../context.ts';
import { echoWithString, executeBody } from '../echo.ts';
import { execute } from '../execution.ts';
import { finishedRawValueJob, pausedJob } from '../jobs.ts';
import { describeResponse, expect, expectObject, expectStatus, expectValid, fail } from '../lib/assert.ts';
import { jsonLinks, resolveHref, withRel } from '../lib/links.ts';
import { isObj, type Obj, uniqueId } from '../lib/util.ts';
import type { Check } from '../types.ts';
import { arrayOf, checkQueryParameter, integerMin1, stringType } from './param-definition.ts';

const PAGE = 100;
const MAX_PAGES = 10;

/** Makes sure the server has jobs to list: the shared async job and, if offered, a sync execution. */
interface KnownJob {
  jobID?: string;
  created?: string;
  /** Seconds it ran. */
  duration?: number;
}

function ensureJobs(ctx: Context): Promise<KnownJob> {
  return ctx.memo('jobs-exist', async () => {
    const p = await echoWithString(ctx);
    if (p.sync) await execute(ctx, p, executeBody(p));
    if (!p.async) return {};
    const { final } = await finishedRawValueJob(ctx);
    return { jobID: String(final.jobID), created: typeof final.created === 'string' ? final.created : undefined, duration: seconds(final) };
  });
}

/** Every job `GET /jobs?query` lists, following next links (at most 10 pages of 100). */
async function listJobs(ctx: Context, query: string): Promise<Obj[]> {
  const jobs: Obj[] = [];
  let url: string | undefined = ctx.url(`/jobs?${query ? `${query}&` : ''}limit=${PAGE}`);
  const seen = new Set<string>();
  for (let i = 0; url && i < MAX_PAGES && !seen.has(url); i++) {
    seen.add(url);
    const res = await ctx.get(url);
    expectStatus(res, 200);
    const body = expectObject(res);
    expectValid('jobList.yaml', body, `the job list ${res.url}`);
    jobs.push(...(body.jobs as unknown[]).filter(isObj));
    const next = withRel(jsonLinks(body), 'next')[0];
    url = next ? resolveHref(next.href, res.url) : undefined;
  }
  return jobs;
}

/** Fails naming the jobs of `GET /jobs?query` for which `ok` does not hold. */
async function allMatch(ctx: Context, query: string, what: string, ok: (job: Obj) => boolean): Promise<Obj[]> {
  const jobs = await listJobs(ctx, query);
  const bad = jobs.filter((j) => !ok(j));
  if (bad.length) fail(`GET /jobs?${query}: ${bad.length} job(s) not ${what}, e.g. ${JSON.stringify(bad[0]).slice(0, 200)}`);
  return jobs;
}

function seconds(job: Obj): number | undefined {
  if (typeof job.started !== 'string') return undefined;
  const end = typeof job.finished === 'string' ? Date.parse(job.finished) : Date.now();
  return (end - Date.parse(job.started)) / 1000;
}

function created(job: Obj): number {
  return typeof job.created === 'string' ? Date.parse(job.created) : NaN;
}

export const jobListChecks: Check[] = [
  {
    id: 'A.64',
    title: '/conf/job-list/job-list-op',
    cls: 'job-list',
    async run(ctx) {
      await ensureJobs(ctx);
      expectStatus(await ctx.get('/jobs'), 200);
    },
  },
  { id: 'A.65', title: '/conf/job-list/type-definition', cls: 'job-list', run: (ctx) => checkQueryParameter(ctx, '/jobs', 'type', 'process', arrayOf('string')) },
  { id: 'A.66', title: '/conf/job-list/processID-definition', cls: 'job-list', run: (ctx) => checkQueryParameter(ctx, '/jobs', 'processID', ctx.echoId, arrayOf('string')) },
  { id: 'A.67', title: '/conf/job-list/status-definition', cls: 'job-list', run: (ctx) => checkQueryParameter(ctx, '/jobs', 'status', 'successful', arrayOf('string')) },
  { id: 'A.68', title: '/conf/job-list/datetime-definition', cls: 'job-list', run: (ctx) => checkQueryParameter(ctx, '/jobs', 'datetime', '2000-01-01T00:00:00Z/..', stringType) },
  {
    id: 'A.69',
    title: '/conf/job-list/duration-definition',
    cls: 'job-list',
    async run(ctx) {
      const a = await checkQueryParameter(ctx, '/jobs', 'minDuration', '0', arrayOf('integer'));
      const b = await checkQueryParameter(ctx, '/jobs', 'maxDuration', '100000', arrayOf('integer'));
      return a || b || undefined;
    },
  },
  { id: 'A.70', title: '/conf/job-list/limit-definition', cls: 'job-list', run: (ctx) => checkQueryParameter(ctx, '/jobs', 'limit', '10', integerMin1) },
  {
    id: 'A.71',
    title: '/conf/job-list/job-list-success',
    cls: 'job-list',
    async run(ctx) {
      await ensureJobs(ctx);
      const res = await ctx.get('/jobs');
      expectStatus(res, 200);
      const body = expectObject(res);
      expectValid('jobList.yaml', body, 'the job list');
      return `${(body.jobs as unknown[]).length} job(s) on the first page`;
    },
  },
  {
    id: 'A.72',
    title: '/conf/job-list/links',
    cls: 'job-list',
    async run(ctx) {
      const res = await ctx.get('/jobs');
      expectStatus(res, 200);
      const links = jsonLinks(expectObject(res));
      expect(withRel(links, 'self').length > 0, 'the job list has no self link');
      if (ctx.declares('html')) expect(withRel(links, 'alternate').some((l) => l.type === 'text/html'), 'HTML is declared but the job list has no alternate link of type text/html');
    },
  },
  {
    id: 'A.73',
    title: '/conf/job-list/type-response',
    cls: 'job-list',
    async run(ctx) {
      await ensureJobs(ctx);
      const jobs = await allMatch(ctx, 'type=process', 'of type process', (j) => j.type === 'process');
      return `${jobs.length} job(s)`;
    },
  },
  {
    id: 'A.74',
    title: '/conf/job-list/processID-mandatory',
    cls: 'job-list',
    async run(ctx) {
      await ensureJobs(ctx);
      const jobs = await allMatch(ctx, '', 'carrying a processID', (j) => typeof j.processID === 'string');
      expect(jobs.length > 0, 'the job list is empty after this run executed processes');
      return `${jobs.length} job(s)`;
    },
  },
  {
    id: 'A.75',
    title: '/conf/job-list/processID-response',
    cls: 'job-list',
    async run(ctx) {
      const known = await ensureJobs(ctx);
      const jobs = await allMatch(ctx, `processID=${encodeURIComponent(ctx.echoId)}`, `of process ${ctx.echoId}`, (j) => j.processID === ctx.echoId);
      if (known.jobID) expect(jobs.some((j) => j.jobID === known.jobID), `GET /jobs?processID=${ctx.echoId} does not list job ${known.jobID}`);
      const none = await listJobs(ctx, `processID=${uniqueId('no-such-process')}`);
      expect(none.length === 0, `GET /jobs?processID=<unknown> lists ${none.length} job(s)`);
      return `${jobs.length} job(s) of ${ctx.echoId}`;
    },
  },
  {
    id: 'A.76',
    title: '/conf/job-list/status-response',
    cls: 'job-list',
    async run(ctx) {
      const known = await ensureJobs(ctx);
      const counts: string[] = [];
      for (const status of STATUS_CODES) {
        const jobs = await allMatch(ctx, `status=${status}`, `with status ${status}`, (j) => j.status === status);
        counts.push(`${status} ${jobs.length}`);
        if (status === 'successful' && known.jobID) expect(jobs.some((j) => j.jobID === known.jobID), `GET /jobs?status=successful does not list the successful job ${known.jobID}`);
      }
      return counts.join(', ');
    },
  },
  {
    id: 'A.77',
    title: '/conf/job-list/datetime-response',
    cls: 'job-list',
    async run(ctx) {
      const known = await ensureJobs(ctx);
      const future = new Date(Date.now() + 86_400_000).toISOString();
      const later = await listJobs(ctx, `datetime=${encodeURIComponent(`${future}/..`)}`);
      expect(later.length === 0, `GET /jobs?datetime=${future}/.. lists ${later.length} job(s) created in the future`);
      if (!known.jobID) return 'no async job of this run to locate: only the open interval in the future was checked';
      expect(known.created, `job ${known.jobID} has no created time to filter on`);
      const t = Date.parse(known.created);
      const from = new Date(t - 1000).toISOString();
      const to = new Date(t + 1000).toISOString();
      const inside = await allMatch(ctx, `datetime=${encodeURIComponent(`${from}/${to}`)}`, `created within ${from}/${to}`, (j) => created(j) >= t - 1000 && created(j) <= t + 1000);
      expect(inside.some((j) => j.jobID === known.jobID), `GET /jobs?datetime=${from}/${to} does not list job ${known.jobID} created ${known.created}`);
      const before = new Date(t - 86_400_000).toISOString();
      const old = await allMatch(ctx, `datetime=${encodeURIComponent(`../${before}`)}`, `created before ${before}`, (j) => created(j) <= Date.parse(before));
      expect(!old.some((j) => j.jobID === known.jobID), `GET /jobs?datetime=../${before} lists job ${known.jobID}`);
      await allMatch(ctx, `datetime=${encodeURIComponent(known.created)}`, `created at ${known.created}`, (j) => created(j) === t);
      return `intervals ${from}/${to}, ../${before}, ${future}/.. and the instant ${known.created}`;
    },
  },
  {
    id: 'A.78',
    title: '/conf/job-list/duration-response',
    cls: 'job-list',
    async run(ctx) {
      const known = await ensureJobs(ctx);
      const slack = 1;
      let paused: string | undefined;
      try {
        paused = (await pausedJob(ctx)).jobID;
      } catch {
        // no pause input: only the quick jobs
      }
      const long = await allMatch(ctx, 'minDuration=3', 'lasting at least 3 s', (j) => j.status !== 'accepted' && (seconds(j) ?? Infinity) >= 3 - slack);
      const short = await allMatch(ctx, 'maxDuration=2', 'lasting at most 2 s', (j) => j.status !== 'accepted' && (seconds(j) ?? 0) <= 2 + slack);
      if (known.jobID && known.duration !== undefined && known.duration <= 2) {
        expect(short.some((j) => j.jobID === known.jobID), `job ${known.jobID} (${known.duration.toFixed(1)} s) is not listed for maxDuration=2`);
      }
      const notes = [`minDuration=3: ${long.length} job(s)`, `maxDuration=2: ${short.length} job(s)`];
      if (paused) {
        const status = await ctx.get(`/jobs/${encodeURIComponent(paused)}`);
        const p = status.status === 200 ? expectObject(status) : undefined;
        const d = p ? seconds(p) : undefined;
        if (d !== undefined && d >= 4) {
          const again = await listJobs(ctx, 'minDuration=3');
          expect(again.some((j) => j.jobID === paused), `the paused job ${paused} (${d.toFixed(1)} s) is not listed for minDuration=3`);
          notes.push(`paused job found for minDuration=3`);
        }
      }
      return notes.join(', ');
    },
  },
  {
    id: 'A.79',
    title: '/conf/job-list/limit-response',
    cls: 'job-list',
    async run(ctx) {
      await ensureJobs(ctx);
      const res = await ctx.get('/jobs?limit=1');
      expectStatus(res, 200);
      const body = expectObject(res);
      const jobs = Array.isArray(body.jobs) ? body.jobs.filter(isObj) : [];
      expect(jobs.length <= 1, `${describeResponse(res)}: ${jobs.length} jobs for limit=1`);
      const next = withRel(jsonLinks(body), 'next')[0];
      if (!next) return jobs.length === 1 ? 'no next link (SHOULD when more jobs exist)' : undefined;
      const nres = await ctx.get(resolveHref(next.href, res.url));
      expectStatus(nres, 200);
      const nbody = expectObject(nres);
      expectValid('jobList.yaml', nbody, `the next page ${nres.url}`);
      const more = (nbody.jobs as unknown[]).filter(isObj);
      expect(more.length <= 1, `${describeResponse(nres)}: next page has ${more.length} jobs for limit=1`);
      expect(!more.some((j) => jobs.some((k) => k.jobID === j.jobID)), `${describeResponse(nres)}: the next page repeats job ${String(jobs[0]?.jobID)}`);
      return 'next link followed';
    },
  },
];
