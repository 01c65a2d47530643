// A process description's HTML page: what the process is, its inputs and outputs as tables (type,
// media types, occurrences, read from each JSON Schema), and an example execute request made from
// those schemas, with the curl command that sends it.
import { a, esc, facts, page, table } from '../../src/http/page.ts';
import type { Urls } from '../../src/http/urls.ts';
import { linksSection, render } from './html.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** The alternatives of a schema (oneOf / anyOf), or the schema itself. */
const alternatives = (s: Obj): Obj[] => {
  const alt = (Array.isArray(s.oneOf) ? s.oneOf : Array.isArray(s.anyOf) ? s.anyOf : null)?.filter(isObj);
  return alt?.length && !s.type ? alt : [s];
};

const isFile = (s: Obj) => s.format === 'binary' || s.format === 'byte' || typeof s.contentMediaType === 'string' || typeof s.contentEncoding === 'string';
const isBbox = (s: Obj) => s.format === 'ogc-bbox' || (isObj(s.properties) && isObj(s.properties.bbox) && s.type === 'object');

/** The media types a schema names (contentMediaType anywhere in it). */
export function mediaTypesOf(schema: unknown): string[] {
  const out = new Set<string>();
  const walk = (s: unknown) => {
    if (!isObj(s)) return;
    if (typeof s.contentMediaType === 'string') out.add(s.contentMediaType);
    for (const k of ['oneOf', 'anyOf', 'allOf']) if (Array.isArray(s[k])) (s[k] as unknown[]).forEach(walk);
    if (s.items) walk(s.items);
  };
  walk(schema);
  return [...out];
}

/** A schema's type in a few words: "integer ≥ 1, default 1", "file", "array of number", "one of a, b". */
export function typeOf(schema: unknown): string {
  if (!isObj(schema)) return 'any';
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop() ?? 'any';
  const alts = alternatives(schema);
  if (alts.length > 1) return [...new Set(alts.map(typeOf))].join(' or ');
  const s = schema;
  if (isFile(s)) return 'file';
  if (isBbox(s)) return 'bounding box';
  const extra: string[] = [];
  if (Array.isArray(s.enum)) extra.push(`one of ${s.enum.map((x) => JSON.stringify(x)).join(', ')}`);
  if (typeof s.format === 'string') extra.push(s.format);
  if (typeof s.minimum === 'number') extra.push(`≥ ${s.minimum}`);
  if (typeof s.maximum === 'number') extra.push(`≤ ${s.maximum}`);
  if (s.default !== undefined) extra.push(`default ${JSON.stringify(s.default)}`);
  const base = s.type === 'array' ? `array of ${typeOf(s.items)}` : Array.isArray(s.type) ? s.type.join(' or ') : str(s.type) || 'any';
  return extra.length ? `${base} (${extra.join(', ')})` : base;
}

/** A value a schema accepts, for the example request. */
export function exampleOf(schema: unknown): unknown {
  if (!isObj(schema)) return 'value';
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  const s = alternatives(schema)[0];
  if (isFile(s)) {
    const type = mediaTypesOf(schema)[0];
    return { href: 'https://example.org/input', ...(type ? { type } : {}) };
  }
  if (isBbox(s)) return { bbox: [-180, -90, 180, 90], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84' };
  const min = typeof s.minimum === 'number' ? s.minimum : null;
  switch (Array.isArray(s.type) ? s.type[0] : s.type) {
    case 'integer': return min ?? 1;
    case 'number': return min ?? 1.5;
    case 'boolean': return false;
    case 'array': return [exampleOf(s.items)];
    case 'object': return {};
    case 'string': return 'text';
    default: return 'value';
  }
}

const occurrences = (d: Obj) => {
  const min = typeof d.minOccurs === 'number' ? d.minOccurs : 1;
  const max = d.maxOccurs === 'unbounded' ? '∞' : typeof d.maxOccurs === 'number' ? d.maxOccurs : 1;
  return min === max ? String(min) : `${min}–${max}`;
};

const titled = (id: string, d: Obj) => {
  const title = str(d.title);
  const description = str(d.description);
  return `${title && title !== id ? esc(title) : ''}${description ? `${title && title !== id ? '<br>' : ''}<span class="muted">${esc(description)}</span>` : ''}`;
};

/** JSON with two-space indents, but arrays of plain values on one line ("bbox": [-180, -90, 180, 90]). */
export function pretty(v: unknown, indent = ''): string {
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) return `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const inner = `${indent}  `;
  const items = Array.isArray(v) ? v.map((x) => inner + pretty(x, inner)) : Object.entries(v).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${pretty(x, inner)}`);
  const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
  return items.length ? `${open}\n${items.join(',\n')}\n${indent}${close}` : `${open}${close}`;
}

