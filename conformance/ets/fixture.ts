// The official suite's fixture for its Jobs tests (ets-ogcapi-processes10 at 75abd1f): the echo
// process description parsed as CommonFixture.createInput/createOutput parse it (CommonFixture.Input,
// Output and Type), Jobs.setup and the execution mode it reads from jobControlOptions,
// Jobs.echoProcessSupportsAsync, and the execute request bodies of jobs/Jobs.java: Jobs.addInput
// (plain strings get "teststring", bbox inputs BOGUS_BBOX, objects {"value": "teststring"}), the
// createExecuteJsonNode* builders, and every output asked for with {"transmissionMode": "value"}.
// addBinaryInput sends the test GeoTIFF the suite's build leaves out, as the suite means to
// (conformance/README.md, "Replaying the suite's Jobs tests"). Used by conformance/checks/ets-jobs.ts.
import { TEST_STRING } from '../constants.ts';
import type { Context } from '../context.ts';
import { describeResponse, fail } from '../lib/assert.ts';
import { TEST_GEOTIFF } from '../lib/geotiff.ts';
import { isObj, type Obj } from '../lib/util.ts';

// ---- the suite's model of the process description (CommonFixture.Input / Output / Type) ----

interface SuiteType {
  /** `type` as Jackson's asText() gives it. */
  def: string;
  binary: boolean;
  contentMediaType?: string;
}

export interface SuiteInput {
  id: string;
  types: SuiteType[];
  /** `format` of a top-level string schema. */
  format?: string;
  bbox: boolean;
}

interface SuiteOutput {
  id: string;
  types: SuiteType[];
  bbox: boolean;
}

type Mode = 'ONLY_SYNC' | 'ONLY_ASYNC' | 'EITHER' | null;

export interface Suite {
  inputs: SuiteInput[];
  outputs: SuiteOutput[];
  /** Jobs.supportedExecutionModes; null when jobControlOptions names neither mode (the suite then NPEs). */
  mode: Mode;
  /** Jobs.executeEndpoint: the landing page + /processes/{id}/execution, concatenated as strings. */
  executeUrl: string;
  /** Jobs.attempts: the status polls loopOverStatus has made, shared by every test (never reset). */
  attempts: number;
}

class SuiteSetupError extends Error {}

/** Jackson's JsonNode.asText(): text as it is, numbers and booleans printed, containers "". */
export function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  return '';
}

/** JsonNode.get(name) on any node: only objects have fields. */
export function get(node: unknown, name: string): unknown {
  return isObj(node) ? node[name] : undefined;
}

/** Reading `node.get(name)` where the suite dereferences it without a null check. */
function need(node: unknown, name: string, where: string): unknown {
  const v = get(node, name);
  if (v === undefined) throw new SuiteSetupError(`NullPointerException: ${where} has no "${name}"`);
  return v;
}

function hasBboxProperty(schema: unknown): boolean {
  const props = get(schema, 'properties');
  return isObj(props) && Object.keys(props).includes('bbox');
}

/** The string-type details createInput reads (top level: also input.format; oneOf children: format only for byte). */
function stringType(schema: unknown, type: SuiteType, input: SuiteInput | null): void {
  const format = get(schema, 'format');
  if (format !== undefined) {
    if (input) input.format = asText(format);
    if (asText(format) === 'byte') type.binary = true;
  }
  const cmt = get(schema, 'contentMediaType');
  if (cmt !== undefined) type.contentMediaType = asText(cmt);
  const encoding = get(schema, 'contentEncoding');
  if (encoding !== undefined && asText(encoding) === 'binary') type.binary = true;
}

/** CommonFixture.checkAllOfForBbox: NPE on an allOf element without "format". */
function allOfBbox(schema: unknown, where: string): boolean {
  const allOf = get(schema, 'allOf');
  if (!Array.isArray(allOf)) return false;
  for (const element of allOf) {
    const format = get(element, 'format');
    if (format === undefined) throw new SuiteSetupError(`NullPointerException in checkAllOfForBbox: an allOf element of ${where} has no "format"`);
    if (asText(format) === 'ogc-bbox') return true;
  }
  return false;
}

