// /sources/ and /products/ (seed 002) against a real server: a source uploaded, a job that
// upper-cases it into product P1, a second job (v6 input, another job type) that takes P1 into P2;
// then the lists with every filter, the updates, the details with their lineage both ways, and
// 400s naming the parameter and 404s for unknown files.
import assert from 'node:assert/strict';
import path from 'node:path';
import request from 'supertest';
import { createJobType, queueJob, upload, waitForJob } from './helpers/scale.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const UPPER = path.join(import.meta.dirname, 'helpers', 'owslib', 'upper.sh');
const iface = {
  version: '1.0', command: `/bin/sh ${UPPER}`, command_arguments: '${input_file} ${job_output_dir}',
  input_data: [{ name: 'input_file', type: 'file', media_types: ['text/plain'] }],
  output_data: [{ name: 'upper', type: 'file', media_type: 'text/plain' }],
};

describe('Scale API /sources/ and /products/', function () {
  this.timeout(60_000);
  let t: TestServer;
  let source: any;
  let other: any;
  let t1: any;
  let t2: any;
  let job1: any;
  let job2: any;
  let p1: any;
  let p2: any;
  const get = async (url: string, status = 200) => {
    const res = await request(t.app).get(url);
    assert.equal(res.status, status, `${url}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const ids = (list: any[]) => list.map((x) => x.id);

  before(async () => {
    t = await startServer('pglite');
    source = await upload(t.app, 'make me loud\n', 'quiet.txt', { media_type: 'text/plain' });
    other = await upload(t.app, 'left alone\n', 'other.txt', { media_type: 'text/plain' });
    t1 = await createJobType(t.app, { category: 'shouting', interface: iface });
    t2 = await createJobType(t.app, { category: 'derived', is_operational: false, interface: iface });
    // Job 1: Scale job data 1.0 (input_data[].file_id), output to the default workspace.
    const q1 = await queueJob(t.app, t1.id, { version: '1.0', input_data: [{ name: 'input_file', file_id: source.id }] });
    job1 = await waitForJob(t.app, q1.id);
    assert.equal(job1.status, 'COMPLETED', JSON.stringify(job1.error ?? job1));
    p1 = job1.outputs.find((o: any) => o.name === 'upper').value;
    // Job 2: v6 input ({files: {NAME: [ids]}}) of another job type, on job 1's product.
    const q2 = await request(t.app).post('/scale/jobs/').send({ job_type_id: t2.id, input: { files: { input_file: [p1.id] }, json: {} } });
    assert.equal(q2.status, 201, JSON.stringify(q2.body));
    job2 = await waitForJob(t.app, q2.body.id);
    assert.equal(job2.status, 'COMPLETED', JSON.stringify(job2.error ?? job2));
    p2 = job2.outputs.find((o: any) => o.name === 'upper').value;
    assert.ok(p1?.id && p2?.id && p1.id !== p2.id);
  });
  after(() => t?.close());

  it('lists products in the seed 002 shape', async () => {
    const list = await get('/scale/products/');
    assert.equal(list.count, 2);
    assert.deepEqual(ids(list.results), [p1.id, p2.id]); // default order: last_modified
    const one = list.results[0];
    for (const k of ['id', 'workspace', 'file_name', 'media_type', 'file_size', 'data_type', 'is_deleted', 'uuid', 'url', 'created', 'deleted',
      'data_started', 'data_ended', 'geometry', 'center_point', 'meta_data', 'countries', 'last_modified', 'is_operational', 'is_published',
      'published', 'unpublished', 'job_type', 'job', 'job_exe']) assert.ok(k in one, `product field ${k} missing`);
    assert.equal(one.file_type, 'PRODUCT');
    assert.equal(one.workspace.name, 'default');
    assert.equal(one.is_published, true);
    assert.ok(one.published);
    assert.equal(one.unpublished, null);
    assert.equal(one.is_superseded, false);
    assert.deepEqual(one.job, { id: job1.id });
    assert.equal(one.job_exe.id, job1.job_exes[0].id);
    assert.equal(one.job_type.id, t1.id);
    assert.equal(one.job_type.name, t1.name);
    assert.equal(one.job_type.category, 'shouting');
    assert.equal(one.is_operational, true);
    assert.equal(list.results[1].is_operational, false);
    // Scale 6.0.0 removed the product views from v6 (TestProductsViewsV6).
    assert.equal((await request(t.app).get('/scale/v6/products/')).status, 404);
  });

  it('filters products by job type, operational status, file name, time and order, and pages them', async () => {
    const only = async (query: string) => ids((await get(`/scale/products/?${query}`)).results);
    assert.deepEqual(await only(`job_type_id=${t1.id}`), [p1.id]);
    assert.deepEqual(await only(`job_type_id=${t1.id}&job_type_id=${t2.id}`), [p1.id, p2.id]);
    assert.deepEqual(await only(`job_type_name=${t2.name}`), [p2.id]);
    assert.deepEqual(await only('job_type_category=derived'), [p2.id]);
    assert.deepEqual(await only('job_type_category=nothing'), []);
    assert.deepEqual(await only('is_operational=true'), [p1.id]);
    assert.deepEqual(await only('is_operational=false'), [p2.id]);
    assert.deepEqual(await only('is_published=false'), []);
    assert.deepEqual(await only(`job_id=${job2.id}`), [p2.id]);
    assert.deepEqual(await only('job_output=upper'), [p1.id, p2.id]);
    assert.deepEqual(await only(`file_name=${p1.file_name}`), [p1.id, p2.id]);
    assert.deepEqual(await only('file_name=nothing.txt'), []);
    assert.deepEqual(await only('started=PT1H'), [p1.id, p2.id]);
    assert.deepEqual(await only('started=2999-01-01T00:00:00Z'), []);
    assert.deepEqual(await only('ended=2000-01-01T00:00:00Z'), []);
    assert.deepEqual(await only('started=2000-01-01T00:00:00Z&ended=2999-01-01T00:00:00Z&time_field=last_modified'), [p1.id, p2.id]);
    // The products carry no data times, so a data-time range matches none of them.
    assert.deepEqual(await only('started=2000-01-01T00:00:00Z&time_field=data'), []);
    assert.deepEqual(await only('ended=2999-01-01T00:00:00Z&time_field=source'), []);
    assert.deepEqual(await only('order=-id'), [p2.id, p1.id]);
    assert.deepEqual(await only('order=-job_type__name&order=id'), t2.name > t1.name ? [p2.id, p1.id] : [p1.id, p2.id]);
    const page = await get('/scale/products/?page_size=1&order=id');
    assert.equal(page.count, 2);
    assert.deepEqual(ids(page.results), [p1.id]);
    assert.match(page.next, /page=2/);
    assert.equal(page.previous, null);
    assert.deepEqual(ids((await get('/scale/products/?page_size=1&order=id&page=2')).results), [p2.id]);
    // As with Scale's paginator, too large a page_size is the maximum, an unreadable one the default.
    for (const size of ['5000', 'null']) assert.deepEqual(ids((await get(`/scale/products/?page_size=${size}&order=id`)).results), [p1.id, p2.id]);
  });

  it('answers bad product and source filters with 400 naming the parameter', async () => {
    const bad: [string, string][] = [
      ['/scale/products/?started=yesterday', 'started'],
      ['/scale/products/?ended=2015-13-45T99:00:00Z', 'ended'],
      ['/scale/products/?started=2020-01-02T00:00:00Z&ended=2020-01-01T00:00:00Z', 'ended'],
      ['/scale/products/?time_field=parsed', 'time_field'],
      ['/scale/products/?job_type_id=abc', 'job_type_id'],
      ['/scale/products/?job_id=-1', 'job_id'],
      ['/scale/products/?is_operational=maybe', 'is_operational'],
      ['/scale/products/?is_published=perhaps', 'is_published'],
      ['/scale/products/?order=nope', 'order'],
      ['/scale/products/?page=0', 'page'],
      ['/scale/products/updates/?started=soon', 'started'],
      ['/scale/products/updates/?order=-nope', 'order'],
      ['/scale/sources/?is_parsed=sometimes', 'is_parsed'],
      ['/scale/sources/?time_field=source', 'time_field'],
      ['/scale/sources/?order=job_type__name', 'order'],
      ['/scale/sources/updates/?ended=whenever', 'ended'],
      [`/scale/sources/${source.id}/products/?job_type_id=x`, 'job_type_id'],
      [`/scale/sources/${source.id}/jobs/?status=DONE`, 'status'],
      [`/scale/products/${p2.id}/sources/?is_parsed=x`, 'is_parsed'],
      // Checked even where the lineage is empty.
      [`/scale/sources/${other.id}/products/?order=nope`, 'order'],
      [`/scale/sources/${other.id}/jobs/?order=nope`, 'order'],
    ];
    for (const [url, field] of bad) {
      const body = await get(url, 400);
      assert.equal(body.field, field, `${url}: ${JSON.stringify(body)}`);
      assert.match(body.detail, new RegExp(field), url);
    }
  });

  it('lists product updates with the update and the source files of each product', async () => {
    const list = await get('/scale/products/updates/?started=PT1H');
    assert.equal(list.count, 2);
    const [u1, u2] = list.results;
    assert.deepEqual(ids(list.results), [p1.id, p2.id]);
    assert.equal(u1.update.action, 'PUBLISHED');
    assert.equal(u1.update.when, u1.published);
    // P2 was made from P1, which was made from the source: the source is P2's source too.
    assert.deepEqual(ids(u1.source_files), [source.id]);
    assert.deepEqual(ids(u2.source_files), [source.id]);
    assert.equal(u2.source_files[0].is_parsed, false);
    assert.deepEqual(ids((await get(`/scale/products/updates/?job_type_id=${t2.id}`)).results), [p2.id]);
    assert.deepEqual(ids((await get('/scale/products/updates/?is_operational=true')).results), [p1.id]);
    assert.equal((await get('/scale/products/updates/?ended=2000-01-01T00:00:00Z')).count, 0);
  });

  it('details a product with its sources, ancestors and descendants', async () => {
    const d1 = await get(`/scale/products/${p1.id}/`);
    assert.equal(d1.id, p1.id);
    assert.equal(d1.job_type.name, t1.name);
    assert.deepEqual(ids(d1.sources), [source.id]);
    assert.deepEqual(ids(d1.ancestors), []);
    assert.deepEqual(ids(d1.descendants), [p2.id]);
    assert.equal(d1.descendants[0].job_type.id, t2.id);
    const d2 = await get(`/scale/products/${p2.id}/`);
    assert.deepEqual(ids(d2.sources), [source.id]);
    assert.equal(d2.sources[0].file_name, 'quiet.txt');
    assert.deepEqual(ids(d2.ancestors), [p1.id]);
    assert.deepEqual(ids(d2.descendants), []);
    // By file name, the newest published one (as Scale's /products/{file_name}/).
    assert.equal((await get(`/scale/products/${p2.file_name}/`)).id, p2.id);
    const srcs = await get(`/scale/products/${p2.id}/sources/`);
    assert.equal(srcs.count, 1);
    assert.deepEqual(ids(srcs.results), [source.id]);
    assert.equal((await get(`/scale/products/${p2.id}/sources/?file_name=other.txt`)).count, 0);
  });

  it('lists sources and their updates', async () => {
    const list = await get('/scale/sources/');
    assert.equal(list.count, 2);
    assert.deepEqual(ids(list.results), [source.id, other.id]);
    const s = list.results[0];
    for (const k of ['id', 'workspace', 'file_name', 'media_type', 'file_size', 'data_type', 'is_deleted', 'uuid', 'url', 'created', 'deleted',
      'data_started', 'data_ended', 'geometry', 'center_point', 'meta_data', 'countries', 'last_modified', 'is_parsed', 'parsed']) assert.ok(k in s, `source field ${k} missing`);
    assert.equal(s.file_type, 'SOURCE');
    assert.equal(s.is_parsed, false);
    assert.equal(s.parsed, null);
    assert.ok(!('job_type' in s));
    const only = async (query: string) => ids((await get(`/scale/sources/?${query}`)).results);
    assert.deepEqual(await only('file_name=quiet.txt'), [source.id]);
    assert.deepEqual(await only('file_name=quiet.txt&file_name=other.txt'), [source.id, other.id]);
    assert.deepEqual(await only('is_parsed=true'), []);
    assert.deepEqual(await only('is_parsed=false'), [source.id, other.id]);
    assert.deepEqual(await only('order=-file_name'), [source.id, other.id]);
    assert.deepEqual(await only('order=file_name'), [other.id, source.id]);
    assert.deepEqual(await only('started=PT1H&time_field=last_modified'), [source.id, other.id]);
    assert.deepEqual(await only('started=2000-01-01T00:00:00Z&time_field=data'), []);
    assert.deepEqual(await only('started=2999-01-01T00:00:00Z'), []);
    const updates = await get('/scale/sources/updates/?started=PT1H');
    assert.equal(updates.count, 2);
    assert.equal(updates.results[0].update.action, 'CREATED');
    assert.equal(updates.results[0].update.when, updates.results[0].created);
    assert.deepEqual(ids((await get('/scale/sources/updates/?file_name=other.txt')).results), [other.id]);
  });

  it('details a source with the jobs that consumed it and the products derived from it', async () => {
    const d = await get(`/scale/sources/${source.id}/`);
    assert.equal(d.id, source.id);
    assert.equal(d.is_parsed, false);
    assert.deepEqual(ids(d.products), [p1.id, p2.id]);
    assert.equal(d.products[1].job_type.name, t2.name);
    assert.deepEqual(ids(d.jobs), [job1.id, job2.id]);
    assert.equal(d.jobs[0].job_type.name, t1.name);
    assert.equal(d.jobs[0].status, 'COMPLETED');
    const untouched = await get(`/scale/sources/${other.id}/`);
    assert.deepEqual(untouched.products, []);
    assert.deepEqual(untouched.jobs, []);
    assert.equal((await get('/scale/sources/other.txt/')).id, other.id);

    const products = await get(`/scale/sources/${source.id}/products/`);
    assert.equal(products.count, 2);
    assert.deepEqual(ids(products.results), [p1.id, p2.id]);
    assert.deepEqual(ids((await get(`/scale/sources/${source.id}/products/?job_type_id=${t2.id}`)).results), [p2.id]);
    assert.deepEqual(ids((await get(`/scale/sources/${source.id}/products/?is_operational=true&order=-id`)).results), [p1.id]);
    assert.equal((await get(`/scale/sources/${other.id}/products/`)).count, 0);

    const jobs = await get(`/scale/sources/${source.id}/jobs/?order=id`);
    assert.equal(jobs.count, 2);
    assert.deepEqual(ids(jobs.results), [job1.id, job2.id]);
    assert.equal(jobs.results[1].job_type.id, t2.id);
    assert.deepEqual(ids((await get(`/scale/sources/${source.id}/jobs/?job_type_id=${t1.id}`)).results), [job1.id]);
    assert.deepEqual(ids((await get(`/scale/sources/${source.id}/jobs/?job_id=${job2.id}`)).results), [job2.id]);
    assert.equal((await get(`/scale/sources/${source.id}/jobs/?status=FAILED`)).count, 0);
    assert.equal((await get(`/scale/sources/${other.id}/jobs/`)).count, 0);
    // A product's own lineage downstream is the same query: P1 fed job 2.
    assert.deepEqual(ids((await get(`/scale/products/${p1.id}/`)).descendants), [p2.id]);
  });

  it('answers unknown sources and products, and files of the other kind, with 404', async () => {
    for (const url of [
      '/scale/products/999999/', `/scale/products/${source.id}/`, '/scale/products/no-such-file.txt/', '/scale/products/999999/sources/',
      '/scale/sources/999999/', `/scale/sources/${p1.id}/`, '/scale/sources/999999/products/', '/scale/sources/999999/jobs/',
      `/scale/sources/${p2.id}/jobs/`, '/scale/sources/0/', '/scale/sources/bad%20name/',
    ]) {
      const body = await get(url, 404);
      assert.ok(body.detail, url);
    }
  });
});
