// The CWL v1.2 conformance suite (../shared/cwl-conformance: the upstream cwl-v1.2 repository's
// conformance_tests.yaml and tests/): its cases, read as the upstream runner (cwltest) reads them.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { sharedMaterial } from '../lib/shared-material.ts';

export interface CwlTestCase {
  id: string;
  doc: string;
  /** The document to run (a path, with a `#fragment` for one process of a $graph). */
  tool: string;
  /** The job order file; null: no inputs. */
  job: string | null;
  /** The expected output object; absent for a case that must fail. */
  output: unknown;
  shouldFail: boolean;
  tags: string[];
  /** The directory the case's paths are relative to. */
  base: string;
}

/**
 * The index files put flow sequences over several lines less indented than their key, which PyYAML
 * reads and YAML 1.2 parsers refuse: lines inside an open `[` or `{` are indented under its line.
 */
export function indentFlowContinuations(text: string): string {
  let depth = 0;
  let indent = 0;
  return text.split('\n').map((line) => {
    let out = line;
    const own = /^ */.exec(line)![0].length;
    if (depth > 0) {
      if (line.trim() && own <= indent) out = ' '.repeat(indent + 2) + line.trimStart();
    } else indent = own;
    let quote: string | null = null;
    for (const ch of line) {
      if (quote) {
        if (ch === quote) quote = null;
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '#') break;
      else if (ch === '[' || ch === '{') depth++;
      else if (ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    }
    return out;
  }).join('\n');
}

/** Reads a YAML or JSON file as the suite's own tools do. */
export function readYaml(file: string): unknown {
  return YAML.parse(indentFlowContinuations(fs.readFileSync(file, 'utf8')), { uniqueKeys: false, maxAliasCount: -1 });
}

/** Every case of the index at `file`, following its `$import`s. */
export function loadSuite(file: string): CwlTestCase[] {
  const base = path.dirname(file);
  const out: CwlTestCase[] = [];
  for (const t of readYaml(file) as any[]) {
    if (t && typeof t.$import === 'string') {
      out.push(...loadSuite(path.join(base, t.$import)));
      continue;
    }
    out.push({
      id: String(t.id ?? t.label ?? `case-${out.length}`), doc: String(t.doc ?? ''), tool: String(t.tool), job: t.job ? String(t.job) : null,
      output: t.output, shouldFail: t.should_fail === true, tags: Array.isArray(t.tags) ? t.tags.map(String) : [], base,
    });
  }
  return out;
}

/** Where the suite is: CWL_CONFORMANCE_SUITE, else ../shared/cwl-conformance beside the repository, else /work/shared's. */
export function suiteDir(): string {
  return sharedMaterial('cwl-conformance', 'conformance_tests.yaml', 'CWL_CONFORMANCE_SUITE');
}
