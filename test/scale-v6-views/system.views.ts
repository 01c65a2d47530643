// Scale 6.0.0's own view tests, ported: nodes (node/test/test_views.py TestNodesViewV6,
// TestNodeDetailsViewV6), the scheduler and status (scheduler/test/test_views.py TestSchedulerViewV6,
// TestStatusView, TestVersionView), errors (error/test/test_views.py TestErrorsViewV6,
// TestErrorDetailsViewV6), metrics (metrics/test/test_views.py TestMetrics*ViewV6) and the queue
// (queue/test/test_views.py: the v5-only queue views answer 404 under v6; TestQueueStatusView).
import assert from 'node:assert/strict';
import request from 'supertest';
import { createJobType } from '../helpers/scale.ts';
import { type TestServer } from '../helpers/server.ts';

/** The tests, against a server the caller started (see the *.test.ts files of this folder). */
export function systemViews(server: () => TestServer): void {
  describe(`Scale 6.0.0 view tests: nodes, scheduler, status, errors, metrics, queue`, function () {
    this.timeout(60_000);
    let t: TestServer;
    const api = () => request(t.app);
    let node1: any;
    let node2: any;
    before(async () => {
      // The scheduler is paused so that nothing queued here runs; the background clock stays quiet.
      t = server();
      await api().patch('/scale/scheduler/').send({ is_paused: true }).expect(200);
      // Two nodes beside the server's own, as node_test_utils.create_node() makes them.
      const made = await t.db.query<{ id: number; hostname: string }>(
        `INSERT INTO node (hostname, slave_id, executor, is_paused, is_active) VALUES ('views-host-1', 'views-agent-1', 'mesos', false, true), ('views-host-2', 'views-agent-2', 'mesos', false, true) RETURNING id, hostname`,
      );
      [node1, node2] = made.rows;
    });

    describe('nodes', () => {
      it('lists the nodes with their hostnames (TestNodesViewV6.test_nodes_view)', async () => {
        const res = await api().get('/scale/v6/nodes/').expect(200);
        const byId = new Map(res.body.results.map((n: any) => [n.id, n]));
        assert.equal((byId.get(node1.id) as any)?.hostname, node1.hostname);
        assert.equal((byId.get(node2.id) as any)?.hostname, node2.hostname);
      });

      it('shows a node, 404 for an unknown one (test_get_node_success, test_get_node_not_found)', async () => {
        const d = (await api().get(`/scale/v6/nodes/${node2.id}/`).expect(200)).body;
        assert.equal(d.hostname, node2.hostname);
        await api().get('/scale/v6/nodes/9999/').expect(404);
      });

      it('edits a node with 204: pause with a reason, unpause with a reason, deactivate; 404, no fields and extra fields 400', async () => {
        await api().patch(`/scale/v6/nodes/${node2.id}/`).send({ is_paused: true, pause_reason: 'Test reason' }).expect(204);
        assert.equal((await api().get(`/scale/v6/nodes/${node2.id}/`).expect(200)).body.is_paused, true);
        await api().patch(`/scale/v6/nodes/${node2.id}/`).send({ is_paused: false, pause_reason: 'Test reason' }).expect(204);
        assert.equal((await api().get(`/scale/v6/nodes/${node2.id}/`).expect(200)).body.is_paused, false);
        await api().patch('/scale/v6/nodes/9999/').send({ is_paused: false }).expect(404);
        await api().patch(`/scale/v6/nodes/${node2.id}/`).send({}).expect(400);
        await api().patch(`/scale/v6/nodes/${node2.id}/`).send({ foo: 'bar' }).expect(400);
        await api().patch(`/scale/v6/nodes/${node2.id}/`).send({ is_active: false }).expect(204);
        assert.equal((await api().get(`/scale/v6/nodes/${node2.id}/`).expect(200)).body.is_active, false);
      });
    });

    describe('scheduler, status and version', () => {
      it('answers 404 under an API version Scale does not serve (test_invalid_version)', async () => {
        await api().get('/scale/v1/scheduler/').expect(404);
      });

      it('shows the scheduler and edits it with 204; no fields, a bad field and an extra field are 400', async () => {
        const s = (await api().get('/scale/v6/scheduler/').expect(200)).body;
        assert.ok('is_paused' in s);
        await api().patch('/scale/v6/scheduler/').send({ is_paused: true, num_message_handlers: 10 }).expect(204);
        assert.equal((await api().get('/scale/v6/scheduler/').expect(200)).body.is_paused, true);
        await api().patch('/scale/v6/scheduler/').send({}).expect(400);
        await api().patch('/scale/v6/scheduler/').send({ 'system_logging_level ': 'BAD' }).expect(400);
        await api().patch('/scale/v6/scheduler/').send({ foo: 'bar' }).expect(400);
      });

      it('answers the status with its timestamp and the vault not configured (TestStatusView.test_status_successful)', async () => {
        const s = (await api().get('/scale/v6/status/').expect(200)).body;
        assert.ok(Math.abs(Date.parse(s.timestamp) - Date.now()) < 60_000, s.timestamp);
        // Scale without Vault says 'Secrets Not Configured'; this server's built-in secret store is always open ('Ok').
        assert.deepEqual(Object.keys(s.vault).sort(), ['message', 'sealed', 'status']);
        assert.equal(s.vault.sealed, false);
      });

      it('tells the version (TestVersionView)', async () => {
        assert.ok((await api().get('/scale/v6/version/').expect(200)).body.version);
      });
    });

    describe('errors', () => {
      it('lists errors; creating one under v6 is 404 (TestErrorsViewV6)', async () => {
        const list = (await api().get('/scale/v6/errors/').expect(200)).body;
        assert.ok(list.results.length >= 3, 'the builtin errors');
        await api().post('/scale/v6/errors/').send({ name: 'error4', title: 'Error 4', description: 'new error #4', category: 'ALGORITHM' }).expect(404);
      });

      it('shows an error with its fields, 404 for an unknown one; editing under v6 is 404 (TestErrorDetailsViewV6)', async () => {
        const builtin = (await api().get('/scale/v6/errors/').expect(200)).body.results.find((e: any) => e.category === 'SYSTEM' && e.is_builtin);
        const d = (await api().get(`/scale/v6/errors/${builtin.id}/`).expect(200)).body;
        for (const k of ['id', 'name', 'title', 'description', 'category']) assert.equal(d[k], builtin[k], k);
        assert.equal(d.is_builtin, true);
        await api().get('/scale/v6/errors/9999/').expect(404);
        const mine = (await api().post('/scale/errors/').send({ name: 'views-error', title: 'E', description: 'd', category: 'ALGORITHM' }).expect(201)).body;
        await api().patch(`/scale/v6/errors/${mine.id}/`).send({ title: 'error EDIT' }).expect(404);
      });
    });

    describe('metrics', () => {
      let jt1: any;
      let jt2: any;
      let jt3: any;
      before(async () => {
        jt1 = await createJobType(t.app, { interface: { command: '/bin/true', command_arguments: '' } });
        jt2 = await createJobType(t.app, { interface: { command: '/bin/true', command_arguments: '' } });
        jt3 = await createJobType(t.app, { interface: { command: '/bin/true', command_arguments: '' } });
        // metrics_test_utils.create_job_type: one row per type, in one hour (two days ago: an hour
        // already rolled up, so the plot reads the stored rows).
        await t.core.metrics.rollUp(); // the first roll-up, which would recompute every past hour, is done
        const hour = new Date(Math.floor(Date.now() / 3600_000) * 3600_000 - 48 * 3600_000);
        await t.db.query(`INSERT INTO metrics_job_type (occurred, job_type_id, completed_count, failed_count, total_count) VALUES ($1, $2, 8, 2, 10)`, [hour, jt1.id]);
        await t.db.query(`INSERT INTO metrics_job_type (occurred, job_type_id, job_time_count, job_time_sum, job_time_min, job_time_max) VALUES ($1, $2, 2, 220, 20, 200)`, [hour, jt2.id]);
        await t.db.query(`INSERT INTO metrics_job_type (occurred, job_type_id, job_time_count, job_time_sum, job_time_min, job_time_max) VALUES ($1, $2, 2, 1100, 100, 1000)`, [hour, jt3.id]);
      });

      it('lists the metrics types; job-types has groups and columns and no choices (TestMetricsViewV6)', async () => {
        const list = (await api().get('/scale/v6/metrics/').expect(200)).body;
        assert.ok(list.results.length >= 1);
        const jt = list.results.find((e: any) => e.name === 'job-types');
        assert.ok(jt.groups.length >= 1 && jt.columns.length >= 1);
        assert.ok(!('choices' in jt));
      });

      it('shows a metrics type with its choices (TestMetricDetailsViewV6)', async () => {
        const d = (await api().get('/scale/v6/metrics/job-types/').expect(200)).body;
        assert.equal(d.name, 'job-types');
        assert.ok(d.groups.length >= 1 && d.columns.length >= 1);
        assert.ok(d.choices.some((c: any) => c.id === jt1.id));
      });

      it('plots the data: every column, by choice, by column, by group, and aggregates across choices (TestMetricPlotViewV6)', async () => {
        const all = (await api().get('/scale/v6/metrics/job-types/plot-data/').expect(200)).body;
        assert.ok(all.results.length >= 1);
        for (const e of all.results) {
          assert.ok(e.values);
          if (!e.values.length) continue;
          for (const k of ['column', 'min_x', 'max_x', 'min_y', 'max_y']) assert.ok(e[k] !== null && e[k] !== undefined, k);
          assert.ok(!('id' in e.values[0]));
        }
        const chosen = (await api().get(`/scale/v6/metrics/job-types/plot-data/?choice_id=${jt1.id}&choice_id=${jt2.id}`).expect(200)).body;
        assert.ok(chosen.results.length >= 1);
        for (const e of chosen.results) if (e.values.length) assert.ok([jt1.id, jt2.id].includes(e.values[0].id));
        assert.equal((await api().get('/scale/v6/metrics/job-types/plot-data/?column=completed_count&column=failed_count').expect(200)).body.results.length, 2);
        assert.equal((await api().get('/scale/v6/metrics/job-types/plot-data/?group=overview').expect(200)).body.results.length, 4);
        const one = async (column: string) => {
          const r = (await api().get(`/scale/v6/metrics/job-types/plot-data/?column=${column}`).expect(200)).body.results;
          assert.equal(r.length, 1);
          assert.ok(r[0].values.length, JSON.stringify(r));
          return r[0].values[0].value;
        };
        assert.equal(await one('job_time_sum'), 1320);
        assert.equal(await one('job_time_min'), 20);
        assert.equal(await one('job_time_max'), 1000);
        await one('job_time_avg');
      });
    });

    describe('queue', () => {
      it('serves no v5 queue views under v6: new-job, new-recipe and requeue-jobs are 404 (test_v6_404, TestRequeueJobsView.test_v6)', async () => {
        await api().post('/scale/v6/queue/new-job/').send({}).expect(404);
        await api().post('/scale/v6/queue/new-recipe/').send({}).expect(404);
        await api().post('/scale/v6/queue/requeue-jobs/').send({ job_ids: [1000] }).expect(404);
      });

      it('answers the queue status: the job type, count, highest priority and longest queued (TestQueueStatusView)', async () => {
        const jt = await createJobType(t.app, { interface: { command: '/bin/true', command_arguments: '' } });
        await api().post('/scale/v6/jobs/').send({ job_type_id: jt.id, input: { version: '6', files: {}, json: {} }, configuration: { priority: 123 } }).expect(201);
        const s = (await api().get('/scale/v6/queue/status/').expect(200)).body;
        const e = s.results.find((r: any) => r.job_type.id === jt.id);
        assert.ok(e, JSON.stringify(s));
        assert.equal(e.count, 1);
        assert.equal(e.highest_priority, 123);
        assert.ok(e.longest_queued);
      });
    });
  });
}
