// How many inputs one job, recipe or run may be given: values and files together (job-data.ts
// countValues), bounded by SCALE_MAX_INPUTS (413 beyond it) so one request cannot make the server
// resolve, check, fetch and store an unbounded number of values.
import { TooLarge } from '../errors.ts';

export function checkInputCount(count: number, max: number | undefined, what = 'inputs'): void {
  if (max !== undefined && count > max) throw new TooLarge(`${count} ${what} were given; at most ${max} are taken (SCALE_MAX_INPUTS)`);
}