/** CommonFixture.createInput. */
function createInput(schema: unknown, id: string): SuiteInput {
  const input: SuiteInput = { id, types: [], bbox: false };
  const where = `inputs.${id}.schema`;
  if (!isObj(schema)) return input; // a boolean or null schema: JsonNode.get finds nothing
  const typeNode = schema.type;
  if (typeNode !== undefined) {
    const type: SuiteType = { def: asText(typeNode), binary: false };
    if (type.def === 'object') {
      if (hasBboxProperty(schema)) input.bbox = true;
    } else if (type.def === 'string') stringType(schema, type, input);
    else if (type.def === 'array') {
      const itemsType = get(schema.items, 'type');
      if (itemsType !== undefined) input.types.push({ def: asText(itemsType), binary: false });
    }
    input.types.push(type);
    return input;
  }
  const oneOf = schema.oneOf;
  if (oneOf !== undefined) {
    if (!Array.isArray(oneOf)) return input;
    for (const child of oneOf) {
      const childType = get(child, 'type');
      if (childType === undefined) continue;
      const type: SuiteType = { def: asText(childType), binary: false };
      if (type.def === 'object') {
        if (hasBboxProperty(child)) input.bbox = true;
      } else if (type.def === 'string') stringType(child, type, null);
      else if (type.def === 'array') {
        const itemsType = get(get(child, 'items'), 'type');
        if (itemsType !== undefined) input.types.push({ def: asText(itemsType), binary: false });
      }
      input.types.push(type);
    }
    return input;
  }
  if (allOfBbox(schema, where)) input.bbox = true;
  return input;
}

/** CommonFixture.createOutput. */
function createOutput(schema: unknown, id: string): SuiteOutput {
  const output: SuiteOutput = { id, types: [], bbox: false };
  if (!isObj(schema)) return output;
  if (schema.type !== undefined) {
    if (asText(schema.type) === 'array') output.types.push({ def: 'array', binary: false });
  } else if (allOfBbox(schema, `outputs.${id}.schema`)) output.bbox = true;
  return output;
}

/** Jobs.parseEchoProcess: a map of inputs/outputs is read in document order; an array is ignored; absent is an NPE. */
function parseDescriptions<T>(description: Obj, key: 'inputs' | 'outputs', create: (schema: unknown, id: string) => T): T[] {
  const node = description[key];
  if (node === undefined || node === null) throw new SuiteSetupError(`NullPointerException: the process description has no "${key}"`);
  if (!isObj(node)) return [];
  return Object.entries(node).map(([id, d]) => {
    const schema = get(d, 'schema');
    if (schema === undefined) throw new SuiteSetupError(`NullPointerException: ${key}.${id} has no "schema"`);
    return create(schema, id);
  });
}

function modeOf(description: Obj): Mode {
  const jco = description.jobControlOptions;
  if (!Array.isArray(jco)) return null;
  const sync = jco.some((o) => asText(o) === 'sync-execute');
  const async = jco.some((o) => asText(o) === 'async-execute');
  return sync && async ? 'EITHER' : sync ? 'ONLY_SYNC' : async ? 'ONLY_ASYNC' : null;
}

async function getDescription(ctx: Context): Promise<Obj> {
  const res = await ctx.get(`${ctx.base}/processes/${ctx.echoId}`, { accept: 'application/json' });
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    throw new SuiteSetupError(`Could not parse echo process: ${describeResponse(res)} is not JSON`);
  }
  if (!isObj(body)) throw new SuiteSetupError(`NullPointerException: ${describeResponse(res)} is not a JSON object`);
  return body;
}

/** Jobs.setup (@BeforeClass): when it fails, TestNG skips every test of the class. */
export function suite(ctx: Context): Promise<Suite> {
  return ctx.memo('ets-jobs-suite', async () => {
    try {
      const description = await getDescription(ctx);
      const inputs = parseDescriptions(description, 'inputs', createInput);
      const outputs = parseDescriptions(description, 'outputs', createOutput);
      return { inputs, outputs, mode: modeOf(description), executeUrl: `${ctx.base}/processes/${ctx.echoId}/execution`, attempts: 0 };
    } catch (e) {
      if (e instanceof SuiteSetupError) fail(`the suite's Jobs setup fails ("Could set up endpoint", ${e.message}), so TestNG skips every Jobs test`);
      throw e;
    }
  });
}

/** Jobs.echoProcessSupportsAsync: the description read again, async-execute in jobControlOptions. */
export async function supportsAsync(ctx: Context): Promise<boolean> {
  try {
    const jco = (await getDescription(ctx)).jobControlOptions;
    return Array.isArray(jco) && jco.some((o) => asText(o) === 'async-execute');
  } catch {
    return false;
  }
}

// ---- the request builders of Jobs.java ----

const BOGUS_BBOX = { crs: 'urn:ogc:def:crs:EPSG:6.6:4326', bbox: [345345345, 345345345, 345345345, 345345345] };
export const VALUE_OUTPUT = { transmissionMode: 'value' };

