// Job data: what one job is given. Checked against its job type's interface before the job exists,
// so a job on the queue always has the inputs its command needs. Two wire shapes carry it:
// Scale job data 1.0 ({input_data: [{name, value | file_id | file_ids}], output_data}) and the v6
// data of SEED job types ({files: {NAME: [ids]}, json: {NAME: value}}); both are read into the one
// internal JobData.
import { check, type Problem } from '../../schemas.ts';
import { Invalid } from '../domain-errors.ts';
import type { ScaleFile } from '../files/service.ts';
import type { JobInterface, JsonType } from '../job-types/model.ts';
import type { Workspace } from '../workspaces/service.ts';

export type InputValue =
  | { kind: 'property'; value: string }
  | { kind: 'json'; value: unknown }
  | { kind: 'file' | 'files'; fileIds: number[] };

/** The file ids of an input value (none for values). */
export function fileIdsOf(v: InputValue): number[] {
  return v.kind === 'file' || v.kind === 'files' ? v.fileIds : [];
}

/** The internal JobData: per input a value or file ids, per file output the workspace that keeps it. */
export interface JobData {
  inputs: Map<string, InputValue>;
  outputs: Map<string, { workspaceId: number }>;
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
  /** The JSON to store, in the shape it came in, defaults filled in. */
  json: Record<string, unknown>;
  inputFiles: ScaleFile[];
  warnings: { id: string; details: string }[];
}

/** One input as given, whatever the wire shape. */
interface Given {
  name: string;
  field: string;
  value?: unknown;
  fileIds?: number[];
  /** Field to name when file ids are wrong. */
  filesField?: string;
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

/** Reads Scale job data 1.0 into the neutral list; checks its shape. */
function givenFromV1(json: any, root: string, problems: Problem[]): { inputs: Given[]; outputs: { name: string; field: string; workspaceId: number }[] } {
  problems.push(...check('scale/job-data-1.0', json, root));
  if (problems.length) return { inputs: [], outputs: [] };
  const inputs = (json.input_data ?? []).map((item: any, n: number): Given => {
    const field = `${root}.input_data[${n}]`;
    if (item.file_ids !== undefined && item.file_id !== undefined) problems.push({ field, message: `input ${JSON.stringify(item.name)} gives both file_id and file_ids` });
    const fileIds = item.file_ids ?? (item.file_id !== undefined ? [item.file_id] : undefined);
    return { name: item.name, field, value: item.value, fileIds, filesField: `${field}.${item.file_ids ? 'file_ids' : 'file_id'}` };
  });
  const outputs = (json.output_data ?? []).map((o: any, n: number) => ({ name: o.name, field: `${root}.output_data[${n}]`, workspaceId: o.workspace_id }));
  return { inputs, outputs };
}

/** Reads v6 data ({files, json}) into the neutral list; checks its shape. */
function givenFromV6(json: any, root: string, problems: Problem[]): Given[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    problems.push({ field: root, message: 'must be an object with "files" and "json"' });
    return [];
  }
  for (const k of Object.keys(json)) if (!['version', 'files', 'json'].includes(k)) problems.push({ field: `${root}.${k}`, message: 'is not an allowed field' });
  const out: Given[] = [];
  const files = json.files ?? {};
  const values = json.json ?? {};
  if (typeof files !== 'object' || files === null || Array.isArray(files)) problems.push({ field: `${root}.files`, message: 'must be an object of input name → file ids' });
  else {
    for (const [name, ids] of Object.entries(files)) {
      const field = `${root}.files.${name}`;
      const list = Array.isArray(ids) ? ids : [ids];
      if (!list.every((i) => Number.isInteger(i) && (i as number) > 0)) problems.push({ field, message: 'must be a list of file ids (positive integers)' });
      else out.push({ name, field, fileIds: list as number[], filesField: field });
    }
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) problems.push({ field: `${root}.json`, message: 'must be an object of input name → value' });
  else for (const [name, value] of Object.entries(values)) out.push({ name, field: `${root}.json.${name}`, value });
  return out;
}

/**
 * Checks job data against an interface and reads it into JobData; throws Invalid naming every
 * field at fault. `shape` says which wire shape `json` is in.
 */
