// The run contract: what a command sees when it runs (seed 001 and the SEED 1.0 spec, Scale job
// interface 1.0 for older job types), computed once for every executor. Each executor says only
// where things live (a Layout: host paths for a child process, container paths for Docker) and then
// stages the files and runs the argv with the environment given here.
import path from 'node:path';
import { normalizeName } from '../../seed-mapping/seed-manifest.ts';
import { BUILTIN } from '../core/errors/model.ts';
import { buildArgs, type Part, splitWords, words } from './command.ts';
import type { LaunchSpec } from './executor.ts';

export interface Layout {
  /** Directory of a multiple-file input. */
  inputDir(input: string): string;
  /** Path of one file of an input. */
  inputFile(input: string, fileName: string): string;
  outputDir: string;
  /** The INPUT_METADATA JSON document. */
  inputMetadata: string;
}

/** The layout of an execution directory on a file system the command sees as it is: <dir>/input/…, <dir>/output. */
export function directoryLayout(exeDir: string): Layout & { inputRoot: string } {
  const inputRoot = path.join(exeDir, 'input');
  return {
    inputRoot,
    inputDir: (name) => path.join(inputRoot, name),
    inputFile: (name, file) => path.join(inputRoot, name, file),
    outputDir: path.join(exeDir, 'output'),
    inputMetadata: path.join(inputRoot, 'scale-input-metadata.json'),
  };
}

export interface StagedFile {
  input: string;
  fileId: number;
  /** Where the file is on this machine. */
  localPath: string;
  /** Where the command sees it (in the Layout). */
  path: string;
  /** A file of its own in the execution's directory (a hard link, else a copy) rather than a symbolic link to the workspace: for a command running as another user, who may not reach the workspace. */
  own?: boolean;
}

export interface Contract {
  argv: string[];
  env: Record<string, string>;
  files: StagedFile[];
  /** Mounts the command needs: container path, and what to bind there. */
  mounts: { name: string; path: string; mode: 'ro' | 'rw'; source: { type: string; host_path?: string; driver?: string; driver_opts?: Record<string, string> } }[];
  /** Set when the contract cannot be met (a setting or mount without a value): the execution fails with it. */
  failure?: { error: string; message: string };
  /** The command's working directory, when the interface asks for one (its output directory). */
  workingDir?: string;
  /** Standard streams as paths in the Layout: stdin read from a file, stdout and stderr written to files. */
  stdio?: { stdin?: string; stdout?: string; stderr?: string };
  /** Files to write before the command runs (a CWL document and its job order). */
  writes?: { path: string; content: string | Buffer }[];
  /** Directories to make before the command runs. */
  dirs?: string[];
  /** Where the command writes the object that names its outputs (cwltool's output object). */
  outputObject?: string;
  /** The user the command runs as, when not the server's own (cwltool under a root server); it owns `dirs`. */
  user?: { uid: number; gid: number; name: string };
}

/** A value as an environment variable: strings as they are, anything else as JSON. */
export function envValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:\/#\/([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Expands `$VAR`, `${VAR}` and `${VAR/#/prefix}` (the prefix only when VAR is set) in a SEED
 * interface command, without a shell (see words()): a value with spaces or shell syntax stays one
 * argument. Variables in `unset` (optional inputs not given) expand to nothing; unknown ones stay
 * as written.
 */
export function expandSeedCommand(template: string, env: Record<string, string>, unset: Set<string>): string[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of template.matchAll(VAR)) {
    if (m.index! > last) parts.push({ literal: template.slice(last, m.index) });
    const name = (m[1] ?? m[3])!;
    if (env[name] !== undefined) parts.push({ value: env[name], prefix: m[2] });
    else if (!unset.has(name)) parts.push({ literal: m[0] });
    last = m.index! + m[0].length;
  }
  if (last < template.length) parts.push({ literal: template.slice(last) });
  return words(parts);
}

/** An input's value(s) as command-line words: a file its path, an array its items, null none; anything else as text (JSON for objects). */
function asWords(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.flatMap(asWords);
  return [typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)];
}

/**
 * The argv of bindings: the base command, then each binding in position order. A value is its text
 * (JSON for objects), a file its path in the layout; several values are separate arguments unless
 * an itemSeparator joins them; a boolean input is a flag (its prefix when true, nothing when false);
 * an input not given adds nothing. `inputs`: each input's value, or its files' paths.
 */
