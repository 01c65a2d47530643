// A repair of what cwltool 3.1's --pack gets wrong: a tool with an input and an output of the same
// id (`testdir` in and out, which CWL allows), packed among other documents, has the second of them
// written as {"$import": "#tool/testdir"} — which loads as the first, so the output has no binding
// and the run finds nothing (the conformance case iwd-subdir). Each such entry is taken back from
// the same tool packed alone, which cwltool gets right.
import fs from 'node:fs/promises';
import path from 'node:path';

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An entry cwltool left as a reference to another of its process's own parameters. */
const lost = (e: unknown, processId: string): string | null =>
  isObject(e) && Object.keys(e).length === 1 && typeof e.$import === 'string' && e.$import.startsWith(`${processId}/`) ? e.$import.slice(processId.length + 1) : null;

/** The documents under `dir` named `name`, relative to it. */
async function named(dir: string, name: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name === name).map((e) => path.relative(dir, path.join(e.parentPath ?? (e as any).path, e.name)));
}

/**
 * The packed document with each lost parameter restored; `docs` is where its documents were packed
 * from, `packAlone` packs one of them (a path relative to `docs`) by itself. Left as it is when the
 * tool's document cannot be told (two of one name, or a tool written inline).
 */
export async function repairPack(packed: Record<string, any>, docs: string, packAlone: (file: string) => Promise<Record<string, any>>): Promise<Record<string, any>> {
  const processes = Array.isArray(packed.$graph) ? packed.$graph.filter(isObject) : [packed];
  for (const p of processes) {
    const id = typeof p.id === 'string' ? p.id : '';
    const keys = ['inputs', 'outputs'].filter((k) => Array.isArray(p[k]) && p[k].some((e: unknown) => lost(e, id) !== null));
    if (!id.startsWith('#') || !keys.length) continue;
    const files = await named(docs, id.slice(1));
    if (files.length !== 1) continue;
    const alone = await packAlone(files[0]).catch(() => null);
    if (!alone || Array.isArray(alone.$graph)) continue;
    for (const k of keys) {
      p[k] = p[k].map((e: unknown) => {
        const name = lost(e, id);
        const found = name === null || !Array.isArray(alone[k]) ? null : alone[k].find((x: unknown) => isObject(x) && x.id === `#main/${name}`);
        // Its ids (and references to its own types) as the packed document names them.
        return found ? JSON.parse(JSON.stringify(found).split('"#main/').join(`"${id}/`)) : e;
      });
    }
  }
  return packed;
}
