// A WPS Execute in the OGC API's terms: its inputs as an execute body's inputs (the one codec both
// doors share checks them) and the outputs it asks for, each problem the WPS exception for it.
import type { WpsProcess } from '../../seed-mapping/wps-process.ts';
import { WpsError } from './errors.ts';
import type { WpsExecute, WpsInput } from './request.ts';

/** WPS inputs as an OGC API execute body's inputs (the one codec both doors share checks them). */
export function ogcInputs(ex: WpsExecute, p: WpsProcess): Record<string, unknown> {
  const out: Record<string, unknown[]> = {};
  for (const i of ex.inputs) {
    const d = p.inputs.find((x) => x.id === i.id);
    if (!d) throw new WpsError('NoSuchInput', `process ${p.id} has no input ${JSON.stringify(i.id)}`, i.id);
    (out[i.id] ??= []).push(ogcValue(i, d));
  }
  for (const d of p.inputs) {
    const n = out[d.id]?.length ?? 0;
    if (d.maxOccurs !== 'unbounded' && n > d.maxOccurs) throw new WpsError('TooManyInputs', `input ${d.id} takes at most ${d.maxOccurs} value(s), not ${n}`, d.id);
  }
  return Object.fromEntries(Object.entries(out).map(([id, vs]) => {
    const d = p.inputs.find((x) => x.id === id)!;
    return [id, d.maxOccurs === 'unbounded' || (typeof d.maxOccurs === 'number' && d.maxOccurs > 1) ? vs : vs[0]];
  }));
}

function ogcValue(i: WpsInput, d: WpsProcess['inputs'][number]): unknown {
  if (d.kind === 'complex' && i.mimeType && !d.formats.includes(i.mimeType) && !d.formats.includes('application/octet-stream')) {
    throw new WpsError('NoSuchFormat', `input ${i.id} takes ${d.formats.join(', ')}, not ${i.mimeType}`, i.id);
  }
  if (i.href) return { href: i.href, ...(i.mimeType ? { type: i.mimeType } : {}) };
  if (i.bbox) {
    if (d.kind !== 'bbox') throw new WpsError('WrongInputData', `input ${i.id} is not a bounding box`, i.id);
    return { bbox: i.bbox.coords, ...(i.bbox.crs ? { crs: i.bbox.crs } : {}) };
  }
  const text = i.value ?? '';
  if (d.kind === 'literal') {
    if (d.dataType === 'integer' || d.dataType === 'double') {
      const n = Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(n) || (d.dataType === 'integer' && !Number.isInteger(n))) throw new WpsError('WrongInputData', `input ${i.id} must be ${d.dataType === 'integer' ? 'an integer' : 'a number'}, not ${JSON.stringify(text)}`, i.id);
      return n;
    }
    if (d.dataType === 'boolean') {
      if (!['true', 'false', '1', '0'].includes(text.trim())) throw new WpsError('WrongInputData', `input ${i.id} must be true or false, not ${JSON.stringify(text)}`, i.id);
      return text.trim() === 'true' || text.trim() === '1';
    }
    return text;
  }
  if (d.kind === 'bbox') throw new WpsError('WrongInputData', `input ${i.id} is a bounding box: give an ows:BoundingBox`, i.id);
  // A JSON value (complex application/json) is a value; anything else is file content.
  if (d.formats.length === 1 && d.formats[0] === 'application/json' && (!i.mimeType || i.mimeType === 'application/json')) {
    try {
      return JSON.parse(text);
    } catch {
      throw new WpsError('WrongInputData', `input ${i.id} must be JSON`, i.id);
    }
  }
  const mediaType = i.mimeType ?? (i.xml ? (d.formats.find((f) => /xml/.test(f)) ?? 'text/xml') : d.formats[0]);
  const base64 = i.encoding === 'base64' ? text.replace(/\s+/g, '') : Buffer.from(text, 'utf8').toString('base64');
  return { value: base64, encoding: 'base64', mediaType };
}

export function requestedOutputs(ex: WpsExecute, p: WpsProcess): Map<string, 'value' | 'reference'> {
  for (const o of ex.outputs) {
    const d = p.outputs.find((x) => x.id === o.id);
    if (!d) throw new WpsError('NoSuchOutput', `process ${p.id} has no output ${JSON.stringify(o.id)}`, o.id);
    if (o.mimeType && d.kind === 'complex' && !d.formats.includes(o.mimeType) && !d.formats.includes('application/octet-stream')) throw new WpsError('NoSuchFormat', `output ${o.id} is ${d.formats.join(', ')}, not ${o.mimeType}`, o.id);
  }
  const requested = new Map<string, 'value' | 'reference'>(ex.outputs.length ? ex.outputs.map((o) => [o.id, o.transmission]) : p.outputs.map((o) => [o.id, 'value']));
  if (ex.response === 'raw' && requested.size !== 1) throw new WpsError('TooManyOutputs', `a raw response holds one output; ${requested.size} were asked for (name one wps:Output)`, 'response');
  return requested;
}
