// Scale recipe definition 1.0 (seed 002) and v6 (Scale's definition_v6) ⇄ the internal
// RecipeDefinition. Pure: data in, data out. Both carry this server's fan-out extension:
// `"fan_out": true` on a v1 connection or recipe input, or on a v6 input connection.
import type { InterfaceInput, JsonType } from '../src/core/job-types/model.ts';
import { dataFilterToJson, parseDataFilter } from '../src/core/recipes/data-filter.ts';
import type { Connection, NodeDefinition, NodeType, RecipeDefinition } from '../src/core/recipes/definition.ts';
import { check, type Problem } from '../src/schemas.ts';

export type DefinitionFormat = '1.0' | '6';

export interface ParsedDefinition {
  value: RecipeDefinition | null;
  format: DefinitionFormat;
  errors: Problem[];
}

/** Current revision numbers, for v6 documents that must name one. */
export interface RevisionResolver {
  jobTypeRevision(name: string, version: string): number | null;
  recipeTypeRevision(name: string): number | null;
}

/** A v6 document has `nodes`; anything else is read as 1.0 (Scale's default version). */
export function definitionFormatOf(json: unknown): DefinitionFormat {
  return json !== null && typeof json === 'object' && !Array.isArray(json) && 'nodes' in json ? '6' : '1.0';
}

export function parseRecipeDefinition(json: unknown, root = 'definition'): ParsedDefinition {
  const format = definitionFormatOf(json);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { value: null, format, errors: [{ field: root, message: 'must be a JSON object (a recipe definition)' }] };
  }
  return format === '6' ? parseV6(json, root) : parseV1(json, root);
}

function duplicates(names: { name: string; at: string }[], what: string, errors: Problem[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n.name)) errors.push({ field: n.at, message: `duplicates another ${what} named ${JSON.stringify(n.name)}; names must be unique` });
    seen.add(n.name);
  }
}

function connectedOnce(node: NodeDefinition, errors: Problem[]): void {
  const seen = new Set<string>();
  for (const c of node.connections) {
    if (seen.has(c.input)) errors.push({ field: c.from.at ?? node.at ?? null, message: `input ${JSON.stringify(c.input)} of node ${JSON.stringify(node.name)} is connected more than once` });
    seen.add(c.input);
  }
}

function parseV1(j: any, root: string): ParsedDefinition {
  const errors = check('scale/recipe-definition-1.0', j, root);
  if (errors.length) return { value: null, format: '1.0', errors };
  if (j.version !== undefined && j.version !== '1.0') errors.push({ field: `${root}.version`, message: 'must be "1.0" (or send a v6 definition with "nodes")' });
  const inputs: InterfaceInput[] = (j.input_data ?? []).map((i: any) => ({
    name: i.name, kind: i.type, required: i.required ?? true, mediaTypes: i.type === 'property' ? [] : (i.media_types ?? []),
  }));
  duplicates(inputs.map((i, n) => ({ name: i.name, at: `${root}.input_data[${n}].name` })), 'recipe input', errors);
  const nodes: NodeDefinition[] = (j.jobs ?? []).map((job: any, n: number): NodeDefinition => {
    const at = `${root}.jobs[${n}]`;
    const connections: NodeDefinition['connections'] = [];
    (job.recipe_inputs ?? []).forEach((ri: any, k: number) => {
      connections.push({ input: ri.job_input, from: { source: 'recipe', input: ri.recipe_input, fanOut: ri.fan_out === true, at: `${at}.recipe_inputs[${k}]` } });
    });
    (job.dependencies ?? []).forEach((dep: any, k: number) => {
      (dep.connections ?? []).forEach((c: any, m: number) => {
        connections.push({ input: c.input, from: { source: 'node', node: dep.name, output: c.output, fanOut: c.fan_out === true, at: `${at}.dependencies[${k}].connections[${m}]` } });
      });
    });
    return {
      name: job.name,
      at,
      type: { kind: 'job', jobTypeName: job.job_type.name, jobTypeVersion: job.job_type.version, jobTypeRevision: null },
      dependencies: (job.dependencies ?? []).map((d: any, k: number) => ({ name: d.name, acceptance: true, at: `${at}.dependencies[${k}].name` })),
      connections,
    };
  });
  duplicates(nodes.map((x) => ({ name: x.name, at: `${x.at}.name` })), 'job', errors);
  for (const x of nodes) {
    duplicates(x.dependencies.map((d) => ({ name: d.name, at: d.at! })), 'dependency', errors);
    connectedOnce(x, errors);
  }
  return { value: errors.length ? null : { inputs, nodes }, format: '1.0', errors };
}