export async function checkJobData(iface: JobInterface, json: unknown, lookups: JobDataLookups, root = 'job_data', shape: 'v1' | 'v6' = 'v1'): Promise<CheckedJobData> {
  const raw = json === undefined || json === null ? {} : json;
  const problems: Problem[] = [];
  let given: Given[];
  let givenOutputs: { name: string; field: string; workspaceId: number }[] = [];
  if (shape === 'v1') ({ inputs: given, outputs: givenOutputs } = givenFromV1(raw, root, problems));
  else given = givenFromV6(raw, root, problems);
  if (problems.length) throw Invalid.many(problems);

  const inputs = new Map<string, InputValue>();
  const outputs = new Map<string, { workspaceId: number }>();
  const warnings: CheckedJobData['warnings'] = [];
  const byName = new Map(iface.inputs.map((i) => [i.name, i]));
  const fileRefs: { field: string; input: string; ids: number[] }[] = [];

  for (const g of given) {
    const spec = byName.get(g.name);
    if (!spec) {
      problems.push({ field: shape === 'v1' ? `${g.field}.name` : g.field, message: `${lookups.owner ?? 'the job type'} has no input named ${JSON.stringify(g.name)}` });
      continue;
    }
    if (inputs.has(g.name)) {
      problems.push({ field: shape === 'v1' ? `${g.field}.name` : g.field, message: `input ${JSON.stringify(g.name)} is given more than once` });
      continue;
    }
    if (spec.kind === 'property' || spec.kind === 'json') {
      if (g.fileIds || g.value === undefined) {
        problems.push({ field: shape === 'v1' ? `${g.field}.value` : g.field, message: `input ${JSON.stringify(g.name)} is a ${spec.kind === 'json' ? `JSON ${spec.jsonType}` : 'property'} and needs a ${shape === 'v1' ? 'string "value"' : 'value'} (no file ids)` });
        continue;
      }
      if (spec.kind === 'property') {
        inputs.set(g.name, { kind: 'property', value: g.value as string });
        continue;
      }
      // A JSON input given through job data 1.0 arrives as a string: JSON text unless the input is a string.
      let v = g.value;
      if (shape === 'v1' && spec.jsonType !== 'string') {
        try {
          v = JSON.parse(g.value as string);
        } catch {
          problems.push({ field: `${g.field}.value`, message: `input ${JSON.stringify(g.name)} takes JSON of type ${spec.jsonType}; ${JSON.stringify(g.value)} is not JSON` });
          continue;
        }
      }
      if (!matchesJsonType(v, spec.jsonType!)) {
        problems.push({ field: shape === 'v1' ? `${g.field}.value` : g.field, message: `input ${JSON.stringify(g.name)} must be of JSON type ${spec.jsonType}, not ${jsonTypeOf(v)}` });
        continue;
      }
      inputs.set(g.name, { kind: 'json', value: v });
      continue;
    }
    const ids = g.fileIds;
    if (g.value !== undefined || !ids) {
      problems.push({ field: shape === 'v1' ? `${g.field}.${spec.kind === 'file' ? 'file_id' : 'file_ids'}` : g.field, message: `input ${JSON.stringify(g.name)} is of type ${spec.kind} and needs ${spec.kind === 'file' ? 'a file_id' : 'file_ids'}` });
      continue;
    }
    if (spec.kind === 'file' && ids.length !== 1) {
      problems.push({ field: g.filesField!, message: `input ${JSON.stringify(g.name)} takes exactly one file` });
      continue;
    }
    if (ids.length === 0) {
      problems.push({ field: g.filesField!, message: `input ${JSON.stringify(g.name)} needs at least one file` });
      continue;
    }
    inputs.set(g.name, { kind: spec.kind, fileIds: ids });
    fileRefs.push({ field: g.filesField!, input: g.name, ids });
  }
  const givenNames = new Set(given.map((g) => g.name));
  for (const spec of iface.inputs) {
    if (spec.required && !givenNames.has(spec.name)) {
      problems.push({ field: shape === 'v1' ? `${root}.input_data` : `${root}.${spec.kind === 'json' ? 'json' : 'files'}`, message: `required input ${JSON.stringify(spec.name)} is missing` });
    }
  }

  const fileOutputs = new Map(iface.outputs.filter((o) => o.kind !== 'json').map((o) => [o.name, o]));
  for (const o of givenOutputs) {
    if (!fileOutputs.has(o.name)) problems.push({ field: `${o.field}.name`, message: `the job type has no output named ${JSON.stringify(o.name)}` });
    else if (outputs.has(o.name)) problems.push({ field: `${o.field}.name`, message: `output ${JSON.stringify(o.name)} is given more than once` });
    else outputs.set(o.name, { workspaceId: o.workspaceId });
  }
  for (const o of fileOutputs.values()) {
    if (outputs.has(o.name)) continue;
    const ws = lookups.configuredWorkspaces?.get(o.name) ?? lookups.defaultWorkspaceId;
    if (ws === null || ws === undefined) problems.push({ field: shape === 'v1' ? `${root}.output_data` : 'configuration.output_workspaces', message: `output ${JSON.stringify(o.name)} needs a workspace` });
    else outputs.set(o.name, { workspaceId: ws });
  }

  const allIds = [...new Set(fileRefs.flatMap((r) => r.ids))];
  const files = await lookups.files(allIds);
  const inputFiles: ScaleFile[] = [];
  for (const ref of fileRefs) {
    const accepted = byName.get(ref.input)!.mediaTypes;
    for (const id of ref.ids) {
      const f = files.get(id);
      if (!f || f.isDeleted) {
        problems.push({ field: ref.field, message: `file ${id} does not exist` });
        continue;
      }
      inputFiles.push(f);
      if (!mediaTypeMatches(accepted, f.mediaType)) {
        warnings.push({ id: 'media_type', details: `Invalid media type for file ${id} (${f.mediaType}) on input ${ref.input}; accepted: ${accepted.join(', ')}` });
      }
    }
  }
  const wss = await lookups.workspaces([...new Set([...outputs.values()].map((o) => o.workspaceId))]);
  for (const [name, o] of outputs) {
    const ws = wss.get(o.workspaceId);
    const idx = givenOutputs.findIndex((x) => x.name === name);
    const field = idx >= 0 ? `${givenOutputs[idx].field}.workspace_id` : shape === 'v1' ? `${root}.output_data` : 'configuration.output_workspaces';
    if (!ws) problems.push({ field, message: `workspace ${o.workspaceId} does not exist` });
    else if (!ws.isActive) problems.push({ field, message: `workspace ${ws.name} is not active` });
  }
  if (problems.length) throw Invalid.many(problems);

  const outputData = [...outputs].map(([name, o]) => ({ name, workspace_id: o.workspaceId }));
  const stored =
    shape === 'v1'
      ? {
          version: '1.0',
          input_data: [...inputs].map(([name, v]) =>
            v.kind === 'property' ? { name, value: v.value } : v.kind === 'json' ? { name, value: typeof v.value === 'string' ? v.value : JSON.stringify(v.value) } : v.kind === 'file' ? { name, file_id: v.fileIds[0] } : { name, file_ids: v.fileIds },
          ),
          output_data: outputData,
        }
      : {
          version: '6',
          files: Object.fromEntries([...inputs].filter(([, v]) => v.kind === 'file' || v.kind === 'files').map(([name, v]) => [name, (v as { fileIds: number[] }).fileIds])),
          json: Object.fromEntries([...inputs].filter(([, v]) => v.kind === 'json' || v.kind === 'property').map(([name, v]) => [name, (v as { value: unknown }).value])),
          output_data: outputData,
        };
  return { data: { inputs, outputs }, json: stored, inputFiles, warnings };
}

/**
 * Reads stored job data JSON (checked when the job was made) back into the model. JSON inputs of
 * job data 1.0 are kept as text and read with the interface's types by the caller.
 */
export function readJobData(json: any, iface?: JobInterface): JobData {
  const inputs = new Map<string, InputValue>();
  const kinds = new Map(iface?.inputs.map((i) => [i.name, i]) ?? []);
  if (json?.version === '6') {
    for (const [name, ids] of Object.entries<number[]>(json.files ?? {})) inputs.set(name, { kind: kinds.get(name)?.kind === 'file' ? 'file' : 'files', fileIds: ids });
    // v6 data carries Scale 1.0 property inputs among its JSON values.
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
