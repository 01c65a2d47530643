// A tiny XML writer: escaped attributes and text, elements as strings. Pure.

export function esc(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

type Attrs = Record<string, string | number | boolean | undefined | null>;

/** `<name attrs>children</name>`; attributes with undefined or null values are left out; children are already XML. */
export function el(name: string, attrs: Attrs = {}, ...content: (string | false | null | undefined)[]): string {
  const a = Object.entries(attrs).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => ` ${k}="${esc(v)}"`).join('');
  const body = content.filter((c): c is string => typeof c === 'string').join('');
  return body ? `<${name}${a}>${body}</${name}>` : `<${name}${a}/>`;
}

/** An element with text content. */
export const tx = (name: string, text: unknown, attrs: Attrs = {}) => `<${name}${Object.entries(attrs).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => ` ${k}="${esc(v)}"`).join('')}>${esc(text)}</${name}>`;

export const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
