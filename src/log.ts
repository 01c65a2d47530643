// Structured logs through pino: one JSON object per line on stderr by default, human-readable when
// LOG_FORMAT=pretty or when stderr is a terminal and LOG_FORMAT is not json. Level from LOG_LEVEL
// (debug, info, warn, error, silent); tests run with LOG_LEVEL=silent unless told otherwise.
// Every line written while an HTTP request is handled carries its request id, in the core too:
// the id lives in an AsyncLocalStorage (requestContext) that pino's mixin reads.
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';

const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
type LevelName = (typeof LEVELS)[number];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** The request being served, if any: its id is added to every log line written on its behalf. */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

/** Errors anywhere in the fields are written with their message and stack (not as {}). */
function serializable(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!fields) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? { type: v.name, message: v.message, stack: v.stack, ...((v as any).code ? { code: (v as any).code } : {}) } : v;
  return out;
}

function wrap(p: Pino): Logger {
  return {
    debug: (m, f) => p.debug(serializable(f), m),
    info: (m, f) => p.info(serializable(f), m),
    warn: (m, f) => p.warn(serializable(f), m),
    error: (m, f) => p.error(serializable(f), m),
    child: (fields) => wrap(p.child(fields)),
  };
}

export interface LoggerOptions {
  /** Where lines go (default: stderr); tests pass a stream to read them. */
  destination?: NodeJS.WritableStream;
  /** json (default) or pretty; default from LOG_FORMAT, else pretty on a terminal. */
  format?: 'json' | 'pretty';
}

export function createLogger(base: Record<string, unknown> = {}, level = (process.env.LOG_LEVEL ?? 'info') as LevelName, opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? (process.env.LOG_FORMAT === 'pretty' || (process.env.LOG_FORMAT !== 'json' && !opts.destination && process.stderr.isTTY) ? 'pretty' : 'json');
  const destination =
    format === 'pretty'
      ? pretty({ destination: opts.destination ?? 2, sync: true, colorize: !opts.destination && process.stderr.isTTY, translateTime: 'SYS:HH:MM:ss.l' })
      : (opts.destination ?? pino.destination({ dest: 2, sync: true }));
  const p = pino(
    {
      level: LEVELS.includes(level) ? level : 'info',
      base,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => {
        const ctx = requestContext.getStore();
        return ctx ? { requestId: ctx.requestId } : {};
      },
    },
    destination,
  );
  return wrap(p);
}
