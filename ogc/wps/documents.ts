// The WPS response documents: Capabilities (2.0 and 1.0.0), ProcessOfferings / ProcessDescriptions,
// StatusInfo and Result (2.0), and the WPS 1.0.0 ExecuteResponse. Each validates against the XSDs
// in shared/ogc/xsd (test/wps.test.ts checks every kind with xmllint).
import { brief1, description1, offering2, summary2, type WpsProcess } from '../../seed-mapping/wps-process.ts';
import { el, esc, NS, tx, XML_DECL } from './xml.ts';

export const DEPLOYMENT_PROFILES = ['http://www.opengis.net/profiles/eoc/dockerizedApplication', 'http://www.opengis.net/profiles/eoc/workflow'];
const OPS2 = ['GetCapabilities', 'DescribeProcess', 'Execute', 'GetStatus', 'GetResult', 'Dismiss', 'DeployProcess', 'UndeployProcess'];
const OPS1 = ['GetCapabilities', 'DescribeProcess', 'Execute', 'DeployProcess', 'UndeployProcess'];
const GET_OPS = new Set(['GetCapabilities', 'DescribeProcess', 'GetStatus', 'GetResult', 'Dismiss', 'Execute']);

const ns2 = { 'xmlns:wps': NS.wps2, 'xmlns:ows': NS.ows2, 'xmlns:xlink': NS.xlink };
const ns1 = { 'xmlns:wps': NS.wps1, 'xmlns:ows': NS.ows1, 'xmlns:xlink': NS.xlink };

function operations(url: string, ops: string[], v1: boolean): string {
  return el('ows:OperationsMetadata', {}, ...ops.map((op) => el('ows:Operation', { name: op },
    el('ows:DCP', {}, el('ows:HTTP', {}, (!v1 || op !== 'DeployProcess') && GET_OPS.has(op) && !(op === 'Execute' && !v1) ? el('ows:Get', { 'xlink:href': `${url}?` }) : '', el('ows:Post', { 'xlink:href': url }))),
    op === 'DeployProcess' ? el('ows:Parameter', { name: 'DeploymentProfileName' }, el('ows:AllowedValues', {}, ...DEPLOYMENT_PROFILES.map((p) => tx('ows:Value', p)))) : '')));
}

const identification = (version: string, v1: boolean) => el('ows:ServiceIdentification', {},
  tx('ows:Title', 'scale-ades'),
  tx('ows:Abstract', 'WPS over a Scale-compatible core: job types are processes, their jobs are WPS jobs. Also OGC API - Processes at / and the Scale REST API at /scale/.'),
  tx('ows:ServiceType', 'WPS'), ...(v1 ? [tx('ows:ServiceTypeVersion', '1.0.0')] : [tx('ows:ServiceTypeVersion', '2.0.0'), tx('ows:ServiceTypeVersion', '1.0.0')]),
  ...(version === '2.0.0' ? [] : []));

const provider = el('ows:ServiceProvider', {}, tx('ows:ProviderName', 'scale-ades'), el('ows:ServiceContact'));

export function capabilities2(url: string, processes: WpsProcess[]): string {
  return XML_DECL + el('wps:Capabilities', { ...ns2, service: 'WPS', version: '2.0.0' },
    identification('2.0.0', false), provider, operations(url, OPS2, false),
    el('wps:Contents', {}, ...processes.map(summary2)));
}

export function capabilities1(url: string, processes: WpsProcess[]): string {
  return XML_DECL + el('wps:Capabilities', { ...ns1, service: 'WPS', version: '1.0.0', 'xml:lang': 'en-US' },
    identification('1.0.0', true), provider, operations(url, OPS1, true),
    el('wps:ProcessOfferings', {}, ...processes.map(brief1)),
    el('wps:Languages', {}, el('wps:Default', {}, tx('ows:Language', 'en-US')), el('wps:Supported', {}, tx('ows:Language', 'en-US'))));
}

export function offerings2(processes: WpsProcess[]): string {
  return XML_DECL + el('wps:ProcessOfferings', ns2, ...processes.map(offering2));
}

export function descriptions1(processes: WpsProcess[]): string {
  return XML_DECL + el('wps:ProcessDescriptions', { ...ns1, service: 'WPS', version: '1.0.0', 'xml:lang': 'en-US' }, ...processes.map(description1));
}

/** The core's job states as WPS 2.0 status words. */
export function statusInfo2(jobId: string, status: string, percent: number | null): string {
  return XML_DECL + el('wps:StatusInfo', ns2, tx('wps:JobID', jobId), tx('wps:Status', status), percent === null ? '' : tx('wps:PercentCompleted', percent));
}

/** One output's value as the results hold it: a JSON value, a reference, or file content. */
export type OutputValue = { kind: 'literal'; value: unknown } | { kind: 'reference'; href: string; mimeType: string } | { kind: 'content'; data: Buffer; mimeType: string };

