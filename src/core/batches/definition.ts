// What a batch runs (its definition) and how (its configuration), one internal model each, with the
// wire codecs of Scale 6.0.0 around them: batch definition v6 (`previous_batch`: re-process an
// earlier batch's recipes) and 1.0 (the v5 REST API: a recipe type's recipes by date range and
// forced job names, and files it never processed by a trigger rule), batch configuration v6
// (`priority`). Stored as Scale stores them: the wire dict with its version, defaults filled in.
import { Invalid } from '../../errors.ts';
import { check } from '../../schemas.ts';
import { parseTimeParam } from '../time.ts';
import { type ForcedNodes, parseForcedNodes } from '../recipes/supersede.ts';

/** v6: the recipes of the latest batch in the chain rooted at `rootBatchId`, forced nodes run again. */
export interface PreviousBatchDefinition {
  kind: 'previous-batch';
  rootBatchId: number;
  forcedNodes: ForcedNodes | null;
}

/** 1.0 (v5): the recipe type's recipes (and files it never processed), chosen as Scale's v5 batches chose them. */
export interface RecipeTypeDefinition {
  kind: 'recipe-type';
  /** `created`: when the recipe was made; `data`: when its input files' data was taken. */
  dateRange: { type: 'created' | 'data'; started: Date | null; ended: Date | null } | null;
  jobNames: string[] | null;
  allJobs: boolean;
  priority: number | null;
  /** Files no recipe of the type was given, each started as a new recipe when it meets the condition. */
  triggerRule: { mediaType: string | null; dataTypes: string[]; inputName: string; workspaceName: string } | null;
}

export type BatchDefinition = PreviousBatchDefinition | RecipeTypeDefinition;

export interface BatchConfiguration {
  /** The priority every job of the batch runs at (null: the jobs' own). */
  priority: number | null;
}

const problems = (schema: string, json: unknown, root: string) => {
  const found = check(schema, json, root);
  if (found.length) throw Invalid.many(found);
};

/** Batch definition v6 as given to POST /v6/batches/ (a missing version is 6, as Scale reads it). */
export function parseDefinitionV6(json: Record<string, any>, root = 'definition'): PreviousBatchDefinition | null {
  const d: Record<string, any> = { version: '6', ...json };
  if (d.version !== '6') throw new Invalid(`${root}.version`, `${JSON.stringify(d.version)} is an unsupported version number`);
  // Scale 7's shape (scale-ui 0.17 sends it): {dataset, forced_nodes}. Forced nodes beside a
  // previous_batch are that batch's; a dataset has no Scale 6 meaning.
  if (d.dataset !== undefined) {
    throw new Invalid(`${root}.dataset`, 'datasets are Scale 7\'s; a Scale 6 batch re-processes the recipes of a previous batch: give previous_batch {root_batch_id, forced_nodes}');
  }
  if (d.forced_nodes !== undefined) {
    if (!d.previous_batch || typeof d.previous_batch !== 'object' || d.previous_batch.forced_nodes !== undefined) {
      throw new Invalid(`${root}.forced_nodes`, 'Scale 6 takes forced nodes as previous_batch.forced_nodes, with the previous batch\'s root_batch_id');
    }
    const { forced_nodes: forced, ...rest } = d;
    return parseDefinitionV6({ ...rest, previous_batch: { ...d.previous_batch, forced_nodes: forced } }, root);
  }
  problems('scale/batch-definition-6', d, root);
  if (!d.previous_batch) return null;
  const p = d.previous_batch;
  return { kind: 'previous-batch', rootBatchId: p.root_batch_id, forcedNodes: p.forced_nodes === undefined ? null : parseForcedNodes(p.forced_nodes, `${root}.previous_batch.forced_nodes`) };
}

