// The echo process the execution tests run: what its description offers (read, not assumed) and
// execute request bodies built from it.
import { TEST_STRING } from './constants.ts';
import type { Context } from './context.ts';
import { describeResponse, expectObject, expectStatus, fail, skip } from './lib/assert.ts';
import { isBinarySchema, isPlainStringSchema, sampleValue } from './lib/values.ts';
import { isObj, type Obj } from './lib/util.ts';

export interface EchoProfile {
  id: string;
  description: Obj;
  inputs: Record<string, Obj>;
  outputs: Record<string, Obj>;
  /** A plain string input (the value is echoed). */
  stringInput?: string;
  /** The output expected to carry the echoed string. */
  echoOutput?: string;
  /** Integer input making the job wait that many seconds first. */
  pauseInput?: string;
  /** Boolean input making the job fail. */
  failInput?: string;
  sync: boolean;
  async: boolean;
  dismiss: boolean;
  value: boolean;
  reference: boolean;
}

/** Inputs/outputs as an id → description map (also accepts the pre-1.0 array form, for the checks to go on). */
function asMap(v: unknown): Record<string, Obj> {
  if (isObj(v)) return Object.fromEntries(Object.entries(v).filter((e): e is [string, Obj] => isObj(e[1])));
  if (Array.isArray(v)) return Object.fromEntries(v.filter(isObj).filter((d) => typeof d.id === 'string').map((d) => [d.id as string, d]));
  return {};
}

function schemaType(d: Obj | undefined): unknown {
  return isObj(d?.schema) ? d.schema.type : undefined;
}

export function profileOf(id: string, description: Obj): EchoProfile {
  const inputs = asMap(description.inputs);
  const outputs = asMap(description.outputs);
  const plain = Object.keys(inputs).filter((k) => isPlainStringSchema(inputs[k].schema));
  const stringInput = plain.includes('message') ? 'message' : plain[0];
  const outputIds = Object.keys(outputs);
  const echoOutput =
    (stringInput !== undefined && outputs[stringInput] ? stringInput : undefined) ??
    (outputs.message ? 'message' : undefined) ??
    outputIds.find((k) => schemaType(outputs[k]) === 'string') ??
    outputIds[0];
  const find = (names: string[], types: string[]) => names.find((n) => inputs[n] && types.includes(String(schemaType(inputs[n]))));
  const jco = Array.isArray(description.jobControlOptions) ? description.jobControlOptions : ['sync-execute'];
  const ot = Array.isArray(description.outputTransmission) ? description.outputTransmission : ['value'];
  return {
    id,
    description,
    inputs,
    outputs,
    stringInput,
    echoOutput,
    pauseInput: find(['pause', 'delay', 'sleep'], ['integer', 'number']),
    failInput: find(['fail', 'error', 'raise'], ['boolean']),
    sync: jco.includes('sync-execute'),
    async: jco.includes('async-execute'),
    dismiss: jco.includes('dismiss'),
    value: ot.includes('value'),
    reference: ot.includes('reference'),
  };
}

/** The echo process profile (fails every check that needs it when its description is unusable). */
export function echo(ctx: Context): Promise<EchoProfile> {
  return ctx.memo('echo', async () => {
    const res = await ctx.get(`/processes/${encodeURIComponent(ctx.echoId)}`);
    if (res.status === 404) fail(`${describeResponse(res)}: the server has no process "${ctx.echoId}" to execute (use --echo)`);
    expectStatus(res, 200);
    return profileOf(ctx.echoId, expectObject(res));
  });
}

/** The echo profile, demanding a plain string input and an output to echo it. */
export async function echoWithString(ctx: Context): Promise<EchoProfile & { stringInput: string; echoOutput: string }> {
  const p = await echo(ctx);
  if (p.stringInput === undefined) fail(`process ${p.id} has no plain string input (type string without format/contentMediaType) to send "${TEST_STRING}" to`);
  if (p.echoOutput === undefined) fail(`process ${p.id} has no output`);
  return p as EchoProfile & { stringInput: string; echoOutput: string };
}

