// OGC API process descriptions (the v1.0 JSON this server already makes from job types, deployed
// packages and CWL) as WPS process descriptions: one neutral model of literal, complex and
// bounding-box parameters, written as WPS 2.0 ProcessOfferings and WPS 1.0.0 ProcessDescriptions
// (with the XSDs' traps: 2.0 puts Title before Identifier and leaves LiteralDataDomain
// unqualified; 1.0.0 leaves ProcessDescription, DataInputs and friends unqualified). Pure.
import { el, tx } from './xml-write.ts';

export type WpsParam =
  | { kind: 'literal'; id: string; title: string; abstract?: string; minOccurs: number; maxOccurs: number | 'unbounded'; dataType: 'string' | 'integer' | 'double' | 'boolean'; allowed?: string[]; default?: string }
  | { kind: 'complex'; id: string; title: string; abstract?: string; minOccurs: number; maxOccurs: number | 'unbounded'; formats: string[] }
  | { kind: 'bbox'; id: string; title: string; abstract?: string; minOccurs: number; maxOccurs: number | 'unbounded'; crs: string[] };

export interface WpsProcess {
  id: string;
  version: string;
  title: string;
  abstract?: string;
  keywords: string[];
  jobControlOptions: string[];
  outputTransmission: string[];
  inputs: WpsParam[];
  outputs: WpsParam[];
}

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const XS = 'http://www.w3.org/2001/XMLSchema#';

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The media types of a file schema (binary content), or null when the schema is not one. */
function fileFormats(schema: any): string[] | null {
  if (!isObject(schema)) return null;
  const alts = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(alts)) {
    const each = alts.map(fileFormats);
    return each.every((x) => x !== null) ? [...new Set(each.flat() as string[])] : null;
  }
  const binary = schema.format === 'binary' || schema.format === 'byte' || typeof schema.contentMediaType === 'string' || typeof schema.contentEncoding === 'string';
  return binary ? (typeof schema.contentMediaType === 'string' ? [schema.contentMediaType] : []) : null;
}

/** A bounding-box schema (OGC bbox: `format: ogc-bbox`, or an object with a `bbox` array). */
export function isBboxSchema(schema: any): boolean {
  return isObject(schema) && (schema.format === 'ogc-bbox' || (schema.type === 'object' && isObject(schema.properties?.bbox)));
}

function param(id: string, d: Record<string, any>, isInput: boolean): WpsParam {
  let schema = d.schema ?? {};
  let maxOccurs: number | 'unbounded' = isInput ? (d.maxOccurs === 'unbounded' ? 'unbounded' : Number(d.maxOccurs ?? 1)) : 1;
  // An array of values is several occurrences of one value in WPS.
  if (isObject(schema) && schema.type === 'array' && isObject(schema.items)) {
    schema = schema.items;
    maxOccurs = 'unbounded';
  }
  const common = { id, title: typeof d.title === 'string' ? d.title : id, ...(typeof d.description === 'string' ? { abstract: d.description } : {}), minOccurs: isInput ? Number(d.minOccurs ?? 1) : 1, maxOccurs };
  if (isBboxSchema(schema)) return { kind: 'bbox', ...common, crs: [CRS84, 'http://www.opengis.net/def/crs/EPSG/0/4326'] };
  const files = fileFormats(schema);
  if (files) return { kind: 'complex', ...common, formats: files.length ? files : ['application/octet-stream'] };
  if (isObject(schema) && (schema.type === 'object' || (!schema.type && !schema.enum))) return { kind: 'complex', ...common, formats: ['application/json'] };
  const t = isObject(schema) ? schema.type : undefined;
  const dataType = t === 'integer' ? 'integer' : t === 'number' ? 'double' : t === 'boolean' ? 'boolean' : 'string';
  return {
    kind: 'literal', ...common, dataType,
    ...(Array.isArray(schema.enum) ? { allowed: schema.enum.map(String) } : {}),
    ...(schema.default !== undefined ? { default: String(schema.default) } : {}),
  };
}

/** An OGC API v1.0 process description (JSON) as the WPS model. */
export function wpsProcess(d: Record<string, any>): WpsProcess {
  return {
    id: String(d.id),
    version: String(d.version ?? '1.0.0'),
    title: typeof d.title === 'string' ? d.title : String(d.id),
    ...(typeof d.description === 'string' ? { abstract: d.description } : {}),
    keywords: Array.isArray(d.keywords) ? d.keywords.map(String) : [],
    jobControlOptions: Array.isArray(d.jobControlOptions) ? d.jobControlOptions : ['sync-execute', 'async-execute'],
    outputTransmission: Array.isArray(d.outputTransmission) ? d.outputTransmission : ['value', 'reference'],
    inputs: Object.entries<Record<string, any>>(d.inputs ?? {}).map(([id, x]) => param(id, x, true)),
    outputs: Object.entries<Record<string, any>>(d.outputs ?? {}).map(([id, x]) => param(id, x, false)),
  };
}

// ---- WPS 2.0 ----

const keywords2 = (k: string[]) => (k.length ? el('ows:Keywords', {}, ...k.map((w) => tx('ows:Keyword', w))) : '');

