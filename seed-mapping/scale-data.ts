// Scale's wire shapes of what a job or recipe is given, as codecs around the core's JobData and
// RecipeData: job data 1.0 ({input_data: [{name, value | file_id | file_ids}], output_data}), recipe
// data 1.0 (the same, with workspace_id), and v6 data ({files: {NAME: [ids]}, json: {NAME: value}}).
// Decoding checks the shape and reads each input as the interface takes it (job data 1.0 carries
// JSON values as text); what the values mean (files that exist, required inputs, types) the core
// checks, naming the fields through the DataFields the decoder gives it. Pure: no I/O.
import type { InterfaceInput, JobInterface } from '../src/core/job-types/model.ts';
import type { DataFields, InputValue, JobData } from '../src/core/jobs/job-data.ts';
import type { RecipeData } from '../src/core/recipes/recipe-data.ts';
import { check, type Problem } from '../src/schemas.ts';

export type Shape = 'v1' | 'v6';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field names for data given as job (or recipe) data 1.0 under `root`; `at` says where each input and output was. */
function v1Fields(root: string, inputAt: Map<string, { n: number; files: 'file_id' | 'file_ids' }>, outputAt: Map<string, number>): DataFields {
  const entry = (name: string) => `${root}.input_data[${inputAt.get(name)?.n ?? 0}]`;
  return {
    entry: (name) => `${entry(name)}.name`,
    value: (name) => `${entry(name)}.value`,
    files: (name) => `${entry(name)}.${inputAt.get(name)?.files ?? 'file_id'}`,
    missing: () => `${root}.input_data`,
    output: (name) => `${root}.output_data[${outputAt.get(name) ?? 0}].name`,
    outputWorkspace: (name) => (name !== null && outputAt.has(name) ? `${root}.output_data[${outputAt.get(name)}].workspace_id` : `${root}.output_data`),
    workspace: () => `${root}.workspace_id`,
    valueWord: 'a string "value"',
  };
}

function v6Fields(root: string, where: Map<string, 'files' | 'json'>): DataFields {
  const at = (name: string) => `${root}.${where.get(name) ?? 'json'}.${name}`;
  return {
    entry: at, value: at, files: at,
    missing: (spec) => `${root}.${spec.kind === 'json' ? 'json' : 'files'}`,
    output: (name) => `configuration.output_workspaces.outputs.${name}`,
    outputWorkspace: () => 'configuration.output_workspaces',
    workspace: () => 'configuration.output_workspaces',
    valueWord: 'a value',
  };
}

/** A value given for an input, as the input takes it: job data 1.0 carries JSON as text. */
function valueFor(spec: InterfaceInput | undefined, value: unknown, shape: Shape, field: string, problems: Problem[]): InputValue | null {
  if (spec?.kind !== 'json') return { kind: 'property', value: value as string };
  if (shape === 'v6' || spec.jsonType === 'string') return { kind: 'json', value };
  try {
    return { kind: 'json', value: JSON.parse(value as string) };
  } catch {
    problems.push({ field, message: `input ${JSON.stringify(spec.name)} takes JSON of type ${spec.jsonType}; ${JSON.stringify(value)} is not JSON` });
    return null;
  }
}

/** Reads data in 1.0's input_data / output_data form (already checked against its schema). */
function fromV1(json: Record<string, any>, inputs: InterfaceInput[], root: string, problems: Problem[]): JobData {
  const specs = new Map(inputs.map((i) => [i.name, i]));
  const data: JobData = { inputs: new Map(), outputs: new Map() };
  const inputAt = new Map<string, { n: number; files: 'file_id' | 'file_ids' }>();
  const outputAt = new Map<string, number>();
  (json.input_data ?? []).forEach((item: any, n: number) => {
    const field = `${root}.input_data[${n}]`;
    if (inputAt.has(item.name)) {
      problems.push({ field: `${field}.name`, message: `input ${JSON.stringify(item.name)} is given more than once` });
      return;
    }
    inputAt.set(item.name, { n, files: item.file_ids ? 'file_ids' : 'file_id' });
    if (item.file_ids !== undefined && item.file_id !== undefined) {
      problems.push({ field, message: `input ${JSON.stringify(item.name)} gives both file_id and file_ids` });
      return;
    }
    if (item.file_ids !== undefined) data.inputs.set(item.name, { kind: 'files', fileIds: item.file_ids });
    else if (item.file_id !== undefined) data.inputs.set(item.name, { kind: 'file', fileIds: [item.file_id] });
    else if (item.value !== undefined) {
      const v = valueFor(specs.get(item.name), item.value, 'v1', `${field}.value`, problems);
      if (v) data.inputs.set(item.name, v);
    } else data.inputs.set(item.name, { kind: 'missing' });
  });
  (json.output_data ?? []).forEach((o: any, n: number) => {
    if (outputAt.has(o.name)) problems.push({ field: `${root}.output_data[${n}].name`, message: `output ${JSON.stringify(o.name)} is given more than once` });
    else {
      outputAt.set(o.name, n);
      data.outputs.set(o.name, { workspaceId: o.workspace_id });
    }
  });
  data.fields = v1Fields(root, inputAt, outputAt);
  return data;
}