/** A v6 interface ({files, json}) as internal inputs. */
function v6Inputs(iface: any, at: string, errors: Problem[]): InterfaceInput[] {
  const inputs: InterfaceInput[] = [
    ...(iface.files ?? []).map((f: any): InterfaceInput => ({ name: f.name, kind: f.multiple ? 'files' : 'file', required: f.required, mediaTypes: f.media_types })),
    ...(iface.json ?? []).map((x: any): InterfaceInput => ({ name: x.name, kind: 'json', jsonType: x.type as JsonType, required: x.required, mediaTypes: [] })),
  ];
  const nFiles = (iface.files ?? []).length;
  duplicates(inputs.map((i, n) => ({ name: i.name, at: n < nFiles ? `${at}.files[${n}].name` : `${at}.json[${n - nFiles}].name` })), 'input', errors);
  return inputs;
}

function parseV6(j: any, root: string): ParsedDefinition {
  const errors = check('scale/recipe-definition-6', j, root);
  if (errors.length) return { value: null, format: '6', errors };
  const inputs = v6Inputs(j.input, `${root}.input`, errors);
  const nodes: NodeDefinition[] = Object.entries<any>(j.nodes).map(([name, node]) => {
    const at = `${root}.nodes.${name}`;
    const nt = node.node_type;
    let type: NodeType;
    if (nt.node_type === 'job') type = { kind: 'job', jobTypeName: nt.job_type_name, jobTypeVersion: nt.job_type_version, jobTypeRevision: nt.job_type_revision };
    else if (nt.node_type === 'recipe') type = { kind: 'recipe', recipeTypeName: nt.recipe_type_name, recipeTypeRevision: nt.recipe_type_revision };
    else {
      const filter = parseDataFilter(nt.data_filter, `${at}.node_type.data_filter`);
      errors.push(...filter.problems);
      type = { kind: 'condition', inputs: v6Inputs(nt.interface, `${at}.node_type.interface`, errors), filter: filter.value ?? { filters: [], all: true } };
    }
    const connections = Object.entries<any>(node.input).map(([input, c]) => ({
      input,
      from: (c.type === 'recipe'
        ? { source: 'recipe', input: c.input, fanOut: c.fan_out === true, at: `${at}.input.${input}` }
        : { source: 'node', node: c.node, output: c.output, fanOut: c.fan_out === true, at: `${at}.input.${input}` }) as Connection,
    }));
    const x: NodeDefinition = {
      name, at, type, connections,
      dependencies: node.dependencies.map((d: any, k: number) => ({ name: d.name, acceptance: d.acceptance ?? true, at: `${at}.dependencies[${k}].name` })),
    };
    duplicates(x.dependencies.map((d) => ({ name: d.name, at: d.at! })), 'dependency', errors);
    return x;
  });
  return { value: errors.length ? null : { inputs, nodes }, format: '6', errors };
}

