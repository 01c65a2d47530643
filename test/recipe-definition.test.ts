// Recipe definitions: the 1.0 and v6 codecs around the one internal model, and the pure validation
// of a definition against the job types and recipe types it names.
import assert from 'node:assert/strict';
import { parseScaleInterface } from '../seed-mapping/scale-job-interface.ts';
import {
  parseRecipeDefinition, toRecipeDefinitionJson, toRecipeDefinitionV1, toRecipeDefinitionV6, type RevisionResolver,
} from '../seed-mapping/scale-recipe-definition.ts';
import type { JobInterface } from '../src/core/job-types/model.ts';
import { topologicalOrder, withoutPositions, type RecipeDefinition } from '../src/core/recipes/definition.ts';
import { validateDefinition, type DefinitionLookups } from '../src/core/recipes/validate.ts';

function iface(json: unknown): JobInterface {
  const p = parseScaleInterface(json);
  assert.deepEqual(p.errors, []);
  return p.value!;
}

// The two job types of seed 002's recipe example, plus a tiler that makes many files.
const JOB_TYPES: Record<string, JobInterface> = {
  'geotiff-maker:1.2.3': iface({
    version: '1.0', command: 'python make_geotiff.py', command_arguments: '${image} ${georeference_data} ${job_output_dir}',
    input_data: [{ name: 'image', type: 'file', media_types: ['image/png'] }, { name: 'georeference_data', type: 'file', media_types: ['text/csv'] }],
    output_data: [{ name: 'geo_image', type: 'file', media_type: 'image/tiff' }],
  }),
  'point-detector:4.5.6': iface({
    version: '1.0', command: 'python detect_points.py', command_arguments: '${image} ${job_output_dir}',
    input_data: [{ name: 'image', type: 'file', media_types: ['image/tiff'] }],
    output_data: [{ name: 'geo_image', type: 'file', media_type: 'application/vnd.geo+json' }],
  }),
  'tiler:1': iface({
    version: '1.0', command: 'tile', command_arguments: '${image} ${job_output_dir}',
    input_data: [{ name: 'image', type: 'file' }], output_data: [{ name: 'tiles', type: 'files', media_type: 'image/tiff' }],
  }),
  'merger:1': iface({
    version: '1.0', command: 'merge', command_arguments: '${parts} ${label} ${job_output_dir}',
    input_data: [{ name: 'parts', type: 'files' }, { name: 'label', type: 'property', required: false }], output_data: [{ name: 'merged', type: 'file' }],
  }),
};

const recipeTypes = new Map<string, RecipeDefinition>();
const lookups = (self?: string): DefinitionLookups => ({
  self,
  jobType(name, version, revision) {
    const found = JOB_TYPES[`${name}:${version}`];
    if (!found) return 'no-type';
    if (revision !== null && revision !== 1) return 'no-revision';
    return { revisionNum: 1, interface: found };
  },
  recipeType(name, revision) {
    const found = recipeTypes.get(name);
    if (!found) return 'no-type';
    if (revision !== null && revision !== 1) return 'no-revision';
    return { revisionNum: 1, definition: found };
  },
});
const resolver: RevisionResolver = { jobTypeRevision: () => 1, recipeTypeRevision: () => 1 };

// Seed 002's example recipe definition, verbatim.
const SEED_EXAMPLE = {
  version: '1.0',
  input_data: [
    { name: 'image', type: 'file', media_types: ['image/png'] },
    { name: 'georeference_data', type: 'file', media_types: ['text/csv'] },
  ],
  jobs: [
    {
      name: 'make_geotiff', job_type: { name: 'geotiff-maker', version: '1.2.3' },
      recipe_inputs: [{ recipe_input: 'image', job_input: 'image' }, { recipe_input: 'georeference_data', job_input: 'georeference_data' }],
    },
    {
      name: 'detect_points', job_type: { name: 'point-detector', version: '4.5.6' },
      dependencies: [{ name: 'make_geotiff', connections: [{ output: 'geo_image', input: 'image' }] }],
    },
  ],
};

function parsed(json: unknown): RecipeDefinition {
  const p = parseRecipeDefinition(json);
  assert.deepEqual(p.errors, []);
  return p.value!;
}

