// The pure recipe planner (instance.ts): from a definition and what its nodes have become, what
// the engine does next. No database: states are written out by hand.
import assert from 'node:assert/strict';
import { parseRecipeDefinition } from '../seed-mapping/scale-recipe-definition.ts';
import type { RecipeDefinition } from '../src/core/recipes/definition.ts';
import { type InstanceState, type NodeRecord, isEmptyPlan, planRecipe } from '../src/core/recipes/instance.ts';
import type { JobStatus } from '../src/core/jobs/model.ts';

function def(json: unknown): RecipeDefinition {
  const p = parseRecipeDefinition(json);
  assert.deepEqual(p.errors, []);
  return p.value!;
}

const job = (name: string, deps: string[] = [], extra: Record<string, unknown> = {}) => ({
  name, job_type: { name: 't', version: '1' }, dependencies: deps.map((d) => ({ name: d })), ...extra,
});
const CHAIN = def({ input_data: [{ name: 'in', type: 'file' }], jobs: [job('a', [], { recipe_inputs: [{ recipe_input: 'in', job_input: 'x' }] }), job('b', ['a']), job('c', ['b'])] });

let nextId = 100;
const jobs = (...statuses: JobStatus[]): NodeRecord => ({
  jobs: statuses.map((status, forkIndex) => ({ forkIndex, jobId: nextId++, status, outputs: new Map([['out', { kind: 'file' as const, fileIds: [500 + forkIndex] }]]) })),
  subRecipe: null, outcome: null, data: null,
});
const state = (nodes: Record<string, NodeRecord>, frozen = false): InstanceState => ({
  inputs: new Map([['in', { kind: 'file', fileIds: [1] }]]), nodes: new Map(Object.entries(nodes)), frozen,
});