export function requireAsync(p: EchoProfile): void {
  if (!p.async) skip(`process ${p.id} does not offer async-execute`);
}

export function requireSync(p: EchoProfile): void {
  if (!p.sync) skip(`process ${p.id} does not offer sync-execute`);
}

export function requireValue(p: EchoProfile): void {
  if (!p.value) skip(`process ${p.id} does not offer outputTransmission value`);
}

export function requireReference(p: EchoProfile): void {
  if (!p.reference) skip(`process ${p.id} does not offer outputTransmission reference`);
}

/** Whether an input can be given a sample value simply: not a file (binary, or with a media type). */
function fillable(d: Obj): boolean {
  const schemas = [d.schema, ...(isObj(d.schema) && Array.isArray(d.schema.oneOf) ? d.schema.oneOf : [])];
  return schemas.every((s) => !isBinarySchema(s) && !(isObj(s) && s.contentMediaType !== undefined));
}

/**
 * The echo output and one other that the execution will produce: the multi-output rows need two
 * outputs that come back. An echo returns an input as the output of the same id, and such an output
 * is only produced when its input is given (inputsProducing gives it), so outputs whose same-id input
 * takes a simple value come first, then outputs without such an input, and outputs whose same-id
 * input is a file last.
 */
export function twoOutputs(p: EchoProfile & { echoOutput: string }): [string, string] {
  const rank = (k: string) => (p.inputs[k] === undefined ? 1 : fillable(p.inputs[k]) ? 0 : 2);
  const other = Object.keys(p.outputs)
    .filter((k) => k !== p.echoOutput)
    .sort((a, b) => rank(a) - rank(b))[0];
  if (other === undefined) skip(`process ${p.id} has ${Object.keys(p.outputs).length} output(s); requesting several raw outputs needs at least 2`);
  return [p.echoOutput, other];
}

/** Sample values for the optional inputs that share an id with one of `outputs` (so those outputs are produced). */
export function inputsProducing(p: EchoProfile, outputs: string[]): Obj {
  const out: Obj = {};
  for (const id of outputs) {
    const d = p.inputs[id];
    if (d === undefined || id === p.stringInput || minOccurs(d) >= 1) continue;
    out[id] = sampleValue(d.schema);
  }
  return out;
}

function minOccurs(d: Obj): number {
  return typeof d.minOccurs === 'number' ? d.minOccurs : 1;
}

/** Values for every required input other than the string input. */
export function requiredInputs(p: EchoProfile, except: string[] = []): Obj {
  const out: Obj = {};
  for (const [id, d] of Object.entries(p.inputs)) {
    if (id === p.stringInput || except.includes(id) || minOccurs(d) < 1) continue;
    out[id] = sampleValue(d.schema);
  }
  return out;
}

export interface BodyOptions {
  /** The string input's value (default the test string); undefined in `inputs` to leave it out. */
  value?: unknown;
  /** Further inputs (override the generated ones). */
  inputs?: Obj;
  /** Outputs to request: a map, or the echo output alone with this transmission mode. */
  outputs?: Record<string, Obj> | 'value' | 'reference';
  response?: 'raw' | 'document';
  subscriber?: Obj;
  /** Leave the string input out. */
  omitString?: boolean;
}

export function executeBody(p: EchoProfile, opts: BodyOptions = {}): Obj {
  const inputs: Obj = { ...requiredInputs(p, Object.keys(opts.inputs ?? {})) };
  if (p.stringInput !== undefined && !opts.omitString) inputs[p.stringInput] = opts.value ?? TEST_STRING;
  Object.assign(inputs, opts.inputs);
  const body: Obj = { inputs };
  if (typeof opts.outputs === 'string') {
    if (p.echoOutput !== undefined) body.outputs = { [p.echoOutput]: { transmissionMode: opts.outputs } };
  } else if (opts.outputs) body.outputs = opts.outputs;
  if (opts.response) body.response = opts.response;
  if (opts.subscriber) body.subscriber = opts.subscriber;
  return body;
}
