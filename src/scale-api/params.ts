// Query parameters of the Scale API: typed, validated, repeated keys as lists; a bad value is a 400
// naming the parameter.
import type { Request } from 'express';
import { Invalid } from '../errors.ts';
import { parseTimeParam } from '../core/time.ts';
import type { ListRequest } from '../store/listing.ts';
import { pageSizeOf } from './paging.ts';
import { SOURCE_METADATA_PARAMS, type SourceMetadataFilter } from '../core/files/source-metadata.ts';

export class Query {
  private readonly q: Record<string, unknown>;

  constructor(req: Request) {
    this.q = req.query as Record<string, unknown>;
  }

  /** All values given for a key (repeated keys and comma-free single values alike). */
  all(name: string): string[] {
    const v = this.q[name];
    if (v === undefined) return [];
    const list = Array.isArray(v) ? v : [v];
    return list.map((x) => {
      if (typeof x !== 'string') throw new Invalid(name, 'must be a plain value');
      return x;
    });
  }

  one(name: string): string | undefined {
    const all = this.all(name);
    if (all.length > 1) throw new Invalid(name, 'may be given only once');
    return all[0];
  }

  int(name: string, opts: { min?: number; max?: number } = {}): number | undefined {
    const v = this.one(name);
    return v === undefined ? undefined : toInt(name, v, opts);
  }

  ints(name: string, opts: { min?: number } = {}): number[] {
    return this.all(name).map((v) => toInt(name, v, opts));
  }

  strings(name: string, choices?: readonly string[]): string[] {
    const vals = this.all(name);
    if (choices) {
      for (const v of vals) if (!choices.includes(v)) throw new Invalid(name, `${JSON.stringify(v)} is not one of ${choices.join(', ')}`);
    }
    return vals;
  }

  bool(name: string): boolean | undefined {
    const v = this.one(name);
    if (v === undefined) return undefined;
    const s = v.toLowerCase();
    if (['true', '1', 'yes'].includes(s)) return true;
    if (['false', '0', 'no'].includes(s)) return false;
    throw new Invalid(name, `${JSON.stringify(v)} is not a boolean (true or false)`);
  }

  time(name: string): Date | undefined {
    const v = this.one(name);
    return v === undefined ? undefined : parseTimeParam(name, v);
  }

  /**
   * page, page_size and order, as Scale's list endpoints take them. An unreadable page_size is the
   * default and a large one the maximum, as with Scale (see pageSizeOf); a bad page is refused.
   */
  list(): ListRequest {
    return {
      page: this.int('page', { min: 1 }) ?? 1,
      pageSize: pageSizeOf(this.q.page_size),
      order: this.all('order').flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean),
    };
  }

  /** started and ended; ended must not precede started. */
  range(): { started: Date | undefined; ended: Date | undefined } {
    const started = this.time('started');
    const ended = this.time('ended');
    if (started && ended && ended < started) throw new Invalid('ended', 'must not be before started');
    return { started, ended };
  }
}

function toInt(name: string, v: string, opts: { min?: number; max?: number }): number {
  if (!/^-?\d{1,15}$/.test(v.trim())) throw new Invalid(name, `${JSON.stringify(v)} is not an integer`);
  const n = Number(v);
  if (opts.min !== undefined && n < opts.min) throw new Invalid(name, `must be at least ${opts.min}`);
  if (opts.max !== undefined && n > opts.max) throw new Invalid(name, `must be at most ${opts.max}`);
  return n;
}

/** v6 job and recipe lists' source_sensor_class, source_sensor, source_collection, source_task, source_started and source_ended filters. */
export function sourceMetadataFilter(q: Query): SourceMetadataFilter {
  const sourceStarted = q.time('source_started');
  const sourceEnded = q.time('source_ended');
  // rest_util.check_time_range, as for started and ended.
  if (sourceStarted && sourceEnded && sourceEnded < sourceStarted) throw new Invalid('source_ended', 'must not be before source_started');
  return { ...Object.fromEntries(SOURCE_METADATA_PARAMS.map(([key, param]) => [key, q.strings(param)])), sourceStarted, sourceEnded };
}
