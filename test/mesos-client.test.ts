// The Mesos v1 scheduler client (src/executors/mesos/client.ts) against the master double: it
// subscribes and stores its framework id in the database, calls with its stream id, subscribes again
// as the same framework when the stream drops or heartbeats stop, follows a 307 to the leader, and
// survives a master that refuses it or speaks malformed RecordIO.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MesosSchedulerClient } from '../src/executors/mesos/client.ts';
import { dbFrameworkStore } from '../src/executors/mesos/framework-store.ts';
import { startMesosMaster, type MesosMaster } from './helpers/mesos-master.ts';
import { startServer, waitFor, type TestServer } from './helpers/server.ts';

const FRAMEWORK = { user: 'root', name: 'scale-ades-test', roles: ['*'], checkpoint: true, failoverTimeoutSeconds: 60 };

describe('the Mesos scheduler client against the master double', function () {
  this.timeout(30_000);
  let t: TestServer;
  let master: MesosMaster;
  const clients: MesosSchedulerClient[] = [];
  const client = (url: string, store = dbFrameworkStore(t.db, FRAMEWORK.name)) => {
    const c = new MesosSchedulerClient(url, FRAMEWORK, store, undefined, { minBackoffMs: 50 });
    clients.push(c);
    return c;
  };

  before(async () => {
    t = await startServer('pglite');
    master = await startMesosMaster({ agents: [{ hostname: 'agent-1', resources: { cpus: 2, mem: 1024, disk: 1000 } }], heartbeatIntervalSeconds: 0.3, offerIntervalMs: 200 });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.stop();
  });
  after(async () => {
    await master?.close();
    await t?.close();
  });

  it('subscribes, stores its framework id, sees offers, and calls with its stream id', async () => {
    const c = client(master.url);
    const offers: any[] = [];
    c.on('event', (e) => e.type === 'OFFERS' && offers.push(...e.offers.offers));
    await c.start();
    await waitFor(async () => c.connected && offers.length > 0, { timeoutMs: 5000, what: 'a subscription and an offer' });
    const stored = (await t.db.query('SELECT framework_id FROM mesos_framework WHERE name = $1', [FRAMEWORK.name])).rows[0];
    assert.equal(stored.framework_id, c.id);
    assert.equal(await c.call('DECLINE', { decline: { offer_ids: [offers[0].id], filters: { refuse_seconds: 1 } } }), 202);
  });

  it('subscribes again as the same framework when the stream drops or the heartbeats stop', async () => {
    const c = client(master.url);
    const subscribed: string[] = [];
    c.on('subscribed', (s) => subscribed.push(s.frameworkId));
    await c.start();
    await waitFor(async () => subscribed.length === 1, { timeoutMs: 5000, what: 'the first subscription' });
    master.dropStream(subscribed[0]);
    await waitFor(async () => subscribed.length === 2, { timeoutMs: 5000, what: 'a subscription after the drop' });
    master.stopHeartbeats(true);
    await waitFor(async () => subscribed.length === 3, { timeoutMs: 8000, what: 'a subscription after the heartbeats stopped' });
    master.stopHeartbeats(false);
    assert.equal(new Set(subscribed).size, 1, 'always the same framework id');
  });

  it('follows a 307 from a non-leading master to the leader', async () => {
    const follower = await startMesosMaster({ redirectTo: master.url });
    try {
      const c = client(follower.url);
      await c.start();
      await waitFor(async () => c.connected, { timeoutMs: 5000, what: 'a subscription through the redirect' });
      assert.equal(c.master, new URL(master.url).origin);
    } finally {
      await follower.close();
    }
  });

  it('keeps trying, without crashing, a master that refuses it (401) or speaks malformed RecordIO', async () => {
    for (const answer of ['401', 'garbage']) {
      let attempts = 0;
      const fake = http.createServer((req, res) => {
        attempts++;
        req.resume();
        if (answer === '401') {
          res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="mesos"' });
          res.end('Unauthorized');
        } else {
          res.writeHead(200, { 'Mesos-Stream-Id': 'x', 'Content-Type': 'application/json' });
          res.write('12\n{"type":"HEA');
          res.end('not-a-length\n{}');
        }
      });
      await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
      const c = client(`http://127.0.0.1:${(fake.address() as AddressInfo).port}`, { load: async () => null, save: async () => {} });
      await c.start();
      await waitFor(async () => attempts >= 3, { timeoutMs: 5000, what: `repeated subscriptions to a ${answer} master` });
      assert.equal(c.connected, false);
      c.stop();
      await new Promise<void>((r) => fake.close(() => r()));
    }
  });
});
