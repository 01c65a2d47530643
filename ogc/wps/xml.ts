// XML in and out for the WPS door. In: fast-xml-parser in document order, namespaces resolved
// (clients pick any prefix, or a default namespace), DTDs refused before parsing so no entity is
// ever expanded (XXE, "billion laughs"). Out: a tiny escaping writer; every document is a string.
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

export const NS = {
  wps2: 'http://www.opengis.net/wps/2.0',
  ows2: 'http://www.opengis.net/ows/2.0',
  wps1: 'http://www.opengis.net/wps/1.0.0',
  ows1: 'http://www.opengis.net/ows/1.1',
  xlink: 'http://www.w3.org/1999/xlink',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xml: 'http://www.w3.org/XML/1998/namespace',
};

/** One element: its namespace and local name, attributes by `{ns}local` (or `local` without a namespace), children in order. */
export interface XNode {
  ns: string;
  local: string;
  attrs: Map<string, string>;
  children: XNode[];
  /** The element's own text (its text children joined). */
  text: string;
  /** The parser's node, kept to write the element's content back as XML (complex data). */
  raw: any[];
}

export class XmlError extends Error {}

const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', allowBooleanAttributes: true, parseTagValue: false, parseAttributeValue: false, trimValues: false, processEntities: true, htmlEntities: false, ignoreDeclaration: true, ignorePiTags: true, commentPropName: '#comment' });
const builder = new XMLBuilder({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', suppressEmptyNode: true, commentPropName: '#comment' });

/** Parses a request body; a DTD (and so any entity declaration) or malformed XML is an XmlError. */
export function parseXml(text: string): XNode {
  // Refused before parsing: nothing from a DTD is ever read, fetched or expanded.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('the request has a DTD (<!DOCTYPE or <!ENTITY); DTDs and entity declarations are not accepted');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new XmlError(`the request is not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  let tree: any[];
  try {
    tree = parser.parse(text) as any[];
  } catch (err) {
    // The parser's own limits (nesting deeper than 100 elements, …) are the client's mistake, not ours.
    throw new XmlError(`the request cannot be read as XML: ${(err as Error).message}`);
  }
  const root = tree.find((n) => elementName(n) !== null);
  if (!root) throw new XmlError('the request has no root element');
  return toNode(root, new Map([['xml', NS.xml]]));
}

function elementName(n: any): string | null {
  return Object.keys(n).find((k) => k !== ':@' && k !== '#text' && k !== '#comment') ?? null;
}

function toNode(n: any, scope: Map<string, string>): XNode {
  const qname = elementName(n)!;
  const rawAttrs: Record<string, string> = n[':@'] ?? {};
  const local = new Map(scope);
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns') local.set('', v);
    else if (k.startsWith('xmlns:')) local.set(k.slice(6), v);
  }
  const attrs = new Map<string, string>();
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    const c = k.indexOf(':');
    // Unprefixed attributes are in no namespace.
    attrs.set(c < 0 ? k : `{${local.get(k.slice(0, c)) ?? k.slice(0, c)}}${k.slice(c + 1)}`, String(v));
  }
  const c = qname.indexOf(':');
  const prefix = c < 0 ? '' : qname.slice(0, c);
  const kids: any[] = n[qname] ?? [];
  const children: XNode[] = [];
  let text = '';
  for (const k of kids) {
    if ('#text' in k) text += String(k['#text']);
    else if (elementName(k) !== null) children.push(toNode(k, local));
  }
  return { ns: local.get(prefix) ?? '', local: c < 0 ? qname : qname.slice(c + 1), attrs, children, text, raw: kids };
}

export const attr = (n: XNode, name: string, ns?: string): string | undefined => n.attrs.get(ns ? `{${ns}}${name}` : name);
/** The first child with this local name, in one of the namespaces (any namespace when none given). */
export function child(n: XNode, local: string, ...ns: string[]): XNode | undefined {
  return n.children.find((c) => c.local === local && (!ns.length || ns.includes(c.ns)));
}
export function children(n: XNode, local: string, ...ns: string[]): XNode[] {
  return n.children.filter((c) => c.local === local && (!ns.length || ns.includes(c.ns)));
}

/** An element's content written back as XML (a complex input given inline), namespaces as the client wrote them. */
export function innerXml(n: XNode): string {
  return builder.build(n.raw.filter((k) => !('#comment' in k))) as string;
}

export { el, esc, tx, XML_DECL } from '../../seed-mapping/xml-write.ts';