export function boundArgv(b: NonNullable<LaunchSpec['iface']['bindings']>, inputs: Record<string, unknown>): string[] {
  const argv = [...b.baseCommand];
  const ordered = b.args.map((a, n) => ({ a, n })).sort((x, y) => x.a.position - y.a.position || x.n - y.n);
  for (const { a } of ordered) {
    let value: unknown;
    if (a.input !== undefined) {
      value = inputs[a.input];
      if (value === null || value === undefined) continue;
      if (a.literal !== undefined) value = a.literal;
    } else value = a.literal;
    if (typeof value === 'boolean') {
      if (value && a.prefix !== undefined) argv.push(a.prefix);
      continue;
    }
    const values = asWords(value);
    if (!values.length) continue;
    const joined = a.itemSeparator !== undefined ? [values.join(a.itemSeparator)] : values;
    if (a.prefix === undefined) argv.push(...joined);
    else if (a.separate) argv.push(a.prefix, ...joined);
    else argv.push(...joined.map((v, i) => (i === 0 ? a.prefix + v : v)));
  }
  return argv;
}

export function runContract(spec: LaunchSpec, layout: Layout): Contract {
  const env: Record<string, string> = {};
  const files: StagedFile[] = [];
  const values = new Map<string, string | null>([['job_output_dir', layout.outputDir]]);
  const seed = spec.iface.format === 'seed';
  for (const input of spec.inputs) {
    let value: string;
    if (input.kind === 'property') value = input.value;
    else if (input.kind === 'json') value = envValue(input.value);
    else {
      const used = new Set<string>();
      const paths: string[] = [];
      for (const f of input.files) {
        // Two files of one input may share a name; Scale prefixes the file id then.
        const local = used.has(f.fileName) ? `${f.id}.${f.fileName}` : f.fileName;
        used.add(local);
        const p = layout.inputFile(input.name, local);
        files.push({ input: input.name, fileId: f.id, localPath: f.localPath, path: p });
        paths.push(p);
      }
      value = input.kind === 'file' ? paths[0] : layout.inputDir(input.name);
    }
    values.set(input.name, value);
    env[normalizeName(input.name)] = value;
  }
  env.OUTPUT_DIR = layout.outputDir;
  if (seed) env.INPUT_METADATA = layout.inputMetadata;
  for (const [name, amount] of Object.entries(spec.resources)) env[`ALLOCATED_${normalizeName(name)}`] = String(amount);
  Object.assign(env, { SCALE_JOB_ID: String(spec.jobId), SCALE_EXE_NUM: String(spec.exeNum), SCALE_JOB_EXE_ID: String(spec.exeId) });

  let failure: Contract['failure'];
  for (const s of spec.iface.settings ?? []) {
    const v = spec.settings?.[s.name];
    if (v === undefined) failure ??= { error: BUILTIN.missingSetting, message: `setting ${s.name} has no value in the job type's configuration` };
    else env[normalizeName(s.name)] = v;
  }
  const mounts: Contract['mounts'] = [];
  for (const m of spec.iface.mounts ?? []) {
    const source = spec.mounts?.[m.name];
    if (!source) failure ??= { error: BUILTIN.missingMount, message: `mount ${m.name} is not configured` };
    else {
      mounts.push({ name: m.name, path: m.path, mode: m.mode, source });
      env[normalizeName(m.name)] = m.path;
    }
  }

  let argv: string[];
  if (spec.iface.bindings) {
    const inputs: Record<string, unknown> = {};
    for (const input of spec.inputs) {
      const paths = files.filter((f) => f.input === input.name).map((f) => f.path);
      inputs[input.name] = 'files' in input ? (input.kind === 'file' ? (paths[0] ?? null) : paths) : input.value;
    }
    argv = boundArgv(spec.iface.bindings, inputs);
  } else if (seed) {
    const given = new Set(spec.inputs.map((i) => normalizeName(i.name)));
    const unset = new Set(spec.iface.inputs.filter((i) => !given.has(normalizeName(i.name))).map((i) => normalizeName(i.name)));
    argv = expandSeedCommand(spec.iface.commandArguments, env, unset);
  } else {
    argv = [...splitWords(spec.iface.command), ...buildArgs(spec.iface.commandArguments, values)];
  }
  return { argv, env, files, mounts, failure, ...(spec.iface.workingDir === 'output' ? { workingDir: layout.outputDir } : {}) };
}
