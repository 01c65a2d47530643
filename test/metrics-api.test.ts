// Scale's metrics API (seed 002 "Metrics Services"): the types, their choices, and plot data per day
// from the hourly roll-up — counts of real jobs, times of recorded executions added up exactly,
// errors and ingests, fresh answers before a roll-up, and bad input refused with the parameter named.
import assert from 'node:assert/strict';
import request from 'supertest';
import { dbKinds } from './helpers/db.ts';
import { createJobType, queueJob, script, waitForJob } from './helpers/scale.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const DAY_MS = 86_400_000;
const dayOf = (iso: string) => iso.slice(0, 10);

for (const kind of dbKinds()) {
  describe(`metrics API (${kind})`, function () {
    this.timeout(60_000);
    let t: TestServer;
    const api = () => request(t.app);
    let typeA: any;
    let typeB: any;
    let dataError: any;
    const ended: Record<string, string[]> = {};

    /** Plot data as JSON, asserting a 200. */
    async function plot(name: string, query = ''): Promise<any> {
      const res = await api().get(`/scale/metrics/${name}/plot-data/?page_size=100${query}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    }
    const series = (body: any, column: string) => body.results.find((r: any) => r.column.name === column);

    /** A finished job with one execution, recorded directly (known times, any day). */
    async function recordJob(typeId: number, f: { status: 'COMPLETED' | 'FAILED' | 'CANCELED'; ended: Date; queueSecs?: number; runSecs?: number; jobSecs?: number; errorId?: number }) {
      const end = f.ended.getTime();
      const started = new Date(end - (f.runSecs ?? 0) * 1000);
      const queued = new Date(started.getTime() - (f.queueSecs ?? 0) * 1000);
      const job = await t.db.query<{ id: number }>(
        `INSERT INTO job (job_type_id, job_type_rev_id, status, error_id, priority, timeout, max_tries, cpus_required, mem_required, input, num_exes, created, queued, started, ended)
         SELECT $1, r.id, $2, $3, 100, 600, 3, 1, 64, '{}'::jsonb, 1, $4, $4, $5, $6 FROM job_type_revision r WHERE r.job_type_id = $1 ORDER BY r.id DESC LIMIT 1 RETURNING id`,
        [typeId, f.status, f.errorId ?? null, queued, started, f.ended],
      );
      if (f.status === 'CANCELED') return job.rows[0].id;
      const jobStarted = f.jobSecs === undefined ? null : new Date(end - f.jobSecs * 1000);
      await t.db.query(
        `INSERT INTO job_exe (job_id, exe_num, job_type_id, status, timeout, cpus_scheduled, mem_scheduled, disk_in_scheduled, disk_out_scheduled, disk_total_scheduled,
                              error_id, queued, started, ended, job_started, job_completed)
         VALUES ($1, 1, $2, $3, 600, 1, 64, 0, 0, 0, $4, $5, $6, $7, $8, $9)`,
        [job.rows[0].id, typeId, f.status, f.errorId ?? null, queued, started, f.ended, jobStarted, jobStarted ? f.ended : null],
      );
      return job.rows[0].id;
    }

    before(async () => {
      // The background clock stays quiet: the tests roll up when they say so.
      t = await startServer(kind, { SCALE_CLOCK_TICK_MS: '3600000' });
    });
    after(() => t?.close());

    it('lists the metrics types with their filters, groups and columns', async () => {
      const res = await api().get('/scale/metrics/').expect(200);
      assert.equal(res.body.count, 3);
      assert.equal(res.body.next, null);
      assert.equal(res.body.previous, null);
      assert.deepEqual(res.body.results.map((r: any) => r.name), ['job-types', 'errors', 'ingests']);
      const jt = res.body.results[0];
      assert.equal(jt.title, 'Job Types');
      assert.equal(jt.description, 'Metrics for jobs and executions grouped by job type.');
      assert.deepEqual(jt.filters, [{ param: 'name', type: 'string' }, { param: 'version', type: 'string' }]);
      assert.deepEqual(jt.groups[0], { name: 'overview', title: 'Overview', description: 'Overall counts based on job status.' });
      assert.deepEqual(jt.groups.map((g: any) => g.name), ['overview', 'errors', 'queue_time', 'pre_time', 'job_time', 'post_time', 'run_time', 'stage_time']);
      assert.equal(jt.columns.length, 31);
      assert.deepEqual(jt.columns[0], { name: 'completed_count', title: 'Completed Count', description: 'Number of successfully completed jobs.', units: 'count', group: 'overview', aggregate: 'sum' });
      assert.deepEqual(jt.columns.find((c: any) => c.name === 'run_time_min'), { name: 'run_time_min', title: 'Run Time (Min)', description: 'Minimum time spent running the pre, job, and post tasks.', units: 'seconds', group: 'run_time', aggregate: 'min' });
      assert.ok(!('choices' in jt), 'choices are for the details');
      const errors = res.body.results[1];
      assert.deepEqual(errors.columns.map((c: any) => c.name), ['total_count']);
      const ingests = res.body.results[2];
      assert.deepEqual(ingests.groups.map((g: any) => g.name), ['overview', 'file_size', 'transfer_time', 'ingest_time']);
      assert.deepEqual(ingests.columns.filter((c: any) => c.group === 'file_size').map((c: any) => [c.name, c.units, c.aggregate]),
        [['file_size_sum', 'bytes', 'sum'], ['file_size_min', 'bytes', 'min'], ['file_size_max', 'bytes', 'max'], ['file_size_avg', 'bytes', 'avg']]);
      // The same under the versioned prefixes, and paged.
      const v6 = await api().get('/scale/v6/metrics/?page_size=2').expect(200);
      assert.equal(v6.body.count, 3);
      assert.equal(v6.body.results.length, 2);
      assert.match(v6.body.next, /\/scale\/v6\/metrics\/\?page_size=2&page=2$/);
      assert.equal((await api().get('/scale/v5/metrics/?page=2&page_size=2').expect(200)).body.results[0].name, 'ingests');
    });

    it('counts real jobs per day: across job types, per job type, and with error categories', async () => {
      dataError = (await api().post('/scale/errors/').send({ name: 'metrics-bad-data', title: 'Bad data', category: 'DATA' }).expect(201)).body;
      const exitType = () => createJobType(t.app, {
        interface: { command: `/bin/sh ${script('exit.sh')}`, command_arguments: '${code}', input_data: [{ name: 'code', type: 'property' }] },
        error_mapping: { version: '1.0', exit_codes: { '3': 'metrics-bad-data' } },
      });
      typeA = await exitType();
      typeB = await exitType();
      const run = async (type: any, code: string) => {
        const job = await waitForJob(t.app, (await queueJob(t.app, type.id, { input_data: [{ name: 'code', value: code }] })).id);
        (ended[type.id] ??= []).push(job.ended);
        return job;
      };
      assert.equal((await run(typeA, '0')).status, 'COMPLETED');
      assert.equal((await run(typeA, '0')).status, 'COMPLETED');
      const failed = await run(typeA, '3');
      assert.equal(failed.error.name, 'metrics-bad-data');
      assert.equal((await run(typeB, '0')).status, 'COMPLETED');
      assert.equal((await run(typeB, '9')).error.category, 'ALGORITHM');
      // A canceled job counts for its type too.
      const huge = await createJobType(t.app, { cpus_required: 64, interface: { command: '/bin/true', command_arguments: '' } });
      const waiting = await queueJob(t.app, huge.id);
      const canceled = (await api().patch(`/scale/jobs/${waiting.id}/`).send({ status: 'CANCELED' }).expect(200)).body;
      const r = await t.core.metrics.rollUp();
      assert.ok(r.hours === 'all' || r.hours >= 1);

      const days = [...new Set([...ended[typeA.id], ...ended[typeB.id], canceled.ended].map(dayOf))];
      const all = await plot('job-types', '&column=completed_count&column=failed_count&column=canceled_count&column=total_count&column=error_data_count&column=error_algorithm_count');
      assert.equal(all.count, 6);
      const sumOf = (column: string) => series(all, column).values.reduce((a: number, v: any) => a + v.value, 0);
      assert.equal(sumOf('completed_count'), 3);
      assert.equal(sumOf('failed_count'), 2);
      assert.equal(sumOf('canceled_count'), 1);
      assert.equal(sumOf('total_count'), 6);
      assert.equal(sumOf('error_data_count'), 1);
      assert.equal(sumOf('error_algorithm_count'), 1);
      const total = series(all, 'total_count');
      assert.deepEqual(total.values.map((v: any) => v.date), days);
      assert.ok(total.values.every((v: any) => !('id' in v) && v.datetime === `${v.date}T00:00:00Z`), 'no choice filter: values aggregated by date');
      assert.equal(total.min_x, days[0]);
      assert.equal(total.max_x, days.at(-1));
      assert.deepEqual(series(all, 'total_count').column, { name: 'total_count', title: 'Total Count', description: 'Number of completed, failed, and canceled jobs.', units: 'count', group: 'overview', aggregate: 'sum' });

      // One choice: its values, still without ids.
      const a = await plot('job-types', `&choice_id=${typeA.id}&column=completed_count&column=failed_count&column=error_data_count`);
      const sumA = (column: string) => series(a, column).values.reduce((x: number, v: any) => x + v.value, 0);
      assert.deepEqual([sumA('completed_count'), sumA('failed_count'), sumA('error_data_count')], [2, 1, 1]);
      assert.ok(series(a, 'completed_count').values.every((v: any) => !('id' in v)));
      // Two choices: one value per choice and date, each naming its choice.
      const ab = await plot('job-types', `&choice_id=${typeA.id}&choice_id=${typeB.id}&column=completed_count`);
      const values = series(ab, 'completed_count').values;
      assert.deepEqual([...new Set(values.map((v: any) => v.id))].sort(), [typeA.id, typeB.id].sort());
      assert.equal(values.filter((v: any) => v.id === typeA.id).reduce((x: number, v: any) => x + v.value, 0), 2);
      assert.equal(values.filter((v: any) => v.id === typeB.id).reduce((x: number, v: any) => x + v.value, 0), 1);
      // Run times of the real executions: what their own start and end say.
      const jobA = await Promise.all((await api().get(`/scale/jobs/?job_type_id=${typeA.id}&status=COMPLETED`).expect(200)).body.results.map((j: any) => api().get(`/scale/jobs/${j.id}/`).expect(200)));
      const runs = jobA.map((j: any) => (Date.parse(j.body.job_exes[0].ended) - Date.parse(j.body.job_exes[0].started)) / 1000);
      const times = await plot('job-types', `&choice_id=${typeA.id}&group=run_time`);
      assert.deepEqual(times.results.map((s: any) => s.column.name), ['run_time_sum', 'run_time_min', 'run_time_max', 'run_time_avg']);
      if (new Set(jobA.map((j: any) => dayOf(j.body.ended))).size === 1) {
        const near = (column: string, expected: number) => assert.ok(Math.abs(series(times, column).values[0].value - expected) <= 1, `${column}: ${JSON.stringify(series(times, column).values)} vs ${expected}`);
        near('run_time_sum', runs[0] + runs[1]);
        near('run_time_min', Math.min(...runs));
        near('run_time_max', Math.max(...runs));
        near('run_time_avg', (runs[0] + runs[1]) / 2);
      }
    });

    it('shows a type with its choices: the job types, errors or Strikes that exist', async () => {
      const res = await api().get('/scale/metrics/job-types/').expect(200);
      assert.equal(res.body.name, 'job-types');
      assert.equal(res.body.groups.length, 8);
      assert.equal(res.body.columns.length, 31);
      const ids = res.body.choices.map((c: any) => c.id);
      assert.ok(ids.includes(typeA.id) && ids.includes(typeB.id));
      assert.equal(ids.length, (await t.db.query('SELECT id FROM job_type')).rows.length);
      const a = res.body.choices.find((c: any) => c.id === typeA.id);
      assert.deepEqual(Object.keys(a).sort(), ['author_name', 'author_url', 'category', 'description', 'icon_code', 'id', 'is_active', 'is_long_running', 'is_operational', 'is_paused', 'is_system', 'name', 'title', 'version']);
      assert.equal(a.name, typeA.name);
      const errors = await api().get('/scale/v6/metrics/errors/').expect(200);
      assert.deepEqual(errors.body.filters, [{ param: 'name', type: 'string' }, { param: 'category', type: 'string' }]);
      const data = errors.body.choices.find((c: any) => c.id === dataError.id);
      assert.equal(data.name, 'metrics-bad-data');
      assert.equal(data.category, 'DATA');
      assert.ok(errors.body.choices.some((c: any) => c.name === 'algorithm-unknown'), 'built-in errors are choices too');
      // The names the Scale UI's v6 routes use are the same types.
      assert.equal((await api().get('/scale/v6/metrics/error-types/').expect(200)).body.name, 'errors');
      const ingest = await api().get('/scale/metrics/ingest/').expect(200);
      assert.equal(ingest.body.name, 'ingests');
      assert.deepEqual(ingest.body.choices, []);
    });

    it('adds hours up into days: sums, minimums, maximums and averages weighted by count', async () => {
      const base = Math.floor(Date.now() / DAY_MS) * DAY_MS - 5 * DAY_MS; // five days ago, 00:00 UTC
      const at = (day: number, hour: number, minute = 0) => new Date(base + day * DAY_MS + hour * 3600_000 + minute * 60_000);
      // Day 0: type A runs 10 s and 20 s in two different hours, type B 60 s; day 1: A fails, B runs 5 s.
      await recordJob(typeA.id, { status: 'COMPLETED', ended: at(0, 9, 30), queueSecs: 4, runSecs: 10, jobSecs: 7 });
      await recordJob(typeA.id, { status: 'COMPLETED', ended: at(0, 14, 5), queueSecs: 8, runSecs: 20, jobSecs: 15 });
      await recordJob(typeB.id, { status: 'COMPLETED', ended: at(0, 14, 50), queueSecs: 30, runSecs: 60, jobSecs: 50 });
      await recordJob(typeA.id, { status: 'FAILED', ended: at(1, 2), runSecs: 3, errorId: dataError.id });
      await recordJob(typeB.id, { status: 'COMPLETED', ended: at(1, 23, 59), runSecs: 5 });
      const r = await t.core.metrics.rollUp();
      // Those four hours, and the hours of the last minutes' real jobs (looked at again in case a slow transaction committed late).
      assert.ok(typeof r.hours === 'number' && r.hours >= 4 && r.hours <= 7, `only the hours that changed are recomputed (${r.hours})`);
      const hourly = await t.db.query(`SELECT occurred FROM metrics_job_type WHERE occurred >= $1 AND occurred < $2`, [at(0, 0), at(2, 0)]);
      assert.equal(hourly.rows.length, 5, 'one row per job type and hour');

      const range = `&started=${at(0, 0).toISOString()}&ended=${at(2, 0).toISOString()}`;
      const day0 = dayOf(at(0, 0).toISOString());
      const day1 = dayOf(at(1, 0).toISOString());
      const all = await plot('job-types', `${range}&group=run_time&group=queue_time&column=job_time_avg&column=stage_time_max&column=completed_count&column=failed_count`);
      const v = (column: string) => series(all, column).values.map((x: any) => [x.date, x.value]);
      assert.deepEqual(v('completed_count'), [[day0, 3], [day1, 1]]);
      assert.deepEqual(v('failed_count'), [[day0, 0], [day1, 1]]);
      assert.deepEqual(v('run_time_sum'), [[day0, 90], [day1, 5]], 'completed executions only');
      assert.deepEqual(v('run_time_min'), [[day0, 10], [day1, 5]]);
      assert.deepEqual(v('run_time_max'), [[day0, 60], [day1, 5]]);
      assert.deepEqual(v('run_time_avg'), [[day0, 30], [day1, 5]], '(10 + 20 + 60) / 3, not the mean of the hours');
      assert.deepEqual(v('queue_time_avg'), [[day0, 14], [day1, 0]]);
      assert.deepEqual(v('job_time_avg'), [[day0, 24]], 'a day without the statistic has no value');
      assert.deepEqual(v('stage_time_max'), [[day0, 10], [day1, 5]], 'stage = run - (pre + job + post)');
      const runMax = series(all, 'run_time_max');
      assert.deepEqual([runMax.min_x, runMax.max_x, runMax.min_y, runMax.max_y], [day0, day1, 5, 60]);
      // Per choice: the type's own days.
      const a = await plot('job-types', `${range}&choice_id=${typeA.id}&column=run_time_avg&column=run_time_sum&column=error_data_count`);
      assert.deepEqual(series(a, 'run_time_avg').values, [{ date: day0, datetime: `${day0}T00:00:00Z`, value: 15 }]);
      assert.deepEqual(series(a, 'error_data_count').values.map((x: any) => x.value), [0, 1]);
      const ab = await plot('job-types', `${range}&choice_id=${typeB.id}&choice_id=${typeA.id}&column=run_time_max`);
      assert.deepEqual(series(ab, 'run_time_max').values.map((x: any) => [x.id, x.date, x.value]), [[typeA.id, day0, 20], [typeB.id, day0, 60], [typeB.id, day1, 5]]);
      // started and ended bound the hours: from 14:00 on day 0 to before day 1's last hour.
      const part = await plot('job-types', `&started=${at(0, 14, 30).toISOString()}&ended=${at(1, 22).toISOString()}&column=completed_count&column=failed_count`);
      assert.deepEqual(series(part, 'completed_count').values.map((x: any) => [x.date, x.value]), [[day0, 2], [day1, 0]]);
      // Scale 6 (v6) filters its daily rows by their midnight: a day counts whole when its midnight is in the range.
      const partV6 = (await api().get(`/scale/v6/metrics/job-types/plot-data/?started=${at(0, 14, 30).toISOString()}&ended=${at(1, 0).toISOString()}&column=completed_count`).expect(200)).body;
      assert.deepEqual(series(partV6, 'completed_count').values.map((x: any) => [x.date, x.value]), [[day1, 1]]);
      // A duration counts back from now; the days five days ago are in P6D and not in P3D.
      const recent = await plot('job-types', '&started=P3D&column=total_count');
      assert.ok(series(recent, 'total_count').values.every((x: any) => x.date > day1));
      const week = await plot('job-types', '&started=P6DT0H0M0S&column=total_count');
      assert.ok(series(week, 'total_count').values.some((x: any) => x.date === day0));
    });

    it('recomputes an hour that changed: a failed job sent back to the queue leaves its day', async () => {
      const base = Math.floor(Date.now() / DAY_MS) * DAY_MS - 9 * DAY_MS;
      const when = new Date(base + 6 * 3600_000);
      const id = await recordJob(typeB.id, { status: 'FAILED', ended: when, runSecs: 1 });
      await t.core.metrics.rollUp();
      const q = `&started=${new Date(base).toISOString()}&ended=${new Date(base + DAY_MS - 1).toISOString()}&choice_id=${typeB.id}&column=failed_count`;
      assert.deepEqual(series(await plot('job-types', q), 'failed_count').values.map((x: any) => x.value), [1]);
      // As POST /queue/requeue-jobs/ does: QUEUED again, no end.
      await t.db.query(`UPDATE job SET status = 'QUEUED', ended = NULL, last_modified = now() WHERE id = $1`, [id]);
      await t.core.metrics.rollUp();
      assert.deepEqual(series(await plot('job-types', q), 'failed_count').values, [], 'the hour holds no ended job any more');
    });

    it('answers with jobs that ended since the last roll-up without waiting for the next one', async () => {
      await t.core.metrics.rollUp();
      const before = await plot('job-types', `&choice_id=${typeB.id}&column=completed_count&started=PT2H`);
      const count = (b: any) => series(b, 'completed_count').values.reduce((x: number, v: any) => x + v.value, 0);
      const job = await waitForJob(t.app, (await queueJob(t.app, typeB.id, { input_data: [{ name: 'code', value: '0' }] })).id);
      assert.equal(job.status, 'COMPLETED');
      const after = await plot('job-types', `&choice_id=${typeB.id}&column=completed_count&started=PT2H`);
      assert.equal(count(after), count(before) + 1);
    });

    it('rolls up in the JOB_LOAD clock minute, once per minute whichever server ticks', async () => {
      const scanned = async () => (await t.db.query('SELECT scanned_to FROM metrics_rollup')).rows[0].scanned_to as Date;
      const first = await scanned();
      const minute = new Date(Date.UTC(2031, 0, 1, 12, 0, 0));
      await t.core.triggers.clockTick(minute);
      const second = await scanned();
      assert.ok(second > first, 'the clock rolled up');
      await t.core.triggers.clockTick(new Date(minute.getTime() + 20_000));
      assert.equal((await scanned()).getTime(), second.getTime(), 'the same minute does not roll up twice');
    });

    it('counts failed executions per error', async () => {
      const totals = await plot('errors', `&choice_id=${dataError.id}`);
      assert.equal(totals.count, 1);
      const values = totals.results[0].values;
      assert.equal(values.reduce((x: number, v: any) => x + v.value, 0), 2, 'one real failure with the mapped error, one recorded five days ago');
      const alias = await plot('error-types', `&choice_id=${dataError.id}&started=P1D`);
      assert.equal(alias.results[0].values.reduce((x: number, v: any) => x + v.value, 0), 1);
      const unknown = (await t.db.query(`SELECT id FROM error WHERE name = 'algorithm-unknown' AND job_type_name IS NULL`)).rows[0].id;
      const both = await plot('errors', `&choice_id=${dataError.id}&choice_id=${unknown}&started=P1D`);
      assert.deepEqual(both.results[0].values.map((v: any) => v.id).sort(), [dataError.id, unknown].sort());
      const across = await plot('errors', '&started=P1D');
      assert.equal(across.results[0].values.reduce((x: number, v: any) => x + v.value, 0), 2);
    });

    it('counts finished ingests per Strike with sizes and times', async () => {
      const strike = (await t.db.query<{ id: number }>(`INSERT INTO strike (name, configuration, is_active) VALUES ('metrics-strike', '{}', false) RETURNING id`)).rows[0].id;
      const other = (await t.db.query<{ id: number }>(`INSERT INTO strike (name, configuration, is_active) VALUES ('metrics-other', '{}', false) RETURNING id`)).rows[0].id;
      const day = Math.floor(Date.now() / DAY_MS) * DAY_MS - 2 * DAY_MS;
      const at = (h: number, m = 0) => new Date(day + h * 3600_000 + m * 60_000).toISOString();
      // file name, strike, status, size, transfer start/end, ingest start/end
      const rows: [string, number, string, number | null, string | null, string | null, string | null, string | null][] = [
        ['a', strike, 'INGESTED', 200, at(1), at(1, 10), at(1, 10), at(2, 10)],
        ['b', strike, 'INGESTED', 100, at(3), at(3, 20), at(3, 20), at(5, 20)],
        ['c', strike, 'ERRORED', 300, at(4), at(4, 30), at(4, 30), at(7, 30)],
        ['d', strike, 'DEFERRED', 0, at(5), at(5, 40), null, null],
        ['e', strike, 'DUPLICATE', null, null, at(6), null, null],
        ['f', strike, 'INGESTING', 999, at(6), at(6, 1), at(6, 1), null],
        ['g', other, 'INGESTED', 50, null, at(8), at(8), at(8, 1)],
      ];
      for (const r of rows) {
        await t.db.query(
          `INSERT INTO ingest (file_name, strike_id, status, file_size, transfer_started, transfer_ended, ingest_started, ingest_ended) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          r,
        );
      }
      await t.core.metrics.rollUp();
      const detail = await api().get('/scale/metrics/ingests/').expect(200);
      assert.deepEqual(detail.body.choices.map((c: any) => c.name), ['metrics-strike', 'metrics-other']);
      const d = dayOf(at(0));
      const one = await plot('ingests', `&choice_id=${strike}&started=P3D`);
      assert.equal(one.count, 17);
      const v = (column: string) => series(one, column).values.map((x: any) => [x.date, x.value]);
      assert.deepEqual(v('ingested_count'), [[d, 2]]);
      assert.deepEqual(v('errored_count'), [[d, 1]]);
      assert.deepEqual(v('deferred_count'), [[d, 1]]);
      assert.deepEqual(v('duplicate_count'), [[d, 1]]);
      assert.deepEqual(v('total_count'), [[d, 5]], 'a file still ingesting is not counted');
      assert.deepEqual([v('file_size_sum'), v('file_size_min'), v('file_size_max'), v('file_size_avg')], [[[d, 600]], [[d, 100]], [[d, 300]], [[d, 200]]]);
      assert.deepEqual([v('transfer_time_sum'), v('transfer_time_min'), v('transfer_time_max'), v('transfer_time_avg')], [[[d, 6000]], [[d, 600]], [[d, 2400]], [[d, 1500]]]);
      assert.deepEqual([v('ingest_time_sum'), v('ingest_time_min'), v('ingest_time_max'), v('ingest_time_avg')], [[[d, 10800]], [[d, 3600]], [[d, 7200]], [[d, 5400]]], 'ingested files only');
      const across = await plot('ingest', '&started=P3D&column=ingested_count&column=file_size_max');
      assert.deepEqual(series(across, 'ingested_count').values.map((x: any) => x.value), [3]);
      assert.deepEqual(series(across, 'file_size_max').values.map((x: any) => x.value), [300]);
    });

    it('pages the columns of plot data', async () => {
      const first = await api().get('/scale/metrics/job-types/plot-data/?page_size=2&started=P1D').expect(200);
      assert.equal(first.body.count, 31);
      assert.deepEqual(first.body.results.map((r: any) => r.column.name), ['completed_count', 'failed_count']);
      assert.equal(first.body.previous, null);
      assert.match(first.body.next, /page=2/);
      const last = await api().get('/scale/metrics/job-types/plot-data/?page_size=2&page=16&started=P1D').expect(200);
      assert.deepEqual(last.body.results.map((r: any) => r.column.name), ['stage_time_avg']);
      assert.equal(last.body.next, null);
      const beyond = await api().get('/scale/metrics/job-types/plot-data/?page_size=2&page=40').expect(200);
      assert.deepEqual(beyond.body.results, []);
      const groups = await api().get('/scale/metrics/job-types/plot-data/?group=overview').expect(200);
      assert.deepEqual(groups.body.results.map((r: any) => r.column.name), ['completed_count', 'failed_count', 'canceled_count', 'total_count']);
      const mixed = await api().get('/scale/metrics/job-types/plot-data/?group=errors&column=completed_count&column=error_data_count').expect(200);
      assert.deepEqual(mixed.body.results.map((r: any) => r.column.name), ['completed_count', 'error_system_count', 'error_data_count', 'error_algorithm_count']);
      const empty = await api().get('/scale/metrics/job-types/plot-data/?started=2001-01-01T00:00:00Z&ended=2001-01-02T00:00:00Z&column=run_time_max').expect(200);
      assert.deepEqual(empty.body.results[0], { column: empty.body.results[0].column, min_x: null, max_x: null, min_y: null, max_y: null, values: [] });
    });

    it('refuses bad input with a 400 naming the parameter, and an unknown type with a 404', async () => {
      for (const path of ['/scale/metrics/nope/', '/scale/metrics/nope/plot-data/', '/scale/v6/metrics/job_types/plot-data/?started=bad']) {
        const res = await api().get(path);
        assert.equal(res.status, 404, path);
        assert.match(res.body.detail, /metrics type "(nope|job_types)" does not exist/);
      }
      const cases: [string, string][] = [
        ['started=yesterday', 'started'],
        ['started=2015-13-45T00:00:00Z', 'started'],
        ['started=0000-01-01T00:00:00Z', 'started'],
        ['ended=PT3X', 'ended'],
        ['ended=P', 'ended'],
        ['started=P99999999999Y', 'started'],
        ['started=2016-01-02T00:00:00Z&ended=2016-01-01T00:00:00Z', 'ended'],
        ['started=PT1H&ended=PT3H', 'ended'],
        ['started=2016-01-01T00:00:00Z&started=2016-01-02T00:00:00Z', 'started'],
        ['choice_id=abc', 'choice_id'],
        ['choice_id=1.5', 'choice_id'],
        ['choice_id=0', 'choice_id'],
        ['choice_id=99999', 'choice_id'],
        [`choice_id=${typeA?.id}&choice_id=424242`, 'choice_id'],
        ['column=nope', 'column'],
        ['column=completed_count&column=total', 'column'],
        ['page=abc', 'page'],
        ['page=0', 'page'],
      ];
      for (const [query, field] of cases) {
        for (const path of ['/scale/metrics/job-types/plot-data/', '/scale/v6/metrics/job-types/plot-data/']) {
          const res = await api().get(`${path}?${query}`);
          assert.equal(res.status, 400, `${query}: ${res.status} ${JSON.stringify(res.body)}`);
          assert.equal(res.body.field, field, query);
          assert.equal(typeof res.body.detail, 'string');
        }
      }
      // An unknown group is named on the seed's door; Scale 6 ignores it (MetricsType.get_group_columns), as scale-ui's group=null needs.
      assert.equal((await api().get('/scale/metrics/job-types/plot-data/?group=nope').expect(400)).body.field, 'group');
      const lenient = (await api().get('/scale/v6/metrics/job-types/plot-data/?group=null&group=overview&page_size=null').expect(200)).body;
      assert.deepEqual(lenient.results.map((r: any) => r.column.name), ['completed_count', 'failed_count', 'canceled_count', 'total_count']);
      const onlyColumns = (await api().get('/scale/v6/metrics/job-types/plot-data/?group=null&column=total_count').expect(200)).body;
      assert.deepEqual(onlyColumns.results.map((r: any) => r.column.name), ['total_count']);
      // The same checks on the other types and on the details.
      assert.equal((await api().get('/scale/metrics/errors/plot-data/?choice_id=99999').expect(400)).body.field, 'choice_id');
      assert.equal((await api().get('/scale/metrics/ingests/plot-data/?column=completed_count').expect(400)).body.field, 'column');
      assert.equal((await api().get('/scale/metrics/job-types/?started=nope').expect(400)).body.field, 'started');
      assert.equal((await api().get('/scale/metrics/?page=x').expect(400)).body.field, 'page');
      // page_size is read as Scale's paginator reads it: unreadable is the default, too large the maximum.
      for (const size of ['0', '1001', '1e3', 'null']) await api().get(`/scale/metrics/job-types/plot-data/?page_size=${size}`).expect(200);
      await api().get('/scale/metrics/?page_size=5000').expect(200);
    });
  });
}
