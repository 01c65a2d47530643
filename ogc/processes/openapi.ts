// The OpenAPI 3.0 document of the OGC API - Processes door. The same builder gives the router's
// definition (the generic paths openapi-backend routes on) and the served document at /api, which
// adds an execute operation per process with that process's own request body.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { OGC_SCHEMAS_DIR } from '../../src/ogc-schemas.ts';

/** What the document needs of a process description (seed-mapping/ogc-process.ts makes them). */
export interface ProcessDescriptionLike {
  id: string;
  title?: string;
  inputs: Record<string, { schema: unknown; minOccurs: number; maxOccurs: number | 'unbounded' }>;
  outputs: Record<string, unknown>;
}

const changeSecurity = [{}, { bearer: [] }];
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** The Part 1 schemas as components, their file references turned into component references. */
function partOneSchemas(): Record<string, unknown> {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node)
        // schema.yaml's boolean exclusiveMinimum is OAS 3.0, but validators that read schema objects as
        // draft-07 (openapi-backend's among them) refuse it; minimum alone says nearly the same.
        .filter(([k, v]) => !(k === 'exclusiveMinimum' && typeof v === 'boolean'))
        .map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.endsWith('.yaml') ? `#/components/schemas/${path.basename(v, '.yaml')}` : rewrite(v)]),
    );
  };
  const out: Record<string, unknown> = {};
  for (const file of fs.readdirSync(OGC_SCHEMAS_DIR).filter((f) => f.endsWith('.yaml'))) {
    out[path.basename(file, '.yaml')] = rewrite(YAML.parse(fs.readFileSync(path.join(OGC_SCHEMAS_DIR, file), 'utf8')));
  }
  return out;
}

let schemasCache: Record<string, unknown> | null = null;

const json = (schema: unknown) => ({ 'application/json': { schema } });
const exception = (description: string) => ({ description, content: json(ref('exception')) });
const errors = { 400: exception('The request is malformed or an input is invalid (the exception names it).'), 404: exception('No such process or job (type no-such-process, no-such-job, result-not-ready).'), 500: exception('A server error.') };
const fParam = { name: 'f', in: 'query', required: false, description: 'Representation: json (default) or html', schema: { type: 'string', enum: ['json', 'html'] } };
const limitParam = { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 10000, default: 10 } };
const processParam = { name: 'processID', in: 'path', required: true, schema: { type: 'string' } };
const wParam = { name: 'w', in: 'query', required: false, description: 'CWL: the workflow of a $graph to deploy', schema: { type: 'string' } };
const visibility = { type: 'object', required: ['value'], properties: { value: { type: 'string', enum: ['public', 'private'] } } };
const packageContent = {
  'application/ogcapppkg+json': { schema: { type: 'object' } }, 'application/json': { schema: { type: 'object' } },
  'application/cwl': { schema: { type: 'string' } }, 'application/cwl+json': { schema: { type: 'object' } }, 'application/cwl+yaml': { schema: { type: 'string' } },
};
const changeErrors = {
  400: exception('The package is malformed or cannot run here (the exception says why).'),
  401: exception('A bearer token is needed.'),
  403: exception('The token may not change processes, or the process is built in (type immutable-process).'),
  404: exception('No such process.'),
  413: exception('The package is too large.'),
  415: exception('Not a package media type (type unsupported-media-type).'),
  500: exception('A server error.'),
};
const offsetParam = { name: 'offset', in: 'query', required: false, description: 'Items to skip (the next links carry it)', schema: { type: 'integer', minimum: 0, default: 0 } };

function executeOperation(operationId: string, summary: string, body: unknown, processParam: boolean) {
  return {
    summary,
    operationId,
    tags: ['Processes'],
    ...(processParam ? { parameters: [{ name: 'processID', in: 'path', required: true, schema: { type: 'string' } }] } : {}),
    requestBody: { required: true, content: json(body) },
    callbacks: {
      jobCompleted: { '{$request.body#/subscriber/successUri}': { post: { requestBody: { content: json(ref('results')) }, responses: { 200: { description: 'received' } } } } },
    },
    responses: {
      200: { description: 'Synchronous execution: the results (a document, or one raw value in its media type, or several as multipart/related).', content: { 'application/json': { schema: ref('results') }, 'multipart/related': { schema: { type: 'string', format: 'binary' } }, '*/*': { schema: { type: 'string', format: 'binary' } } } },
      201: { description: 'Asynchronous execution: the job was created (Location is its status URL).', headers: { Location: { schema: { type: 'string', format: 'uri' } }, 'Preference-Applied': { schema: { type: 'string' } } }, content: json(ref('statusInfo')) },
      204: { description: 'Synchronous raw execution by reference: a Link header per output.', headers: { Link: { schema: { type: 'string' } } } },
      ...errors,
      413: exception('The request or an input is too large.'),
      415: exception('The request body is not JSON.'),
    },
  };
}

