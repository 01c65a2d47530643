// SVG building (the recipe graph and the timeline), with the same rules as dom.js: text through
// text nodes, colours through classes in ui.css.
import { build } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';

export function s(tag, attrs = {}, ...children) {
  return build(document.createElementNS(NS, tag), attrs, children);
}

/** A tooltip: SVG's <title> child. */
export const tip = (text) => s('title', {}, text);

/** An arrowhead marker for edges, referenced as url(#id). */
export function arrowMarker(id) {
  return s('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }));
}

/** A left-to-right cubic curve from (x1, y1) to (x2, y2). */
export function curve(x1, y1, x2, y2) {
  const dx = Math.max(20, (x2 - x1) / 2);
  return `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
}

/** Text cut to fit about `max` characters. */
export const clip = (text, max) => (String(text).length > max ? `${String(text).slice(0, max - 1)}…` : String(text));
