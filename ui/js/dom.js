// DOM building without innerHTML: every server string becomes a text node or an attribute value.
// Styles are set through the CSSOM (el.style), which the Content-Security-Policy allows; never a
// style="" attribute, which it does not.

/**
 * h('a', {href: '#/', class: 'x', data: {id: 1}, on: {click: fn}, style: {width: '3px'}}, 'text', child, [more])
 * Children may be strings, numbers, nodes, arrays, null or false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  return build(el, attrs, children);
}

export function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : String(v));
    else if (k === 'data') for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = String(dv);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'style') for (const [sk, sv] of Object.entries(v)) el.style[sk] = sv;
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'value' && 'value' in el) el.value = String(v);
    else if (k === 'checked' || k === 'disabled' || k === 'selected' || k === 'hidden') el[k] = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces all children of el. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) : '—');

export function fmtDuration(fromIso, toIso) {
  if (!fromIso) return '—';
  const ms = (toIso ? new Date(toIso) : new Date()) - new Date(fromIso);
  if (ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function fmtBytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = Number(n);
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
}

/** Mebibytes (Scale's unit for mem and disk) as text. */
export const fmtMiB = (mib) => (mib === null || mib === undefined ? '—' : fmtBytes(Number(mib) * 1024 * 1024));

export const fmtNum = (n, digits = 2) => (n === null || n === undefined ? '—' : Number(n).toLocaleString(undefined, { maximumFractionDigits: digits }));

/** A status word as a coloured badge (colours per status in ui.css); `label` replaces the text. */
export const badge = (status, extra = '', label) => h('span', { class: ['badge', `status-${String(status).toUpperCase()}`, extra], data: { status } }, label ?? String(status));

/** Scale's status counts ({status, count, category}): a failure says its category (FAILED · SYSTEM). */
export const statusCounts = (list) =>
  list.length
    ? list.map((c) => h('span', { class: 'count', data: { status: c.status, category: c.category ?? '' } }, badge(c.status, c.category ? `category-${c.category}` : '', c.category ? `${c.status} · ${c.category}` : c.status), ` ${c.count}`))
    : h('span', { class: 'muted' }, 'none');

/** A table: columns [{label, cell: (row) => node|string, class}], rows. */
export function table(columns, rows, { empty = 'None.', cls = '', rowAttrs } = {}) {
  if (!rows.length) return h('p', { class: 'muted empty' }, empty);
  return h(
    'table',
    { class: ['grid', cls] },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.class }, c.label)))),
    h('tbody', {}, rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : {}, columns.map((c) => h('td', { class: c.class }, c.cell(r)))))),
  );
}

/** Key/value pairs as a definition list; values may be nodes. */
export const facts = (pairs) => h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));

/** JSON shown as preformatted text (textContent: never parsed as HTML). */
export const jsonBlock = (value, cls = '') => h('pre', { class: ['json', cls] }, JSON.stringify(value, null, 2));

export const section = (title, ...children) => h('section', { class: 'panel' }, h('h2', {}, title), children);

/**
 * A button that runs an async action, disabled while it runs; failures go to onError. `confirm`
 * (a message) asks first through a dialog (destructive actions).
 */
export function actionButton(label, run, { cls = '', data, onError, title, confirm } = {}) {
  const b = h('button', { type: 'button', class: ['action', cls], data, title });
  b.textContent = label;
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      if (confirm && !(await (await import('./confirm.js')).confirmAction(confirm, { confirm: label }))) return;
      await run();
    } catch (err) {
      (onError ?? ((e) => window.dispatchEvent(new CustomEvent('ui-error', { detail: e }))))(err);
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

export const link = (href, text, attrs = {}) => h('a', { href, ...attrs }, text);
