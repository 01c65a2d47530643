// Best-fit placement (src/scheduler/placement.ts) as a pure function: GPUs are a resource only GPU
// jobs ask for, and jobs without GPUs keep off GPU nodes while other nodes have room.
import assert from 'node:assert/strict';
import { type Candidate, type Offer, place } from '../src/scheduler/placement.ts';

const offer = (nodeId: number, cpus: number, gpus = 0): Offer => ({
  nodeId, total: { cpus, mem: 4096, disk: 1000, gpus }, free: { cpus, mem: 4096, disk: 1000, gpus }, runtimes: ['process', 'docker'],
});
const job = (jobId: number, cpus: number, gpus = 0): Candidate => ({ jobId, jobTypeId: 1, need: { cpus, mem: 64, disk: 1, gpus }, runtime: 'docker', maxScheduled: null });

describe('placement', () => {
  it('places a GPU job only where GPUs are free, and says a job needing more GPUs than any node has cannot run', () => {
    const offers = [offer(1, 8), offer(2, 8, 1)];
    const r = place([job(10, 1, 1), job(11, 1, 1), job(12, 1, 2)], offers, offers.map((o) => ({ total: o.total, runtimes: o.runtimes })), new Map());
    assert.deepEqual(r.placed, [{ jobId: 10, nodeId: 2 }]);
    assert.equal(r.waiting.get(11), 'WAITING_FOR_RESOURCES', 'the one GPU is taken');
    assert.equal(r.waiting.get(12), 'INSUFFICIENT_RESOURCES');
  });

  it('keeps jobs without GPUs off GPU nodes while other nodes have room, and uses them when nothing else fits', () => {
    const offers = [offer(1, 2, 1), offer(2, 2)];
    const cluster = offers.map((o) => ({ total: o.total, runtimes: o.runtimes }));
    // The GPU node would be the tighter fit by cpus alone (same size); it is kept for GPU work.
    assert.deepEqual(place([job(1, 1), job(2, 1)], offers, cluster, new Map()).placed, [{ jobId: 1, nodeId: 2 }, { jobId: 2, nodeId: 2 }]);
    assert.deepEqual(place([job(1, 2), job(2, 2)], offers, cluster, new Map()).placed, [{ jobId: 1, nodeId: 2 }, { jobId: 2, nodeId: 1 }]);
  });
});