function problems(json: unknown, self?: string) {
  const p = parseRecipeDefinition(json);
  if (p.errors.length) return { errors: p.errors, warnings: [] };
  return validateDefinition(p.value!, lookups(self));
}

function v6(nodes: Record<string, unknown>, input: unknown = { files: [{ name: 'image', media_types: ['image/png'], required: true, multiple: false }], json: [] }) {
  return { version: '7', input, nodes };
}

const jobNode = (name: string, version: string, input: Record<string, unknown>, dependencies: unknown[] = []) => ({
  dependencies, input, node_type: { node_type: 'job', job_type_name: name, job_type_version: version, job_type_revision: 1 },
});

describe('recipe definition codecs', () => {
  it('reads seed 002 example (1.0) into nodes with connections from the recipe and from the parent job', () => {
    const def = parsed(SEED_EXAMPLE);
    assert.equal(def.inputs.length, 2);
    assert.deepEqual(def.inputs[0], { name: 'image', kind: 'file', required: true, mediaTypes: ['image/png'] });
    const [make, detect] = withoutPositions(def).nodes;
    assert.deepEqual(make.type, { kind: 'job', jobTypeName: 'geotiff-maker', jobTypeVersion: '1.2.3', jobTypeRevision: null });
    assert.deepEqual(make.connections, [
      { input: 'image', from: { source: 'recipe', input: 'image', fanOut: false } },
      { input: 'georeference_data', from: { source: 'recipe', input: 'georeference_data', fanOut: false } },
    ]);
    assert.deepEqual(detect.dependencies, [{ name: 'make_geotiff', acceptance: true }]);
    assert.deepEqual(detect.connections, [{ input: 'image', from: { source: 'node', node: 'make_geotiff', output: 'geo_image', fanOut: false } }]);
  });

  it('writes 1.0 back with defaults filled in, and reading that again means the same', () => {
    const def = parsed(SEED_EXAMPLE);
    const out = toRecipeDefinitionV1(def)!;
    assert.deepEqual((out.input_data as any[])[0], { name: 'image', type: 'file', required: true, media_types: ['image/png'] });
    assert.deepEqual((out.jobs as any[])[0].dependencies, []);
    assert.deepEqual(withoutPositions(parsed(out)), withoutPositions(def));
    assert.deepEqual(toRecipeDefinitionV1(parsed(out)), out, 'normalised 1.0 is a fixed point');
  });

  it('converts 1.0 to v6 and back without losing meaning', () => {
    const def = parsed(SEED_EXAMPLE);
    const asV6 = toRecipeDefinitionV6(def, resolver) as any;
    assert.equal(asV6.nodes.detect_points.input.image.type, 'dependency');
    assert.deepEqual(asV6.nodes.detect_points.node_type, { node_type: 'job', job_type_name: 'point-detector', job_type_version: '4.5.6', job_type_revision: 1 });
    assert.deepEqual(asV6.input.files[0], { name: 'image', media_types: ['image/png'], required: true, multiple: false });
    const back = parsed(asV6);
    assert.deepEqual(back.nodes.map((n) => n.connections.map((c) => c.input)), def.nodes.map((n) => n.connections.map((c) => c.input)));
    assert.deepEqual(toRecipeDefinitionV6(back, resolver), asV6, 'normalised v6 is a fixed point');
  });

  it('falls back to v6 where 1.0 cannot say it (conditions, JSON inputs, pinned revisions)', () => {
    const def = parsed(v6({
      check: { dependencies: [], input: { image: { type: 'recipe', input: 'image' } }, node_type: { node_type: 'condition', interface: { files: [{ name: 'image', media_types: [], required: true, multiple: false }], json: [] }, data_filter: { filters: [{ name: 'image', type: 'media-type', condition: '==', values: ['image/png'] }] } } },
    }));
    assert.equal(toRecipeDefinitionV1(def), null);
    assert.ok('nodes' in toRecipeDefinitionJson(def, '1.0', resolver));
  });

  it('carries the fan_out extension in both formats', () => {
    const v1 = {
      input_data: [{ name: 'image', type: 'file' }],
      jobs: [
        { name: 'tile', job_type: { name: 'tiler', version: '1' }, recipe_inputs: [{ recipe_input: 'image', job_input: 'image' }] },
        { name: 'detect', job_type: { name: 'point-detector', version: '4.5.6' }, dependencies: [{ name: 'tile', connections: [{ output: 'tiles', input: 'image', fan_out: true }] }] },
      ],
    };
    const def = parsed(v1);
    assert.equal((def.nodes[1].connections[0].from as any).fanOut, true);
    const asV6 = toRecipeDefinitionV6(def, resolver) as any;
    assert.deepEqual(asV6.nodes.detect.input.image, { type: 'dependency', node: 'tile', output: 'tiles', fan_out: true });
    assert.deepEqual((toRecipeDefinitionV1(parsed(asV6)) as any)?.jobs, undefined, 'pinned revisions keep it v6');
    assert.equal((toRecipeDefinitionV1(def) as any).jobs[1].dependencies[0].connections[0].fan_out, true);
  });

  it('names the field of a malformed document', () => {
    const p = parseRecipeDefinition({ jobs: [{ name: 'a', job_type: { name: 'x' } }] });
    assert.deepEqual(p.errors, [{ field: 'definition.jobs[0].job_type.version', message: 'is required' }]);
    const q = parseRecipeDefinition(v6({ a: { dependencies: [], input: {}, node_type: { node_type: 'job', job_type_name: 'x' } } }));
    assert.ok(q.errors.some((e) => e.field === 'definition.nodes.a.node_type.job_type_version' && e.message === 'is required'), JSON.stringify(q.errors));
    assert.ok(!q.errors.some((e) => e.field?.includes('condition')), 'only the job branch is reported');
    const r = parseRecipeDefinition(v6({ a: { dependencies: [], input: { image: { type: 'pipe' } }, node_type: { node_type: 'job', job_type_name: 'x', job_type_version: '1', job_type_revision: 1 } } }));
    assert.ok(r.errors.some((e) => e.field === 'definition.nodes.a.input.image.type'), JSON.stringify(r.errors));
    assert.deepEqual(parseRecipeDefinition('nope').errors, [{ field: 'definition', message: 'must be a JSON object (a recipe definition)' }]);
    assert.deepEqual(parseRecipeDefinition({ version: '2.0', jobs: [] }).errors, [{ field: 'definition.version', message: 'must be "1.0" (or send a v6 definition with "nodes")' }]);
  });

  it('rejects duplicate job names and input names in 1.0', () => {
    const p = parseRecipeDefinition({
      input_data: [{ name: 'image', type: 'file' }, { name: 'image', type: 'property' }],
      jobs: [{ name: 'a', job_type: { name: 'x', version: '1' } }, { name: 'a', job_type: { name: 'y', version: '1' } }],
    });
    assert.deepEqual(p.errors.map((e) => e.field), ['definition.input_data[1].name', 'definition.jobs[1].name']);
  });

  it('orders nodes parents first and reports a cycle as a path', () => {
    const def = parsed(SEED_EXAMPLE);
    assert.deepEqual(topologicalOrder({ ...def, nodes: [...def.nodes].reverse() }), { order: ['make_geotiff', 'detect_points'] });
    const loop = parsed(v6({
      a: jobNode('point-detector', '4.5.6', { image: { type: 'dependency', node: 'c', output: 'geo_image' } }, [{ name: 'c' }]),
      b: jobNode('point-detector', '4.5.6', { image: { type: 'dependency', node: 'a', output: 'geo_image' } }, [{ name: 'a' }]),
      c: jobNode('point-detector', '4.5.6', { image: { type: 'dependency', node: 'b', output: 'geo_image' } }, [{ name: 'b' }]),
    }));
    assert.deepEqual(topologicalOrder(loop), { cycle: ['a', 'b', 'c', 'a'] });
  });
});

