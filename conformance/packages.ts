// The packages the Part 2 checks deploy: built-in samples (an OGC Application Package with a Docker
// execution unit, a CWL CommandLineTool, a CWL $graph) whose process ids are unique to the run, or
// the package given with --package (ATS /req/dru/test-process), and the changed copies that replace
// requests send. The samples are deployed, read back, replaced and undeployed, never executed.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import YAML from 'yaml';
import { CWL_JSON, CWL_YAML, OGCAPPPKG_JSON } from './constants.ts';
import { CheckFailure, fail } from './lib/assert.ts';
import { httpRequest } from './lib/http.ts';
import { clip, errorMessage, isObj, type Obj, str } from './lib/util.ts';

export type PackageKind = 'ogcapppkg' | 'cwl';

export interface TestPackage {
  kind: PackageKind;
  /** The process id it deploys (undefined when only the server can tell, e.g. a SEED image). */
  id: string | undefined;
  mediaType: string;
  text: string;
  /** `built-in`, or the --package URL or file. */
  source: string;
}

export interface Replacement {
  text: string;
  /** The title the process description should show afterwards (undefined: the package has none to change). */
  title?: string;
}

const DOCKER_IMAGE = 'docker.io/library/busybox:1.36';
const CWL_DOCKER_PULL = 'busybox:1.36';
const DOCKER_PROFILE = 'http://www.opengis.net/profiles/eoc/dockerizedApplication';
const NEVER_RUN = 'Writes its message to result.txt. Deployed by the OGC API - Processes conformance runner, which undeploys it; never run.';

/** A short random suffix, so that process ids stay within the 50 characters some servers allow. */
export function runSuffix(): string {
  return randomUUID().slice(0, 8);
}

/** An OGC Application Package with a Docker execution unit (busybox, one string input, one file output). */
export function dockerPackage(id: string, title = `Conformance test ${id}`): Obj {
  return {
    processDescription: {
      process: {
        id,
        version: '1.0.0',
        title,
        description: NEVER_RUN,
        inputs: { message: { title: 'Message', schema: { type: 'string' } } },
        outputs: { result: { title: 'The message, in a file', schema: { type: 'string', contentMediaType: 'text/plain' } } },
      },
    },
    executionUnit: {
      type: 'docker',
      image: DOCKER_IMAGE,
      bindings: { inputBindings: { message: { position: 1 } }, outputBindings: { result: { glob: 'result.txt' } } },
    },
    deploymentProfile: DOCKER_PROFILE,
  };
}

/** A CWL CommandLineTool: a DockerRequirement, one string input at position 1, one File output by glob. */
export function cwlTool(id: string, label = `Conformance test ${id}`): Obj {
  return {
    cwlVersion: 'v1.2',
    class: 'CommandLineTool',
    id,
    label,
    doc: NEVER_RUN,
    requirements: { DockerRequirement: { dockerPull: CWL_DOCKER_PULL } },
    baseCommand: ['sh', '-c', 'echo "$0" > result.txt'],
    inputs: { message: { type: 'string', label: 'Message', inputBinding: { position: 1 } } },
    outputs: { result: { type: 'File', outputBinding: { glob: 'result.txt' } } },
  };
}

/** An OGC Application Package whose execution unit is the CWL tool by value (for servers without Docker units). */
export function cwlUnitPackage(id: string): Obj {
  return { executionUnit: { value: cwlTool(id), mediaType: CWL_JSON } };
}

/** A CWL document with a `$graph` of a tool and a workflow running it (`<prefix>-tool`, `<prefix>-main`). */
export function cwlGraph(prefix: string): Obj {
  const { cwlVersion: _, ...tool } = cwlTool(`${prefix}-tool`);
  const main = {
    class: 'Workflow',
    id: `${prefix}-main`,
    label: `Conformance test ${prefix}-main`,
    inputs: { message: 'string' },
    outputs: { result: { type: 'File', outputSource: 'step/result' } },
    steps: { step: { run: `#${prefix}-tool`, in: { message: 'message' }, out: ['result'] } },
  };
  return { cwlVersion: 'v1.2', $graph: [tool, main] };
}

export function ogcapppkg(doc: Obj, source = 'built-in'): TestPackage {
  return { kind: 'ogcapppkg', id: ogcapppkgId(doc), mediaType: OGCAPPPKG_JSON, text: JSON.stringify(doc), source };
}

