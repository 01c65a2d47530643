// A structural check that a document is an OpenAPI 3.0 definition: version, info, paths,
// operations with responses, parameters, path templates covered, every $ref resolvable.
import { type ApiDoc, deref, METHODS, paths, unresolvedRefs } from './openapi.ts';
import { isObj, type Obj } from './util.ts';

const RESPONSE_KEY = /^([1-5]\d\d|[1-5]XX|default)$/;
const PARAM_IN = ['query', 'header', 'path', 'cookie'];

function checkParameters(api: ApiDoc, where: string, list: unknown, base: string, problems: string[]): Obj[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    problems.push(`${where}: parameters is not an array`);
    return [];
  }
  const out: Obj[] = [];
  for (const [i, raw] of list.entries()) {
    const p = deref(api, raw, base).value;
    if (!isObj(p)) {
      problems.push(`${where}: parameter ${i} does not resolve to an object`);
      continue;
    }
    if (typeof p.name !== 'string') problems.push(`${where}: parameter ${i} has no name`);
    if (typeof p.in !== 'string' || !PARAM_IN.includes(p.in)) problems.push(`${where}: parameter ${String(p.name)} has in=${String(p.in)}`);
    if (p.in === 'path' && p.required !== true) problems.push(`${where}: path parameter ${String(p.name)} is not required: true`);
    if (p.schema === undefined && p.content === undefined) problems.push(`${where}: parameter ${String(p.name)} has neither schema nor content`);
    out.push(p);
  }
  return out;
}

function checkOperation(api: ApiDoc, where: string, op: Obj, base: string, problems: string[]): void {
  const responses = op.responses;
  if (!isObj(responses) || Object.keys(responses).length === 0) {
    problems.push(`${where}: no responses`);
    return;
  }
  for (const [code, raw] of Object.entries(responses)) {
    if (!RESPONSE_KEY.test(code)) problems.push(`${where}: response key ${code} is not a status code, range or default`);
    const r = deref(api, raw, base).value;
    if (!isObj(r)) problems.push(`${where}: response ${code} does not resolve to an object`);
    else if (typeof r.description !== 'string') problems.push(`${where}: response ${code} has no description`);
  }
}

/** Problems that keep `api` from being a structurally valid OpenAPI 3.0 document ([] when none). */
export function openApi30Problems(api: ApiDoc): string[] {
  const problems: string[] = [];
  const doc = api.doc;
  if (typeof doc.openapi !== 'string' || !/^3\.0\.\d+$/.test(doc.openapi)) problems.push(`openapi is ${JSON.stringify(doc.openapi)}, expected 3.0.x`);
  const info = doc.info;
  if (!isObj(info)) problems.push('no info object');
  else {
    if (typeof info.title !== 'string') problems.push('info.title missing');
    if (typeof info.version !== 'string') problems.push('info.version missing');
  }
  if (!isObj(doc.paths)) problems.push('no paths object');
  if (doc.components !== undefined && !isObj(doc.components)) problems.push('components is not an object');
  for (const [template, rawItem] of Object.entries(paths(api))) {
    if (!template.startsWith('/')) problems.push(`path ${template} does not start with /`);
    const { value: item, base } = deref(api, rawItem);
    if (!isObj(item)) {
      problems.push(`path ${template} is not an object`);
      continue;
    }
    const common = checkParameters(api, template, item.parameters, base, problems);
    const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const method of METHODS) {
      const op = item[method];
      if (op === undefined) continue;
      const where = `${method.toUpperCase()} ${template}`;
      if (!isObj(op)) {
        problems.push(`${where} is not an object`);
        continue;
      }
      const own = checkParameters(api, where, op.parameters, base, problems);
      for (const name of names) {
        if (![...common, ...own].some((p) => p.in === 'path' && p.name === name)) problems.push(`${where}: no path parameter for {${name}}`);
      }
      checkOperation(api, where, op, base, problems);
    }
  }
  for (const ref of unresolvedRefs(api)) problems.push(`unresolvable $ref ${ref}`);
  return problems;
}
