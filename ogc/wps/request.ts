// WPS requests, from GET KVP (keys case-insensitive, values case-sensitive) or POST XML (the root's
// namespace says the version), into one shape the operations read. Every problem is a WpsError
// with the OWS code and locator REFERENCE.md §4 gives it.
import { WpsError, type WpsVersion } from './errors.ts';
import { attr, child, children, innerXml, NS, type XNode } from './xml.ts';

export interface WpsInput {
  id: string;
  /** A literal's text, or complex content: inline XML, text, or base64 (see encoding). */
  value?: string;
  /** The complex content was XML elements (kept as XML text in `value`). */
  xml?: boolean;
  href?: string;
  mimeType?: string;
  encoding?: string;
  bbox?: { coords: number[]; crs?: string };
}

export interface WpsOutputRequest {
  id: string;
  transmission: 'value' | 'reference';
  mimeType?: string;
}

export interface WpsExecute {
  id: string;
  mode: 'sync' | 'async' | 'auto';
  response: 'document' | 'raw';
  inputs: WpsInput[];
  /** Empty: every output, by value. */
  outputs: WpsOutputRequest[];
  /** WPS 1.0.0: the stored response document and its status updates; lineage echoes inputs and outputs. */
  lineage?: boolean;
}

export type WpsRequest =
  | { op: 'GetCapabilities'; version: WpsVersion }
  | { op: 'DescribeProcess'; version: WpsVersion; ids: string[] }
  | { op: 'Execute'; version: WpsVersion; execute: WpsExecute }
  | { op: 'GetStatus' | 'GetResult' | 'Dismiss'; version: WpsVersion; jobId: string }
  | { op: 'DeployProcess'; version: WpsVersion; xml: XNode }
  | { op: 'UndeployProcess'; version: WpsVersion; id: string };

const OPS = ['GetCapabilities', 'DescribeProcess', 'Execute', 'GetStatus', 'GetResult', 'Dismiss', 'DeployProcess', 'UndeployProcess'];
const VERSIONS: WpsVersion[] = ['2.0.0', '1.0.0'];

/** The version GetCapabilities answers in: AcceptVersions (first one supported), or version, or 2.0.0. */
function capabilitiesVersion(accept: string | undefined, version: string | undefined): WpsVersion {
  if (accept !== undefined) {
    const wanted = accept.split(',').map((v) => v.trim());
    const v = wanted.find((x): x is WpsVersion => VERSIONS.includes(x as WpsVersion));
    if (!v) throw new WpsError('VersionNegotiationFailed', `none of the versions asked for (${accept}) is supported: 2.0.0, 1.0.0`, 'AcceptVersions');
    return v;
  }
  if (version !== undefined) {
    if (!VERSIONS.includes(version as WpsVersion)) throw new WpsError('VersionNegotiationFailed', `version ${version} is not supported: 2.0.0 or 1.0.0`, 'version');
    return version as WpsVersion;
  }
  return '2.0.0';
}

function checkService(service: string | undefined): void {
  if (service === undefined) throw new WpsError('MissingParameterValue', 'the service parameter is required (service=WPS)', 'service');
  if (service !== 'WPS') throw new WpsError('InvalidParameterValue', `service must be WPS, not ${JSON.stringify(service)}`, 'service');
}

function operationVersion(version: string | undefined): WpsVersion {
  if (version === undefined) throw new WpsError('MissingParameterValue', 'the version parameter is required (2.0.0 or 1.0.0)', 'version');
  if (!VERSIONS.includes(version as WpsVersion)) throw new WpsError('InvalidParameterValue', `version ${version} is not supported: 2.0.0 or 1.0.0`, 'version');
  return version as WpsVersion;
}

function operation(name: string | undefined): string {
  if (name === undefined || name === '') throw new WpsError('MissingParameterValue', 'the request parameter is required', 'request');
  const op = OPS.find((o) => o.toLowerCase() === name.toLowerCase());
  if (!op) throw new WpsError('OperationNotSupported', `operation ${JSON.stringify(name)} is not supported`, name);
  return op;
}

// ---- KVP ----

/** GET parameters with lower-cased keys (the last of repeated keys). */
export function kvpOf(query: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(query)) {
    const value = Array.isArray(v) ? v[v.length - 1] : v;
    if (typeof value === 'string') out.set(k.toLowerCase(), value);
  }
  return out;
}

