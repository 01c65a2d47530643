// A CWL CommandLineTool as the internal JobInterface and the OGC process description it offers:
// inputs from `inputs` (File → file inputs, scalars → values), the command line from
// `baseCommand`, `arguments` and `inputBinding` (position, prefix, separate, itemSeparator,
// valueFrom), outputs from `outputBinding.glob` and `stdout`/`stderr`, the image from
// DockerRequirement, resources from ResourceRequirement and ToolTimeLimit. Parameter references
// ($(inputs.x), $(inputs.x.path), $(runtime.outdir), $(self) …) are kept and resolved when a job
// runs; JavaScript expressions are not evaluated, so InlineJavascriptRequirement is refused. Pure.
import type { ArgBinding, InterfaceInput, InterfaceOutput, JobInterface, JsonType } from '../src/core/job-types/model.ts';
import type { Problem } from '../src/schemas.ts';
import type { CwlParam, CwlProcess, CwlRequirement } from './cwl-document.ts';
import { imageProblem, type ProcessDoc, type Resources } from './ogc-app-package.ts';

/** A parameter reference, the only `$(…)` this server evaluates (CWL v1.2 §2.5 "Parameter references"). */
const SEGMENT = String.raw`(?:\.[A-Za-z_][A-Za-z0-9_]*|\['(?:[^'\\]|\\.)*'\]|\["(?:[^"\\]|\\.)*"\]|\[\d+\])`;
export const PARAM_REF = new RegExp(String.raw`\$\((?:inputs|runtime|self)${SEGMENT}*\)`, 'g');
const ONE_REF = new RegExp(PARAM_REF.source);
export const hasParamRef = (s: string) => ONE_REF.test(s);

/** Requirements a tool may state that change nothing here (or that this server meets anyway). */
const HARMLESS = new Set(['DockerRequirement', 'ResourceRequirement', 'ToolTimeLimit', 'NetworkAccess', 'WorkReuse', 'LoadListingRequirement', 'SoftwareRequirement', 'InplaceUpdateRequirement']);
const UNSUPPORTED: Record<string, string> = {
  InlineJavascriptRequirement: 'this server does not evaluate JavaScript expressions; use parameter references such as $(inputs.name) or $(inputs.file.path)',
  ShellCommandRequirement: 'commands run without a shell here',
  InitialWorkDirRequirement: 'staging files into the working directory is not supported',
  EnvVarRequirement: 'setting environment variables is not supported',
  SchemaDefRequirement: 'record and custom types are not supported',
  ScatterFeatureRequirement: 'scatter is not supported',
  SubworkflowFeatureRequirement: 'sub-workflows are not supported',
  MultipleInputFeatureRequirement: 'a step input fed by several sources is not supported',
  StepInputExpressionRequirement: 'valueFrom on step inputs is not supported',
};

