// Job data: what one job is given, as the core's one model (JobData), whichever door it came
// through (the doors decode Scale job data 1.0, v6 data, OGC and WPS inputs at their edge:
// seed-mapping/scale-data.ts, core/runs/staging.ts). Checked against the job type's interface before
// the job exists, so a job on the queue always has the inputs its command needs; problems name the
// fields the door's DataFields give, so a client reads them in its own request's terms.
//
// Stored as one JSON form, v6 data with the output workspaces ({version: "6", files, json,
// output_data}); rows written before that in job data 1.0 are still read (readJobData).
import { Invalid } from '../../errors.ts';
import type { Problem } from '../../schemas.ts';
import type { ScaleFile } from '../files/service.ts';
import type { InterfaceInput, JobInterface, JsonType } from '../job-types/model.ts';
import type { Workspace } from '../workspaces/service.ts';

export type InputValue =
  | { kind: 'property'; value: string }
  | { kind: 'json'; value: unknown }
  | { kind: 'file' | 'files'; fileIds: number[] }
  /** Named, but given neither a value nor files (job data 1.0 allows the entry). */
  | { kind: 'missing' };

/** The file ids of an input value (none for values). */
export function fileIdsOf(v: InputValue): number[] {
  return v.kind === 'file' || v.kind === 'files' ? v.fileIds : [];
}

/** How to name, in a client's request, where each part of its data was given. */
export interface DataFields {
  /** An input's entry (for unknown and duplicate inputs). */
  entry(name: string): string;
  /** Where an input's value was (or should have been) given. */
  value(name: string): string;
  /** Where an input's files were (or should have been) given. */
  files(name: string): string;
  /** Where a missing required input belongs. */
  missing(spec: InterfaceInput): string;
  /** An output named in the data. */
  output(name: string): string;
  /** Where an output's workspace was given (null: none was). */
  outputWorkspace(name: string | null): string;
  /** A recipe's workspace (recipe data 1.0's workspace_id). */
  workspace(): string;
  /** What a value input needs, in the request's words: 'a value', 'a string "value"'. */
  valueWord: string;
}

/** Field names for data the core or a process door made: inputs.NAME. */
export const INPUT_FIELDS: DataFields = {
  entry: (name) => `inputs.${name}`, value: (name) => `inputs.${name}`, files: (name) => `inputs.${name}`, missing: (spec) => `inputs.${spec.name}`,
  output: (name) => `outputs.${name}`, outputWorkspace: () => 'configuration.output_workspaces', workspace: () => 'configuration.output_workspaces', valueWord: 'a value',
};

/** The internal JobData: per input a value or file ids, per file output the workspace that keeps it. */
export interface JobData {
  inputs: Map<string, InputValue>;
  outputs: Map<string, { workspaceId: number }>;
  /** How the door names the fields of this data in its messages (INPUT_FIELDS when not given). */
  fields?: DataFields;
}

/** No inputs, outputs where the job type's configuration puts them. */
export const emptyJobData = (): JobData => ({ inputs: new Map(), outputs: new Map() });

/** How many values (files counted one by one) the data gives, for SCALE_MAX_INPUTS. */
export function countValues(inputs: Map<string, InputValue>): number {
  let n = 0;
  for (const v of inputs.values()) n += v.kind === 'file' || v.kind === 'files' ? Math.max(1, v.fileIds.length) : 1;
  return n;
}

export interface JobDataLookups {
  files(ids: number[]): Promise<Map<number, ScaleFile>>;
  workspaces(ids: number[]): Promise<Map<number, Workspace>>;
  /** Where outputs go when the data names no workspace for them; null makes that an error. */
  defaultWorkspaceId: number | null;
  /** Workspaces by output name that the job type's configuration chooses (v6). */
  configuredWorkspaces?: Map<string, number>;
  /** Whose inputs these are, in messages ("the job type", "the recipe"). */
  owner?: string;
}

export interface CheckedJobData {
  data: JobData;
  /** The JSON to store. */
  json: Record<string, unknown>;
  inputFiles: ScaleFile[];
  warnings: { id: string; details: string }[];
}

export function mediaTypeMatches(accepted: string[], actual: string): boolean {
  if (!accepted.length) return true;
  const base = actual.split(';')[0].trim().toLowerCase();
  return accepted.some((a) => {
    const want = a.split(';')[0].trim().toLowerCase();
    return want === base || want === '*/*' || (want.endsWith('/*') && base.startsWith(want.slice(0, -1)));
  });
}

export function jsonTypeOf(v: unknown): JsonType | 'null' {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v as JsonType;
}