const isXml = (m: string) => /[/+]xml$/.test(m);
const isText = (m: string) => m.startsWith('text/') || m === 'application/json' || /\+json$/.test(m);

function data2(o: OutputValue): string {
  if (o.kind === 'reference') return el('wps:Reference', { 'xlink:href': o.href, mimeType: o.mimeType });
  if (o.kind === 'literal') {
    if (o.value !== null && typeof o.value === 'object') return el('wps:Data', { mimeType: 'application/json' }, esc(JSON.stringify(o.value)));
    return el('wps:Data', { mimeType: 'text/plain' }, tx('wps:LiteralValue', o.value));
  }
  if (isXml(o.mimeType)) return el('wps:Data', { mimeType: o.mimeType }, o.data.toString('utf8').replace(/^<\?xml[^>]*\?>\s*/, ''));
  if (isText(o.mimeType)) return el('wps:Data', { mimeType: o.mimeType }, esc(o.data.toString('utf8')));
  return el('wps:Data', { mimeType: o.mimeType, encoding: 'base64' }, o.data.toString('base64'));
}

export function result2(jobId: string, outputs: [string, OutputValue][]): string {
  return XML_DECL + el('wps:Result', ns2, tx('wps:JobID', jobId), ...outputs.map(([id, o]) => el('wps:Output', { id }, data2(o))));
}

// ---- WPS 1.0.0 ExecuteResponse ----

function data1(o: OutputValue): string {
  if (o.kind === 'reference') return el('wps:Reference', { href: o.href, mimeType: o.mimeType });
  if (o.kind === 'literal') {
    if (o.value !== null && typeof o.value === 'object') return el('wps:Data', {}, el('wps:ComplexData', { mimeType: 'application/json' }, esc(JSON.stringify(o.value))));
    return el('wps:Data', {}, tx('wps:LiteralData', o.value));
  }
  if (isXml(o.mimeType)) return el('wps:Data', {}, el('wps:ComplexData', { mimeType: o.mimeType }, o.data.toString('utf8').replace(/^<\?xml[^>]*\?>\s*/, '')));
  if (isText(o.mimeType)) return el('wps:Data', {}, el('wps:ComplexData', { mimeType: o.mimeType }, esc(o.data.toString('utf8'))));
  return el('wps:Data', {}, el('wps:ComplexData', { mimeType: o.mimeType, encoding: 'base64' }, o.data.toString('base64')));
}

export interface ExecuteResponse1 {
  process: WpsProcess;
  serviceInstance: string;
  statusLocation?: string;
  created: Date;
  state: { kind: 'accepted' } | { kind: 'started'; percent: number } | { kind: 'succeeded' } | { kind: 'failed'; code: string; text: string };
  outputs?: [string, OutputValue][];
  lineage?: { inputs: { id: string; value?: string; href?: string; mimeType?: string }[]; outputs: { id: string; asReference: boolean }[] };
}

export function executeResponse1(r: ExecuteResponse1): string {
  const titleOf = (id: string) => r.process.outputs.find((o) => o.id === id)?.title ?? id;
  const s = r.state;
  const status =
    s.kind === 'accepted' ? tx('wps:ProcessAccepted', 'accepted')
      : s.kind === 'started' ? tx('wps:ProcessStarted', 'running', { percentCompleted: s.percent })
        : s.kind === 'succeeded' ? tx('wps:ProcessSucceeded', 'succeeded')
          : el('wps:ProcessFailed', {}, el('ows:ExceptionReport', { version: '1.0.0' }, el('ows:Exception', { exceptionCode: s.code }, tx('ows:ExceptionText', s.text))));
  return XML_DECL + el('wps:ExecuteResponse', { ...ns1, service: 'WPS', version: '1.0.0', 'xml:lang': 'en-US', serviceInstance: r.serviceInstance, statusLocation: r.statusLocation },
    brief1(r.process),
    el('wps:Status', { creationTime: r.created.toISOString() }, status),
    r.lineage?.inputs.length ? el('wps:DataInputs', {}, ...r.lineage.inputs.map((i) => el('wps:Input', {}, tx('ows:Identifier', i.id), tx('ows:Title', r.process.inputs.find((p) => p.id === i.id)?.title ?? i.id),
      i.href !== undefined ? el('wps:Reference', { 'xlink:href': i.href, mimeType: i.mimeType }) : el('wps:Data', {}, tx('wps:LiteralData', i.value ?? ''))))) : '',
    r.lineage ? el('wps:OutputDefinitions', {}, ...r.lineage.outputs.map((o) => el('wps:Output', { asReference: String(o.asReference) }, tx('ows:Identifier', o.id)))) : '',
    r.outputs?.length ? el('wps:ProcessOutputs', {}, ...r.outputs.map(([id, o]) => el('wps:Output', {}, tx('ows:Identifier', id), tx('ows:Title', titleOf(id)), data1(o)))) : '');
}
