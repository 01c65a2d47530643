// Validation of a RecipeDefinition against the job types and recipe types it names. Pure: the
// caller loads every referenced type first (recipe-types/service.ts) and passes lookups in.
// Errors make a definition unusable; warnings (media types that may not match) do not, as in Scale.
import type { Problem } from '../../schemas.ts';
import type { InterfaceInput, JobInterface, JsonType } from '../job-types/model.ts';
import { mediaTypeMatches } from '../jobs/job-data.ts';
import { checkFilterAgainstInterface } from './data-filter.ts';
import { type Connection, type NodeDefinition, type RecipeDefinition, fanOutOf, topologicalOrder } from './definition.ts';

export interface Warning {
  id: string;
  details: string;
}

export type Lookup<T> = T | 'no-type' | 'no-revision';

export interface DefinitionLookups {
  jobType(name: string, version: string, revision: number | null): Lookup<{ revisionNum: number; interface: JobInterface }>;
  recipeType(name: string, revision: number | null): Lookup<{ revisionNum: number; definition: RecipeDefinition }>;
  /** The name of the recipe type being defined: it must not contain itself, however deep. */
  self?: string;
}

export interface DefinitionCheck {
  errors: Problem[];
  warnings: Warning[];
}

/** What flows out of a port: a value or files, with what is known of their types. */
interface Port {
  kind: 'property' | 'file' | 'files' | 'json';
  jsonType?: JsonType;
  mediaTypes: string[];
  describe: string;
}

const MAX_DEPTH = 10;

export function validateDefinition(def: RecipeDefinition, lookups: DefinitionLookups): DefinitionCheck {
  const errors: Problem[] = [];
  const warnings: Warning[] = [];
  const byName = new Map(def.nodes.map((n) => [n.name, n]));
  const recipeInputs = new Map(def.inputs.map((i) => [i.name, i]));

  // The inputs a node takes and, for jobs, the outputs it gives; null when its type is unknown.
  const interfaces = new Map<string, { inputs: InterfaceInput[]; outputs: Map<string, Port> | null } | null>();
  for (const n of def.nodes) interfaces.set(n.name, resolveNode(n, lookups, errors));

  const order = topologicalOrder(def);
  if ('cycle' in order) {
    const first = byName.get(order.cycle[0])!;
    errors.push({ field: first.at ?? null, message: `circular dependency: ${order.cycle.join(' -> ')}` });
  }

  for (const n of def.nodes) {
    for (const d of n.dependencies) {
      if (!byName.has(d.name)) errors.push({ field: d.at ?? n.at ?? null, message: `node ${JSON.stringify(n.name)} depends on ${JSON.stringify(d.name)}, which is not a node of this recipe` });
      else if (!d.acceptance && byName.get(d.name)!.type.kind !== 'condition') {
        errors.push({ field: d.at ?? n.at ?? null, message: `"acceptance": false needs a condition node; ${JSON.stringify(d.name)} is a ${byName.get(d.name)!.type.kind} node` });
      }
    }
    const iface = interfaces.get(n.name);
    const fanOuts = n.connections.filter((c) => c.from.fanOut);
    if (fanOuts.length > 1) errors.push({ field: fanOuts[1].from.at ?? n.at ?? null, message: `node ${JSON.stringify(n.name)} fans out on more than one input; choose one` });
    if (fanOuts.length && n.type.kind !== 'job') errors.push({ field: fanOuts[0].from.at ?? n.at ?? null, message: `only job nodes can fan out; ${JSON.stringify(n.name)} is a ${n.type.kind} node` });
    for (const { input, from } of n.connections) {
      const source = sourcePort(from, n, byName, recipeInputs, interfaces, errors);
      if (!iface) continue;
      const target = iface.inputs.find((i) => i.name === input);
      if (!target) {
        errors.push({ field: from.at ?? n.at ?? null, message: `node ${JSON.stringify(n.name)} has no input named ${JSON.stringify(input)}` });
        continue;
      }
      if (source) checkConnection(source, target, from, n, errors, warnings);
    }
    if (iface) {
      const connected = new Set(n.connections.map((c) => c.input));
      for (const i of iface.inputs) {
        if (i.required && !connected.has(i.name)) errors.push({ field: n.at ?? null, message: `required input ${JSON.stringify(i.name)} of node ${JSON.stringify(n.name)} is not connected` });
      }
    }
    if (n.type.kind === 'condition') errors.push(...checkFilterAgainstInterface(n.type.filter, n.type.inputs, `${n.at}.node_type.data_filter`));
  }
  return { errors, warnings };
}

function resolveNode(n: NodeDefinition, lookups: DefinitionLookups, errors: Problem[]): { inputs: InterfaceInput[]; outputs: Map<string, Port> | null } | null {
  const t = n.type;
  const field = n.at ? `${n.at}.${n.at.includes('.jobs[') ? 'job_type' : 'node_type'}` : null;
  if (t.kind === 'condition') {
    // A condition passes the data it was given on to its dependents: its inputs are its outputs.
    return { inputs: t.inputs, outputs: new Map(t.inputs.map((i) => [i.name, portOf(i, `output ${i.name} of condition ${n.name}`)])) };
  }
  if (t.kind === 'job') {
    const found = lookups.jobType(t.jobTypeName, t.jobTypeVersion, t.jobTypeRevision);
    if (found === 'no-type') {
      errors.push({ field, message: `job type ${t.jobTypeName} version ${t.jobTypeVersion} does not exist` });
      return null;
    }
    if (found === 'no-revision') {
      errors.push({ field, message: `job type ${t.jobTypeName} version ${t.jobTypeVersion} has no revision ${t.jobTypeRevision}` });
      return null;
    }
    const outputs = new Map(
      found.interface.outputs.map((o) => [o.name, { kind: o.kind, jsonType: o.jsonType, mediaTypes: o.mediaType ? [o.mediaType] : [], describe: `output ${o.name} of ${n.name}` } as Port]),
    );
    return { inputs: found.interface.inputs, outputs };
  }
  const found = lookups.recipeType(t.recipeTypeName, t.recipeTypeRevision);
  if (found === 'no-type' || found === 'no-revision') {
    errors.push({ field, message: found === 'no-type' ? `recipe type ${t.recipeTypeName} does not exist` : `recipe type ${t.recipeTypeName} has no revision ${t.recipeTypeRevision}` });
    return null;
  }
  const loop = lookups.self ? containsRecipeType(found.definition, lookups.self, lookups, [t.recipeTypeName]) : null;
  if (loop) errors.push({ field, message: `recipe type ${lookups.self} would contain itself: ${[lookups.self, ...loop].join(' -> ')}` });
  return { inputs: found.definition.inputs, outputs: null };
}

