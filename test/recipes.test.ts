// Recipes end to end: recipe types through the API, recipes whose jobs run as real processes and
// pass their outputs on, failures that block, reprocessing, cancel, fan-out, conditions and
// sub-recipes.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { check } from '../src/schemas.ts';
import { dbKinds } from './helpers/db.ts';
import { createRecipeType, fileText, newRecipe, outputIds, recipe, stepJobType, waitForRecipe } from './helpers/recipes.ts';
import { upload, waitForJob } from './helpers/scale.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const done = (r: any) => r.is_completed;
const node = (r: any, name: string) => r.nodes.find((n: any) => n.name === name);

for (const kind of dbKinds()) {
  describe(`recipes (${kind})`, function () {
    this.timeout(90_000);
    let t: TestServer;
    const tag = `${kind}-${process.pid}`;
    let a: any, b: any, c: any, split: any, gather: any, flaky: any;
    let marker: string;

    before(async () => {
      t = await startServer(kind);
      a = await stepJobType(t.app, `step-a-${tag}`, 'copy', 'stage-a', { mediaTypes: ['text/plain'] });
      b = await stepJobType(t.app, `step-b-${tag}`, 'copy', 'stage-b');
      c = await stepJobType(t.app, `step-c-${tag}`, 'copy', 'stage-c');
      split = await stepJobType(t.app, `split-${tag}`, 'split', '4');
      gather = await stepJobType(t.app, `gather-${tag}`, 'copy', 'gathered', { input: 'files' });
      marker = path.join(t.dataDir, 'flaky-ok');
      flaky = await stepJobType(t.app, `flaky-${tag}`, 'fail-unless', marker);
    });
    after(() => t?.close());

    const chain = (types: any[]) => ({
      version: '1.0',
      input_data: [{ name: 'image', type: 'file', media_types: ['text/plain'] }],
      jobs: types.map((jt, i) => ({
        name: `s${i + 1}`,
        job_type: { name: jt.name, version: jt.version },
        ...(i === 0
          ? { recipe_inputs: [{ recipe_input: 'image', job_input: 'input' }] }
          : { dependencies: [{ name: `s${i}`, connections: [{ output: 'result', input: 'input' }] }] }),
      })),
    });

    describe('recipe types', () => {
      it('creates, lists, shows and edits recipe types with revisions, in 1.0 and v6', async () => {
        const rt = await createRecipeType(t.app, { name: `chain-${tag}`, title: 'Chain', definition: chain([a, b]) });
        assert.equal(rt.revision_num, 1);
        assert.equal(rt.definition.version, '1.0');
        assert.deepEqual(rt.definition.jobs.map((j: any) => j.name), ['s1', 's2']);
        assert.deepEqual(rt.job_types.map((j: any) => j.name).sort(), [a.name, b.name].sort());
        assert.deepEqual(rt.warnings, []);
        const v6 = (await request(t.app).get(`/scale/v6/recipe-types/${rt.name}/`).expect(200)).body;
        assert.equal(v6.id, rt.id, 'v6 addresses recipe types by name');
        assert.deepEqual(Object.keys(v6.definition.nodes).sort(), ['s1', 's2']);
        assert.deepEqual(v6.definition.nodes.s2.input.input, { type: 'dependency', node: 's1', output: 'result' });
        assert.deepEqual(check('scale/recipe-definition-6', v6.definition), []);
        const listed = (await request(t.app).get('/scale/recipe-types/').query({ name: rt.name }).expect(200)).body;
        assert.equal(listed.count, 1);
        assert.equal(listed.results[0].definition.version, '1.0');

        const edited = (await request(t.app).patch(`/scale/recipe-types/${rt.id}/`).send({ title: 'Chain 3', definition: chain([a, b, c]) }).expect(200)).body;
        assert.equal(edited.revision_num, 2);
        assert.equal(edited.title, 'Chain 3');
        const same = (await request(t.app).patch(`/scale/recipe-types/${rt.id}/`).send({ description: 'only text', definition: chain([a, b, c]) }).expect(200)).body;
        assert.equal(same.revision_num, 2, 'an unchanged definition makes no revision');
        const revs = (await request(t.app).get(`/scale/recipe-types/${rt.id}/revisions/`).expect(200)).body;
        assert.deepEqual(revs.results.map((r: any) => r.revision_num), [2, 1]);
        assert.equal((await request(t.app).get(`/scale/recipe-types/${rt.id}/revisions/1/`).expect(200)).body.definition.jobs.length, 2);
        await request(t.app).get(`/scale/recipe-types/${rt.id}/revisions/9/`).expect(404);
        const conflict = await request(t.app).post('/scale/recipe-types/').send({ name: rt.name, version: '1.0.0', definition: chain([a]) });
        assert.equal(conflict.status, 409);
      });

      it('validates: cycles, unknown job types, missing outputs, with warnings for media types', async () => {
        const ok = await request(t.app).post('/scale/recipe-types/validation/').send({ name: `v-${tag}`, definition: chain([a, b]) });
        assert.equal(ok.status, 200);
        assert.deepEqual(ok.body, { is_valid: true, errors: [], warnings: [] });
        const warn = chain([a]);
        warn.input_data[0].media_types = ['image/png'];
        const w = (await request(t.app).post('/scale/recipe-types/validation/').send({ name: `v-${tag}`, definition: warn }).expect(200)).body;
        assert.equal(w.is_valid, true);
        assert.equal(w.warnings[0].id, 'media_type');
        const cyc = chain([a, b]) as any;
        cyc.jobs[0].dependencies = [{ name: 's2', connections: [] }];
        const bad = await request(t.app).post('/scale/recipe-types/validation/').send({ name: `v-${tag}`, definition: cyc });
        assert.equal(bad.status, 400);
        assert.equal(bad.body.is_valid, false);
        assert.ok(bad.body.errors.some((e: any) => e.description === 'circular dependency: s1 -> s2 -> s1'), JSON.stringify(bad.body));
        const v6 = await request(t.app).post('/scale/v6/recipe-types/validation/').send({ name: `v-${tag}`, definition: cyc });
        assert.equal(v6.status, 200, 'v6 reports an invalid definition with 200 and is_valid false');
        assert.equal(v6.body.is_valid, false);
        const unknown = chain([a]) as any;
        unknown.jobs[0].job_type.version = '9';
        const u = await request(t.app).post('/scale/recipe-types/').send({ name: `u-${tag}`, definition: unknown });
        assert.equal(u.status, 400);
        assert.equal(u.body.field, 'definition.jobs[0].job_type');
        assert.match(u.body.detail, /does not exist/);
      });
    });

    describe('running recipes', () => {
      it('runs a 3-stage recipe, queueing each job when its parent completes and passing its output on', async () => {
        const rt = await createRecipeType(t.app, { name: `run3-${tag}`, definition: chain([a, b, c]) });
        const file = await upload(t.app, 'line one\n', 'in.txt', { media_type: 'text/plain' });
        const created = await newRecipe(t.app, rt.id, { version: '1.0', input_data: [{ name: 'image', file_id: file.id }] });
        assert.ok(['QUEUED', 'RUNNING'].includes(node(created, 's1').state));
        assert.equal(node(created, 's2').state, 'PENDING', 'later stages exist as PENDING jobs');
        assert.equal(created.jobs_total, 3);
        assert.equal(created.jobs_pending, 2);
        assert.equal(created.input_files[0].id, file.id);
        const finished = await waitForRecipe(t.app, created.id, done, 'completed');
        assert.equal(finished.jobs_completed, 3);
        assert.ok(finished.completed);
        assert.deepEqual(check('scale/recipe-instance-6', finished.details), []);
        assert.deepEqual(Object.keys(finished.details.nodes).sort(), ['s1', 's2', 's3']);
        const last = node(finished, 's3').jobs[0].job_id;
        const [out] = await outputIds(t.app, last, 'result');
        assert.equal(await fileText(t.app, out), 'line one\nstage-a\nstage-b\nstage-c\n');
        // Each dependent was queued after its parent ended.
        const jobs = await Promise.all(finished.jobs.map((j: any) => request(t.app).get(`/scale/jobs/${j.job.id}/`).then((r) => r.body)));
        const byName = new Map<string, any>(finished.jobs.map((j: any, i: number) => [j.job_name, jobs[i]]));
        assert.ok(new Date(byName.get('s2').queued) >= new Date(byName.get('s1').ended));
        assert.deepEqual(byName.get('s2').recipes.map((x: any) => [x.id, x.job_name, x.recipe_type.name]), [[created.id, 's2', rt.name]]);
        assert.equal(byName.get('s2').recipe.id, created.id);
        assert.equal(byName.get('s2').recipe_node, 's2');
        const listed = (await request(t.app).get('/scale/recipes/').query({ recipe_type_id: rt.id }).expect(200)).body;
        assert.equal(listed.count, 1);
        assert.equal(listed.results[0].jobs_completed, 3);
        assert.equal(listed.results[0].is_completed, true);
        assert.equal((await request(t.app).get('/scale/recipes/').query({ recipe_type_id: rt.id, is_completed: 'false' }).expect(200)).body.count, 0);
      });

      it('blocks the dependents of a failed job, and reprocess re-runs only what failed and what follows', async () => {
        await fs.rm(marker, { force: true });
        const rt = await createRecipeType(t.app, { name: `flaky-${tag}`, definition: chain([a, flaky, c]) });
        const file = await upload(t.app, 'x\n', 'x.txt', { media_type: 'text/plain' });
        const created = await newRecipe(t.app, rt.id, { input_data: [{ name: 'image', file_id: file.id }] });
        const stuck = await waitForRecipe(t.app, created.id, (r) => r.jobs_failed === 1 && r.jobs_blocked === 1, 'one failed, one blocked');
        assert.equal(node(stuck, 's2').state, 'FAILED');
        assert.equal(node(stuck, 's3').state, 'BLOCKED');
        assert.equal(stuck.is_completed, false);
        assert.equal(stuck.completed, null);
        const s1Job = node(stuck, 's1').jobs[0].job_id;

        await fs.writeFile(marker, 'ok');
        const res = await request(t.app).post(`/scale/recipes/${created.id}/reprocess/`).send({});
        assert.equal(res.status, 202, JSON.stringify(res.body));
        assert.equal(res.body.superseded_recipe.id, created.id);
        const redone = await waitForRecipe(t.app, res.body.id, done, 'reprocessed recipe completed');
        assert.equal(node(redone, 's1').jobs[0].job_id, s1Job, 'the completed stage is taken over, not run again');
        assert.equal(node(redone, 's1').jobs[0].is_original, false);
        assert.notEqual(node(redone, 's2').jobs[0].job_id, node(stuck, 's2').jobs[0].job_id);
        const [out] = await outputIds(t.app, node(redone, 's3').jobs[0].job_id, 'result');
        assert.equal(await fileText(t.app, out), 'x\nstage-a\nretried\nstage-c\n');
        const old = await recipe(t.app, created.id);
        assert.equal(old.is_superseded, true);
        assert.equal(old.superseded_by_recipe.id, redone.id);
        assert.equal(node(old, 's3').state, 'CANCELED', 'the old blocked job is canceled');
        const again = await request(t.app).post(`/scale/recipes/${created.id}/reprocess/`).send({});
        // Scale answers 400 (RecipeReprocessView; TestRecipeReprocessViewV5/V6.test_superseded).
        assert.equal(again.status, 400, 'a superseded recipe cannot be reprocessed again');
        const nothing = await request(t.app).post(`/scale/recipes/${redone.id}/reprocess/`).send({});
        assert.equal(nothing.status, 400, JSON.stringify(nothing.body));
        const forced = await request(t.app).post(`/scale/recipes/${redone.id}/reprocess/`).send({ forced_nodes: { all: false, nodes: ['s3'] } });
        assert.equal(forced.status, 202);
        const third = await waitForRecipe(t.app, forced.body.id, done, 'forced reprocess completed');
        assert.equal(node(third, 's2').jobs[0].job_id, node(redone, 's2').jobs[0].job_id);
        assert.notEqual(node(third, 's3').jobs[0].job_id, node(redone, 's3').jobs[0].job_id);
      });

      it('unblocks dependents in place when a failed job of the recipe is requeued', async () => {
        await fs.rm(marker, { force: true });
        const rt = await createRecipeType(t.app, { name: `requeue-${tag}`, definition: chain([flaky, c]) });
        const file = await upload(t.app, 'r\n', 'r.txt', { media_type: 'text/plain' });
        const created = await newRecipe(t.app, rt.id, { input_data: [{ name: 'image', file_id: file.id }] });
        const stuck = await waitForRecipe(t.app, created.id, (r) => r.jobs_failed === 1 && r.jobs_blocked === 1, 'failed and blocked');
        await fs.writeFile(marker, 'ok');
        await request(t.app).post('/scale/queue/requeue-jobs/').send({ job_ids: [node(stuck, 's1').jobs[0].job_id] }).expect(200);
        const finished = await waitForRecipe(t.app, created.id, done, 'completed after requeue');
        assert.equal(finished.jobs_completed, 2);
      });

      it('cancels every unfinished job of a recipe', async () => {
        await fs.rm(marker, { force: true });
        const rt = await createRecipeType(t.app, { name: `cancel-${tag}`, definition: chain([flaky, b, c]) });
        const file = await upload(t.app, 'c\n', 'c.txt', { media_type: 'text/plain' });
        // Keep the first job on the queue: pause its type so nothing runs before the cancel.
        await request(t.app).patch(`/scale/job-types/${flaky.id}/`).send({ is_paused: true }).expect(200);
        const created = await newRecipe(t.app, rt.id, { input_data: [{ name: 'image', file_id: file.id }] });
        const res = await request(t.app).post(`/scale/recipes/${created.id}/cancel/`).send({});
        await request(t.app).patch(`/scale/job-types/${flaky.id}/`).send({ is_paused: false }).expect(200);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.jobs_canceled, 3);
        assert.equal(res.body.is_canceled, true);
        assert.deepEqual(res.body.nodes.map((n: any) => n.state), ['CANCELED', 'CANCELED', 'CANCELED']);
        const queue = (await request(t.app).get('/scale/queue/status/').expect(200)).body;
        assert.ok(!queue.queue_status.some((q: any) => q.job_type_name === flaky.name));
      });

      it('fans a job out over each file of a multi-file output and gathers the results', async () => {
        const def = {
          input_data: [{ name: 'image', type: 'file' }],
          jobs: [
            { name: 'split', job_type: { name: split.name, version: split.version }, recipe_inputs: [{ recipe_input: 'image', job_input: 'input' }] },
            { name: 'each', job_type: { name: b.name, version: b.version }, dependencies: [{ name: 'split', connections: [{ output: 'parts', input: 'input', fan_out: true }] }] },
            { name: 'merge', job_type: { name: gather.name, version: gather.version }, dependencies: [{ name: 'each', connections: [{ output: 'result', input: 'input' }] }] },
          ],
        };
        const rt = await createRecipeType(t.app, { name: `fan-${tag}`, definition: def });
        assert.equal(rt.definition.jobs[1].dependencies[0].connections[0].fan_out, true);
        const file = await upload(t.app, 'tile\n', 'tile.txt');
        const created = await newRecipe(t.app, rt.id, { input_data: [{ name: 'image', file_id: file.id }] });
        assert.deepEqual(node(created, 'each').jobs, [], 'a fanned-out node has no jobs until its source is complete');
        const finished = await waitForRecipe(t.app, created.id, done, 'fan-out completed');
        assert.equal(node(finished, 'each').jobs.length, 4);
        assert.deepEqual(node(finished, 'each').jobs.map((j: any) => j.fork_index), [0, 1, 2, 3]);
        assert.equal(finished.jobs_total, 6);
        const [merged] = await outputIds(t.app, node(finished, 'merge').jobs[0].job_id, 'result');
        const text = await fileText(t.app, merged);
        for (let i = 0; i < 4; i++) assert.ok(text.includes(`tile\npart ${i}\nstage-b\n`), text);
        assert.ok(text.endsWith('gathered\n'));
      });

      it('runs the accepted branch of a condition and skips the other (v6 definition)', async () => {
        const job = (jt: any, input: Record<string, unknown>, deps: unknown[]) => ({
          dependencies: deps, input, node_type: { node_type: 'job', job_type_name: jt.name, job_type_version: jt.version, job_type_revision: 1 },
        });
        const def = {
          version: '7',
          input: { files: [{ name: 'image', media_types: [], required: true, multiple: false }], json: [{ name: 'mode', type: 'string', required: true }] },
          nodes: {
            check: {
              dependencies: [], input: { image: { type: 'recipe', input: 'image' }, mode: { type: 'recipe', input: 'mode' } },
              node_type: {
                node_type: 'condition',
                interface: { files: [{ name: 'image', media_types: [], required: true, multiple: false }], json: [{ name: 'mode', type: 'string', required: true }] },
                data_filter: { filters: [{ name: 'mode', type: 'string', condition: '==', values: ['fast'] }] },
              },
            },
            fast: job(b, { input: { type: 'dependency', node: 'check', output: 'image' } }, [{ name: 'check', acceptance: true }]),
            slow: job(c, { input: { type: 'dependency', node: 'check', output: 'image' } }, [{ name: 'check', acceptance: false }]),
            after_slow: job(a, { input: { type: 'dependency', node: 'slow', output: 'result' } }, [{ name: 'slow' }]),
          },
        };
        const rt = await createRecipeType(t.app, { name: `cond-${tag}`, definition: def });
        const file = await upload(t.app, 'cond\n', 'cond.txt', { media_type: 'text/plain' });
        const res = await request(t.app).post('/scale/recipes/').send({ recipe_type_id: rt.id, input: { files: { image: [file.id] }, json: { mode: 'fast' } } });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        const finished = await waitForRecipe(t.app, res.body.id, done, 'condition recipe completed');
        assert.equal(node(finished, 'check').state, 'ACCEPTED');
        assert.equal(node(finished, 'fast').state, 'COMPLETED');
        assert.equal(node(finished, 'slow').state, 'SKIPPED');
        assert.equal(node(finished, 'after_slow').state, 'SKIPPED', 'everything below a skipped node is skipped');
        assert.equal(finished.jobs_total, 1);
        assert.equal(finished.jobs_failed, 0);
        assert.deepEqual(finished.details.nodes.check.node_type, { node_type: 'condition', condition_id: finished.details.nodes.check.node_type.condition_id, is_processed: true, is_accepted: true });
        assert.deepEqual(check('scale/recipe-instance-6', finished.details), []);

        const other = await request(t.app).post('/scale/recipes/').send({ recipe_type_id: rt.id, input: { files: { image: [file.id] }, json: { mode: 'slow' } } }).expect(201);
        const elsewise = await waitForRecipe(t.app, other.body.id, done, 'else branch completed');
        assert.equal(node(elsewise, 'check').state, 'REJECTED');
        assert.equal(node(elsewise, 'fast').state, 'SKIPPED');
        assert.equal(node(elsewise, 'after_slow').state, 'COMPLETED');
      });

      it('runs sub-recipes three levels deep, counting their jobs in the top recipe', async () => {
        const sub = (name: string, inner: Record<string, unknown>) => ({
          version: '7',
          input: { files: [{ name: 'image', media_types: [], required: true, multiple: false }], json: [] },
          nodes: { [name]: inner },
        });
        const jobNode = (jt: any) => ({ dependencies: [], input: { input: { type: 'recipe', input: 'image' } }, node_type: { node_type: 'job', job_type_name: jt.name, job_type_version: jt.version, job_type_revision: 1 } });
        const recipeNode = (rt: any) => ({ dependencies: [], input: { image: { type: 'recipe', input: 'image' } }, node_type: { node_type: 'recipe', recipe_type_name: rt.name, recipe_type_revision: 1 } });
        const level3 = await createRecipeType(t.app, { name: `l3-${tag}`, definition: sub('work', jobNode(c)) });
        const level2 = await createRecipeType(t.app, { name: `l2-${tag}`, definition: { ...sub('deeper', recipeNode(level3)), nodes: { deeper: recipeNode(level3), work: jobNode(b) } } });
        const level1 = await createRecipeType(t.app, { name: `l1-${tag}`, definition: { ...sub('down', recipeNode(level2)), nodes: { down: recipeNode(level2), work: jobNode(a) } } });
        assert.deepEqual(level1.sub_recipe_types.map((s: any) => s.name), [level2.name]);
        const file = await upload(t.app, 'deep\n', 'deep.txt', { media_type: 'text/plain' });
        const res = await request(t.app).post('/scale/recipes/').send({ recipe_type_id: level1.id, input: { files: { image: [file.id] }, json: {} } }).expect(201);
        const finished = await waitForRecipe(t.app, res.body.id, done, 'three levels completed');
        assert.equal(finished.jobs_total, 3);
        assert.equal(finished.jobs_completed, 3);
        assert.equal(finished.sub_recipes_total, 2);
        assert.equal(finished.sub_recipes_completed, 2);
        const down = finished.details.nodes.down.node_type;
        assert.equal(down.is_completed, true);
        assert.equal(down.jobs_total, 2);
        const l2 = await recipe(t.app, down.recipe_id);
        assert.equal(l2.recipe.id, finished.id);
        assert.equal(l2.root_recipe.id, finished.id);
        const l3 = await recipe(t.app, l2.details.nodes.deeper.node_type.recipe_id);
        assert.equal(l3.root_recipe.id, finished.id);
        assert.equal(l3.jobs[0].job.job_type.name, c.name);
        const tree = (await request(t.app).get('/scale/recipes/').query({ root_recipe_id: finished.id }).expect(200)).body;
        assert.equal(tree.count, 2);
      });

      it('keeps running recipes on the revision they started with when their type is edited', async () => {
        await fs.rm(marker, { force: true });
        const rt = await createRecipeType(t.app, { name: `pinned-${tag}`, definition: chain([flaky, b, c]) });
        const file = await upload(t.app, 'p\n', 'p.txt', { media_type: 'text/plain' });
        const created = await newRecipe(t.app, rt.id, { input_data: [{ name: 'image', file_id: file.id }] });
        await waitForRecipe(t.app, created.id, (r) => r.jobs_failed === 1, 'first stage failed');
        await request(t.app).patch(`/scale/recipe-types/${rt.id}/`).send({ definition: chain([flaky]) }).expect(200);
        await fs.writeFile(marker, 'ok');
        const first = (await recipe(t.app, created.id)).nodes[0].jobs[0].job_id;
        await request(t.app).post('/scale/queue/requeue-jobs/').send({ job_ids: [first] }).expect(200);
        const finished = await waitForRecipe(t.app, created.id, done, 'completed on revision 1');
        assert.equal(finished.recipe_type_rev.revision_num, 1);
        assert.equal(finished.jobs_completed, 3, 'all three stages of revision 1 ran');
        assert.equal(finished.recipe_type.revision_num, 2);
        const later = await newRecipe(t.app, rt.id, { input_data: [{ name: 'image', file_id: file.id }] });
        assert.equal(later.jobs_total, 1, 'new recipes use the new revision');
        await waitForJob(t.app, later.jobs[0].job.id);
      });
    });
  });
}
