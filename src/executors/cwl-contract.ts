// The run contract of the `cwl` runtime: a job of a deployed CWL process runs cwltool on the packed
// document with a job order made from its inputs (files by their paths in their workspaces, a
// Directory by the root its staged files share, values as given). Everything cwltool writes lives
// under the execution's directory: its outputs (--outdir), its working and temporary directories, the
// ids of the containers it starts (--cidfile-dir, so a cancel, a timeout or a lost server removes
// them), and the output object it prints (stdout, kept as cwl-output.json). Its log, and the steps'
// stderr, go to the execution's log. Containers are held to the job's CPU and memory.
import { stageEmbeddedValue } from './cwl-embedded.ts';
import path from 'node:path';
import { stagedDirectoryOf } from '../core/files/staged-directory.ts';
import { type RunUser, unreachableBy } from '../cwl/run-user.ts';
import type { Contract, StagedFile } from './contract.ts';
import { mainProcess, shortName } from '../../seed-mapping/cwl-process.ts';
import type { LaunchSpec, ResolvedFile, ResolvedInput } from './executor.ts';

export interface CwlRunOptions {
  /** cwltool and its leading arguments (SCALE_CWLTOOL), or what gives them at each run (the long-lived cwltool's client while it is up). */
  command: string[] | (() => string[]);
  /** The image tools without a DockerRequirement run in (SCALE_CWL_DEFAULT_CONTAINER). */
  defaultContainer: string | null;
  /** The unprivileged user cwltool (and so every step's container) runs as under a root server (SCALE_CWL_USER). */
  user?: RunUser | null;
  /** The Docker engine cwltool's docker commands talk to (DOCKER_HOST), when not the default socket. */
  dockerHost?: string | null;
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
    inputDir: path.join(exeDir, 'input'),
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
function fileObject(f: { localPath: string; fileName: string; mediaType: string; format?: string }, declared: string | undefined) {
  // The format the file was given with (cwltool checks it against the declared one, ontology and all); else the declared one.
  const format = f.format ?? (declared === undefined ? undefined : declared.startsWith(IANA) && f.mediaType !== 'application/octet-stream' ? `${IANA}${f.mediaType}` : declared);
  return { class: 'File', path: f.localPath, basename: f.fileName, ...(format ? { format } : {}) };
}

/**
 * Where each input file is put in the execution's directory: input/<input>/<n>/<name> for files (one
 * directory each, so two files of one name do not meet), and for a directory input its files at
 * their paths below the directory they share, input/<input>/<that directory's name>/….
 */
export function stagedInputs(spec: LaunchSpec, inputDir: string): StagedFile[] {
  const specs = new Map(spec.iface.inputs.map((i) => [i.name, i]));
  const out: StagedFile[] = [];
  for (const input of spec.inputs as ResolvedInput[]) {
    if (input.kind === 'json' && input.embedded?.length) out.push(...stageEmbeddedValue(input.name, input.value, input.embedded, inputDir).staged);
    if (!('files' in input)) continue;
    if (specs.get(input.name)?.directory) {
      // Staged by reference: the directory its files name (stage/<uuid>/<name>/…); else the deepest one they share.
      const staged = input.files.map((f) => (f.filePath ? stagedDirectoryOf(f.filePath) : null));
      const one = staged.every((s) => s && s.root === staged[0]!.root);
      const root = commonRoot(input.files.map((f) => f.localPath));
      const top = path.join(inputDir, input.name, (one ? staged[0]!.name : path.basename(root)) || 'dir');
      input.files.forEach((f, n) => out.push({ input: input.name, fileId: f.id, localPath: f.localPath, path: path.join(top, one ? staged[n]!.relPath : path.relative(root, f.localPath)), own: true }));
    } else {
      // A file's secondary files beside it, as cwltool looks for them: a secondary directory's files at their paths under its name.
      input.files.forEach((f, n) => [f, ...(f.secondary ?? [])].forEach((g) => {
        const dir = g === f ? null : secondaryDirectoryOf(g);
        out.push({ input: input.name, fileId: g.id, localPath: g.localPath, path: path.join(inputDir, input.name, String(n), ...(dir ? [dir.name, dir.relPath] : [g.fileName])), own: true });
      }));
    }
  }
  return out;
}

/** A secondary file that belongs to a directory (one a client listed among a File's secondary files, staged whole). */
const secondaryDirectoryOf = (g: { filePath?: string | null }) => (g.filePath ? stagedDirectoryOf(g.filePath) : null);

/** Where a directory input given no files is (made empty). */
const emptyDirectory = (inputDir: string, name: string) => path.join(inputDir, name, 'empty');

function emptyDirectories(spec: LaunchSpec, inputDir: string): string[] {
  const dirs = new Set(spec.iface.inputs.filter((i) => i.directory).map((i) => i.name));
  return (spec.inputs as ResolvedInput[]).filter((i) => dirs.has(i.name) && 'files' in i && !i.files.length).map((i) => emptyDirectory(inputDir, i.name));
}

/**
 * A staged directory as a literal CWL Directory: its basename and listing (the files under `root`,
 * sub-directories from their paths), with no location of its own, since cwltool drops the listing of
 * a Directory that has one (trim_listing) and then makes the literal from the listing.
 */
function listed(root: string, paths: string[]): Record<string, unknown> {
  type Dir = { class: 'Directory'; basename: string; listing: Record<string, unknown>[] };
  const top: Dir = { class: 'Directory', basename: path.basename(root), listing: [] };
  for (const p of paths) {
    const parts = path.relative(root, p).split(path.sep);
    let dir = top;
    for (const [i, seg] of parts.slice(0, -1).entries()) {
      let sub = dir.listing.find((x) => x.class === 'Directory' && x.basename === seg) as Dir | undefined;
      if (!sub) {
        sub = { class: 'Directory', basename: seg, listing: [] };
        dir.listing.push(sub);
      }
      dir = sub;
    }
    dir.listing.push({ class: 'File', path: p, basename: parts[parts.length - 1] });
  }
  return top;
}

/** A file's secondary files as cwltool takes them: Files by their staged paths, each directory once, by the path its files share. */
function secondaryObjects(secondary: ResolvedFile[], at: (f: { id: number }) => string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const dirs = new Set<string>();
  for (const g of secondary) {
    const dir = secondaryDirectoryOf(g);
    if (!dir) {
      out.push({ class: 'File', path: at(g), basename: g.fileName });
      continue;
    }
    if (dirs.has(dir.root)) continue;
    dirs.add(dir.root);
    const p = at(g);
    const top = p.slice(0, p.length - dir.relPath.length - 1);
    out.push({ class: 'Directory', path: top, basename: dir.name });
  }
  return out;
}

/** A job's inputs as the CWL job order: files by their staged paths, a directory input by its staged root, values as they are. */
export function jobOrder(spec: LaunchSpec, staged: StagedFile[], inputDir: string): Record<string, unknown> {
  const specs = new Map(spec.iface.inputs.map((i) => [i.name, i]));
  const formats = declaredFormats(spec.iface.cwl?.document);
  const order: Record<string, unknown> = {};
  for (const input of spec.inputs as ResolvedInput[]) {
    if (!('files' in input)) {
      order[input.name] = input.kind === 'json' && input.embedded?.length ? stageEmbeddedValue(input.name, input.value, input.embedded, inputDir).value : input.value;
      continue;
    }
    const mine = staged.filter((s) => s.input === input.name);
    const at = (f: { id: number }) => mine.find((s) => s.fileId === f.id)?.path ?? '';
    if (specs.get(input.name)?.directory) {
      // The directory is the one entry under input/<name>/ that stagedInputs put every file in.
      const root = mine.length ? path.join(inputDir, input.name, path.relative(path.join(inputDir, input.name), mine[0].path).split(path.sep)[0]) : emptyDirectory(inputDir, input.name);
      // A literal directory is given with its listing, as the client wrote it (a tool may read
      // inputs.dir.listing whatever its loadListing); one by reference by its path alone.
      const literal = input.files[0]?.filePath ? stagedDirectoryOf(input.files[0].filePath)?.literal : false;
      order[input.name] = literal ? listed(root, mine.map((m) => m.path)) : { class: 'Directory', path: root, basename: path.basename(root) };
    } else {
      const declared = formats.get(input.name);
      const one = (f: (typeof input.files)[number]) => ({
        ...fileObject({ ...f, localPath: at(f) }, declared),
        ...(f.secondary?.length ? { secondaryFiles: secondaryObjects(f.secondary, at) } : {}),
      });
      order[input.name] = input.kind === 'file' ? one(input.files[0]) : input.files.map(one);
    }
  }
  return order;
}

export function cwlContract(spec: LaunchSpec, exeDir: string, opts: CwlRunOptions): Contract {
  const l = cwlLayout(exeDir);
  const document = spec.iface.cwl?.document;
  const user = opts.user ?? null;
  const blocked = user ? unreachableBy(path.dirname(exeDir), user) : null;
  const failure = !document
    ? { error: 'task-launch', message: `job type ${spec.jobTypeName} ${spec.jobTypeVersion} holds no CWL document` }
    : blocked
      ? { error: 'task-launch', message: `cwltool runs as ${user!.name} (SCALE_CWL_USER), who cannot reach ${blocked}: let it pass (chmod o+x ${blocked}) or keep SCALE_DATA_DIR where it can` }
      : undefined;
  const staged = stagedInputs(spec, l.inputDir);
  const argv = [
    ...(typeof opts.command === 'function' ? opts.command() : opts.command),
    '--disable-color', '--timestamps',
    // Outputs stay where the steps wrote them (cwl-capture.ts reads them there): moving them into
    // --outdir, cwltool 3.1 loses one of two outputs that share a basename. --leave-tmpdir, or it
    // removes them all the same; everything under the execution's directory goes with it.
    '--outdir', l.outputDir, '--leave-outputs', '--leave-tmpdir',
    '--tmpdir-prefix', `${l.tmp}/`,
    '--tmp-outdir-prefix', `${l.tmp}/out-`,
    '--cidfile-dir', l.cidDir,
    '--strict-memory-limit', '--strict-cpu-limit',
    ...(opts.defaultContainer ? ['--default-container', opts.defaultContainer] : []),
    l.document, l.jobOrder,
  ];
  return {
    argv,
    // HOME is cwltool's own (its temporary directory): the execution's directory is not its to write.
    env: { HOME: l.tmp, ...(opts.dockerHost ? { DOCKER_HOST: opts.dockerHost } : {}) },
    files: staged,
    mounts: [],
    ...(failure ? { failure } : {}),
    writes: [
      { path: l.document, content: JSON.stringify(document ?? {}) },
      { path: l.jobOrder, content: JSON.stringify(jobOrder(spec, staged, l.inputDir)) },
      // Files the package keeps, beside the document that names them by relative paths.
      ...Object.entries(spec.iface.cwl?.files ?? {}).filter(([rel]) => !rel.split('/').includes('..')).map(([rel, b64]) => ({ path: path.join(path.dirname(l.document), rel), content: Buffer.from(b64, 'base64') })),
    ],
    dirs: [l.outputDir, l.tmp, l.cidDir, ...emptyDirectories(spec, l.inputDir)],
    stdio: { stdout: l.outputObject },
    outputObject: l.outputObject,
    ...(user ? { user } : {}),
  };
}
