// What the reliability tests tried and what held, one JSON line per finding in
// test/artifacts/reliability.jsonl; `npm run reliability` runs the tests and prints the table.
import fs from 'node:fs';
import path from 'node:path';

export const REPORT = path.join(import.meta.dirname, '..', 'artifacts', 'reliability.jsonl');

export interface Finding {
  /** The area: crash recovery, fault injection, fuzzing, hostile input, authentication, limits, load. */
  area: string;
  /** What was tried, e.g. "kill -9 mid-claim" or "malformed JSON bodies, Scale API". */
  what: string;
  /** How many times (requests sent, kills, faults injected). */
  tried: number;
  /** Whether everything the test asserts held. */
  held: boolean;
  /** Figures worth printing: jobs lost, 5xx seen, duplicates … */
  figures?: Record<string, number | string>;
}

export function record(f: Finding): void {
  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.appendFileSync(REPORT, `${JSON.stringify({ ...f, at: new Date().toISOString() })}\n`);
}
