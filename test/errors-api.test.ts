import assert from 'node:assert/strict';
import request from 'supertest';
import { dbKinds } from './helpers/db.ts';
import { startServer, type TestServer } from './helpers/server.ts';

for (const kind of dbKinds()) {
  describe(`Scale API /errors/ (${kind})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startServer(kind, { SCALE_SCHEDULER: 'off' });
    });
    after(() => t?.close());

    it("lists Scale's builtin errors with paging", async () => {
      const res = await request(t.app).get('/scale/errors/?page_size=5').expect(200);
      assert.equal(res.body.count, 28, "Scale's 26 and this server's recipe-input and input-fetch");
      assert.equal(res.body.results.length, 5);
      assert.match(res.body.next, /page=2/);
      assert.equal(res.body.previous, null);
      const all = (await request(t.app).get('/scale/errors/?page_size=100').expect(200)).body.results;
      const byName = new Map(all.map((e: any) => [e.name, e]));
      assert.deepEqual(Object.keys(all[0]).sort(), ['category', 'created', 'description', 'id', 'is_builtin', 'last_modified', 'name', 'should_be_retried', 'title']);
      assert.equal((byName.get('timeout') as any).category, 'ALGORITHM');
      assert.equal((byName.get('input-fetch') as any).category, 'DATA', 'an input that cannot be fetched is a data error');
      assert.equal((byName.get('input-fetch') as any).should_be_retried, false);
      assert.equal((byName.get('timeout') as any).should_be_retried, false);
      assert.equal((byName.get('node-lost') as any).should_be_retried, true);
    });

    it('filters by category and orders', async () => {
      const res = await request(t.app).get('/scale/errors/?category=ALGORITHM&order=-name').expect(200);
      assert.ok(res.body.count >= 5);
      assert.ok(res.body.results.every((e: any) => e.category === 'ALGORITHM'));
      const names = res.body.results.map((e: any) => e.name);
      assert.deepEqual(names, [...names].sort().reverse());
    });

    it('creates, reads and edits an error', async () => {
      const created = await request(t.app).post('/scale/errors/').send({ name: 'bad-pixels', title: 'Bad pixels', description: 'too many', category: 'DATA' }).expect(201);
      assert.match(created.headers.location, new RegExp(`/errors/${created.body.id}/$`));
      assert.equal(created.body.category, 'DATA');
      assert.equal(created.body.is_builtin, false);
      const got = await request(t.app).get(`/scale/errors/${created.body.id}/`).expect(200);
      assert.equal(got.body.name, 'bad-pixels');
      const edited = await request(t.app).patch(`/scale/errors/${created.body.id}/`).send({ title: 'Bad Pixels', category: 'ALGORITHM' }).expect(200);
      assert.equal(edited.body.title, 'Bad Pixels');
      assert.equal(edited.body.category, 'ALGORITHM');
      assert.equal(edited.body.description, 'too many');
    });

    it('rejects a duplicate name, a SYSTEM category, unknown fields and wrong types', async () => {
      await request(t.app).post('/scale/errors/').send({ name: 'dup-err', category: 'DATA' }).expect(201);
      const dup = await request(t.app).post('/scale/errors/').send({ name: 'dup-err', category: 'DATA' }).expect(409);
      assert.match(dup.body.detail, /dup-err.*already exists/);
      const sys = await request(t.app).post('/scale/errors/').send({ name: 'x1', category: 'SYSTEM' }).expect(400);
      assert.equal(sys.body.field, 'category');
      const extra = await request(t.app).post('/scale/errors/').send({ name: 'x2', category: 'DATA', colour: 'red' }).expect(400);
      assert.match(extra.body.detail, /colour: is not an allowed field/);
      const type = await request(t.app).post('/scale/errors/').send({ name: 42, category: 'DATA' }).expect(400);
      assert.match(type.body.detail, /name: must be of type string/);
      const missing = await request(t.app).post('/scale/errors/').send({ title: 'x' }).expect(400);
      assert.match(missing.body.detail, /name: is required/);
    });

    it('refuses to edit a builtin error and answers 404 for unknown ids', async () => {
      const unknown = (await request(t.app).get('/scale/errors/?name=unknown').expect(200)).body.results[0];
      const res = await request(t.app).patch(`/scale/errors/${unknown.id}/`).send({ title: 'x' }).expect(400);
      assert.match(res.body.detail, /builtin/);
      await request(t.app).get('/scale/errors/999999/').expect(404);
      await request(t.app).get('/scale/errors/abc/').expect(404);
      await request(t.app).patch('/scale/errors/999999/').send({ title: 'x' }).expect(404);
    });

    it('answers bad query values with 400 naming the parameter', async () => {
      for (const [qs, field] of [
        ['page=0', 'page'], ['page=x', 'page'], ['started=yesterday', 'started'],
        ['order=colour', 'order'], ['category=NOPE', 'category'],
      ]) {
        const res = await request(t.app).get(`/scale/errors/?${qs}`).expect(400);
        assert.equal(res.body.field, field, qs);
      }
      // As with Scale's paginator, too large a page_size is the maximum, not a refusal.
      await request(t.app).get('/scale/errors/?page_size=1001').expect(200);
    });

    it('accepts ISO durations for started', async () => {
      const res = await request(t.app).get('/scale/errors/?started=PT1H0M0S').expect(200);
      assert.ok(res.body.count >= 1, 'errors created in this run are within the last hour');
    });
  });
}