/**
 * An input's schema as a value inside a JSON request body, in OpenAPI 3.0's own dialect: file
 * content travels as base64 (format byte), and the JSON Schema content keywords a process
 * description may use (contentMediaType, contentEncoding) are not OpenAPI 3.0 keywords.
 */
function inBody(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(inBody);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'contentMediaType') out.description = `content of media type ${v}`;
    else if (k === 'contentEncoding' || k === 'contentSchema') continue;
    else out[k] = k === 'format' && v === 'binary' ? 'byte' : inBody(v);
  }
  return out;
}

/** The execute request body of one process: its inputs and outputs by id. */
function executeBodyOf(p: ProcessDescriptionLike): unknown {
  const inputs: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [id, d] of Object.entries(p.inputs)) {
    const schema = inBody(d.schema);
    const one = { oneOf: [schema, { allOf: [ref('format'), { type: 'object', required: ['value'], properties: { value: schema } }] }, ref('link')] };
    inputs[id] = d.maxOccurs === 'unbounded' ? { oneOf: [one, { type: 'array', items: one }] } : one;
    if (d.minOccurs > 0) required.push(id);
  }
  return {
    type: 'object',
    properties: {
      inputs: { type: 'object', properties: inputs, ...(required.length ? { required } : {}), additionalProperties: false },
      outputs: { type: 'object', properties: Object.fromEntries(Object.keys(p.outputs).map((id) => [id, ref('output')])), additionalProperties: false },
      response: { type: 'string', enum: ['raw', 'document'], default: 'raw' },
      subscriber: ref('subscriber'),
    },
  };
}