/** Jobs.addInput: plain strings get "teststring", bbox inputs a bogus bbox, objects {"value": "teststring"}, the rest nothing. */
export function addInput(input: SuiteInput, inputs: Obj): void {
  for (const type of input.types) {
    if (type.def === 'string') {
      if (input.format === undefined && type.contentMediaType === undefined) inputs[input.id] = TEST_STRING;
    } else if (input.bbox) inputs[input.id] = { ...BOGUS_BBOX, bbox: [...BOGUS_BBOX.bbox] };
    else if (type.def === 'object') addObjectInput(input, inputs);
  }
}

function addObjectInput(input: SuiteInput, inputs: Obj): void {
  inputs[input.id] = { value: TEST_STRING };
}

export function allOutputs(s: Suite): Obj {
  return Object.fromEntries(s.outputs.map((o) => [o.id, { ...VALUE_OUTPUT }]));
}

/** Jobs.createExecuteJsonNode (with `response` when given). */
export function defaultBody(s: Suite, response?: 'raw' | 'document'): Obj {
  const inputs: Obj = {};
  for (const input of s.inputs) addInput(input, inputs);
  if (Object.keys(inputs).length === 0) fail('No supported input found. Only plain string input is supported. (the suite gives no value to any input of this description)');
  return { inputs, outputs: allOutputs(s), ...(response ? { response } : {}) };
}

/** Jobs.createExecuteJsonNodeNoOutputs. */
export function noOutputsBody(s: Suite): Obj {
  const inputs: Obj = {};
  for (const input of s.inputs) addInput(input, inputs);
  return { inputs };
}

/**
 * The builders that give the first input matching `special` a special value and every other input
 * the addInput value (createExecuteJsonNodeWith{Object,MixedInput,BinaryInput,Href} and the Raw*
 * builders). Returns the inputs and the id of the special input, if any.
 */
export function specialInputs(s: Suite, special: (i: SuiteInput) => boolean, value: (i: SuiteInput, inputs: Obj) => void): { inputs: Obj; found?: string } {
  const inputs: Obj = {};
  let found: string | undefined;
  for (const input of s.inputs) {
    if (found === undefined && special(input)) {
      value(input, inputs);
      found = input.id;
    } else addInput(input, inputs);
  }
  return { inputs, found };
}

const isObjectInput = (i: SuiteInput) => i.types.some((t) => t.def === 'object');
export const isBinaryInput = (i: SuiteInput) => i.types.some((t) => t.binary);

/** createExecuteJsonNodeWithObject / WithMixedInput / RawMixedMulti / RawRef / RawValueMulti (the same code). */
export function objectBody(s: Suite): { body: Obj; found?: string } {
  const { inputs, found } = specialInputs(s, isObjectInput, addObjectInput);
  return { body: { inputs, outputs: allOutputs(s) }, found };
}

/** `format.mediaType` only when the input's contentMediaType contains "tiff" (addBinaryInput, addHrefInput). */
export function tiffFormat(input: SuiteInput): Obj {
  const format: Obj = {};
  for (const type of input.types) if (type.def === 'string' && type.contentMediaType?.includes('tiff')) format.mediaType = type.contentMediaType;
  return format;
}

/** addBinaryInput as it would run with its test data (testgeotiff.tiff) on the class path. */
export function addBinaryInput(input: SuiteInput, inputs: Obj): void {
  inputs[input.id] = { value: TEST_GEOTIFF.toString('base64'), format: { ...tiffFormat(input), encoding: 'base64' } };
}

/** Jobs.createExecuteJsonNodeOneOutput: every input (addInput), only the output with the first input's id, raw. */
export function oneOutputBody(s: Suite): Obj {
  const first = s.inputs[0];
  if (!first) fail('IndexOutOfBoundsException: the process has no inputs');
  const inputs: Obj = {};
  for (const input of s.inputs) addInput(input, inputs);
  const output = s.outputs.find((o) => o.id === first.id);
  return { inputs, outputs: output ? { [output.id]: { ...VALUE_OUTPUT } } : {}, response: 'raw' };
}

/** The request a check sent, for its note: the input and output ids and the response mode. */
export function sent(body: Obj): string {
  const inputs = isObj(body.inputs) ? Object.keys(body.inputs) : [];
  const outputs = isObj(body.outputs) ? Object.keys(body.outputs) : undefined;
  return `inputs {${inputs.join(', ')}}${outputs ? `, outputs {${outputs.join(', ')}}` : ', no outputs'}${body.response ? `, response ${String(body.response)}` : ''}`;
}