export interface CwlType {
  base: 'File' | 'Directory' | 'string' | 'int' | 'long' | 'float' | 'double' | 'boolean' | 'enum' | 'stdout' | 'stderr' | 'unknown';
  array: boolean;
  optional: boolean;
  symbols?: string[];
  format?: string;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A CWL type expression (`File?`, `string[]`, `['null', File]`, `{type: array, items: int}`, enums). */
export function cwlType(t: unknown): CwlType {
  if (typeof t === 'string') {
    let s = t;
    let optional = false;
    let array = false;
    if (s.endsWith('?')) { optional = true; s = s.slice(0, -1); }
    if (s.endsWith('[]')) { array = true; s = s.slice(0, -2); }
    const base = ['File', 'Directory', 'string', 'int', 'long', 'float', 'double', 'boolean', 'stdout', 'stderr'].includes(s) ? (s as CwlType['base']) : 'unknown';
    return { base, array, optional };
  }
  if (Array.isArray(t)) {
    const rest = t.filter((x) => x !== 'null');
    if (rest.length !== 1) return { base: 'unknown', array: false, optional: rest.length < t.length };
    return { ...cwlType(rest[0]), optional: rest.length < t.length || cwlType(rest[0]).optional };
  }
  if (isObject(t)) {
    if (t.type === 'array') {
      const items = cwlType(t.items);
      return items.array ? { base: 'unknown', array: true, optional: false } : { ...items, array: true, optional: false };
    }
    if (t.type === 'enum' && Array.isArray(t.symbols)) return { base: 'enum', array: false, optional: false, symbols: t.symbols.map((x: unknown) => String(x).split('/').pop()!) };
  }
  return { base: 'unknown', array: false, optional: false };
}

/** `iana:text/plain` or `https://www.iana.org/assignments/media-types/text/plain` → `text/plain`. */
export function mediaTypeOfFormat(format: unknown, namespaces: Record<string, string> = {}): string | null {
  if (typeof format !== 'string') return null;
  let f = format;
  const m = /^([A-Za-z][\w-]*):(.+)$/.exec(f);
  if (m && namespaces[m[1]]) f = namespaces[m[1]] + m[2];
  const iana = /iana\.org\/assignments\/media-types\/(.+)$/.exec(f) ?? /^iana:(.+)$/.exec(format);
  return iana ? iana[1] : null;
}

const JSON_TYPE: Record<string, JsonType> = { string: 'string', int: 'integer', long: 'integer', float: 'number', double: 'number', boolean: 'boolean', enum: 'string' };

/** The JSON schema of a scalar CWL type, for the process description. */
function valueSchema(t: CwlType): Record<string, unknown> {
  const one: Record<string, unknown> = { type: JSON_TYPE[t.base] ?? 'string', ...(t.symbols ? { enum: t.symbols } : {}) };
  return t.array ? { type: 'array', items: one } : one;
}

function fileSchema(media: string | null): Record<string, unknown> {
  return { type: 'string', format: 'binary', ...(media ? { contentMediaType: media } : {}) };
}

/** Every `$(…)` in a string that is not a parameter reference, and `${…}` bodies: JavaScript. */
export function expressionsIn(s: string): string[] {
  const rest = s.replace(PARAM_REF, '');
  return [...rest.matchAll(/\$\((?:[^()]|\([^()]*\))*\)|\$\{[^}]*\}/g)].map((m) => m[0]);
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('\n');
  return undefined;
}

/** A CWL input parameter as an interface input and its OGC input description (null with a problem when its type is not supported). */
export function cwlInput(p: CwlParam, namespaces: Record<string, string>, problems: Problem[], field = `inputs.${p.id}`): { input: InterfaceInput; described: Record<string, any>; default?: unknown } | null {
  const t = cwlType(p.type);
  const hasDefault = p.default !== undefined && p.default !== null;
  if (t.base === 'unknown' || t.base === 'Directory' || t.base === 'stdout' || t.base === 'stderr') {
    problems.push({ field: `${field}.type`, message: `${JSON.stringify(p.type)} is not supported: use File, File[], string, int, long, float, double, boolean, an enum, or an array of them` });
    return null;
  }
  const isFile = t.base === 'File';
  // A File default points somewhere only the author's machine knows: such inputs stay required.
  const required = !t.optional && !(hasDefault && !isFile);
  const media = mediaTypeOfFormat(p.format, namespaces);
  return {
    input: isFile ? { name: p.id, kind: t.array ? 'files' : 'file', required, mediaTypes: media ? [media] : [] } : { name: p.id, kind: 'json', required, mediaTypes: [], jsonType: t.array ? 'array' : JSON_TYPE[t.base] },
    described: {
      ...(typeof p.label === 'string' ? { title: p.label } : {}),
      ...(text(p.doc) ? { description: text(p.doc) } : {}),
      schema: isFile ? fileSchema(media) : { ...valueSchema(t), ...(hasDefault ? { default: p.default } : {}) },
      minOccurs: required ? 1 : 0,
      maxOccurs: isFile && t.array ? 'unbounded' : 1,
    },
    ...(hasDefault && !isFile ? { default: p.default } : {}),
  };
}

