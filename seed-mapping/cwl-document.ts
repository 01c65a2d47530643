// A CWL document read into plain, normalised objects: YAML or JSON text parsed without aliases
// bombs, the CWL v1.2 JSON schema checked, the map forms of inputs, outputs, requirements and
// hints turned into lists, ids reduced to their last segment, and the process to deploy picked
// (the `w` query parameter, `#main`, or the only process). Steps' `run` references are resolved
// inline, in the same `$graph`, or through a loader the caller gives (for packages by href).
import { parse as parseYaml } from 'yaml';
import type { Problem } from '../src/schemas.ts';
import { validateCwlSchema } from './cwl-schema.ts';

export type CwlClass = 'CommandLineTool' | 'Workflow';

/** One input or output parameter, normalised. */
export interface CwlParam {
  id: string;
  type: unknown;
  [key: string]: unknown;
}

export interface CwlRequirement {
  class: string;
  [key: string]: unknown;
}

/** A process (tool or workflow) with its lists normalised; everything else as written. */
export interface CwlProcess {
  class: CwlClass | string;
  id: string | null;
  inputs: CwlParam[];
  outputs: CwlParam[];
  requirements: CwlRequirement[];
  hints: CwlRequirement[];
  [key: string]: unknown;
}

export interface CwlStep {
  id: string;
  in: { id: string; source: string[]; default?: unknown; valueFrom?: unknown }[];
  out: string[];
  run: CwlProcess;
  [key: string]: unknown;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `#main/inp`, `file.cwl#main/inp` or `inp` → `inp`. */
export function shortId(id: string): string {
  const afterHash = id.includes('#') ? id.slice(id.lastIndexOf('#') + 1) : id;
  return afterHash.slice(afterHash.lastIndexOf('/') + 1);
}

/** `#main`, `file.cwl#main` → `main` (the process part of a reference). */
function processRef(id: string): string {
  return id.includes('#') ? id.slice(id.lastIndexOf('#') + 1).split('/')[0] : id;
}

/** A map form ({id: value}) or a list form ([{id, …}]) as a list; a bare value in a map is `{[key]: value}`. */
function listForm(v: unknown, key: string, idKey = 'id'): Record<string, any>[] {
  if (Array.isArray(v)) return v.filter(isObject).map((x) => ({ ...x }));
  if (!isObject(v)) return [];
  return Object.entries(v).map(([k, x]) => (isObject(x) ? { [idKey]: k, ...x } : { [idKey]: k, [key]: x }));
}

function params(v: unknown): CwlParam[] {
  return listForm(v, 'type').map((p) => ({ ...p, id: shortId(String(p.id ?? '')), type: p.type }));
}

function requirements(v: unknown): CwlRequirement[] {
  return listForm(v, 'value', 'class').map((r) => ({ ...r, class: String(r.class) }));
}

export function normaliseProcess(p: Record<string, any>): CwlProcess {
  return {
    ...p,
    class: String(p.class),
    id: typeof p.id === 'string' ? processRef(p.id) || null : null,
    inputs: params(p.inputs),
    outputs: params(p.outputs),
    requirements: requirements(p.requirements),
    hints: requirements(p.hints),
  };
}

export interface ParsedCwl {
  /** The document as parsed (before normalisation). */
  doc: Record<string, any>;
  /** Processes of a `$graph`, or the document itself, by id (`main` when it has none). */
  graph: Map<string, Record<string, any>>;
}

/** Parses CWL text (YAML 1.2; JSON is YAML) and checks it against the CWL v1.2 schema. */
export function parseCwl(text: string | unknown): { value: ParsedCwl | null; problems: Problem[] } {
  let doc: unknown = text;
  if (typeof text === 'string') {
    try {
      // Aliases are how YAML bombs grow; CWL documents have no need of many.
      doc = parseYaml(text, { maxAliasCount: 50, uniqueKeys: true });
    } catch (err) {
      return { value: null, problems: [{ field: null, message: `the CWL document is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}` }] };
    }
  }
  if (!isObject(doc)) return { value: null, problems: [{ field: null, message: 'the CWL document must be an object with a class (CommandLineTool or Workflow) or a $graph' }] };
  if (typeof doc.cwlVersion !== 'string') return { value: null, problems: [{ field: 'cwlVersion', message: 'is required (v1.0, v1.1 or v1.2)' }] };
  if (!/^v1\.[012](\.\d+)?$/.test(doc.cwlVersion)) return { value: null, problems: [{ field: 'cwlVersion', message: `${JSON.stringify(doc.cwlVersion)} is not supported: use v1.0, v1.1 or v1.2` }] };
  const schemaProblems = validateCwlSchema(doc);
  if (schemaProblems.length) return { value: null, problems: schemaProblems };
  const graph = new Map<string, Record<string, any>>();
  if (Array.isArray(doc.$graph)) {
    for (const p of doc.$graph) if (isObject(p)) graph.set(typeof p.id === 'string' ? processRef(p.id) : 'main', p);
  } else {
    graph.set(typeof doc.id === 'string' ? processRef(doc.id) : 'main', doc);
  }
  return { value: { doc, graph }, problems: [] };
}

/** The process to deploy: `w` when given (400 workflow-not-found otherwise), `main`, the only one, or the first workflow. */
export function pickProcess(parsed: ParsedCwl, w: string | null): { value: { id: string; process: Record<string, any> } | null; problem: Problem | null; notFound?: boolean } {
  const { graph } = parsed;
  if (w !== null) {
    const p = graph.get(w);
    if (!p) return { value: null, problem: { field: 'w', message: `no process ${JSON.stringify(w)} in the CWL document (it has ${[...graph.keys()].map((k) => JSON.stringify(k)).join(', ')})` }, notFound: true };
    return { value: { id: w, process: p }, problem: null };
  }
  if (graph.size === 1) {
    const [[id, process]] = graph;
    return { value: { id, process }, problem: null };
  }
  if (graph.has('main')) return { value: { id: 'main', process: graph.get('main')! }, problem: null };
  const wf = [...graph].find(([, p]) => p.class === 'Workflow');
  if (wf) return { value: { id: wf[0], process: wf[1] }, problem: null };
  return { value: null, problem: { field: '$graph', message: 'has several processes and none is a Workflow or #main: name the one to deploy with the w query parameter' } };
}

/** Loads the process a relative `run` reference names (packages given by href); null when it cannot. */
export type RunLoader = (ref: string) => Promise<Record<string, any> | null>;

/**
 * The steps of a workflow with their `run` processes: inline, `#id` in the same `$graph`, or
 * loaded. A workflow step that runs another workflow is refused: sub-workflows are not supported.
 */
export async function workflowSteps(wf: Record<string, any>, parsed: ParsedCwl, load: RunLoader | null): Promise<{ value: CwlStep[] | null; problems: Problem[] }> {
  const problems: Problem[] = [];
  const steps: CwlStep[] = [];
  for (const s of listForm(wf.steps, 'run')) {
    const id = shortId(String(s.id ?? ''));
    const field = `steps.${id}`;
    let run: Record<string, any> | null = null;
    if (isObject(s.run)) run = s.run;
    else if (typeof s.run === 'string') {
      const ref = s.run;
      if (ref.startsWith('#')) run = parsed.graph.get(processRef(ref)) ?? null;
      else if (load) {
        try {
          run = await load(ref);
        } catch (err) {
          problems.push({ field: `${field}.run`, message: `${JSON.stringify(ref)} could not be loaded: ${(err as Error).message}` });
          continue;
        }
      }
      if (!run) {
        problems.push({ field: `${field}.run`, message: `${JSON.stringify(ref)} is not in the document: give the tool inline, in the same $graph (#id), or deploy the workflow by href so relative references can be fetched` });
        continue;
      }
    } else {
      problems.push({ field: `${field}.run`, message: 'is required: the tool the step runs' });
      continue;
    }
    if (run.class === 'Workflow') {
      problems.push({ field: `${field}.run`, message: 'runs a sub-workflow; sub-workflows are not supported (SubworkflowFeatureRequirement): inline its steps' });
      continue;
    }
    const inputs = listForm(s.in, 'source').map((i) => {
      const src = i.source;
      return { ...i, id: shortId(String(i.id)), source: (Array.isArray(src) ? src : src === undefined ? [] : [src]).map(String) };
    });
    const out = (Array.isArray(s.out) ? s.out : []).map((o: unknown) => shortId(isObject(o) ? String(o.id) : String(o)));
    steps.push({ ...s, id, in: inputs, out, run: normaliseProcess(run) });
  }
  return { value: problems.length ? null : steps, problems };
}
