// Scale job interface 1.0 and error interface 1.0 ⇄ the internal JobInterface / ErrorMapping.
// Pure: data in, data out.
import type { ErrorMapping, InterfaceInput, InterfaceOutput, JobInterface } from '../src/core/job-types/model.ts';
import { check, type Problem } from '../src/schemas.ts';

export interface Parsed<T> {
  value: T | null;
  errors: Problem[];
  warnings: { id: string; details: string }[];
}

/** ${name} or ${prefix:name}: group 1 is the prefix with its colon, group 2 the name. */
export const PARAM = /\$\{([^}]*:)?([^}:]*)\}/g;

const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\s*;.*)?$/;

export function parseScaleInterface(json: unknown, root = 'interface'): Parsed<JobInterface> {
  const errors = check('scale/job-interface-1.0', json, root);
  const warnings: Parsed<JobInterface>['warnings'] = [];
  if (errors.length) return { value: null, errors, warnings };
  const j = json as any;
  if (j.version !== undefined && j.version !== '1.0') {
    return { value: null, errors: [{ field: `${root}.version`, message: 'must be "1.0"' }], warnings };
  }
  const inputs: InterfaceInput[] = (j.input_data ?? []).map((i: any) => ({
    name: i.name,
    kind: i.type,
    required: i.required ?? true,
    mediaTypes: i.type === 'property' ? [] : (i.media_types ?? []),
  }));
  const outputs: InterfaceOutput[] = (j.output_data ?? []).map((o: any) => ({
    name: o.name,
    kind: o.type,
    required: o.required ?? true,
    mediaType: o.media_type ?? null,
  }));
  const seen = new Map<string, string>();
  inputs.forEach((i, n) => {
    if (seen.has(i.name)) errors.push({ field: `${root}.input_data[${n}].name`, message: `duplicates ${seen.get(i.name)}; every input and output name must be unique` });
    seen.set(i.name, `input ${JSON.stringify(i.name)}`);
    i.mediaTypes.forEach((m, k) => {
      if (typeof m !== 'string') errors.push({ field: `${root}.input_data[${n}].media_types[${k}]`, message: 'must be a string' });
      else if (!MEDIA_TYPE.test(m)) warnings.push({ id: 'media_type', details: `Invalid media type for data input: ${i.name} -> ${m}` });
    });
  });
  outputs.forEach((o, n) => {
    if (seen.has(o.name)) errors.push({ field: `${root}.output_data[${n}].name`, message: `duplicates ${seen.get(o.name)}; every input and output name must be unique` });
    seen.set(o.name, `output ${JSON.stringify(o.name)}`);
    if (o.mediaType && !MEDIA_TYPE.test(o.mediaType)) warnings.push({ id: 'media_type', details: `Invalid media type for data output: ${o.name} -> ${o.mediaType}` });
  });
  const known = new Set([...inputs.map((i) => i.name), ...(j.shared_resources ?? []).map((r: any) => r.name), 'job_output_dir']);
  for (const m of String(j.command_arguments).matchAll(PARAM)) {
    if (!known.has(m[2])) {
      errors.push({ field: `${root}.command_arguments`, message: `\${${m[1] ?? ''}${m[2]}} names no input, shared resource or system variable (job_output_dir)` });
    }
  }
  if (/\$\{[^}]*$/.test(j.command_arguments)) errors.push({ field: `${root}.command_arguments`, message: 'has an unclosed ${' });
  if (!String(j.command).trim()) errors.push({ field: `${root}.command`, message: 'must not be empty' });
  if (errors.length) return { value: null, errors, warnings };
  return {
    value: {
      format: 'scale-1.0',
      command: j.command,
      commandArguments: j.command_arguments,
      inputs,
      outputs,
      sharedResources: (j.shared_resources ?? []).map((r: any) => ({ name: r.name, type: r.type, required: r.required ?? true })),
    },
    errors,
    warnings,
  };
}

/** The Scale job interface 1.0 JSON of a model, defaults filled in. */
export function toScaleInterface(m: JobInterface): Record<string, unknown> {
  return {
    version: '1.0',
    command: m.command,
    command_arguments: m.commandArguments,
    input_data: m.inputs.map((i) =>
      i.kind === 'property' ? { name: i.name, type: i.kind, required: i.required } : { name: i.name, type: i.kind, required: i.required, media_types: i.mediaTypes },
    ),
    output_data: m.outputs.map((o) => ({ name: o.name, type: o.kind, required: o.required, ...(o.mediaType ? { media_type: o.mediaType } : {}) })),
    shared_resources: m.sharedResources,
  };
}

export function parseErrorMapping(json: unknown, root = 'error_mapping'): Parsed<ErrorMapping> {
  const errors = check('scale/error-interface-1.0', json, root);
  if (errors.length) return { value: null, errors, warnings: [] };
  const map: ErrorMapping = new Map();
  for (const [code, name] of Object.entries((json as { exit_codes: Record<string, string> }).exit_codes)) {
    const n = Number(code);
    if (!Number.isSafeInteger(n) || n === 0) errors.push({ field: `${root}.exit_codes.${code}`, message: 'exit code must be a non-zero integer' });
    else map.set(n, name);
  }
  return { value: errors.length ? null : map, errors, warnings: [] };
}

export function toErrorInterface(m: ErrorMapping): { version: '1.0'; exit_codes: Record<string, string> } {
  return { version: '1.0', exit_codes: Object.fromEntries([...m].map(([code, name]) => [String(code), name])) };
}