/** Reads v6 data ({files, json}). */
function fromV6(json: unknown, inputs: InterfaceInput[], root: string, problems: Problem[]): JobData {
  const specs = new Map(inputs.map((i) => [i.name, i]));
  const data: JobData = { inputs: new Map(), outputs: new Map() };
  const where = new Map<string, 'files' | 'json'>();
  data.fields = v6Fields(root, where);
  if (!isObject(json)) {
    problems.push({ field: root, message: 'must be an object with "files" and "json"' });
    return data;
  }
  for (const k of Object.keys(json)) if (!['version', 'files', 'json'].includes(k)) problems.push({ field: `${root}.${k}`, message: 'is not an allowed field' });
  const files = json.files ?? {};
  const values = json.json ?? {};
  if (!isObject(files)) problems.push({ field: `${root}.files`, message: 'must be an object of input name → file ids' });
  else {
    for (const [name, ids] of Object.entries(files)) {
      const field = `${root}.files.${name}`;
      const list = Array.isArray(ids) ? ids : [ids];
      where.set(name, 'files');
      if (!list.every((i) => Number.isInteger(i) && (i as number) > 0)) problems.push({ field, message: 'must be a list of file ids (positive integers)' });
      else data.inputs.set(name, { kind: specs.get(name)?.kind === 'file' ? 'file' : 'files', fileIds: list as number[] });
    }
  }
  if (!isObject(values)) problems.push({ field: `${root}.json`, message: 'must be an object of input name → value' });
  else {
    for (const [name, value] of Object.entries(values)) {
      const field = `${root}.json.${name}`;
      if (where.has(name)) {
        problems.push({ field, message: `input ${JSON.stringify(name)} is given more than once` });
        continue;
      }
      where.set(name, 'json');
      const v = valueFor(specs.get(name), value, 'v6', field, problems);
      if (v) data.inputs.set(name, v);
    }
  }
  return data;
}

/**
 * Job data in either wire shape → JobData for the job type's interface; `problems` names every field
 * at fault in the shape (the core checks the rest). `root` is the request's field (job_data, input).
 */
export function decodeJobData(json: unknown, shape: Shape, iface: JobInterface, root: string): { value: JobData; problems: Problem[] } {
  const problems: Problem[] = [];
  const raw = json === undefined || json === null ? {} : json;
  if (shape === 'v6') return { value: fromV6(raw, iface.inputs, root, problems), problems };
  problems.push(...check('scale/job-data-1.0', raw, root));
  if (problems.length) return { value: { inputs: new Map(), outputs: new Map() }, problems };
  return { value: fromV1(raw as Record<string, any>, iface.inputs, root, problems), problems };
}

/** Recipe data in either wire shape → RecipeData for the definition's inputs (1.0 also names the workspace of its jobs' outputs). */
export function decodeRecipeData(json: unknown, shape: Shape, inputs: InterfaceInput[], root: string): { value: RecipeData; problems: Problem[] } {
  const problems: Problem[] = [];
  const raw = (json ?? {}) as Record<string, unknown>;
  if (shape === 'v6') {
    const d = fromV6(raw, inputs, root, problems);
    return { value: { inputs: d.inputs, workspaceId: null, fields: d.fields }, problems };
  }
  problems.push(...check('scale/recipe-data-1.0', raw, root));
  if (problems.length) return { value: { inputs: new Map(), workspaceId: null }, problems };
  const d = fromV1(raw, inputs, root, problems);
  return { value: { inputs: d.inputs, workspaceId: (raw.workspace_id as number | undefined) ?? null, fields: d.fields }, problems };
}

/** JobData as job data 1.0 (values as text, JSON as JSON text unless the input takes a string). */
export function encodeJobData1(data: Pick<JobData, 'inputs' | 'outputs'>, inputs: InterfaceInput[]): Record<string, unknown> {
  const specs = new Map(inputs.map((i) => [i.name, i]));
  return {
    version: '1.0',
    input_data: [...data.inputs].flatMap(([name, v]): Record<string, unknown>[] => {
      if (v.kind === 'property' || v.kind === 'json') {
        const spec = specs.get(name);
        return [{ name, value: typeof v.value === 'string' && (spec?.kind !== 'json' || spec.jsonType === 'string') ? v.value : JSON.stringify(v.value) }];
      }
      if (v.kind === 'file' || v.kind === 'files') return [v.kind === 'file' && v.fileIds.length === 1 ? { name, file_id: v.fileIds[0] } : { name, file_ids: v.fileIds }];
      return [];
    }),
    output_data: [...data.outputs].map(([name, o]) => ({ name, workspace_id: o.workspaceId })),
  };
}

/** Recipe data as recipe data 1.0. */
export function encodeRecipeData1(data: Pick<RecipeData, 'inputs' | 'workspaceId'>, inputs: InterfaceInput[]): Record<string, unknown> {
  const { output_data: _none, ...rest } = encodeJobData1({ inputs: data.inputs, outputs: new Map() }, inputs);
  return data.workspaceId === null ? rest : { ...rest, workspace_id: data.workspaceId };
}

/** Inputs as v6 data ({version: "6", files, json}), Scale 6's wire form (also the core's stored form). */
export { v6Inputs as encodeDataV6 } from '../src/core/jobs/job-data.ts';