/** A CWL File output as its OGC output description. */
export function fileOutputDescription(p: CwlParam, namespaces: Record<string, string>): Record<string, any> {
  const t = cwlType(p.type);
  const media = mediaTypeOfFormat(p.format, namespaces);
  return {
    ...(typeof p.label === 'string' ? { title: p.label } : {}),
    ...(text(p.doc) ? { description: text(p.doc) } : {}),
    schema: t.array ? { type: 'array', items: fileSchema(media) } : fileSchema(media),
  };
}

export interface ToolTranslation {
  process: ProcessDoc;
  iface: JobInterface;
  image: string;
  resources: Resources;
}

/** The requirement of a class that applies: the tool's requirements first, then its hints, then those it inherits. */
function find(tool: CwlProcess, inherited: Inherited, cls: string): CwlRequirement | undefined {
  const match = (r: CwlRequirement) => r.class === cls;
  return tool.requirements.find(match) ?? inherited.requirements.find(match) ?? tool.hints.find(match) ?? inherited.hints.find(match);
}

/** What a workflow passes down to its steps. */
export interface Inherited {
  requirements: CwlRequirement[];
  hints: CwlRequirement[];
}

/** Problems with requirements a process states (hints may be ignored, requirements may not). */
export function requirementProblems(requirements: CwlRequirement[]): Problem[] {
  const problems: Problem[] = [];
  for (const r of requirements) {
    if (UNSUPPORTED[r.class]) problems.push({ field: `requirements.${r.class}`, message: `is not supported: ${UNSUPPORTED[r.class]}` });
    else if (!HARMLESS.has(r.class)) problems.push({ field: `requirements.${r.class}`, message: 'is not a requirement this server knows; it cannot promise to meet it' });
  }
  return problems;
}

/**
 * Translates a CommandLineTool. `processId` names the process; `inherited` are requirements and
 * hints of an enclosing workflow (a workflow's DockerRequirement applies to its steps).
 */
