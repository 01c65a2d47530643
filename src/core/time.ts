// Scale's time-range parameters: an ISO-8601 datetime, or an ISO-8601 duration meaning "that long ago".
import { Invalid } from '../errors.ts';

const DURATION = /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Seconds in an ISO-8601 duration such as PT3H0M0S, or null when it is not one. */
export function durationSeconds(text: string): number | null {
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return null;
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((v) => (v ? Number(v) : 0));
  return ((((y * 365 + mo * 30 + w * 7 + d) * 24 + h) * 60 + mi) * 60) + s;
}

/** Parses a datetime or a duration (relative to now); throws Invalid naming the field. */
export function parseTimeParam(field: string, text: string, now = new Date()): Date {
  const secs = durationSeconds(text);
  if (secs !== null) {
    const d = new Date(now.getTime() - secs * 1000);
    // Longer ago than year 1 is no time a database holds.
    if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1) throw new Invalid(field, `the duration ${JSON.stringify(text)} reaches back before year 1`);
    return d;
  }
  if (DATETIME.test(text)) {
    // A time of day needs its zone, as Scale's parse_datetime says ("must include a timezone"); a bare date is UTC midnight.
    if (text.length > 10 && !/(?:Z|[+-]\d{2}:?\d{2})$/.test(text)) throw new Invalid(field, `${JSON.stringify(text)} has no time zone (end it in Z or an offset such as +00:00)`);
    const d = new Date(text.length === 10 ? `${text}T00:00:00Z` : text);
    if (!Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1) return d;
  }
  throw new Invalid(field, `${JSON.stringify(text)} is neither an ISO-8601 datetime (2015-01-01T00:00:00Z) nor a duration (PT3H0M0S)`);
}