function describe2(p: WpsParam, isInput: boolean): string {
  let data: string;
  if (p.kind === 'literal') {
    const domain = el('LiteralDataDomain', { default: 'true' },
      p.allowed ? el('ows:AllowedValues', {}, ...p.allowed.map((v) => tx('ows:Value', v))) : el('ows:AnyValue'),
      tx('ows:DataType', p.dataType, { 'ows:reference': `${XS}${p.dataType}` }),
      p.default !== undefined ? tx('ows:DefaultValue', p.default) : '');
    data = el('wps:LiteralData', {}, el('wps:Format', { mimeType: 'text/plain', default: 'true' }), el('wps:Format', { mimeType: 'text/xml' }), domain);
  } else if (p.kind === 'complex') {
    data = el('wps:ComplexData', {}, ...p.formats.map((m, i) => el('wps:Format', { mimeType: m, default: i === 0 ? 'true' : undefined })));
  } else {
    data = el('wps:BoundingBoxData', {}, el('wps:Format', { mimeType: 'text/xml', default: 'true' }), ...p.crs.map((c, i) => tx('wps:SupportedCRS', c, { default: i === 0 ? 'true' : undefined })));
  }
  const name = isInput ? 'wps:Input' : 'wps:Output';
  const occurs = isInput ? { minOccurs: p.minOccurs, maxOccurs: p.maxOccurs } : {};
  return el(name, occurs, tx('ows:Title', p.title), p.abstract ? tx('ows:Abstract', p.abstract) : '', tx('ows:Identifier', p.id), data);
}

export function offering2(p: WpsProcess): string {
  return el('wps:ProcessOffering', { jobControlOptions: p.jobControlOptions.join(' '), outputTransmission: p.outputTransmission.join(' '), processVersion: p.version, processModel: 'native' },
    el('wps:Process', {}, tx('ows:Title', p.title), p.abstract ? tx('ows:Abstract', p.abstract) : '', keywords2(p.keywords), tx('ows:Identifier', p.id),
      ...p.inputs.map((i) => describe2(i, true)), ...p.outputs.map((o) => describe2(o, false))));
}

export function summary2(p: WpsProcess): string {
  return el('wps:ProcessSummary', { jobControlOptions: p.jobControlOptions.join(' '), outputTransmission: p.outputTransmission.join(' '), processVersion: p.version, processModel: 'native' },
    tx('ows:Title', p.title), p.abstract ? tx('ows:Abstract', p.abstract) : '', keywords2(p.keywords), tx('ows:Identifier', p.id));
}

// ---- WPS 1.0.0 ----

const DT1: Record<string, string> = { string: 'string', integer: 'integer', double: 'double', boolean: 'boolean' };

function describe1(p: WpsParam, isInput: boolean): string {
  const head = [tx('ows:Identifier', p.id), tx('ows:Title', p.title), p.abstract ? tx('ows:Abstract', p.abstract) : ''];
  let data: string;
  if (p.kind === 'literal') {
    const domain = [tx('ows:DataType', DT1[p.dataType], { 'ows:reference': `${XS}${p.dataType}` }), ...(isInput ? [p.allowed ? el('ows:AllowedValues', {}, ...p.allowed.map((v) => tx('ows:Value', v))) : el('ows:AnyValue'), p.default !== undefined ? tx('DefaultValue', p.default) : ''] : [])];
    data = el(isInput ? 'LiteralData' : 'LiteralOutput', {}, ...domain);
  } else if (p.kind === 'complex') {
    const fmt = (m: string) => el('Format', {}, tx('MimeType', m));
    data = el(isInput ? 'ComplexData' : 'ComplexOutput', {}, el('Default', {}, fmt(p.formats[0])), el('Supported', {}, ...p.formats.map(fmt)));
  } else {
    data = el(isInput ? 'BoundingBoxData' : 'BoundingBoxOutput', {}, el('Default', {}, tx('CRS', p.crs[0])), el('Supported', {}, ...p.crs.map((c) => tx('CRS', c))));
  }
  return isInput ? el('Input', { minOccurs: p.minOccurs, maxOccurs: p.maxOccurs === 'unbounded' ? 1000 : p.maxOccurs }, ...head, data) : el('Output', {}, ...head, data);
}

export function description1(p: WpsProcess): string {
  return el('ProcessDescription', { 'wps:processVersion': p.version, storeSupported: 'true', statusSupported: String(p.jobControlOptions.includes('async-execute')) },
    tx('ows:Identifier', p.id), tx('ows:Title', p.title), p.abstract ? tx('ows:Abstract', p.abstract) : '',
    p.inputs.length ? el('DataInputs', {}, ...p.inputs.map((i) => describe1(i, true))) : '',
    el('ProcessOutputs', {}, ...p.outputs.map((o) => describe1(o, false))));
}

export function brief1(p: WpsProcess): string {
  return el('wps:Process', { 'wps:processVersion': p.version }, tx('ows:Identifier', p.id), tx('ows:Title', p.title), p.abstract ? tx('ows:Abstract', p.abstract) : '');
}