export function cwlTool(tool: CwlProcess, processId: string, inherited: Inherited = { requirements: [], hints: [] }, namespaces: Record<string, string> = {}): { value: ToolTranslation | null; problems: Problem[] } {
  if (tool.class !== 'CommandLineTool') return { value: null, problems: [{ field: 'class', message: `${JSON.stringify(tool.class)} cannot run as a job: a CommandLineTool (with a DockerRequirement) or a Workflow of them is needed` }] };
  const problems = requirementProblems(tool.requirements);

  // Any string of the tool with a JavaScript expression in it.
  const scan = (v: unknown, field: string) => {
    if (typeof v === 'string') {
      for (const e of expressionsIn(v)) problems.push({ field, message: `${JSON.stringify(e)} is a JavaScript expression; this server evaluates only parameter references ($(inputs.name), $(inputs.name.path), $(runtime.outdir), $(self))` });
    } else if (Array.isArray(v)) v.forEach((x, i) => scan(x, `${field}.${i}`));
    else if (isObject(v)) for (const [k, x] of Object.entries(v)) scan(x, `${field}.${k}`);
  };
  for (const k of ['baseCommand', 'arguments', 'stdin', 'stdout', 'stderr', 'inputs', 'outputs']) scan(tool[k], k);

  const docker = find(tool, inherited, 'DockerRequirement');
  let image = '';
  if (!docker) problems.push({ field: 'requirements.DockerRequirement', message: 'is required: the tool runs in the Docker image its dockerPull names' });
  else if (typeof docker.dockerPull === 'string' || typeof docker.dockerImageId === 'string') {
    image = String(docker.dockerPull ?? docker.dockerImageId);
    const bad = imageProblem(image);
    if (bad) problems.push({ field: 'requirements.DockerRequirement.dockerPull', message: bad });
  } else problems.push({ field: 'requirements.DockerRequirement', message: 'only dockerPull is supported (dockerLoad, dockerFile and dockerImport are not)' });

  const inputs: InterfaceInput[] = [];
  const described: Record<string, Record<string, any>> = {};
  const args: ArgBinding[] = [];
  const defaults: Record<string, unknown> = {};
  const byId = [...tool.inputs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // Arguments sort before inputs at the same position (CWL's sort key: [position, index] before [position, name]).
  const argList = Array.isArray(tool.arguments) ? tool.arguments : [];
  argList.forEach((a: unknown, i: number) => {
    const field = `arguments.${i}`;
    if (typeof a === 'string') args.push({ position: 0, literal: a, template: hasParamRef(a) || undefined, separate: true });
    else if (isObject(a) && typeof a.valueFrom === 'string') {
      args.push({ position: Number.isInteger(a.position) ? a.position : 0, literal: a.valueFrom, template: true, prefix: typeof a.prefix === 'string' ? a.prefix : undefined, separate: a.separate !== false, ...(typeof a.itemSeparator === 'string' ? { itemSeparator: a.itemSeparator } : {}) });
    } else problems.push({ field, message: 'must be a string or {valueFrom, position, prefix}' });
  });
  for (const p of byId) inputOf(p);

  function inputOf(p: CwlParam): void {
    const field = `inputs.${p.id}`;
    const r = cwlInput(p, namespaces, problems);
    if (!r) return;
    inputs.push(r.input);
    described[p.id] = r.described;
    if (r.default !== undefined) defaults[p.id] = r.default;
    const b = p.inputBinding;
    if (b === undefined || b === null) return;
    if (!isObject(b)) {
      problems.push({ field: `${field}.inputBinding`, message: 'must be an object' });
      return;
    }
    const common = {
      position: Number.isInteger(b.position) ? b.position : 0,
      prefix: typeof b.prefix === 'string' ? b.prefix : undefined,
      separate: b.separate !== false,
      ...(typeof b.itemSeparator === 'string' ? { itemSeparator: b.itemSeparator } : {}),
    };
    if (b.position !== undefined && !Number.isInteger(b.position)) problems.push({ field: `${field}.inputBinding.position`, message: 'must be an integer' });
    args.push(typeof b.valueFrom === 'string' ? { ...common, input: p.id, literal: b.valueFrom, template: true } : { ...common, input: p.id });
  }

  const outputs: InterfaceOutput[] = [];
  const outDescribed: Record<string, Record<string, any>> = {};
  const stdName = (k: 'stdout' | 'stderr', id: string) => (typeof tool[k] === 'string' ? (tool[k] as string) : `${id}.${k}`);
  let stdout: string | undefined = typeof tool.stdout === 'string' ? tool.stdout : undefined;
  let stderr: string | undefined = typeof tool.stderr === 'string' ? tool.stderr : undefined;
  for (const p of tool.outputs) {
    const field = `outputs.${p.id}`;
    const t = cwlType(p.type);
    const media = mediaTypeOfFormat(p.format, namespaces);
    let pattern: string | undefined;
    if (t.base === 'stdout' || t.base === 'stderr') {
      pattern = stdName(t.base, p.id);
      if (t.base === 'stdout') stdout = pattern;
      else stderr = pattern;
    } else if (t.base === 'File') {
      const glob = isObject(p.outputBinding) ? p.outputBinding.glob : undefined;
      const g = Array.isArray(glob) && glob.length === 1 ? glob[0] : glob;
      if (typeof g !== 'string' || hasParamRef(g) || expressionsIn(g).length) problems.push({ field: `${field}.outputBinding.glob`, message: 'must be one plain glob pattern (parameter references and expressions are not supported in globs)' });
      if (isObject(p.outputBinding) && (p.outputBinding.outputEval !== undefined || p.outputBinding.loadContents)) problems.push({ field: `${field}.outputBinding`, message: 'outputEval and loadContents are not supported' });
      pattern = typeof g === 'string' ? g : undefined;
    } else {
      problems.push({ field: `${field}.type`, message: `${JSON.stringify(p.type)} is not supported for outputs: use File, File[], stdout or stderr` });
      continue;
    }
    outputs.push({ name: p.id, kind: t.array ? 'files' : 'file', required: !t.optional, mediaType: media, pattern: pattern ?? `${p.id}*` });
    outDescribed[p.id] = fileOutputDescription(p, namespaces);
  }
  for (const [k, v] of [['stdout', stdout], ['stderr', stderr]] as const) {
    if (v !== undefined && (v.includes('/') || hasParamRef(v))) problems.push({ field: k, message: 'must be a plain file name' });
  }
  if (tool.stdin !== undefined && typeof tool.stdin !== 'string') problems.push({ field: 'stdin', message: 'must be a string, such as $(inputs.file.path)' });
  if (Array.isArray(tool.successCodes) && !(tool.successCodes.length === 1 && tool.successCodes[0] === 0)) problems.push({ field: 'successCodes', message: 'only [0] is supported: any other exit code fails the job' });

  const baseCommand = typeof tool.baseCommand === 'string' ? [tool.baseCommand] : Array.isArray(tool.baseCommand) ? tool.baseCommand.map(String) : [];

  const resources = resourcesOf(tool, inherited, problems);
  if (problems.length) return { value: null, problems };
  const version = String(tool['s:softwareVersion'] ?? tool.version ?? '1.0.0');
  const process: ProcessDoc = {
    id: processId,
    version,
    ...(typeof tool.label === 'string' ? { title: tool.label } : {}),
    ...(text(tool.doc) ? { description: text(tool.doc) } : {}),
    inputs: described,
    outputs: outDescribed,
  };
  const iface: JobInterface = {
    format: 'seed', command: '', commandArguments: '', inputs, outputs, sharedResources: [],
    bindings: { baseCommand, args, ...(Object.keys(defaults).length ? { defaults } : {}) },
    workingDir: 'output',
    ...(tool.stdin !== undefined || stdout !== undefined || stderr !== undefined ? { stdio: { ...(typeof tool.stdin === 'string' ? { stdin: tool.stdin } : {}), ...(stdout ? { stdout } : {}), ...(stderr ? { stderr } : {}) } } : {}),
    resources: [{ name: 'cpus', value: resources.cpus, inputMultiplier: 0 }, { name: 'mem', value: resources.mem, inputMultiplier: 0 }, { name: 'disk', value: resources.disk, inputMultiplier: 0 }],
  };
  return { value: { process, iface, image, resources }, problems: [] };
}

function resourcesOf(tool: CwlProcess, inherited: Inherited, problems: Problem[]): Resources {
  const r = find(tool, inherited, 'ResourceRequirement') ?? { class: 'ResourceRequirement' };
  const inRequirements = tool.requirements.includes(r as CwlRequirement) || inherited.requirements.includes(r as CwlRequirement);
  const num = (k: string, fallback: number) => {
    const v = r[k];
    if (v === undefined) return fallback;
    if (typeof v === 'number' && v > 0) return v;
    // A hint may be ignored; a requirement may not.
    if (inRequirements) problems.push({ field: `requirements.ResourceRequirement.${k}`, message: 'must be a positive number (expressions are not supported)' });
    return fallback;
  };
  const limit = find(tool, inherited, 'ToolTimeLimit');
  const timeout = typeof limit?.timelimit === 'number' && limit.timelimit > 0 ? limit.timelimit : 3600;
  return { cpus: num('coresMin', 1), mem: Math.ceil(num('ramMin', 256)), disk: Math.ceil(num('outdirMin', 64)), timeout };
}
