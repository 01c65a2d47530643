// Builds the argv of a Scale job interface 1.0 command without a shell. The template is split on
// whitespace first; a substituted value is always one argument however many spaces it holds, so
// no input can inject arguments. ${prefix:name} gives the prefix (split on its own whitespace)
// followed by the value, and nothing at all when the input is absent (Scale's semantics).
import { Invalid } from '../errors.ts';

type Piece = { literal: string } | { prefix: string; name: string };

function parse(template: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  while (i < template.length) {
    const start = template.indexOf('${', i);
    if (start < 0) {
      pieces.push({ literal: template.slice(i) });
      break;
    }
    if (start > i) pieces.push({ literal: template.slice(i, start) });
    const end = template.indexOf('}', start);
    if (end < 0) throw new Invalid('command_arguments', 'has an unclosed ${');
    const body = template.slice(start + 2, end);
    const colon = body.lastIndexOf(':');
    pieces.push(colon >= 0 ? { prefix: body.slice(0, colon), name: body.slice(colon + 1) } : { prefix: '', name: body });
    i = end + 1;
  }
  return pieces;
}

/** Splits a command string into words on whitespace, honouring simple single and double quotes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new Invalid('command', 'has an unbalanced quote');
  if (inWord) words.push(cur);
  return words;
}

/** Literal command text, or a substituted value with the literal prefix that goes with it. */
export type Part = { literal: string } | { value: string; prefix?: string };

/**
 * Joins command parts into argv: literal text splits into words on whitespace, a value never does,
 * so no input can inject arguments. An empty value standing alone vanishes, as it does when Scale
 * collapses whitespace.
 */
export function words(parts: Part[]): string[] {
  const args: string[] = [];
  let cur = '';
  let open = false; // whether cur holds part of an argument
  const literal = (text: string) => {
    for (const ch of text) {
      if (/\s/.test(ch)) {
        if (open) args.push(cur);
        cur = '';
        open = false;
      } else {
        cur += ch;
        open = true;
      }
    }
  };
  for (const p of parts) {
    if ('literal' in p) {
      literal(p.literal);
      continue;
    }
    if (p.value === '' && !open && !p.prefix?.trim()) continue;
    if (p.prefix) literal(p.prefix);
    cur += p.value;
    open = true;
  }
  if (open) args.push(cur);
  return args;
}

/**
 * Scale job interface 1.0 argv of a command_arguments template.
 * @param values input name → value; an absent or null value drops the parameter and its prefix
 */
export function buildArgs(template: string, values: Map<string, string | null>): string[] {
  return words(
    parse(template).flatMap((p): Part[] => {
      if ('literal' in p) return [p];
      const v = values.get(p.name);
      return v === undefined || v === null ? [] : [{ value: v, prefix: p.prefix }];
    }),
  );
}