/** Recipe definition 1.0 JSON, defaults filled in; null when the definition uses what 1.0 cannot say. */
export function toRecipeDefinitionV1(def: RecipeDefinition): Record<string, unknown> | null {
  const v1Input = (i: InterfaceInput) => {
    if (i.kind === 'property' || (i.kind === 'json' && i.jsonType === 'string')) return { name: i.name, type: 'property', required: i.required };
    if (i.kind === 'json') return null;
    return { name: i.name, type: i.kind, required: i.required, media_types: i.mediaTypes };
  };
  const inputData = def.inputs.map(v1Input);
  if (inputData.includes(null)) return null;
  const jobs = [];
  for (const n of def.nodes) {
    if (n.type.kind !== 'job' || n.type.jobTypeRevision !== null || n.dependencies.some((d) => !d.acceptance)) return null;
    const fan = (c: Connection) => (c.fanOut ? { fan_out: true } : {});
    const recipeInputs = n.connections.flatMap(({ input, from }) => (from.source === 'recipe' ? [{ recipe_input: from.input, job_input: input, ...fan(from) }] : []));
    const depNames = [...new Set([...n.dependencies.map((d) => d.name), ...n.connections.flatMap((c) => (c.from.source === 'node' ? [c.from.node] : []))])];
    const dependencies = depNames.map((name) => ({
      name,
      connections: n.connections.flatMap(({ input, from }) => (from.source === 'node' && from.node === name ? [{ output: from.output, input, ...fan(from) }] : [])),
    }));
    jobs.push({ name: n.name, job_type: { name: n.type.jobTypeName, version: n.type.jobTypeVersion }, recipe_inputs: recipeInputs, dependencies });
  }
  return { version: '1.0', input_data: inputData, jobs };
}

function v6Interface(inputs: InterfaceInput[]) {
  return {
    files: inputs.filter((i) => i.kind === 'file' || i.kind === 'files').map((i) => ({ name: i.name, media_types: i.mediaTypes, required: i.required, multiple: i.kind === 'files' })),
    json: inputs.filter((i) => i.kind === 'json' || i.kind === 'property').map((i) => ({ name: i.name, type: i.kind === 'property' ? 'string' : i.jsonType, required: i.required })),
  };
}

/** Recipe definition v6 JSON; revisions the definition leaves open are filled with the current ones. */
export function toRecipeDefinitionV6(def: RecipeDefinition, resolve: RevisionResolver): Record<string, unknown> {
  const nodes: Record<string, unknown> = {};
  for (const n of def.nodes) {
    const t = n.type;
    const nodeType =
      t.kind === 'job'
        ? { node_type: 'job', job_type_name: t.jobTypeName, job_type_version: t.jobTypeVersion, job_type_revision: t.jobTypeRevision ?? resolve.jobTypeRevision(t.jobTypeName, t.jobTypeVersion) ?? 1 }
        : t.kind === 'recipe'
          ? { node_type: 'recipe', recipe_type_name: t.recipeTypeName, recipe_type_revision: t.recipeTypeRevision ?? resolve.recipeTypeRevision(t.recipeTypeName) ?? 1 }
          : { node_type: 'condition', interface: v6Interface(t.inputs), data_filter: dataFilterToJson(t.filter) };
    nodes[n.name] = {
      dependencies: n.dependencies.map((d) => ({ name: d.name, acceptance: d.acceptance })),
      input: Object.fromEntries(
        n.connections.map(({ input, from }) => [
          input,
          from.source === 'recipe'
            ? { type: 'recipe', input: from.input, ...(from.fanOut ? { fan_out: true } : {}) }
            : { type: 'dependency', node: from.node, output: from.output, ...(from.fanOut ? { fan_out: true } : {}) },
        ]),
      ),
      node_type: nodeType,
    };
  }
  return { version: '7', input: v6Interface(def.inputs), nodes };
}

/** The definition in the wanted format; 1.0 falls back to v6 when 1.0 cannot express it. */
export function toRecipeDefinitionJson(def: RecipeDefinition, format: DefinitionFormat, resolve: RevisionResolver): Record<string, unknown> {
  return (format === '1.0' ? toRecipeDefinitionV1(def) : null) ?? toRecipeDefinitionV6(def, resolve);
}