/** Batch definition 1.0 as given to POST /v5/batches/. */
export function parseDefinition1(json: Record<string, any>, root = 'definition'): RecipeTypeDefinition {
  const d: Record<string, any> = { version: '1.0', ...json };
  problems('scale/batch-definition-1.0', d, root);
  if (d.version !== '1.0') throw new Invalid(`${root}.version`, `${JSON.stringify(d.version)} is an unsupported version number`);
  const r = d.date_range;
  const time = (k: 'started' | 'ended') => (r?.[k] === undefined ? null : parseTimeParam(`${root}.date_range.${k}`, r[k]));
  let triggerRule: RecipeTypeDefinition['triggerRule'] = null;
  // `true` is allowed by the schema and means nothing (Scale: no trigger configuration).
  if (d.trigger_rule && typeof d.trigger_rule === 'object') {
    const t = d.trigger_rule;
    const at = `${root}.trigger_rule`;
    const c = t.condition ?? {};
    if (typeof c !== 'object' || Array.isArray(c)) throw new Invalid(`${at}.condition`, 'must be an object {"media_type": ..., "data_types": [...]}');
    if (c.media_type !== undefined && c.media_type !== null && typeof c.media_type !== 'string') throw new Invalid(`${at}.condition.media_type`, 'must be a string');
    if (c.data_types !== undefined && !(Array.isArray(c.data_types) && c.data_types.every((x: unknown) => typeof x === 'string'))) {
      throw new Invalid(`${at}.condition.data_types`, 'must be a list of strings');
    }
    for (const k of ['input_data_name', 'workspace_name']) if (typeof t.data?.[k] !== 'string') throw new Invalid(`${at}.data.${k}`, 'is required (a string)');
    triggerRule = { mediaType: c.media_type || null, dataTypes: c.data_types ?? [], inputName: t.data.input_data_name, workspaceName: t.data.workspace_name };
  }
  return {
    kind: 'recipe-type',
    dateRange: r ? { type: r.type ?? 'created', started: time('started'), ended: time('ended') } : null,
    jobNames: d.job_names ?? null,
    allJobs: d.all_jobs ?? false,
    priority: d.priority ?? null,
    triggerRule,
  };
}

/** Batch configuration v6 (none given: no priority). */
export function parseConfiguration(json: Record<string, any> | null | undefined, root = 'configuration'): BatchConfiguration {
  const c: Record<string, any> = { version: '6', ...(json ?? {}) };
  if (c.version !== '6') throw new Invalid(`${root}.version`, `${JSON.stringify(c.version)} is an unsupported version number`);
  problems('scale/batch-configuration-6', c, root);
  return { priority: c.priority ?? null };
}

/** Scale's v6 forced nodes JSON (convert_forced_nodes_to_v6), version included as Scale writes it. */
export function forcedNodesJson(f: ForcedNodes): Record<string, unknown> {
  const out: Record<string, unknown> = { version: '6', all: f.all };
  if (f.all) return out;
  const subs = Object.entries(f.subRecipes);
  if (f.nodes.length) out.nodes = f.nodes;
  if (subs.length) out.sub_recipes = Object.fromEntries(subs.map(([n, s]) => [n, forcedNodesJson(s)]));
  return out;
}

/** The stored JSON of a definition (Scale stores the versioned dict, defaults filled in). */
export function definitionJson(d: BatchDefinition, given?: Record<string, any>): Record<string, unknown> {
  if (d.kind === 'recipe-type') {
    const out: Record<string, unknown> = { ...given, version: '1.0', job_names: d.jobNames, all_jobs: d.allJobs };
    if (given?.date_range) out.date_range = { type: d.dateRange!.type, ...given.date_range };
    return out;
  }
  return { version: '6', previous_batch: { root_batch_id: d.rootBatchId, ...(d.forcedNodes ? { forced_nodes: forcedNodesJson(d.forcedNodes) } : {}) } };
}

export function configurationJson(c: BatchConfiguration): Record<string, unknown> {
  return { version: '6', ...(c.priority !== null ? { priority: c.priority } : {}) };
}

/** A stored definition read back (it was checked when stored). */
export function readDefinition(json: Record<string, any>): BatchDefinition | null {
  if (json.version === '1.0') return parseDefinition1(json);
  return parseDefinitionV6(json);
}

/** The definition as v6 details show it: without its version; a 1.0 definition has no v6 form ({}). */
export function definitionV6Json(json: Record<string, any>): Record<string, unknown> {
  if (json.version === '1.0') return {};
  const { version: _v, ...rest } = json;
  return rest;
}

/** The definition as v5 details show it: 1.0 as stored; a v6 one as the 1.0 job_names/all_jobs it amounts to. */
export function definition1Json(json: Record<string, any>): Record<string, unknown> {
  if (json.version === '1.0') return json;
  const forced = json.previous_batch?.forced_nodes;
  return { version: '1.0', ...(forced ? { job_names: forced.nodes ?? [], all_jobs: forced.all } : {}) };
}

/** The configuration as v6 details show it (without its version). */
export function configurationV6Json(json: Record<string, any>): Record<string, unknown> {
  const { version: _v, ...rest } = json;
  return rest;
}
