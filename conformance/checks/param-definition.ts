// Query parameter definitions (A.9, A.65-A.70): the server accepts the parameter, and, when it
// serves an OpenAPI document, the operation declares it with the schema the standard gives.
import type { Context } from '../context.ts';
import { expect, expectStatus, fail } from '../lib/assert.ts';
import { type ApiDoc, deref, operationFor, parameterSchema, queryParameter } from '../lib/openapi.ts';
import { isObj, type Obj } from '../lib/util.ts';
import { optionalApiDoc } from '../resources.ts';

/** Returns a problem with the parameter's schema, or undefined. */
export type SchemaRule = (schema: Obj, api: ApiDoc) => string | undefined;

export const integerMin1: SchemaRule = (s) => {
  if (s.type !== 'integer') return `type is ${JSON.stringify(s.type)}, expected integer`;
  if (typeof s.minimum !== 'number' || s.minimum < 1) return `minimum is ${JSON.stringify(s.minimum)}, expected at least 1`;
  if (typeof s.maximum === 'number' && s.maximum < s.minimum) return `maximum ${s.maximum} is below minimum ${s.minimum}`;
  return undefined;
};

export const stringType: SchemaRule = (s) => (s.type === 'string' ? undefined : `type is ${JSON.stringify(s.type)}, expected string`);

export function arrayOf(itemType: 'string' | 'integer'): SchemaRule {
  return (s, api) => {
    if (s.type !== 'array') return `type is ${JSON.stringify(s.type)}, expected array (of ${itemType})`;
    const items = deref(api, s.items).value;
    if (!isObj(items) || items.type !== itemType) return `items are ${JSON.stringify(isObj(items) ? items.type : items)}, expected ${itemType}`;
    return undefined;
  };
}

export async function checkQueryParameter(ctx: Context, path: string, name: string, probe: string, rule: SchemaRule): Promise<string | void> {
  expectStatus(await ctx.get(`${path}?${name}=${encodeURIComponent(probe)}`), 200);
  const api = await optionalApiDoc(ctx);
  if (!api) return `no readable OpenAPI document: only checked that ${path} accepts ${name}`;
  const op = operationFor(api, 'get', path);
  expect(op, `the OpenAPI document has no GET ${path}`);
  const param = queryParameter(api, op, name);
  expect(param, `GET ${op.template} declares no query parameter ${name}`);
  expect(param.required !== true, `query parameter ${name} of GET ${op.template} is required`);
  const schema = parameterSchema(api, param);
  expect(schema, `query parameter ${name} of GET ${op.template} has no schema`);
  const problem = rule(schema, api);
  if (problem) fail(`query parameter ${name} of GET ${op.template}: ${problem}`);
}
