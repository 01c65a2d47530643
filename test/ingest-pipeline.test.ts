// Triggers and the ingest pipeline end to end: trigger rules on job and recipe types checked by
// field; a file copied into a watched directory (under its transfer suffix, then renamed) is
// ingested into an S3 workspace (s3rver), its INGEST trigger starts a two-step recipe on it, and the
// products come back through the API, their lineage pointing at the source and the trigger event.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import S3rver from 's3rver';
import request from 'supertest';
import { createRecipeType, fileText, outputIds, stepJobType, waitForRecipe } from './helpers/recipes.ts';
import { createJobType, queueJob, script, upload, waitForJob } from './helpers/scale.ts';
import { startServer, tempDir, waitFor, type TestServer } from './helpers/server.ts';

describe('ingest triggers and the pipeline from a watched directory to products', function () {
  this.timeout(90_000);
  let t: TestServer;
  let s3: S3rver;
  let root: string;
  const api = () => request(t.app);

  before(async () => {
    s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: await tempDir('s3rver-'), configureBuckets: [{ name: 'ingested', configs: [] }] });
    const addr = (await s3.run()) as unknown as { port: number };
    // Sweeps and clock ticks are driven by the tests, not by timers.
    t = await startServer('pglite', { SCALE_STRIKE_POLL_MS: '3600000', SCALE_CLOCK_TICK_MS: '3600000' });
    root = await tempDir('pipeline-');
    await api().post('/scale/workspaces/').send({ name: 'drop', json_config: { broker: { type: 'host', host_path: path.join(root, 'drop') } } }).expect(201);
    await api().post('/scale/workspaces/').send({ name: 'lake', json_config: { broker: { type: 's3', bucket_name: 'ingested', endpoint_url: `http://127.0.0.1:${addr.port}`, credentials: { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' } } } }).expect(201);
    await api().post('/scale/workspaces/').send({ name: 'products', json_config: { broker: { type: 'host', host_path: path.join(root, 'products') } } }).expect(201);
  });
  after(async () => {
    await t?.close();
    await s3?.close();
  });

  it('checks trigger rules on job and recipe types, naming the field', async () => {
    const base = { type: 'INGEST', is_active: true, configuration: { version: '1.0', condition: { media_type: 'text/plain', data_types: ['x'] }, data: { input_data_name: 'input', workspace_name: 'products' } } };
    const iface = { version: '1.0', command: '/bin/true', command_arguments: '${input}', input_data: [{ name: 'input', type: 'file' }], output_data: [] };
    const ok = await api().post('/scale/job-types/').send({ name: 'trig-ok', version: '1.0', interface: iface, trigger_rule: base });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const cases: [unknown, RegExp][] = [
      [{ ...base, type: 'TELEPATHY' }, /trigger_rule\.type/],
      [{ ...base, configuration: { data: { input_data_name: 'nope', workspace_name: 'products' } } }, /input_data_name/],
      [{ ...base, configuration: { data: { input_data_name: 'input', workspace_name: 'ghost' } } }, /workspace_name/],
      [{ ...base, configuration: { condition: { media_type: 7 }, data: { input_data_name: 'input', workspace_name: 'products' } } }, /media_type/],
      [{ type: 'CLOCK', configuration: { schedule: 'every hour' } }, /schedule/],
    ];
    for (const [rule, re] of cases) {
      const res = await api().post('/scale/job-types/').send({ name: `trig-${Math.random().toString(36).slice(2, 7)}`, version: '1.0', interface: iface, trigger_rule: rule });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(JSON.stringify(res.body), re);
    }
    await api().patch(`/scale/job-types/${ok.body.id}/`).send({ trigger_rule: { ...base, is_active: false } }).expect(200);
  });

  it('ingests a dropped file into S3, triggers a two-step recipe on it, and lists its products with their lineage', async () => {
    const a = await stepJobType(t.app, 'pipe-upper', 'copy', 'first');
    const b = await stepJobType(t.app, 'pipe-tag', 'copy', 'second');
    const rt = await createRecipeType(t.app, {
      name: 'pipe', title: 'Pipeline',
      definition: {
        version: '1.0', input_data: [{ name: 'image', type: 'file', media_types: ['text/plain'] }],
        jobs: [
          { name: 's1', job_type: { name: a.name, version: a.version }, recipe_inputs: [{ recipe_input: 'image', job_input: 'input' }] },
          { name: 's2', job_type: { name: b.name, version: b.version }, dependencies: [{ name: 's1', connections: [{ output: 'result', input: 'input' }] }] },
        ],
      },
      trigger_rule: { type: 'INGEST', is_active: true, configuration: { version: '1.0', condition: { media_type: 'text/plain', data_types: ['scene'] }, data: { input_data_name: 'image', workspace_name: 'products' } } },
    });
    await api().post('/scale/strike/create/').send({
      name: 'pipe-strike', configuration: { version: '2.0', workspace: 'drop', monitor: { type: 'dir-watcher', transfer_suffix: '.part' }, files_to_ingest: [{ filename_regex: '\\.txt$', data_types: ['scene'], new_workspace: 'lake', new_file_path: 'scenes' }] },
    }).expect(201);
    const drop = path.join(root, 'drop');
    await fs.mkdir(drop, { recursive: true });
    await fs.writeFile(path.join(drop, 'scene-1.txt.part'), 'raw scene\n');
    await t.core.strikes.tick(30);
    await fs.rename(path.join(drop, 'scene-1.txt.part'), path.join(drop, 'scene-1.txt'));
    await t.core.strikes.tick(30);
    const ingest = (await api().get('/scale/ingests/?file_name=scene-1.txt').expect(200)).body.results[0];
    assert.equal(ingest.status, 'INGESTED', JSON.stringify(ingest));
    const source = (await api().get(`/scale/files/${ingest.source_file.id}/`).expect(200)).body;
    assert.equal(source.workspace.name, 'lake');
    // The trigger started the recipe on the ingested file.
    const recipes = await waitFor(async () => {
      const list = (await api().get(`/scale/recipes/?recipe_type_id=${rt.id}`).expect(200)).body.results;
      return list.length ? list : null;
    }, { timeoutMs: 20_000, what: 'the triggered recipe' });
    assert.equal(recipes.length, 1);
    const done = await waitForRecipe(t.app, recipes[0].id, (r) => !!(r.is_completed ?? r.completed), 'completed', 40_000);
    const s2 = (done.jobs ?? []).find((j: any) => j.node_name === 's2' || j.job_name === 's2')?.job?.id ?? (done.details?.nodes?.s2?.node_type?.job_id);
    const jobs = (await api().get(`/scale/jobs/?job_type_name=${b.name}`).expect(200)).body.results;
    const s2Id = s2 ?? jobs[0].id;
    const [productId] = await outputIds(t.app, s2Id, 'result');
    assert.equal(await fileText(t.app, productId), 'raw scene\nfirst\nsecond\n');
    const product = (await api().get(`/scale/files/${productId}/`).expect(200)).body;
    assert.equal(product.file_type, 'PRODUCT');
    assert.equal(product.workspace.name, 'products', "the trigger rule's workspace holds the products");
    // The recipe records the trigger event that made it, which names the ingested file.
    const event = (await t.db.query('SELECT e.description FROM recipe r JOIN trigger_event e ON e.id = r.event_id WHERE r.id = $1', [recipes[0].id])).rows[0];
    assert.equal(event.description.file_id, ingest.source_file.id);
    assert.equal(event.description.ingest_id, ingest.id);
    // Products and sources through the Scale API, with their lineage both ways.
    const products = (await api().get('/scale/products/?page_size=100&is_published=false').expect(200)).body.results.concat((await api().get('/scale/products/?page_size=100').expect(200)).body.results);
    assert.ok(products.some((p: any) => p.id === productId), 'listed as a product');
    const productDetails = (await api().get(`/scale/products/${productId}/`).expect(200)).body;
    assert.deepEqual(productDetails.sources.map((s: any) => s.id), [ingest.source_file.id], 'the product came from the ingested source');
    const srcDetails = (await api().get(`/scale/sources/${ingest.source_file.id}/`).expect(200)).body;
    assert.ok(srcDetails.products.some((p: any) => p.id === productId), 'the source lists the product derived from it');
    assert.equal(srcDetails.jobs.length, 2, 'and both jobs of the recipe');
  });

  it('fires PARSE triggers when a job reports parse results for its input, recording the file metadata', async () => {
    const parser = await createJobType(t.app, {
      name: 'parser', interface: { version: '1.0', command: `/bin/sh ${script('parse.sh')}`, command_arguments: '${input} ${job_output_dir}', input_data: [{ name: 'input', type: 'file' }], output_data: [] },
    });
    const follower = await stepJobType(t.app, 'after-parse', 'copy', 'parsed');
    await api().patch(`/scale/job-types/${follower.id}/`).send({ trigger_rule: { type: 'PARSE', is_active: true, configuration: { version: '1.0', condition: { data_types: ['parsed-scene'] }, data: { input_data_name: 'input', workspace_name: 'products' } } } }).expect(200);
    const src = await upload(t.app, 'to parse\n', 'scene-9.txt', { media_type: 'text/plain' });
    const job = await queueJob(t.app, parser.id, { version: '1.0', input_data: [{ name: 'input', file_id: src.id }] });
    assert.equal((await waitForJob(t.app, job.job_id ?? job.id)).status, 'COMPLETED');
    const file = await waitFor(async () => {
      const f = (await api().get(`/scale/files/${src.id}/`).expect(200)).body;
      return f.data_type.includes('parsed-scene') ? f : null;
    }, { timeoutMs: 10_000, what: 'the parse results to be recorded' });
    assert.equal(file.data_started, '2020-01-02T03:04:05.000Z');
    assert.deepEqual(file.geometry, { type: 'Point', coordinates: [1, 2] });
    const asSource = (await api().get(`/scale/sources/${src.id}/`).expect(200)).body;
    assert.equal(asSource.is_parsed, true);
    assert.ok((await api().get('/scale/sources/?is_parsed=true').expect(200)).body.results.some((f: any) => f.id === src.id));
    const triggered = await waitFor(async () => {
      const jobs = (await api().get(`/scale/jobs/?job_type_name=${follower.name}`).expect(200)).body.results;
      return jobs.length ? jobs : null;
    }, { timeoutMs: 10_000, what: 'the PARSE trigger to start its job' });
    const ev = (await t.db.query('SELECT e.type, e.description FROM job j JOIN trigger_event e ON e.id = j.event_id WHERE j.id = $1', [triggered[0].id])).rows[0];
    assert.equal(ev.type, 'PARSE');
    assert.equal(ev.description.file_id, src.id);
  });

  it('fires CLOCK triggers once per period, whichever process gets there first', async () => {
    const clocked = await createJobType(t.app, { name: 'hourly', interface: { version: '1.0', command: '/bin/true', command_arguments: '', input_data: [], output_data: [] }, trigger_rule: { type: 'CLOCK', is_active: true, configuration: { schedule: 'PT1H' } } });
    // A job that stays queued (its job type is paused), so every load sample has something to count.
    const waiting = await createJobType(t.app, { name: 'load-sample', interface: { version: '1.0', command: '/bin/true', command_arguments: '', input_data: [], output_data: [] } });
    await api().patch(`/scale/job-types/${waiting.id}/`).send({ is_paused: true }).expect(200);
    const held = (await api().post('/scale/queue/new-job/').send({ job_type_id: waiting.id, job_data: { version: '1.0', input_data: [] } }).expect(201)).body;
    const now = new Date('2030-01-01T10:15:00Z');
    // The built-in JOB_LOAD rule fires too (one sample of the queue per minute).
    assert.equal(await t.core.triggers.clockTick(now), 2);
    assert.equal(await t.core.triggers.clockTick(new Date('2030-01-01T10:15:30Z')), 0, 'the same minute and hour fire once');
    assert.equal(await t.core.triggers.clockTick(new Date('2030-01-01T10:45:00Z')), 1, 'the same hour does not fire again; the next minute samples the load');
    assert.equal(await t.core.triggers.clockTick(new Date('2030-01-01T11:01:00Z')), 2, 'the next hour fires again');
    const loads = (await t.db.query("SELECT count(*)::int AS n FROM trigger_event WHERE type = 'JOB_LOAD'")).rows[0].n;
    assert.ok(loads >= 3, 'JOB_LOAD events recorded');
    assert.ok((await t.db.query('SELECT count(*)::int AS n FROM job_load WHERE job_type_id = $1 AND queued_count = 1', [waiting.id])).rows[0].n > 0, 'the queue load was sampled');
    await api().patch(`/scale/jobs/${held.id}/`).send({ status: 'CANCELED' }).expect(200);
    const jobs = (await api().get(`/scale/jobs/?job_type_id=${clocked.id}`).expect(200)).body.results;
    assert.equal(jobs.length, 2);
    const events = (await t.db.query("SELECT description FROM trigger_event WHERE type = 'MY_HOURLY' ORDER BY id")).rows;
    assert.equal(events.length, 0, 'no event of a type no rule names');
    const withInputs = await api().post('/scale/job-types/').send({ name: 'clock-bad', version: '1.0', interface: { version: '1.0', command: '/bin/true', command_arguments: '${f}', input_data: [{ name: 'f', type: 'file' }], output_data: [] }, trigger_rule: { type: 'CLOCK', configuration: { schedule: 'P1D' } } });
    assert.equal(withInputs.status, 400);
    assert.match(JSON.stringify(withInputs.body), /CLOCK/);
  });
});
