// Trigger rules attached to job and recipe types (seed 002 "Triggers"): INGEST and PARSE rules
// (configuration 1.0: an optional condition on media type and data types, and the input the file
// goes to and the workspace products go to) and CLOCK rules (an ISO-8601 duration schedule). Read
// here, with problems named by field; the same reading serves validation and firing.
import { check, type Problem } from '../../schemas.ts';
import type { InterfaceInput } from '../job-types/model.ts';

export type TriggerRule =
  | { type: 'INGEST' | 'PARSE'; isActive: boolean; mediaType: string | null; dataTypes: string[]; inputName: string; workspaceName: string }
  | { type: 'CLOCK'; isActive: boolean; everySeconds: number; eventType: string };

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** ISO-8601 duration (PnDTnHnMnS, PnW) in seconds, or null. */
export function durationSeconds(s: unknown): number | null {
  if (typeof s !== 'string') return null;
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s);
  if (!m || s === 'P' || s.endsWith('T')) return null;
  const [, w, d, h, min, sec] = m;
  const total = Number(w ?? 0) * 604800 + Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(min ?? 0) * 60 + Number(sec ?? 0);
  return total > 0 ? total : null;
}

/**
 * A trigger rule as given on a job or recipe type (`{type, is_active, configuration}`), checked
 * against the inputs of what it starts: the named input must be a file input.
 */
export function readTriggerRule(json: unknown, inputs: InterfaceInput[] | null): { value: TriggerRule | null; problems: Problem[] } {
  if (json === null || json === undefined) return { value: null, problems: [] };
  if (!isObject(json)) return { value: null, problems: [{ field: 'trigger_rule', message: 'must be an object {type, is_active, configuration}' }] };
  const isActive = json.is_active === undefined ? true : json.is_active;
  if (typeof isActive !== 'boolean') return { value: null, problems: [{ field: 'trigger_rule.is_active', message: 'must be a boolean' }] };
  const type = json.type;
  if (type === 'CLOCK') {
    const c = json.configuration;
    const every = durationSeconds(isObject(c) ? c.schedule : undefined);
    if (!every) return { value: null, problems: [{ field: 'trigger_rule.configuration.schedule', message: 'is required: an ISO-8601 duration such as PT1H or P1D' }] };
    const required = (inputs ?? []).filter((i) => i.required);
    if (required.length) return { value: null, problems: [{ field: 'trigger_rule.type', message: `a CLOCK trigger starts its job with no inputs; required inputs ${required.map((i) => JSON.stringify(i.name)).join(', ')} would have no value` }] };
    const eventType = isObject(c) && c.event_type !== undefined ? c.event_type : 'CLOCK';
    if (typeof eventType !== 'string' || !/^[A-Z][A-Z0-9_]{0,49}$/.test(eventType)) return { value: null, problems: [{ field: 'trigger_rule.configuration.event_type', message: 'must be an upper-case event name such as MY_METRICS' }] };
    return { value: { type, isActive, everySeconds: every, eventType }, problems: [] };
  }
  if (type !== 'INGEST' && type !== 'PARSE') return { value: null, problems: [{ field: 'trigger_rule.type', message: `${JSON.stringify(type ?? null)} is not a trigger type: INGEST, PARSE or CLOCK` }] };
  const problems = check('scale/ingest-trigger-1.0', json.configuration, 'trigger_rule.configuration');
  if (problems.length) return { value: null, problems };
  const c = json.configuration as Record<string, any>;
  const inputName = c.data.input_data_name as string;
  if (inputs) {
    const input = inputs.find((i) => i.name === inputName);
    if (!input) return { value: null, problems: [{ field: 'trigger_rule.configuration.data.input_data_name', message: `${JSON.stringify(inputName)} is not an input (it takes ${inputs.map((i) => JSON.stringify(i.name)).join(', ') || 'none'})` }] };
    if (input.kind !== 'file' && input.kind !== 'files') return { value: null, problems: [{ field: 'trigger_rule.configuration.data.input_data_name', message: `input ${JSON.stringify(inputName)} takes values, not files` }] };
    const other = inputs.filter((i) => i.required && i.name !== inputName);
    if (other.length) return { value: null, problems: [{ field: 'trigger_rule.configuration.data.input_data_name', message: `a trigger gives one file; required inputs ${other.map((i) => JSON.stringify(i.name)).join(', ')} would have no value` }] };
  }
  return { value: { type, isActive, mediaType: c.condition?.media_type || null, dataTypes: c.condition?.data_types ?? [], inputName, workspaceName: c.data.workspace_name }, problems: [] };
}

/** Whether a file meets a rule's condition: the same media type (if one is named) and every data type named. */
export function fileMatches(rule: Extract<TriggerRule, { type: 'INGEST' | 'PARSE' }>, file: { mediaType: string; dataTypes: string[] }): boolean {
  if (rule.mediaType && rule.mediaType !== file.mediaType) return false;
  return rule.dataTypes.every((t) => file.dataTypes.includes(t));
}