export function matchesJsonType(v: unknown, t: JsonType): boolean {
  const actual = jsonTypeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

/** Inputs as v6 data ({version: "6", files, json}): the stored form of inputs, and Scale 6's wire form. */
export function v6Inputs(inputs: Map<string, InputValue>): { version: '6'; files: Record<string, number[]>; json: Record<string, unknown> } {
  const files: Record<string, number[]> = {};
  const json: Record<string, unknown> = {};
  for (const [name, v] of inputs) {
    if (v.kind === 'json' || v.kind === 'property') json[name] = v.value;
    else if (v.kind === 'file' || v.kind === 'files') files[name] = v.fileIds;
  }
  return { version: '6', files, json };
}

/** JobData in the form it is stored in: v6 data with the output workspaces. */
export function storedJobData(data: Pick<JobData, 'inputs' | 'outputs'>): Record<string, unknown> {
  return { ...v6Inputs(data.inputs), output_data: [...data.outputs].map(([name, o]) => ({ name, workspace_id: o.workspaceId })) };
}

/**
 * Linux's limit on one argument or environment string (MAX_ARG_STRLEN: 32 pages). A SEED or Scale
 * 1.0 command gets each value as one (its argument, its environment variable NAME=value): a longer
 * one makes the launch itself fail (E2BIG). CWL values go to cwltool in a file, unlimited.
 */
export const MAX_COMMAND_STRING_BYTES = 131_072;
/**
 * Linux's limit on a command's arguments and environment together (a quarter of the default 8 MB
 * stack), less room for the contract's own variables. Each value is counted twice: an argument and
 * an environment variable.
 */
export const MAX_COMMAND_TOTAL_BYTES = 2_097_152 - 131_072;

function commandLineProblem(name: string, value: unknown): string | null {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  const bytes = Buffer.byteLength(text) + Buffer.byteLength(name) + 2;
  if (bytes < MAX_COMMAND_STRING_BYTES) return null;
  return `input ${JSON.stringify(name)} is ${Buffer.byteLength(text).toLocaleString('en-US')} bytes: the command gets it as one argument or environment string, which Linux limits to ${MAX_COMMAND_STRING_BYTES.toLocaleString('en-US')} bytes; give a value this large as a file (by reference or as content)`;
}

/**
 * Checks job data against an interface: every input known and of the kind it takes, the required
 * ones given, files that exist (media types that do not fit are warnings), outputs and their
 * workspaces. Throws Invalid naming every field at fault.
 */
export async function checkJobData(iface: JobInterface, given: JobData, lookups: JobDataLookups): Promise<CheckedJobData> {
  const f = given.fields ?? INPUT_FIELDS;
  const problems: Problem[] = [];
  const inputs = new Map<string, InputValue>();
  const outputs = new Map<string, { workspaceId: number }>();
  const warnings: CheckedJobData['warnings'] = [];
  const byName = new Map(iface.inputs.map((i) => [i.name, i]));
  const fileRefs: { field: string; input: string; ids: number[] }[] = [];
  let commandBytes = 0;
  let largest: { name: string; bytes: number } | null = null;

  for (const [name, v] of given.inputs) {
    const spec = byName.get(name);
    if (!spec) {
      problems.push({ field: f.entry(name), message: `${lookups.owner ?? 'the job type'} has no input named ${JSON.stringify(name)}` });
      continue;
    }
    if (spec.kind === 'property' || spec.kind === 'json') {
      const tooLong = iface.format === 'cwl' || (v.kind !== 'property' && v.kind !== 'json') ? null : commandLineProblem(name, v.value);
      if (iface.format !== 'cwl' && (v.kind === 'property' || v.kind === 'json')) {
        const bytes = 2 * (Buffer.byteLength(typeof v.value === 'string' ? v.value : JSON.stringify(v.value ?? null)) + Buffer.byteLength(name) + 2);
        commandBytes += bytes;
        if (!largest || bytes > largest.bytes) largest = { name, bytes };
      }
      if (tooLong) {
        problems.push({ field: f.value(name), message: tooLong });
        continue;
      }
      if (v.kind !== 'property' && v.kind !== 'json') {
        problems.push({ field: f.value(name), message: `input ${JSON.stringify(name)} is a ${spec.kind === 'json' ? `JSON ${spec.jsonType}` : 'property'} and needs ${f.valueWord} (no file ids)` });
        continue;
      }
      if (spec.kind === 'property') {
        inputs.set(name, { kind: 'property', value: v.value as string });
        continue;
      }
      if (spec.jsonType && !matchesJsonType(v.value, spec.jsonType)) {
        problems.push({ field: f.value(name), message: `input ${JSON.stringify(name)} must be of JSON type ${spec.jsonType}, not ${jsonTypeOf(v.value)}` });
        continue;
      }
      inputs.set(name, { kind: 'json', value: v.value });
      continue;
    }
    if (v.kind !== 'file' && v.kind !== 'files') {
      problems.push({ field: f.files(name), message: `input ${JSON.stringify(name)} is of type ${spec.kind} and needs ${spec.kind === 'file' ? 'a file_id' : 'file_ids'}` });
      continue;
    }
    const ids = v.fileIds;
    if (spec.kind === 'file' && ids.length !== 1) {
      problems.push({ field: f.files(name), message: `input ${JSON.stringify(name)} takes exactly one file` });
      continue;
    }
    if (ids.length === 0) {
      problems.push({ field: f.files(name), message: `input ${JSON.stringify(name)} needs at least one file` });
      continue;
    }
    inputs.set(name, { kind: spec.kind, fileIds: ids });
    fileRefs.push({ field: f.files(name), input: name, ids });
  }
  for (const spec of iface.inputs) {
    if (spec.required && !given.inputs.has(spec.name)) problems.push({ field: f.missing(spec), message: `required input ${JSON.stringify(spec.name)} is missing` });
  }

  const fileOutputs = new Map(iface.outputs.filter((o) => o.kind !== 'json').map((o) => [o.name, o]));
  for (const [name, o] of given.outputs) {
    if (!fileOutputs.has(name)) problems.push({ field: f.output(name), message: `the job type has no output named ${JSON.stringify(name)}` });
    else outputs.set(name, { workspaceId: o.workspaceId });
  }
  for (const o of fileOutputs.values()) {
    if (outputs.has(o.name)) continue;
    const ws = lookups.configuredWorkspaces?.get(o.name) ?? lookups.defaultWorkspaceId;
    if (ws === null || ws === undefined) problems.push({ field: f.outputWorkspace(null), message: `output ${JSON.stringify(o.name)} needs a workspace` });
    else outputs.set(o.name, { workspaceId: ws });
  }

  const files = await lookups.files([...new Set(fileRefs.flatMap((r) => r.ids))]);
  const inputFiles: ScaleFile[] = [];
  for (const ref of fileRefs) {
    const accepted = byName.get(ref.input)!.mediaTypes;
    for (const id of ref.ids) {
      const file = files.get(id);
      if (!file || file.isDeleted) {
        problems.push({ field: ref.field, message: `file ${id} does not exist` });
        continue;
      }
      inputFiles.push(file);
      if (!mediaTypeMatches(accepted, file.mediaType)) {
        warnings.push({ id: 'media_type', details: `Invalid media type for file ${id} (${file.mediaType}) on input ${ref.input}; accepted: ${accepted.join(', ')}` });
      }
    }
  }
  const wss = await lookups.workspaces([...new Set([...outputs.values()].map((o) => o.workspaceId))]);
  for (const [name, o] of outputs) {
    const ws = wss.get(o.workspaceId);
    const field = f.outputWorkspace(given.outputs.has(name) ? name : null);
    if (!ws) problems.push({ field, message: `workspace ${o.workspaceId} does not exist` });
    else if (!ws.isActive) problems.push({ field, message: `workspace ${ws.name} is not active` });
  }
  if (largest && commandBytes >= MAX_COMMAND_TOTAL_BYTES && !problems.some((p) => p.field === f.value(largest!.name))) {
    problems.push({ field: f.value(largest.name), message: `the inputs' values come to ${commandBytes.toLocaleString('en-US')} bytes of arguments and environment, over the ${MAX_COMMAND_TOTAL_BYTES.toLocaleString('en-US')} bytes Linux lets a command start with (the largest is ${JSON.stringify(largest.name)}); give large values as files (by reference or as content)` });
  }
  if (problems.length) throw Invalid.many(problems);
  const data = { inputs, outputs };
  return { data, json: storedJobData(data), inputFiles, warnings };
}

/**
 * Reads stored job data back into the model (checked when the job was made): the stored form, or
 * job data 1.0 of rows written before it, whose JSON inputs are kept as text and read with the
 * interface's types.
 */
export function readJobData(json: any, iface?: JobInterface): JobData {
  const inputs = new Map<string, InputValue>();
  const kinds = new Map(iface?.inputs.map((i) => [i.name, i]) ?? []);
  if (json?.version === '6') {
    for (const [name, ids] of Object.entries<number[]>(json.files ?? {})) inputs.set(name, { kind: kinds.get(name)?.kind === 'file' ? 'file' : 'files', fileIds: ids });
    // Scale 1.0 property inputs are stored among the JSON values.
    for (const [name, value] of Object.entries(json.json ?? {})) inputs.set(name, kinds.get(name)?.kind === 'property' ? { kind: 'property', value: String(value) } : { kind: 'json', value });
  } else {
    for (const i of json?.input_data ?? []) {
      const spec = kinds.get(i.name);
      if (i.value !== undefined && spec?.kind === 'json') inputs.set(i.name, { kind: 'json', value: spec.jsonType === 'string' ? i.value : JSON.parse(i.value) });
      else if (i.value !== undefined) inputs.set(i.name, { kind: 'property', value: i.value });
      else if (i.file_ids) inputs.set(i.name, { kind: 'files', fileIds: i.file_ids });
      else if (i.file_id !== undefined) inputs.set(i.name, { kind: 'file', fileIds: [i.file_id] });
    }
  }
  const outputs = new Map<string, { workspaceId: number }>();
  for (const o of json?.output_data ?? []) outputs.set(o.name, { workspaceId: o.workspace_id });
  return { inputs, outputs };
}
