// The files inside a CWL input's JSON value (src/core/runs/embedded-files.ts), at run time: each
// placeholder's file is staged in the execution's directory — a File under input/<input>/e<n>/ with
// its secondary files beside it, a Directory's files under input/<input>/d<n>/<its name>/ at their
// paths — and the placeholder becomes the CWL object cwltool reads (its path).
import path from 'node:path';
import { DIRECTORY_FILES, FILE_ID } from '../core/runs/embedded-files.ts';
import { stagedDirectoryOf } from '../core/files/staged-directory.ts';
import type { StagedFile } from './contract.ts';
import type { ResolvedFile } from './executor.ts';

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function stageEmbeddedValue(name: string, value: unknown, files: ResolvedFile[], inputDir: string): { value: unknown; staged: StagedFile[] } {
  const byId = new Map(files.map((f) => [f.id, f]));
  const staged: StagedFile[] = [];
  let n = 0;
  const file = (id: number, dir: string): ResolvedFile & { at: string } => {
    const f = byId.get(id);
    if (!f) throw new Error(`input ${name}: file ${id} was not resolved`);
    const at = path.join(dir, f.fileName);
    staged.push({ input: name, fileId: f.id, localPath: f.localPath, path: at, own: true });
    return { ...f, at };
  };
  const walk = (v: unknown, dir: string | null): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, dir));
    if (!isObject(v)) return v;
    if (typeof v[FILE_ID] === 'number') {
      // Secondary files go beside their primary (dir), as cwltool looks for them.
      const home = dir ?? path.join(inputDir, name, `e${n++}`);
      const { [FILE_ID]: id, secondaryFiles, ...rest } = v;
      const f = file(id, home);
      return { ...rest, class: 'File', path: f.at, basename: rest.basename ?? f.fileName, ...(Array.isArray(secondaryFiles) ? { secondaryFiles: secondaryFiles.map((s) => walk(s, home)) } : {}) };
    }
    if (Array.isArray(v[DIRECTORY_FILES])) {
      const { [DIRECTORY_FILES]: ids, ...rest } = v;
      const home = path.join(inputDir, name, `d${n++}`);
      const members = (ids as number[]).map((id) => byId.get(id)).filter((f): f is ResolvedFile => !!f);
      const dirName = (members[0]?.filePath && stagedDirectoryOf(members[0].filePath)?.name) || rest.basename || 'dir';
      const root = path.join(home, dirName);
      for (const f of members) {
        const inside = f.filePath ? stagedDirectoryOf(f.filePath)?.relPath : null;
        staged.push({ input: name, fileId: f.id, localPath: f.localPath, path: path.join(root, inside ?? f.fileName), own: true });
      }
      return { ...rest, class: 'Directory', path: root, basename: rest.basename ?? dirName };
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, null)]));
  };
  return { value: walk(value, null), staged };
}
