import assert from 'node:assert/strict';
import { place, type Candidate, type ClusterNode, type Offer, type Runtime } from '../src/scheduler/placement.ts';
import * as S from '../src/core/jobs/states.ts';

const r = (cpus: number, mem = 0, disk = 0) => ({ cpus, mem, disk });
const job = (jobId: number, need: ReturnType<typeof r>, jobTypeId = 1, maxScheduled: number | null = null, runtime: Runtime = 'process'): Candidate => ({ jobId, jobTypeId, need, maxScheduled, runtime });
const offer = (nodeId: number, total: ReturnType<typeof r>, free = total, runtimes: Runtime[] = ['process']): Offer => ({ nodeId, total, free, runtimes });
const node = (total: ReturnType<typeof r>, runtimes: Runtime[] = ['process']): ClusterNode => ({ total, runtimes });

describe('placement (best fit)', () => {
  it('places in queue order and picks the node the job fits most tightly', () => {
    const { placed } = place([job(1, r(2)), job(2, r(1))], [offer(1, r(8)), offer(2, r(2))], [node(r(8)), node(r(2))], new Map());
    assert.deepEqual(placed, [{ jobId: 1, nodeId: 2 }, { jobId: 2, nodeId: 1 }]);
  });

  it('skips a job no node could ever hold without blocking the jobs behind it (Scale #1801)', () => {
    const { placed, waiting } = place([job(1, r(64)), job(2, r(1)), job(3, r(1))], [offer(1, r(2))], [node(r(2))], new Map());
    assert.deepEqual(placed.map((p) => p.jobId), [2, 3]);
    assert.equal(waiting.get(1), 'INSUFFICIENT_RESOURCES');
  });

  it('reserves a node for a big job that fits its size but not its free room now', () => {
    const { placed, waiting } = place([job(1, r(4)), job(2, r(1))], [offer(1, r(4), r(2)), offer(2, r(2), r(1))], [node(r(4)), node(r(2))], new Map());
    assert.equal(waiting.get(1), 'WAITING_FOR_RESOURCES');
    assert.deepEqual(placed, [{ jobId: 2, nodeId: 2 }], 'the small job goes elsewhere; node 1 is kept for the big one');
  });

  it('honours max_scheduled per job type, counting what already runs', () => {
    const { placed, waiting } = place([job(1, r(1), 7, 2), job(2, r(1), 7, 2), job(3, r(1), 8)], [offer(1, r(8))], [node(r(8))], new Map([[7, 1]]));
    assert.deepEqual(placed.map((p) => p.jobId), [1, 3]);
    assert.equal(waiting.get(2), 'MAX_SCHEDULED');
  });

  it('sends a job only to nodes with its runtime, and skips one no node can run', () => {
    const { placed, waiting } = place(
      [job(1, r(1), 1, null, 'docker'), job(2, r(1)), job(3, r(1), 1, null, 'docker')],
      [offer(1, r(8)), offer(2, r(8), r(8), ['process', 'docker'])],
      [node(r(8)), node(r(8), ['process', 'docker'])],
      new Map(),
    );
    assert.deepEqual(placed.filter((p) => p.jobId !== 2), [{ jobId: 1, nodeId: 2 }, { jobId: 3, nodeId: 2 }]);
    const none = place([job(1, r(1), 1, null, 'docker'), job(2, r(1))], [offer(1, r(8))], [node(r(8))], new Map());
    assert.equal(none.waiting.get(1), 'NO_RUNTIME');
    assert.deepEqual(none.placed, [{ jobId: 2, nodeId: 1 }]);
  });

  it('checks memory and disk as well as cpus, with fractional cpus summing exactly', () => {
    const { placed } = place([job(1, r(0.1, 10, 10)), job(2, r(0.2, 10, 10)), job(3, r(0.7, 10, 10)), job(4, r(0.1, 10, 10))], [offer(1, r(1, 100, 100))], [node(r(1, 100, 100))], new Map());
    assert.deepEqual(placed.map((p) => p.jobId), [1, 2, 3]);
    const mem = place([job(1, r(1, 200))], [offer(1, r(8, 100, 100))], [node(r(8, 100, 100))], new Map());
    assert.equal(mem.waiting.get(1), 'INSUFFICIENT_RESOURCES');
  });
});

describe("the job state machine (Scale's guards)", () => {
  const st = (status: S.JobState['status'], numExes = 0, hasInput = true): S.JobState => ({ status, numExes, hasInput });
  it('queues first from PENDING or BLOCKED with input and no executions', () => {
    assert.ok(S.canBeQueued(st('PENDING')));
    assert.ok(S.canBeQueued(st('BLOCKED')));
    assert.ok(!S.canBeQueued(st('PENDING', 0, false)));
    assert.ok(!S.canBeQueued(st('FAILED', 1)));
  });
  it('runs only from QUEUED; completes or fails from QUEUED or RUNNING', () => {
    assert.ok(S.canBeRunning(st('QUEUED')));
    assert.ok(!S.canBeRunning(st('PENDING')));
    assert.ok(S.canBeCompleted(st('RUNNING', 1)) && S.canBeCompleted(st('QUEUED', 1)));
    assert.ok(!S.canBeFailed(st('CANCELED', 1)));
  });
  it('cancels anything but CANCELED and COMPLETED; requeues only FAILED and CANCELED', () => {
    for (const s of ['PENDING', 'BLOCKED', 'QUEUED', 'RUNNING', 'FAILED'] as const) assert.ok(S.canBeCanceled(st(s, 1)), s);
    assert.ok(!S.canBeCanceled(st('COMPLETED', 1)));
    assert.ok(S.canBeRequeued(st('FAILED', 2)) && S.canBeRequeued(st('CANCELED', 0)));
    assert.ok(!S.canBeRequeued(st('COMPLETED', 1)) && !S.canBeRequeued(st('RUNNING', 1)));
    assert.ok(S.canBeUncanceled(st('CANCELED', 0)) && !S.canBeUncanceled(st('CANCELED', 1)));
  });
  it('blocks and pends only jobs never queued', () => {
    assert.ok(S.canBeBlocked(st('PENDING')));
    assert.ok(!S.canBeBlocked(st('QUEUED')));
    assert.ok(S.canBePending(st('BLOCKED')));
    assert.ok(!S.canBePending(st('FAILED', 1)));
  });
});