/** The document; with `processes`, one execute operation per process besides the generic one. */
export function openApiDocument(base: string, processes: ProcessDescriptionLike[] = []): Record<string, unknown> {
  schemasCache ??= partOneSchemas();
  const paths: Record<string, unknown> = {
    '/': { get: { summary: 'Landing page', operationId: 'getLandingPage', tags: ['Capabilities'], parameters: [fParam], responses: { 200: { description: 'The landing page', content: { ...json(ref('landingPage')), 'text/html': {} } }, 500: errors[500] } } },
    '/api': {
      get: {
        summary: 'This API definition (JSON; YAML with f=yaml; HTML with f=html)', operationId: 'getApi', tags: ['Capabilities'],
        parameters: [{ ...fParam, schema: { type: 'string', enum: ['json', 'yaml', 'html'] } }],
        responses: { 200: { description: 'The OpenAPI 3.0 document', content: { 'application/vnd.oai.openapi+json;version=3.0': {}, 'application/vnd.oai.openapi;version=3.0': {}, 'text/html': {} } }, 500: errors[500] },
      },
    },
    '/conformance': { get: { summary: 'Conformance classes', operationId: 'getConformanceClasses', tags: ['ConformanceDeclaration'], parameters: [fParam], responses: { 200: { description: 'The conformance classes', content: { ...json(ref('confClasses')), 'text/html': {} } }, 500: errors[500] } } },
    '/processes': {
      get: { summary: 'The processes', operationId: 'getProcesses', tags: ['Processes'], parameters: [limitParam, offsetParam, fParam], responses: { 200: { description: 'A page of process summaries', content: { ...json(ref('processList')), 'text/html': {} } }, 400: errors[400], 500: errors[500] } },
      post: {
        summary: 'Deploys a process (OGC Application Package or CWL)', operationId: 'deploy', tags: ['DRU'], security: changeSecurity, parameters: [wParam],
        requestBody: { required: true, content: packageContent },
        responses: {
          201: { description: 'Deployed: Location is the process; the body its summary', headers: { Location: { schema: { type: 'string', format: 'uri' } } }, content: json(ref('processSummary')) },
          ...changeErrors, 409: exception('A process with this id is already deployed (type duplicated-process).'),
        },
      },
    },
    '/processes/{processID}': {
      get: { summary: 'A process description', operationId: 'getProcessDescription', tags: ['Processes'], parameters: [processParam, fParam], responses: { 200: { description: 'The process', content: { ...json(ref('process')), 'text/html': {} } }, 404: errors[404], 500: errors[500] } },
      put: {
        summary: 'Replaces a deployed process (a new revision; running jobs keep theirs)', operationId: 'replace', tags: ['DRU'], security: changeSecurity, parameters: [processParam, wParam],
        requestBody: { required: true, content: packageContent },
        responses: { 200: { description: 'Replaced: the summary', content: json(ref('processSummary')) }, ...changeErrors },
      },
      delete: { summary: 'Undeploys a process (its queued jobs are canceled)', operationId: 'undeploy', tags: ['DRU'], security: changeSecurity, parameters: [processParam], responses: { 204: { description: 'Undeployed' }, 401: changeErrors[401], 403: changeErrors[403], 404: errors[404], 500: errors[500] } },
    },
    '/processes/{processID}/package': {
      get: { summary: 'The package a process was deployed with, as sent', operationId: 'getPackage', tags: ['DRU'], parameters: [processParam], responses: { 200: { description: 'The package', content: packageContent }, 403: changeErrors[403], 404: errors[404] } },
    },
    '/processes/{processID}/visibility': {
      get: { summary: 'Whether the process is listed (Weaver)', operationId: 'getVisibility', tags: ['DRU'], parameters: [processParam], responses: { 200: { description: 'The visibility', content: json(visibility) }, 404: errors[404] } },
      put: { summary: 'Lists or hides the process (Weaver)', operationId: 'setVisibility', tags: ['DRU'], security: changeSecurity, parameters: [processParam], requestBody: { required: true, content: json(visibility) }, responses: { 200: { description: 'The visibility', content: json(visibility) }, 400: errors[400], 401: changeErrors[401], 403: changeErrors[403], 404: errors[404] } },
    },
    '/processes/{processID}/execution': { post: executeOperation('execute', 'Executes a process', ref('execute'), true) },
    '/jobs': {
      get: {
        summary: 'The jobs', operationId: 'getJobs', tags: ['Jobs'],
        parameters: [
          { name: 'type', in: 'query', required: false, schema: { type: 'array', items: { type: 'string', enum: ['process'] } }, style: 'form', explode: true },
          { name: 'processID', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: true },
          { name: 'status', in: 'query', required: false, schema: { type: 'array', items: ref('statusCode') }, style: 'form', explode: true },
          { name: 'datetime', in: 'query', required: false, description: 'An instant or an interval (a/b, ../b, a/..) the jobs were created in', schema: { type: 'string' } },
          { name: 'minDuration', in: 'query', required: false, schema: { type: 'array', items: { type: 'integer' } } },
          { name: 'maxDuration', in: 'query', required: false, schema: { type: 'array', items: { type: 'integer' } } },
          limitParam, offsetParam, fParam,
        ],
        responses: { 200: { description: 'A page of jobs', content: { ...json(ref('jobList')), 'text/html': {} } }, 400: errors[400], 500: errors[500] },
      },
    },
    '/jobs/{jobId}': {
      get: { summary: 'The status of a job', operationId: 'getStatus', tags: ['Jobs'], parameters: [{ name: 'jobId', in: 'path', required: true, schema: { type: 'string' } }, fParam], responses: { 200: { description: 'The job status', content: { ...json(ref('statusInfo')), 'text/html': {} } }, 404: errors[404], 500: errors[500] } },
      delete: { summary: 'Dismisses a job (cancels it if it has not finished)', operationId: 'dismiss', tags: ['Jobs'], parameters: [{ name: 'jobId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'The job, dismissed', content: json(ref('statusInfo')) }, 404: errors[404], 500: errors[500] } },
    },
    '/jobs/{jobId}/results': {
      get: {
        summary: 'The results of a job', operationId: 'getResult', tags: ['Jobs'], parameters: [{ name: 'jobId', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: { description: 'The results, as the execute request asked', content: { 'application/json': { schema: ref('results') }, 'multipart/related': {}, '*/*': {} } },
          204: { description: 'Raw results by reference: a Link header per output' },
          404: errors[404], 410: exception('The job was canceled and has no results.'), 500: exception('The job failed: the exception type is its error.'),
        },
      },
    },
    '/jobs/{jobId}/results/{outputId}': {
      get: {
        summary: 'One output of a job, by itself (the target of a reference to a JSON output)', operationId: 'getResultOutput', tags: ['Jobs'],
        parameters: [{ name: 'jobId', in: 'path', required: true, schema: { type: 'string' } }, { name: 'outputId', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'The output value; for a directory output, the listing of its files', content: { 'application/json': {} } }, 303: { description: 'A file output: see its content URL' }, 404: errors[404] },
      },
    },
    '/jobs/{jobId}/results/{outputId}/{path}': {
      get: {
        summary: 'One file of a directory output, by its path in the directory (the path may hold several segments, so relative links between the files resolve)', operationId: 'getResultFile', tags: ['Jobs'],
        parameters: [{ name: 'jobId', in: 'path', required: true, schema: { type: 'string' } }, { name: 'outputId', in: 'path', required: true, schema: { type: 'string' } }, { name: 'path', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'The file', content: { '*/*': {} } }, 404: errors[404] },
      },
    },
  };
  for (const p of processes) {
    paths[`/processes/${encodeURIComponent(p.id)}/execution`] = { post: executeOperation(`execute-${p.id}`, `Executes ${p.title ?? p.id}`, executeBodyOf(p), false) };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'scale-ades: OGC API - Processes',
      version: '1.0.0',
      description: 'OGC API - Processes - Part 1: Core 1.0 over a Scale-compatible core. The native Scale REST API is under /scale/.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    servers: [{ url: base }],
    tags: [{ name: 'Capabilities' }, { name: 'ConformanceDeclaration' }, { name: 'Processes' }, { name: 'DRU' }, { name: 'Jobs' }],
    paths,
    // Changing processes may need a bearer token (SCALE_AUTH_TOKENS); `{}` keeps it optional where none is configured.
    components: { schemas: schemasCache, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from SCALE_AUTH_TOKENS, when the server has any' } } },
  };
}