export function cwl(doc: Obj, source = 'built-in'): TestPackage {
  return { kind: 'cwl', id: cwlId(doc), mediaType: CWL_YAML, text: YAML.stringify(doc), source };
}

/** The process object of an Application Package: `processDescription.process`, or the older unwrapped form. */
function processOf(doc: Obj): Obj | undefined {
  const pd = doc.processDescription;
  if (!isObj(pd)) return undefined;
  return isObj(pd.process) ? pd.process : pd;
}

function ogcapppkgId(doc: Obj): string | undefined {
  const fromDescription = str(processOf(doc)?.id);
  if (fromDescription) return fromDescription;
  const unit = Array.isArray(doc.executionUnit) ? doc.executionUnit[0] : doc.executionUnit;
  return isObj(unit) && isObj(unit.value) ? cwlId(unit.value) : undefined;
}

/** The id of a CWL document: its own, or (for a `$graph`) the first workflow's, else the first entry's. */
function cwlId(doc: Obj): string | undefined {
  let main: unknown = doc;
  if (Array.isArray(doc.$graph)) {
    const entries = doc.$graph.filter(isObj);
    main = entries.find((e) => e.class === 'Workflow') ?? entries[0];
  }
  const id = isObj(main) ? str(main.id) : undefined;
  return id?.replace(/^#/, '');
}

/** Reads a package (a URL or a file): CWL when it has `cwlVersion` or `$graph`, an Application Package when it has `executionUnit`. */
export async function loadPackage(source: string): Promise<TestPackage> {
  let text: string;
  try {
    if (/^https?:\/\//i.test(source)) {
      const res = await httpRequest(source, { headers: { accept: `${OGCAPPPKG_JSON}, ${CWL_YAML}, ${CWL_JSON}, application/cwl, application/json;q=0.9, */*;q=0.1` } });
      if (res.status !== 200) fail(`the test package ${source} answered ${res.status}${res.text ? `: ${clip(res.text)}` : ''}`);
      text = res.text;
    } else {
      text = await fs.readFile(source, 'utf8');
    }
  } catch (e) {
    if (e instanceof CheckFailure) throw e;
    return fail(`the test package ${source} cannot be read: ${errorMessage(e)}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    return fail(`the test package ${source} is neither JSON nor YAML: ${errorMessage(e)}`);
  }
  if (!isObj(doc)) fail(`the test package ${source} is not a JSON/YAML object`);
  const json = text.trimStart().startsWith('{');
  if ('cwlVersion' in doc || '$graph' in doc) return { kind: 'cwl', id: cwlId(doc), mediaType: json ? CWL_JSON : CWL_YAML, text, source };
  if ('executionUnit' in doc || 'processDescription' in doc) return { kind: 'ogcapppkg', id: ogcapppkgId(doc), mediaType: OGCAPPPKG_JSON, text: json ? text : JSON.stringify(doc), source };
  return fail(`the test package ${source} is neither CWL (cwlVersion) nor an OGC Application Package (executionUnit)`);
}

/** The package as parsed JSON/YAML, for comparing what the server gives back with what was sent. */
export function parsePackage(pkg: TestPackage): unknown {
  return pkg.kind === 'cwl' ? YAML.parse(pkg.text) : JSON.parse(pkg.text);
}

/** The package with its title (CWL: label) changed, for a replace request. */
export function replacementOf(pkg: TestPackage): Replacement {
  const doc = parsePackage(pkg);
  if (!isObj(doc)) return { text: pkg.text };
  const retitle = (o: Obj, key: string): string => {
    const title = `${str(o[key]) ?? pkg.id ?? 'Conformance test'} (replaced)`;
    o[key] = title;
    return title;
  };
  if (pkg.kind === 'ogcapppkg') {
    const process = processOf(doc);
    if (process) return { title: retitle(process, 'title'), text: JSON.stringify(doc) };
    // No description: a CWL execution unit by value says the title (label).
    const unit = Array.isArray(doc.executionUnit) ? doc.executionUnit[0] : doc.executionUnit;
    if (isObj(unit) && isObj(unit.value) && !Array.isArray(unit.value.$graph)) return { title: retitle(unit.value, 'label'), text: JSON.stringify(doc) };
    return { text: pkg.text };
  }
  if (Array.isArray(doc.$graph)) return { text: pkg.text };
  const title = retitle(doc, 'label');
  return { title, text: pkg.mediaType === CWL_YAML ? YAML.stringify(doc) : JSON.stringify(doc) };
}
