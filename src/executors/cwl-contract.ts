// The run contract of the `cwl` runtime: a job of a deployed CWL process runs cwltool on the packed
// document with a job order made from its inputs (files by their paths in their workspaces, a
// Directory by the root its staged files share, values as given). Everything cwltool writes lives
// under the execution's directory: its outputs (--outdir), its working and temporary directories, the
// ids of the containers it starts (--cidfile-dir, so a cancel, a timeout or a lost server removes
// them), and the output object it prints (stdout, kept as cwl-output.json). Its log, and the steps'
// stderr, go to the execution's log. Containers are held to the job's CPU and memory.
import path from 'node:path';
import type { Contract } from './contract.ts';
import { mainProcess, shortName } from '../../seed-mapping/cwl-process.ts';
import type { LaunchSpec, ResolvedInput } from './executor.ts';

export interface CwlRunOptions {
  /** cwltool and its leading arguments (SCALE_CWLTOOL). */
  command: string[];
  /** The image tools without a DockerRequirement run in (SCALE_CWL_DEFAULT_CONTAINER). */
  defaultContainer: string | null;
}

/** Where cwltool's files of one execution live. */
export function cwlLayout(exeDir: string) {
  return {
    document: path.join(exeDir, 'packed.cwl'),
    jobOrder: path.join(exeDir, 'job.json'),
    outputDir: path.join(exeDir, 'output'),
    outputObject: path.join(exeDir, 'cwl-output.json'),
    tmp: path.join(exeDir, 'tmp'),
    cidDir: path.join(exeDir, 'cid'),
  };
}

/** The deepest directory every path lies in. */
export function commonRoot(paths: string[]): string {
  if (!paths.length) return '/';
  let root = path.dirname(paths[0]);
  for (const p of paths.slice(1)) {
    while (root !== '/' && !(p === root || p.startsWith(`${root}/`))) root = path.dirname(root);
  }
  return root;
}

const IANA = 'https://www.iana.org/assignments/media-types/';

/** The format each input of the document's process declares (an IRI), by input name. */
function declaredFormats(document: Record<string, any> | undefined): Map<string, string> {
  const main = document ? mainProcess(document) : null;
  const out = new Map<string, string>();
  for (const p of Array.isArray(main?.inputs) ? main!.inputs : []) if (typeof p?.format === 'string') out.set(shortName(String(p.id ?? '')), p.format);
  return out;
}

/**
 * A file as cwltool takes it: its path, the name it was given, and — when its input declares a format —
 * the format its media type is (IANA), which cwltool checks against the declared one; a format
 * outside IANA's (EDAM) is taken as declared.
 */
function fileObject(f: { localPath: string; fileName: string; mediaType: string }, declared: string | undefined) {
  const format = declared === undefined ? undefined : declared.startsWith(IANA) && f.mediaType !== 'application/octet-stream' ? `${IANA}${f.mediaType}` : declared;
  return { class: 'File', path: f.localPath, basename: f.fileName, ...(format ? { format } : {}) };
}

/** A job's inputs as the CWL job order: files by path, a directory input by its root, values as they are. */
export function jobOrder(spec: LaunchSpec): Record<string, unknown> {
  const specs = new Map(spec.iface.inputs.map((i) => [i.name, i]));
  const formats = declaredFormats(spec.iface.cwl?.document);
  const order: Record<string, unknown> = {};
  for (const input of spec.inputs as ResolvedInput[]) {
    if (!('files' in input)) {
      order[input.name] = input.value;
      continue;
    }
    if (specs.get(input.name)?.directory) {
      const root = commonRoot(input.files.map((f) => f.localPath));
      order[input.name] = { class: 'Directory', path: root, basename: path.basename(root) };
    } else {
      const declared = formats.get(input.name);
      order[input.name] = input.kind === 'file' ? fileObject(input.files[0], declared) : input.files.map((f) => fileObject(f, declared));
    }
  }
  return order;
}

export function cwlContract(spec: LaunchSpec, exeDir: string, opts: CwlRunOptions): Contract {
  const l = cwlLayout(exeDir);
  const document = spec.iface.cwl?.document;
  const failure = document ? undefined : { error: 'task-launch', message: `job type ${spec.jobTypeName} ${spec.jobTypeVersion} holds no CWL document` };
  const argv = [
    ...opts.command,
    '--disable-color', '--timestamps',
    '--outdir', l.outputDir,
    '--tmpdir-prefix', `${l.tmp}/`,
    '--tmp-outdir-prefix', `${l.tmp}/out-`,
    '--cidfile-dir', l.cidDir,
    '--strict-memory-limit', '--strict-cpu-limit',
    ...(opts.defaultContainer ? ['--default-container', opts.defaultContainer] : []),
    l.document, l.jobOrder,
  ];
  return {
    argv,
    env: { HOME: exeDir },
    files: [],
    mounts: [],
    ...(failure ? { failure } : {}),
    writes: [
      { path: l.document, content: JSON.stringify(document ?? {}) },
      { path: l.jobOrder, content: JSON.stringify(jobOrder(spec)) },
    ],
    dirs: [l.outputDir, l.tmp, l.cidDir],
    stdio: { stdout: l.outputObject },
    outputObject: l.outputObject,
  };
}
