// OGC Process Description: every listed process, its inputs and outputs (A.48-A.54).
import type { Context } from '../context.ts';
import { expect, expectValid, fail, skip } from '../lib/assert.ts';
import { isObj, type Obj } from '../lib/util.ts';
import { descriptionBodies } from '../resources.ts';
import type { Check } from '../types.ts';

type Side = 'inputs' | 'outputs';

/** Every input (or output) description of every process, as [label, description]. */
async function entries(ctx: Context, side: Side): Promise<[string, Obj][]> {
  const list = await descriptionBodies(ctx);
  expect(list.length > 0, 'no process description could be read');
  const out: [string, Obj][] = [];
  for (const { id, body } of list) {
    const map = body[side];
    if (map === undefined) continue;
    if (!isObj(map)) fail(`process ${id}: ${side} is ${Array.isArray(map) ? 'an array' : typeof map}, expected an object keyed by ${side === 'inputs' ? 'input' : 'output'} id`);
    for (const [key, d] of Object.entries(map)) {
      if (!isObj(d)) fail(`process ${id}: ${side}.${key} is not an object`);
      out.push([`process ${id} ${side}.${key}`, d]);
    }
  }
  return out;
}

function definitions(side: Side, file: string): (ctx: Context) => Promise<string> {
  return async (ctx) => {
    const list = await entries(ctx, side);
    for (const [label, d] of list) expectValid(file, d, label);
    return `${list.length} ${side}`;
  };
}

function schemas(side: Side): (ctx: Context) => Promise<string> {
  return async (ctx) => {
    const list = await entries(ctx, side);
    for (const [label, d] of list) {
      expect(d.schema !== undefined, `${label} has no schema`);
      expectValid('schema.yaml', d.schema, `${label}.schema`);
    }
    return `${list.length} ${side}`;
  };
}

function mixed(side: Side): (ctx: Context) => Promise<string> {
  return async (ctx) => {
    const list = (await entries(ctx, side)).filter(([, d]) => isObj(d.schema) && Array.isArray(d.schema.oneOf));
    if (list.length === 0) skip(`no ${side === 'inputs' ? 'input' : 'output'} has a mixed-type (oneOf) schema`);
    for (const [label, d] of list) {
      for (const [i, branch] of ((d.schema as Obj).oneOf as unknown[]).entries()) expectValid('schema.yaml', branch, `${label}.schema.oneOf[${i}]`);
    }
    return `${list.length} mixed-type ${side}`;
  };
}

export const processDescriptionChecks: Check[] = [
  {
    id: 'A.48',
    title: '/conf/ogc-process-description/json-encoding',
    cls: 'ogc-process-description',
    async run(ctx) {
      const list = await descriptionBodies(ctx);
      expect(list.length > 0, 'no process description could be read');
      for (const { id, body } of list) expectValid('process.yaml', body, `process description ${id}`);
      return `${list.length} process(es)`;
    },
  },
  { id: 'A.49', title: '/conf/ogc-process-description/inputs-def', cls: 'ogc-process-description', run: definitions('inputs', 'inputDescription.yaml') },
  { id: 'A.50', title: '/conf/ogc-process-description/input-def', cls: 'ogc-process-description', run: schemas('inputs') },
  { id: 'A.51', title: '/conf/ogc-process-description/input-mixed-type', cls: 'ogc-process-description', run: mixed('inputs') },
  { id: 'A.52', title: '/conf/ogc-process-description/outputs-def', cls: 'ogc-process-description', run: definitions('outputs', 'outputDescription.yaml') },
  { id: 'A.53', title: '/conf/ogc-process-description/output-def', cls: 'ogc-process-description', run: schemas('outputs') },
  { id: 'A.54', title: '/conf/ogc-process-description/output-mixed-type', cls: 'ogc-process-description', run: mixed('outputs') },
];
