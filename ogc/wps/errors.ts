// OWS exception reports: OWS 2.0 for WPS 2.0, OWS 1.1 for WPS 1.0.0 (REFERENCE.md §4.3), with the
// HTTP status each code maps to. Every failure of the WPS door is answered with one of these.
import { el, NS, tx, XML_DECL } from './xml.ts';

export type WpsVersion = '1.0.0' | '2.0.0';

const STATUS: Record<string, number> = {
  OperationNotSupported: 501, OptionNotSupported: 501, MissingParameterValue: 400, InvalidParameterValue: 400,
  VersionNegotiationFailed: 400, InvalidUpdateSequence: 400, NoApplicableCode: 500, ServerBusy: 503, InternalServerError: 500,
  NoSuchProcess: 400, NoSuchMode: 400, NoSuchInput: 400, NoSuchOutput: 400, DataNotAccessible: 400, SizeExceeded: 400,
  TooManyInputs: 400, TooManyOutputs: 400, NoSuchFormat: 400, WrongInputData: 400, StorageNotSupported: 400, NoSuchJob: 400,
  ResultNotReady: 400, FileSizeExceeded: 400, NotEnoughStorage: 400, Unauthorized: 401, Forbidden: 403,
};

export class WpsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly locator?: string,
    readonly status: number = STATUS[code] ?? 400,
  ) {
    super(message);
  }
}

/** WPS 1.0.0 has no NoSuchProcess, NoSuchJob …: those become InvalidParameterValue there. */
const V1_CODES = new Set(['OperationNotSupported', 'MissingParameterValue', 'InvalidParameterValue', 'VersionNegotiationFailed', 'InvalidUpdateSequence', 'NoApplicableCode', 'NotEnoughStorage', 'ServerBusy', 'FileSizeExceeded', 'StorageNotSupported', 'OptionNotSupported']);

export function exceptionReport(err: WpsError, version: WpsVersion): { status: number; body: string } {
  const v1 = version === '1.0.0';
  // Refusals of the caller (401, 403) are not a parameter's fault: NoApplicableCode, with the HTTP status saying which.
  const code = v1 && !V1_CODES.has(err.code) ? (err.status >= 500 || err.status === 401 || err.status === 403 ? 'NoApplicableCode' : 'InvalidParameterValue') : err.code;
  const ns = v1 ? NS.ows1 : NS.ows2;
  // InternalServerError carries no text or locator (WPS 2.0 table); nothing internal is shown either way.
  const internal = err.code === 'InternalServerError';
  const body = XML_DECL + el('ows:ExceptionReport', { 'xmlns:ows': ns, version: v1 ? '1.0.0' : '2.0.0', 'xml:lang': 'en' },
    el('ows:Exception', { exceptionCode: code, locator: internal ? undefined : err.locator }, internal && !v1 ? '' : tx('ows:ExceptionText', err.message)));
  return { status: err.status, body };
}