export function fromKvp(q: Map<string, string>): WpsRequest {
  const op = operation(q.get('request'));
  if (op === 'GetCapabilities') {
    checkService(q.get('service'));
    return { op, version: capabilitiesVersion(q.get('acceptversions'), q.get('version')) };
  }
  checkService(q.get('service'));
  const version = operationVersion(q.get('version'));
  if (op === 'DescribeProcess') {
    const ids = (q.get('identifier') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (!ids.length) throw new WpsError('MissingParameterValue', 'the identifier parameter is required (process ids, or ALL)', 'identifier');
    return { op, version, ids };
  }
  if (op === 'GetStatus' || op === 'GetResult' || op === 'Dismiss') {
    if (version !== '2.0.0') throw new WpsError('OperationNotSupported', `${op} is a WPS 2.0 operation`, op);
    const jobId = q.get('jobid');
    if (!jobId) throw new WpsError('MissingParameterValue', 'the jobid parameter is required', 'jobid');
    return { op, version, jobId };
  }
  if (op === 'Execute') {
    if (version !== '1.0.0') throw new WpsError('OperationNotSupported', 'WPS 2.0 has no GET binding for Execute: POST the Execute document', 'request');
    return { op, version, execute: executeFromKvp(q) };
  }
  throw new WpsError('OperationNotSupported', `${op} is available by POST XML only`, op);
}

/** `a=1@uom=m;b=@xlink:href=http%3A…@mimeType=text/xml` (WPS 1.0.0 KVP DataInputs). */
function kvpList(s: string | undefined): { id: string; value: string; attrs: Map<string, string> }[] {
  if (!s) return [];
  return s.split(';').filter(Boolean).map((part) => {
    const [head, ...attrs] = part.split('@');
    const eq = head.indexOf('=');
    const a = new Map<string, string>();
    for (const x of attrs) {
      const i = x.indexOf('=');
      if (i > 0) a.set(x.slice(0, i).toLowerCase(), decodeURIComponent(x.slice(i + 1)));
    }
    return { id: eq < 0 ? head : head.slice(0, eq), value: eq < 0 ? '' : decodeURIComponent(head.slice(eq + 1)), attrs: a };
  });
}

function executeFromKvp(q: Map<string, string>): WpsExecute {
  const id = q.get('identifier');
  if (!id) throw new WpsError('MissingParameterValue', 'the identifier parameter is required', 'identifier');
  const inputs: WpsInput[] = kvpList(q.get('datainputs')).map((i) => {
    const href = i.attrs.get('xlink:href') ?? i.attrs.get('href');
    return { id: i.id, ...(href ? { href } : { value: i.value }), ...(i.attrs.get('mimetype') ? { mimeType: i.attrs.get('mimetype') } : {}), ...(i.attrs.get('encoding') ? { encoding: i.attrs.get('encoding') } : {}) };
  });
  const raw = kvpList(q.get('rawdataoutput'));
  const doc = kvpList(q.get('responsedocument'));
  const store = q.get('storeexecuteresponse') === 'true' && q.get('status') === 'true';
  const outputs = (raw.length ? raw : doc).map((o) => ({ id: o.id, transmission: (o.attrs.get('asreference') === 'true' ? 'reference' : 'value') as WpsOutputRequest['transmission'], ...(o.attrs.get('mimetype') ? { mimeType: o.attrs.get('mimetype') } : {}) }));
  return { id, mode: store ? 'async' : 'sync', response: raw.length ? 'raw' : 'document', inputs, outputs, lineage: q.get('lineage') === 'true' };
}

// ---- XML ----

export function fromXml(root: XNode): WpsRequest {
  const v2 = root.ns === NS.wps2;
  if (!v2 && root.ns !== NS.wps1) throw new WpsError('OperationNotSupported', `${root.local} in namespace ${JSON.stringify(root.ns)} is not a WPS request (WPS 2.0: ${NS.wps2}; WPS 1.0.0: ${NS.wps1})`, root.local);
  const op = operation(root.local);
  const service = attr(root, 'service');
  if (op === 'GetCapabilities') {
    if (service !== undefined) checkService(service);
    const accept = child(root, 'AcceptVersions', NS.ows2, NS.ows1);
    const versions = accept ? children(accept, 'Version', NS.ows2, NS.ows1).map((v) => v.text.trim()).join(',') : undefined;
    return { op, version: capabilitiesVersion(versions, v2 ? '2.0.0' : '1.0.0') };
  }
  checkService(service);
  const version = operationVersion(attr(root, 'version'));
  if (version !== (v2 ? '2.0.0' : '1.0.0')) throw new WpsError('InvalidParameterValue', `version ${version} does not match the request's namespace`, 'version');
  const ows = v2 ? NS.ows2 : NS.ows1;
  const identifiers = children(root, 'Identifier', ows).map((n) => n.text.trim());
  switch (op) {
    case 'DescribeProcess':
      if (!identifiers.length) throw new WpsError('MissingParameterValue', 'DescribeProcess needs at least one ows:Identifier', 'Identifier');
      return { op, version, ids: identifiers };
    case 'GetStatus':
    case 'GetResult':
    case 'Dismiss': {
      const jobId = child(root, 'JobID', NS.wps2)?.text.trim();
      if (!jobId) throw new WpsError('MissingParameterValue', `${op} needs a wps:JobID`, 'JobID');
      return { op, version, jobId };
    }
    case 'Execute':
      if (!identifiers[0]) throw new WpsError('MissingParameterValue', 'Execute needs an ows:Identifier', 'Identifier');
      return { op, version, execute: v2 ? execute2(root, identifiers[0]) : execute1(root, identifiers[0]) };
    case 'DeployProcess':
      return { op, version, xml: root };
    case 'UndeployProcess': {
      const id = identifiers[0] ?? child(root, 'ProcessID')?.text.trim();
      if (!id) throw new WpsError('MissingParameterValue', 'UndeployProcess needs the process ows:Identifier', 'Identifier');
      return { op, version, id };
    }
  }
  throw new WpsError('OperationNotSupported', `${op} is not supported`, op);
}

function bboxOf(n: XNode): WpsInput['bbox'] {
  const nums = (s: string | undefined) => (s ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  const lower = nums(child(n, 'LowerCorner')?.text);
  const upper = nums(child(n, 'UpperCorner')?.text);
  const coords = lower.length === upper.length && lower.length ? [...lower, ...upper] : [];
  if (!coords.length || coords.some((x) => !Number.isFinite(x))) throw new WpsError('WrongInputData', 'a bounding box needs LowerCorner and UpperCorner with as many numbers each', 'BoundingBox');
  return { coords, ...(attr(n, 'crs') ? { crs: attr(n, 'crs') } : {}) };
}

/** wps:Data content: a LiteralValue, a bounding box, inline XML elements, or text (JSON, base64 …). */
function dataOf(data: XNode, base: WpsInput): WpsInput {
  const literal = child(data, 'LiteralValue', NS.wps2) ?? child(data, 'LiteralData', NS.wps1);
  if (literal) return { ...base, value: literal.text };
  const complex = child(data, 'ComplexData', NS.wps1);
  const holder = complex ?? data;
  const bbox = child(holder, 'BoundingBox', NS.ows2, NS.ows1) ?? child(data, 'BoundingBoxData', NS.wps1);
  if (bbox) return { ...base, bbox: bboxOf(bbox) };
  const mimeType = attr(holder, 'mimeType') ?? base.mimeType;
  const encoding = attr(holder, 'encoding') ?? base.encoding;
  const fmt = { ...(mimeType ? { mimeType } : {}), ...(encoding ? { encoding } : {}) };
  if (holder.children.length) return { ...base, ...fmt, value: innerXml(holder).trim(), xml: true };
  return { ...base, ...fmt, value: holder.text };
}

function execute2(root: XNode, id: string): WpsExecute {
  const mode = attr(root, 'mode');
  const response = attr(root, 'response');
  if (mode === undefined) throw new WpsError('MissingParameterValue', 'Execute needs a mode attribute (sync, async or auto)', 'mode');
  if (!['sync', 'async', 'auto'].includes(mode)) throw new WpsError('NoSuchMode', `mode ${JSON.stringify(mode)} is not sync, async or auto`, 'mode');
  if (response === undefined) throw new WpsError('MissingParameterValue', 'Execute needs a response attribute (document or raw)', 'response');
  if (!['document', 'raw'].includes(response)) throw new WpsError('InvalidParameterValue', `response ${JSON.stringify(response)} is not document or raw`, 'response');
  const inputs: WpsInput[] = [];
  for (const i of children(root, 'Input', NS.wps2)) {
    const inputId = attr(i, 'id');
    if (!inputId) throw new WpsError('MissingParameterValue', 'every wps:Input needs an id attribute', 'Input');
    const ref = child(i, 'Reference', NS.wps2);
    const data = child(i, 'Data', NS.wps2);
    const fmt = (n: XNode) => ({ ...(attr(n, 'mimeType') ? { mimeType: attr(n, 'mimeType') } : {}), ...(attr(n, 'encoding') ? { encoding: attr(n, 'encoding') } : {}) });
    if (ref) {
      const href = attr(ref, 'href', NS.xlink) ?? attr(ref, 'href');
      if (!href) throw new WpsError('MissingParameterValue', `the reference of input ${inputId} needs xlink:href`, inputId);
      inputs.push({ id: inputId, href, ...fmt(ref) });
    } else if (data) inputs.push(dataOf(data, { id: inputId, ...fmt(data) }));
    else throw new WpsError('MissingParameterValue', `input ${inputId} has neither wps:Data nor wps:Reference`, inputId);
  }
  const outputs = children(root, 'Output', NS.wps2).map((o) => {
    const t = attr(o, 'transmission') ?? 'value';
    if (t !== 'value' && t !== 'reference') throw new WpsError('InvalidParameterValue', `transmission ${JSON.stringify(t)} is not value or reference`, attr(o, 'id'));
    return { id: attr(o, 'id') ?? '', transmission: t as WpsOutputRequest['transmission'], ...(attr(o, 'mimeType') ? { mimeType: attr(o, 'mimeType') } : {}) };
  });
  return { id, mode: mode as WpsExecute['mode'], response: response as WpsExecute['response'], inputs, outputs };
}

function execute1(root: XNode, id: string): WpsExecute {
  const inputs: WpsInput[] = [];
  const dataInputs = child(root, 'DataInputs', NS.wps1);
  for (const i of dataInputs ? children(dataInputs, 'Input', NS.wps1) : []) {
    const inputId = child(i, 'Identifier', NS.ows1)?.text.trim();
    if (!inputId) throw new WpsError('MissingParameterValue', 'every wps:Input needs an ows:Identifier', 'Input');
    const ref = child(i, 'Reference', NS.wps1);
    const data = child(i, 'Data', NS.wps1);
    if (ref) {
      const href = attr(ref, 'href', NS.xlink) ?? attr(ref, 'href');
      if (!href) throw new WpsError('MissingParameterValue', `the reference of input ${inputId} needs xlink:href`, inputId);
      if ((attr(ref, 'method') ?? 'GET').toUpperCase() !== 'GET') throw new WpsError('InvalidParameterValue', 'only GET references are fetched', inputId);
      inputs.push({ id: inputId, href, ...(attr(ref, 'mimeType') ? { mimeType: attr(ref, 'mimeType') } : {}) });
    } else if (data) inputs.push(dataOf(data, { id: inputId }));
    else throw new WpsError('MissingParameterValue', `input ${inputId} has neither wps:Data nor wps:Reference`, inputId);
  }
  const form = child(root, 'ResponseForm', NS.wps1);
  const raw = form && child(form, 'RawDataOutput', NS.wps1);
  const doc = form && child(form, 'ResponseDocument', NS.wps1);
  const outputOf = (o: XNode): WpsOutputRequest => ({
    id: child(o, 'Identifier', NS.ows1)?.text.trim() ?? '',
    transmission: attr(o, 'asReference') === 'true' ? 'reference' : 'value',
    ...(attr(o, 'mimeType') ? { mimeType: attr(o, 'mimeType') } : {}),
  });
  if (raw) return { id, mode: 'sync', response: 'raw', inputs, outputs: [outputOf(raw)] };
  const store = doc ? attr(doc, 'storeExecuteResponse') === 'true' : false;
  const status = doc ? attr(doc, 'status') === 'true' : false;
  if (status && !store) throw new WpsError('InvalidParameterValue', 'status="true" needs storeExecuteResponse="true"', 'status');
  return { id, mode: store ? 'async' : 'sync', response: 'document', inputs, outputs: doc ? children(doc, 'Output', NS.wps1).map(outputOf) : [], lineage: doc ? attr(doc, 'lineage') === 'true' : false };
}
