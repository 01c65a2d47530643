// How many inputs a job or recipe is given: values and files together, across Scale's 1.0 job and
// recipe data (input_data: [{name, value | file_id | file_ids}]) and v6 input ({files: {name: [ids]},
// json: {name: value}}). Bounded by SCALE_MAX_INPUTS (413 beyond it) so one request cannot make the
// server resolve, check and store an unbounded number of values.
import { TooLarge } from './domain-errors.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function countInputs(data: unknown): number {
  if (!isObject(data)) return 0;
  let n = 0;
  if (Array.isArray(data.input_data)) {
    for (const e of data.input_data) n += isObject(e) && Array.isArray(e.file_ids) ? Math.max(1, e.file_ids.length) : 1;
  }
  if (isObject(data.files)) for (const v of Object.values(data.files)) n += Array.isArray(v) ? Math.max(1, v.length) : 1;
  if (isObject(data.json)) n += Object.keys(data.json).length;
  return n;
}

export function checkInputCount(count: number, max: number | undefined, what = 'inputs'): void {
  if (max !== undefined && count > max) throw new TooLarge(`${count} ${what} were given; at most ${max} are taken (SCALE_MAX_INPUTS)`);
}