describe('recipe definition validation', () => {
  it('accepts seed 002 example against its job types, with no warnings', () => {
    assert.deepEqual(problems(SEED_EXAMPLE), { errors: [], warnings: [] });
  });

  it('reports unknown job types, versions and revisions', () => {
    const bad = structuredClone(SEED_EXAMPLE);
    bad.jobs[1].job_type.version = '9.9.9';
    assert.deepEqual(problems(bad).errors, [{ field: 'definition.jobs[1].job_type', message: 'job type point-detector version 9.9.9 does not exist' }]);
    const rev = problems(v6({ a: { ...jobNode('tiler', '1', { image: { type: 'recipe', input: 'image' } }), node_type: { node_type: 'job', job_type_name: 'tiler', job_type_version: '1', job_type_revision: 7 } } }));
    assert.deepEqual(rev.errors, [{ field: 'definition.nodes.a.node_type', message: 'job type tiler version 1 has no revision 7' }]);
  });

  it('reports a cycle, naming it', () => {
    const { errors } = problems(v6({
      a: jobNode('point-detector', '4.5.6', { image: { type: 'dependency', node: 'b', output: 'geo_image' } }, [{ name: 'b' }]),
      b: jobNode('point-detector', '4.5.6', { image: { type: 'dependency', node: 'a', output: 'geo_image' } }, [{ name: 'a' }]),
    }));
    assert.ok(errors.some((e) => e.message === 'circular dependency: a -> b -> a' && e.field === 'definition.nodes.a'), JSON.stringify(errors));
  });

  it('reports a connection from an output, input or node that does not exist', () => {
    const bad = structuredClone(SEED_EXAMPLE) as any;
    bad.jobs[1].dependencies[0].connections[0].output = 'nope';
    bad.jobs[0].recipe_inputs[1].recipe_input = 'missing';
    const { errors } = problems(bad);
    assert.deepEqual(errors, [
      { field: 'definition.jobs[0].recipe_inputs[1]', message: 'the recipe has no input named "missing"' },
      { field: 'definition.jobs[1].dependencies[0].connections[0]', message: 'node "make_geotiff" has no output named "nope"' },
    ]);
    const ghost = structuredClone(SEED_EXAMPLE) as any;
    ghost.jobs[1].dependencies[0].name = 'ghost';
    assert.ok(problems(ghost).errors.some((e) => e.message.includes('"ghost"')));
  });

  it('reports a v6 connection from a node that is not a dependency', () => {
    const { errors } = problems(v6({
      a: jobNode('geotiff-maker', '1.2.3', { image: { type: 'recipe', input: 'image' }, georeference_data: { type: 'recipe', input: 'image' } }),
      b: jobNode('point-detector', '4.5.6', { image: { type: 'dependency', node: 'a', output: 'geo_image' } }),
    }));
    assert.ok(errors.some((e) => e.field === 'definition.nodes.b.input.image' && e.message.includes('does not list it in its dependencies')), JSON.stringify(errors));
  });

  it('reports type mismatches and warns on media type mismatches', () => {
    const def = {
      input_data: [{ name: 'image', type: 'file', media_types: ['image/jpeg'] }, { name: 'label', type: 'property' }],
      jobs: [
        { name: 'make', job_type: { name: 'geotiff-maker', version: '1.2.3' }, recipe_inputs: [{ recipe_input: 'image', job_input: 'image' }, { recipe_input: 'label', job_input: 'georeference_data' }] },
      ],
    };
    const { errors, warnings } = problems(def);
    assert.deepEqual(errors, [{ field: 'definition.jobs[0].recipe_inputs[1]', message: 'type mismatch: recipe input label gives a value, but input "georeference_data" of node "make" takes files' }]);
    assert.deepEqual(warnings.map((w) => w.id), ['media_type']);
    assert.match(warnings[0].details, /image\/jpeg.*accepted: image\/png/);
  });

  it('reports required inputs left unconnected', () => {
    const bad = structuredClone(SEED_EXAMPLE) as any;
    bad.jobs[0].recipe_inputs.pop();
    assert.deepEqual(problems(bad).errors, [{ field: 'definition.jobs[0]', message: 'required input "georeference_data" of node "make_geotiff" is not connected' }]);
  });

  it('checks fan-out: multi-file source into a single-file input, one per node, job nodes only', () => {
    const base = (conn: Record<string, unknown>) => ({
      input_data: [{ name: 'image', type: 'file' }],
      jobs: [
        { name: 'tile', job_type: { name: 'tiler', version: '1' }, recipe_inputs: [{ recipe_input: 'image', job_input: 'image' }] },
        { name: 'detect', job_type: { name: 'point-detector', version: '4.5.6' }, dependencies: [{ name: 'tile', connections: [{ output: 'tiles', input: 'image', ...conn }] }] },
        { name: 'merge', job_type: { name: 'merger', version: '1' }, dependencies: [{ name: 'detect', connections: [{ output: 'geo_image', input: 'parts' }] }] },
      ],
    });
    assert.deepEqual(problems(base({ fan_out: true })).errors, []);
    assert.deepEqual(problems(base({})).errors, [{
      field: 'definition.jobs[1].dependencies[0].connections[0]',
      message: 'output tiles of tile gives several files but input "image" of node "detect" takes one; set "fan_out": true to run once per file',
    }]);
    // Gathered outputs of a fanned-out node are a list: they cannot feed a single-file input.
    const single = base({ fan_out: true });
    single.jobs[2] = { name: 'merge', job_type: { name: 'point-detector', version: '4.5.6' }, dependencies: [{ name: 'detect', connections: [{ output: 'geo_image', input: 'image' }] }] } as any;
    assert.match(problems(single).errors[0].message, /gathered\) gives several files/);
    const fromSingle = {
      input_data: [{ name: 'image', type: 'file' }],
      jobs: [{ name: 'detect', job_type: { name: 'point-detector', version: '4.5.6' }, recipe_inputs: [{ recipe_input: 'image', job_input: 'image', fan_out: true }] }],
    };
    assert.deepEqual(problems(fromSingle).errors.map((e) => e.message), ['fan_out needs a multi-file source; recipe input image is file']);
  });

  it('allows acceptance false only under a condition, and checks the condition filter against its interface', () => {
    const cond = {
      dependencies: [], input: { image: { type: 'recipe', input: 'image' } },
      node_type: { node_type: 'condition', interface: { files: [{ name: 'image', media_types: [], required: true, multiple: false }], json: [] }, data_filter: { filters: [{ name: 'nope', type: 'media-type', condition: '==', values: ['image/png'] }] } },
    };
    const { errors } = problems(v6({
      check: cond,
      a: jobNode('tiler', '1', { image: { type: 'dependency', node: 'check', output: 'image' } }, [{ name: 'check', acceptance: false }]),
      b: jobNode('tiler', '1', { image: { type: 'recipe', input: 'image' } }, [{ name: 'a', acceptance: false }]),
    }));
    assert.ok(errors.some((e) => e.field === 'definition.nodes.b.dependencies[0].name' && e.message.includes('needs a condition node')), JSON.stringify(errors));
    assert.ok(errors.some((e) => e.field?.startsWith('definition.nodes.check.node_type.data_filter.filters[0]')), JSON.stringify(errors));
    assert.ok(!errors.some((e) => e.field?.startsWith('definition.nodes.a')), 'the else branch itself is fine');
  });

  it('refuses a recipe type that would contain itself through its sub-recipes', () => {
    recipeTypes.set('outer', parsed(v6({ inner: { dependencies: [], input: { image: { type: 'recipe', input: 'image' } }, node_type: { node_type: 'recipe', recipe_type_name: 'inner', recipe_type_revision: 1 } } })));
    recipeTypes.set('inner', parsed(v6({ t: jobNode('tiler', '1', { image: { type: 'recipe', input: 'image' } }) })));
    const edited = v6({ again: { dependencies: [], input: { image: { type: 'recipe', input: 'image' } }, node_type: { node_type: 'recipe', recipe_type_name: 'outer', recipe_type_revision: 1 } } });
    assert.deepEqual(problems(edited, 'inner').errors, [{ field: 'definition.nodes.again.node_type', message: 'recipe type inner would contain itself: inner -> outer -> inner' }]);
    assert.deepEqual(problems(edited, 'other').errors, []);
  });

  it('refuses connections from a sub-recipe node (sub-recipes have no outputs)', () => {
    recipeTypes.set('inner', parsed(v6({ t: jobNode('tiler', '1', { image: { type: 'recipe', input: 'image' } }) })));
    const { errors } = problems(v6({
      sub: { dependencies: [], input: { image: { type: 'recipe', input: 'image' } }, node_type: { node_type: 'recipe', recipe_type_name: 'inner', recipe_type_revision: 1 } },
      after: jobNode('merger', '1', { parts: { type: 'dependency', node: 'sub', output: 'tiles' } }, [{ name: 'sub' }]),
    }));
    assert.deepEqual(errors.map((e) => e.message), ['node "sub" is a sub-recipe and has no outputs to connect']);
  });
});
