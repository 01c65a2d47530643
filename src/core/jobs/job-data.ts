// Job data: what one job is given. Checked against its job type's interface before the job exists,
// so a job on the queue always has the inputs its command needs.
import { check, type Problem } from '../../schemas.ts';
import { Invalid } from '../domain-errors.ts';
import type { ScaleFile } from '../files/service.ts';
import type { JobInterface } from '../job-types/model.ts';
import type { Workspace } from '../workspaces/service.ts';

export type InputValue = { kind: 'property'; value: string } | { kind: 'file' | 'files'; fileIds: number[] };

/** The internal JobData: per input a value or file ids, per output the workspace that keeps it. */
export interface JobData {
  inputs: Map<string, InputValue>;
  outputs: Map<string, { workspaceId: number }>;
}

export interface JobDataLookups {
  files(ids: number[]): Promise<Map<number, ScaleFile>>;
  workspaces(ids: number[]): Promise<Map<number, Workspace>>;
  /** Where outputs go when the data names no workspace for them; null makes that an error. */
  defaultWorkspaceId: number | null;
}

export interface CheckedJobData {
  data: JobData;
  /** The Scale job data 1.0 JSON to store, defaults filled in. */
  json: Record<string, unknown>;
  inputFiles: ScaleFile[];
  warnings: { id: string; details: string }[];
}

function mediaTypeMatches(accepted: string[], actual: string): boolean {
  if (!accepted.length) return true;
  const base = actual.split(';')[0].trim().toLowerCase();
  return accepted.some((a) => {
    const want = a.split(';')[0].trim().toLowerCase();
    return want === base || want === '*/*' || (want.endsWith('/*') && base.startsWith(want.slice(0, -1)));
  });
}