/** Metadata entries as "title (role)", links as anchors. */
const metadataHtml = (list: unknown[]) => `<ul>${list.map((m) => {
  if (!isObj(m)) return `<li>${render(m)}</li>`;
  const role = m.role ? ` <span class="muted">(${esc(str(m.role))})</span>` : '';
  if (typeof m.href === 'string') return `<li>${a(m.href, str(m.title ?? m.href), { rel: m.rel ? str(m.rel) : undefined })}${role}</li>`;
  if (m.title !== undefined || m.value !== undefined) return `<li>${esc(str(m.title ?? ''))}${m.value !== undefined ? `${m.title !== undefined ? ': ' : ''}${render(m.value)}` : ''}${role}</li>`;
  return `<li>${render(m)}</li>`;
}).join('')}</ul>`;

const mediaCell = (schema: unknown) => mediaTypesOf(schema).map((t) => `<code>${esc(t)}</code>`).join(' ');

/** The example execute request: every input with a value of its schema. */
export function exampleRequest(d: Obj): Obj {
  const inputs = isObj(d.inputs) ? d.inputs : {};
  return { inputs: Object.fromEntries(Object.entries(inputs).filter(([, v]) => isObj(v)).map(([k, v]) => [k, exampleOf((v as Obj).schema)])) };
}

export function processHtml(u: Urls, d: Obj): string {
  const id = str(d.id);
  const path = `/processes/${encodeURIComponent(id)}`;
  const inputs = Object.entries(isObj(d.inputs) ? d.inputs : {}).filter((e): e is [string, Obj] => isObj(e[1]));
  const outputs = Object.entries(isObj(d.outputs) ? d.outputs : {}).filter((e): e is [string, Obj] => isObj(e[1]));
  const links = (Array.isArray(d.links) ? d.links : []).filter((l): l is { href: string; rel?: string; type?: string; title?: string } => isObj(l) && typeof l.href === 'string');
  const packageLink = links.find((l) => str(l.rel).endsWith('/application-package'));
  const executeUrl = links.find((l) => str(l.rel).endsWith('/execute'))?.href ?? u.to(`${path}/execution`);
  const body = pretty(exampleRequest(d));
  const async = Array.isArray(d.jobControlOptions) && d.jobControlOptions.includes('async-execute');
  const curl = `curl -s ${executeUrl} \\\n  -H 'Content-Type: application/json'${async ? " -H 'Prefer: respond-async'" : ''} \\\n  -d '${body.replace(/'/g, "'\\''")}'`;
  const main = [
    d.description ? `<p class="lead">${esc(str(d.description))}</p>` : '',
    `<section class="panel">${facts([
      ['Id', `<code>${esc(id)}</code>`],
      ['Version', esc(str(d.version))],
      ['Job control', (Array.isArray(d.jobControlOptions) ? d.jobControlOptions : []).map((x) => `<span class="tag">${esc(str(x))}</span>`).join('')],
      ['Output transmission', (Array.isArray(d.outputTransmission) ? d.outputTransmission : []).map((x) => `<span class="tag">${esc(str(x))}</span>`).join('')],
      ['Keywords', (Array.isArray(d.keywords) ? d.keywords : []).map((x) => `<span class="tag">${esc(str(x))}</span>`).join('')],
      ['Package', packageLink ? a(packageLink.href, 'the deployed package', { type: packageLink.type }) : 'none: a job type of this server'],
      ['Mutable', d.mutable === true ? 'yes: it can be replaced and undeployed (Part 2)' : 'no: a built-in process'],
      ['Metadata', Array.isArray(d.metadata) && d.metadata.length ? metadataHtml(d.metadata) : ''],
      ['Jobs', a(u.to('/jobs', { processID: id, f: 'html' }), `the jobs of ${id}`)],
    ])}</section>`,
    `<section class="panel"><h2>Inputs</h2>${inputs.length ? table(['Id', 'Title', 'Type', 'Media types', 'Occurs'], inputs.map(([k, v]) => [`<code>${esc(k)}</code>`, titled(k, v), esc(typeOf(v.schema)), mediaCell(v.schema), [esc(occurrences(v)), 'num']])) : '<p class="muted">none</p>'}</section>`,
    `<section class="panel"><h2>Outputs</h2>${outputs.length ? table(['Id', 'Title', 'Type', 'Media types'], outputs.map(([k, v]) => [`<code>${esc(k)}</code>`, titled(k, v), esc(typeOf(v.schema)), mediaCell(v.schema)])) : '<p class="muted">none</p>'}</section>`,
    `<section class="panel"><h2>Execute</h2><p>${a(executeUrl, `POST ${executeUrl}`, { rel: 'http://www.opengis.net/def/rel/ogc/1.0/execute' })} with a JSON body such as this one (inputs whose least occurrence is 0 may be left out${async ? '; <code>Prefer: respond-async</code> starts a job and answers at once with its status' : ''}):</p>`
      + `<pre class="example">${esc(body)}</pre><p>With curl:</p><pre>${esc(curl)}</pre></section>`,
    linksSection(links.filter((l) => l.rel !== 'self' && l.rel !== 'alternate')),
  ].join('');
  return page({
    base: u.base, title: str(d.title) || id, crumbs: [['Home', u.to('/', { f: 'html' })], ['Processes', u.to('/processes', { f: 'html' })]],
    main, alternates: [['JSON', u.to(path, { f: 'json' }), 'application/json']],
  });
}