/** The chain of sub-recipe type names that leads back to `name`, if any. */
function containsRecipeType(def: RecipeDefinition, name: string, lookups: DefinitionLookups, path: string[]): string[] | null {
  if (path[path.length - 1] === name) return path;
  if (path.length > MAX_DEPTH) return null;
  for (const n of def.nodes) {
    if (n.type.kind !== 'recipe') continue;
    if (n.type.recipeTypeName === name) return [...path, name];
    const sub = lookups.recipeType(n.type.recipeTypeName, n.type.recipeTypeRevision);
    if (typeof sub === 'string') continue;
    const found = containsRecipeType(sub.definition, name, lookups, [...path, n.type.recipeTypeName]);
    if (found) return found;
  }
  return null;
}

function portOf(i: InterfaceInput, describe: string): Port {
  return { kind: i.kind, jsonType: i.jsonType, mediaTypes: i.mediaTypes, describe };
}

function sourcePort(
  from: Connection,
  n: NodeDefinition,
  byName: Map<string, NodeDefinition>,
  recipeInputs: Map<string, InterfaceInput>,
  interfaces: Map<string, { inputs: InterfaceInput[]; outputs: Map<string, Port> | null } | null>,
  errors: Problem[],
): Port | null {
  const field = from.at ?? n.at ?? null;
  if (from.source === 'recipe') {
    const i = recipeInputs.get(from.input);
    if (!i) {
      errors.push({ field, message: `the recipe has no input named ${JSON.stringify(from.input)}` });
      return null;
    }
    return portOf(i, `recipe input ${i.name}`);
  }
  const parent = byName.get(from.node);
  if (!parent) {
    errors.push({ field, message: `node ${JSON.stringify(from.node)} does not exist in this recipe` });
    return null;
  }
  if (!n.dependencies.some((d) => d.name === from.node)) {
    errors.push({ field, message: `node ${JSON.stringify(n.name)} takes data from ${JSON.stringify(from.node)} but does not list it in its dependencies` });
  }
  const iface = interfaces.get(from.node);
  if (!iface) return null;
  if (!iface.outputs) {
    errors.push({ field, message: `node ${JSON.stringify(from.node)} is a sub-recipe and has no outputs to connect` });
    return null;
  }
  const port = iface.outputs.get(from.output);
  if (!port) {
    errors.push({ field, message: `node ${JSON.stringify(from.node)} has no output named ${JSON.stringify(from.output)}` });
    return null;
  }
  // A node that runs once per file gives, per output, what all its runs gave: a list.
  if (fanOutOf(parent)) {
    if (port.kind === 'json') return { ...port, jsonType: 'array', describe: `${port.describe} (gathered)` };
    return { ...port, kind: 'files', describe: `${port.describe} (gathered)` };
  }
  return port;
}

function checkConnection(source: Port, target: InterfaceInput, from: Connection, n: NodeDefinition, errors: Problem[], warnings: Warning[]): void {
  const field = from.at ?? n.at ?? null;
  const into = `input ${JSON.stringify(target.name)} of node ${JSON.stringify(n.name)}`;
  const fileish = (k: string) => k === 'file' || k === 'files';
  if (from.fanOut) {
    if (target.kind !== 'file') errors.push({ field, message: `fan_out gives one file per run, but ${into} takes ${target.kind}` });
    else if (source.kind !== 'files') errors.push({ field, message: `fan_out needs a multi-file source; ${source.describe} is ${source.kind}` });
  } else if (fileish(target.kind) !== fileish(source.kind)) {
    errors.push({ field, message: `type mismatch: ${source.describe} gives ${fileish(source.kind) ? 'files' : 'a value'}, but ${into} takes ${fileish(target.kind) ? 'files' : 'a value'}` });
    return;
  } else if (target.kind === 'file' && source.kind === 'files') {
    errors.push({ field, message: `${source.describe} gives several files but ${into} takes one; set "fan_out": true to run once per file` });
  } else if (!fileish(target.kind)) {
    const sourceType = source.kind === 'property' ? 'string' : source.jsonType;
    const targetType = target.kind === 'property' ? 'string' : target.jsonType;
    const fits = sourceType === targetType || (targetType === 'number' && sourceType === 'integer');
    if (!fits) errors.push({ field, message: `type mismatch: ${source.describe} is JSON ${sourceType ?? 'of any type'}, but ${into} takes ${targetType}` });
  }
  if (fileish(target.kind) && target.mediaTypes.length && source.mediaTypes.length && !source.mediaTypes.some((m) => mediaTypeMatches(target.mediaTypes, m))) {
    warnings.push({ id: 'media_type', details: `Invalid media type for ${into}: ${source.describe} is ${source.mediaTypes.join(', ')}, accepted: ${target.mediaTypes.join(', ')}` });
  }
}
