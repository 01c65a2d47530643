// URIs and fixed values of OGC API - Processes - Part 1: Core 1.0 (OGC 18-062r2) and Part 2:
// Deploy, Replace, Undeploy (OGC 20-044, draft 1.0).

const CONF = 'http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/';
const CONF_2 = 'http://www.opengis.net/spec/ogcapi-processes-2/1.0/conf/';

export const CLASSES = {
  core: `${CONF}core`,
  'ogc-process-description': `${CONF}ogc-process-description`,
  json: `${CONF}json`,
  html: `${CONF}html`,
  oas30: `${CONF}oas30`,
  'job-list': `${CONF}job-list`,
  callback: `${CONF}callback`,
  dismiss: `${CONF}dismiss`,
  'deploy-replace-undeploy': `${CONF_2}deploy-replace-undeploy`,
  ogcapppkg: `${CONF_2}ogcapppkg`,
  docker: `${CONF_2}docker`,
  cwl: `${CONF_2}cwl`,
} as const;

export type ClassKey = keyof typeof CLASSES;

const EXC = 'http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/';

export const EXCEPTION = {
  noSuchProcess: `${EXC}no-such-process`,
  noSuchJob: `${EXC}no-such-job`,
  resultNotReady: `${EXC}result-not-ready`,
} as const;

const EXC_2 = 'http://www.opengis.net/def/exceptions/ogcapi-processes-2/1.0/';

/** Part 2 exception types (checks compare the last segment where drafts disagree on the rest). */
export const EXCEPTION_2 = {
  unsupportedMediaType: `${EXC_2}unsupported-media-type`,
  duplicatedProcess: `${EXC_2}duplicated-process`,
  immutableProcess: `${EXC_2}immutable-process`,
  workflowNotFound: `${EXC_2}workflow-not-found`,
} as const;

export const OGCAPPPKG_JSON = 'application/ogcapppkg+json';
export const CWL_YAML = 'application/cwl+yaml';
export const CWL_JSON = 'application/cwl+json';

const OGC_REL = 'http://www.opengis.net/def/rel/ogc/1.0/';

export const REL = {
  conformance: `${OGC_REL}conformance`,
  processes: `${OGC_REL}processes`,
  jobList: `${OGC_REL}job-list`,
  results: `${OGC_REL}results`,
  execute: `${OGC_REL}execute`,
} as const;

export const STATUS_CODES = ['accepted', 'running', 'successful', 'failed', 'dismissed'] as const;
export const FINAL_STATUSES = ['successful', 'failed', 'dismissed'];

/** The value sent to the echo process (the one the OGC test suite uses). */
export const TEST_STRING = 'teststring';

export const OAS30_JSON = 'application/vnd.oai.openapi+json;version=3.0';

/** How long a process deployed with 202 (queued) may take to appear. */
export const DEPLOY_TIMEOUT_MS = 30_000;
/** How long an asynchronous job may take to finish. */
export const JOB_TIMEOUT_MS = 30_000;
/** How long to wait for a callback. */
export const CALLBACK_TIMEOUT_MS = 20_000;
/** Seconds the `pause` input asks for when a job must still be running. */
export const PAUSE_SECONDS = 6;