/** Parses Scale job data 1.0 against an interface; throws Invalid naming every field at fault. */
export async function checkJobData(iface: JobInterface, json: unknown, lookups: JobDataLookups, root = 'job_data'): Promise<CheckedJobData> {
  const raw = json === undefined || json === null ? {} : json;
  const problems: Problem[] = check('scale/job-data-1.0', raw, root);
  if (problems.length) throw Invalid.many(problems);
  const j = raw as { input_data?: { name: string; value?: string; file_id?: number; file_ids?: number[] }[]; output_data?: { name: string; workspace_id: number }[] };
  const inputs = new Map<string, InputValue>();
  const outputs = new Map<string, { workspaceId: number }>();
  const warnings: CheckedJobData['warnings'] = [];
  const byName = new Map(iface.inputs.map((i) => [i.name, i]));
  const fileRefs: { field: string; input: string; ids: number[] }[] = [];

  (j.input_data ?? []).forEach((item, n) => {
    const field = `${root}.input_data[${n}]`;
    const spec = byName.get(item.name);
    if (!spec) {
      problems.push({ field: `${field}.name`, message: `the job type has no input named ${JSON.stringify(item.name)}` });
      return;
    }
    if (inputs.has(item.name)) {
      problems.push({ field: `${field}.name`, message: `input ${JSON.stringify(item.name)} is given more than once` });
      return;
    }
    const hasValue = item.value !== undefined;
    const ids = item.file_ids ?? (item.file_id !== undefined ? [item.file_id] : undefined);
    if (item.file_ids !== undefined && item.file_id !== undefined) {
      problems.push({ field, message: `input ${JSON.stringify(item.name)} gives both file_id and file_ids` });
      return;
    }
    if (spec.kind === 'property') {
      if (!hasValue || ids) problems.push({ field: `${field}.value`, message: `input ${JSON.stringify(item.name)} is a property and needs a string "value" (no file ids)` });
      else inputs.set(item.name, { kind: 'property', value: item.value! });
      return;
    }
    if (spec.kind === 'json') {
      problems.push({ field, message: `input ${JSON.stringify(item.name)} takes JSON, which job data 1.0 cannot carry` });
      return;
    }
    if (hasValue || !ids) {
      problems.push({ field: `${field}.${spec.kind === 'file' ? 'file_id' : 'file_ids'}`, message: `input ${JSON.stringify(item.name)} is of type ${spec.kind} and needs ${spec.kind === 'file' ? 'a file_id' : 'file_ids'}` });
      return;
    }
    if (spec.kind === 'file' && ids.length !== 1) {
      problems.push({ field: `${field}.file_ids`, message: `input ${JSON.stringify(item.name)} takes exactly one file` });
      return;
    }
    if (spec.kind === 'files' && ids.length === 0) {
      problems.push({ field: `${field}.file_ids`, message: `input ${JSON.stringify(item.name)} needs at least one file` });
      return;
    }
    inputs.set(item.name, { kind: spec.kind, fileIds: ids });
    fileRefs.push({ field: `${field}.${item.file_ids ? 'file_ids' : 'file_id'}`, input: item.name, ids });
  });
  const given = new Set((j.input_data ?? []).map((i) => i.name));
  for (const spec of iface.inputs) {
    if (spec.required && !given.has(spec.name)) {
      problems.push({ field: `${root}.input_data`, message: `required input ${JSON.stringify(spec.name)} is missing` });
    }
  }

  const outSpecs = new Map(iface.outputs.map((o) => [o.name, o]));
  (j.output_data ?? []).forEach((item, n) => {
    const field = `${root}.output_data[${n}]`;
    if (!outSpecs.has(item.name)) problems.push({ field: `${field}.name`, message: `the job type has no output named ${JSON.stringify(item.name)}` });
    else if (outputs.has(item.name)) problems.push({ field: `${field}.name`, message: `output ${JSON.stringify(item.name)} is given more than once` });
    else outputs.set(item.name, { workspaceId: item.workspace_id });
  });
  for (const o of iface.outputs) {
    if (outputs.has(o.name) || o.kind === 'json') continue;
    if (lookups.defaultWorkspaceId === null) problems.push({ field: `${root}.output_data`, message: `output ${JSON.stringify(o.name)} needs a workspace_id` });
    else outputs.set(o.name, { workspaceId: lookups.defaultWorkspaceId });
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
  const wsIds = [...new Set([...outputs.values()].map((o) => o.workspaceId))];
  const wss = await lookups.workspaces(wsIds);
  [...outputs].forEach(([name, o]) => {
    const ws = wss.get(o.workspaceId);
    const idx = (j.output_data ?? []).findIndex((x) => x.name === name);
    const field = idx >= 0 ? `${root}.output_data[${idx}].workspace_id` : `${root}.output_data`;
    if (!ws) problems.push({ field, message: `workspace ${o.workspaceId} does not exist` });
    else if (!ws.isActive) problems.push({ field, message: `workspace ${ws.name} is not active` });
  });
  if (problems.length) throw Invalid.many(problems);

  const jsonOut = {
    version: '1.0',
    input_data: [...inputs].map(([name, v]) =>
      v.kind === 'property' ? { name, value: v.value } : v.kind === 'file' ? { name, file_id: v.fileIds[0] } : { name, file_ids: v.fileIds },
    ),
    output_data: [...outputs].map(([name, o]) => ({ name, workspace_id: o.workspaceId })),
  };
  return { data: { inputs, outputs }, json: jsonOut, inputFiles, warnings };
}

/** Reads stored job data JSON (already checked when the job was made) back into the model. */
export function readJobData(json: any): JobData {
  const inputs = new Map<string, InputValue>();
  for (const i of json?.input_data ?? []) {
    if (i.value !== undefined) inputs.set(i.name, { kind: 'property', value: i.value });
    else if (i.file_ids) inputs.set(i.name, { kind: 'files', fileIds: i.file_ids });
    else if (i.file_id !== undefined) inputs.set(i.name, { kind: 'file', fileIds: [i.file_id] });
  }
  const outputs = new Map<string, { workspaceId: number }>();
  for (const o of json?.output_data ?? []) outputs.set(o.name, { workspaceId: o.workspace_id });
  return { inputs, outputs };
}