describe('recipe planner', () => {
  it('a new recipe queues its roots and creates the rest PENDING in one plan', () => {
    const p = planRecipe(CHAIN, state({}));
    assert.deepEqual(p.queue.map((q) => [q.node, q.jobId, [...q.inputs]]), [['a', null, [['x', { kind: 'file', fileIds: [1] }]]]]);
    assert.deepEqual(p.create, [{ node: 'b', status: 'PENDING' }, { node: 'c', status: 'PENDING' }]);
    assert.equal(p.completed, false);
  });

  it('queues a PENDING job once its parent completed, with nothing else to do', () => {
    const a = jobs('COMPLETED');
    const b = jobs('PENDING');
    const p = planRecipe(CHAIN, state({ a, b, c: jobs('PENDING') }));
    assert.deepEqual(p.queue.map((q) => [q.node, q.jobId]), [['b', b.jobs[0].jobId]]);
    assert.deepEqual(p.create, []);
    assert.deepEqual(p.block, []);
  });

  it('blocks everything below a failure, and unblocks it when the failed job is requeued', () => {
    const b = jobs('PENDING');
    const c = jobs('PENDING');
    const failed = planRecipe(CHAIN, state({ a: jobs('FAILED'), b, c }));
    assert.deepEqual(failed.block, [b.jobs[0].jobId, c.jobs[0].jobId]);
    b.jobs[0].status = 'BLOCKED';
    c.jobs[0].status = 'BLOCKED';
    assert.ok(isEmptyPlan(planRecipe(CHAIN, state({ a: jobs('FAILED'), b, c }))), 'blocked stays blocked');
    const requeued = planRecipe(CHAIN, state({ a: jobs('QUEUED'), b, c }));
    assert.deepEqual(requeued.unblock, [b.jobs[0].jobId, c.jobs[0].jobId]);
  });

  it('is complete when every node completed, and a canceled recipe creates nothing', () => {
    assert.equal(planRecipe(CHAIN, state({ a: jobs('COMPLETED'), b: jobs('COMPLETED'), c: jobs('COMPLETED') })).completed, true);
    assert.ok(isEmptyPlan(planRecipe(CHAIN, state({}, true))));
  });

  it('fans out once the source completed, one queued job per file, and gathers their outputs', () => {
    const fan = def({
      jobs: [job('split'), job('each', [], { dependencies: [{ name: 'split', connections: [{ output: 'out', input: 'x', fan_out: true }] }] }),
        job('merge', [], { dependencies: [{ name: 'each', connections: [{ output: 'out', input: 'all' }] }] })],
    });
    const split: NodeRecord = { jobs: [{ forkIndex: 0, jobId: 1, status: 'COMPLETED', outputs: new Map([['out', { kind: 'files', fileIds: [7, 8, 9] }]]) }], subRecipe: null, outcome: null, data: null };
    const p = planRecipe(fan, state({ split }));
    assert.deepEqual(p.queue.map((q) => [q.node, q.forkIndex, q.inputs.get('x')]), [
      ['each', 0, { kind: 'file', fileIds: [7] }], ['each', 1, { kind: 'file', fileIds: [8] }], ['each', 2, { kind: 'file', fileIds: [9] }],
    ]);
    assert.deepEqual(p.create, [{ node: 'merge', status: 'PENDING' }], 'the gathering job exists from the moment the forks do');
    const running = planRecipe(fan, state({ split, each: jobs('COMPLETED', 'RUNNING', 'COMPLETED') }));
    assert.deepEqual(running.create, [{ node: 'merge', status: 'PENDING' }]);
    const merge = jobs('PENDING');
    const done = planRecipe(fan, state({ split, each: jobs('COMPLETED', 'COMPLETED', 'COMPLETED'), merge }));
    assert.deepEqual(done.queue.map((q) => [q.node, q.inputs.get('all')]), [['merge', { kind: 'files', fileIds: [500, 501, 502] }]]);
    const none = planRecipe(fan, state({ split: { ...split, jobs: [{ ...split.jobs[0], outputs: new Map([['out', { kind: 'files', fileIds: [] }]]) }] } }));
    assert.deepEqual(none.empty, ['each']);
    assert.deepEqual(none.queue.map((q) => q.node), ['merge'], 'a fan-out over nothing completes at once and its dependents run');
  });

  it('judges a condition when its data is ready, then runs one branch and skips the other and all below it', () => {
    const iface = { files: [{ name: 'img', media_types: [], required: true, multiple: false }], json: [] };
    const node = (deps: unknown[], input: unknown) => ({ dependencies: deps, input, node_type: { node_type: 'job', job_type_name: 't', job_type_version: '1', job_type_revision: 1 } });
    const cond = def({
      version: '7', input: iface,
      nodes: {
        check: { dependencies: [], input: { img: { type: 'recipe', input: 'in' } }, node_type: { node_type: 'condition', interface: iface, data_filter: { filters: [] } } },
        yes: node([{ name: 'check', acceptance: true }], { x: { type: 'dependency', node: 'check', output: 'img' } }),
        no: node([{ name: 'check', acceptance: false }], {}),
        after: node([{ name: 'no' }], {}),
      },
    });
    const first = planRecipe(cond, state({}));
    assert.deepEqual(first.judge.map((j) => [j.node, j.data.get('img')]), [['check', { kind: 'file', fileIds: [1] }]]);
    assert.deepEqual(first.create, [], 'nothing below an undecided condition is created');
    const accepted: NodeRecord = { jobs: [], subRecipe: null, outcome: 'ACCEPTED', data: new Map([['img', { kind: 'file', fileIds: [1] }]]) };
    const p = planRecipe(cond, state({ check: accepted }));
    assert.deepEqual(p.queue.map((q) => [q.node, q.inputs.get('x')]), [['yes', { kind: 'file', fileIds: [1] }]]);
    assert.deepEqual(p.skip, ['no', 'after']);
    const skipped: NodeRecord = { jobs: [], subRecipe: null, outcome: 'SKIPPED', data: null };
    assert.equal(planRecipe(cond, state({ check: accepted, yes: jobs('COMPLETED'), no: skipped, after: skipped })).completed, true);
  });

  it('a failed sub-recipe blocks its dependents like a failed job', () => {
    const sub = def({
      version: '7', input: { files: [], json: [] },
      nodes: {
        inner: { dependencies: [], input: {}, node_type: { node_type: 'recipe', recipe_type_name: 'r', recipe_type_revision: 1 } },
        next: { dependencies: [{ name: 'inner' }], input: {}, node_type: { node_type: 'job', job_type_name: 't', job_type_version: '1', job_type_revision: 1 } },
      },
    });
    const first = planRecipe(sub, state({}));
    assert.deepEqual(first.subRecipes.map((s) => s.node), ['inner']);
    assert.deepEqual(first.create, [{ node: 'next', status: 'PENDING' }]);
    const next = jobs('PENDING');
    const failed = planRecipe(sub, state({ inner: { jobs: [], subRecipe: { id: 9, state: 'FAILED' }, outcome: null, data: null }, next }));
    assert.deepEqual(failed.block, [next.jobs[0].jobId]);
    const done = planRecipe(sub, state({ inner: { jobs: [], subRecipe: { id: 9, state: 'COMPLETED' }, outcome: null, data: null }, next }));
    assert.deepEqual(done.queue.map((q) => q.node), ['next']);
  });
});
