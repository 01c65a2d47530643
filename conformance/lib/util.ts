// Small helpers shared by the checks.
import { randomUUID } from 'node:crypto';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `s` shortened to `max` characters, on one line. */
export function clip(s: string, max = 200): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
