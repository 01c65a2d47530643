// Mesos resources as the master double accounts for them: named scalars (fixed-point, 3 decimals) and RANGES
// (ports), with the arithmetic the allocator needs (add, subtract, contains) and the JSON codec of MP Resource.

/** Resources as the double keeps them: scalars by name plus RANGES (ports) by name. */
export interface Res {
  scalars: Record<string, number>;
  ranges: Record<string, Array<[number, number]>>;
}

export const round = (x: number): number => Math.round(x * 1000) / 1000; // Mesos scalars are fixed-point, 3 decimals

export const emptyRes = (): Res => ({ scalars: {}, ranges: {} });

export function cloneRes(r: Res): Res {
  return { scalars: { ...r.scalars }, ranges: Object.fromEntries(Object.entries(r.ranges).map(([k, v]) => [k, v.map(([a, b]) => [a, b] as [number, number])])) };
}

export function normRanges(rs: Array<[number, number]>): Array<[number, number]> {
  const s = rs.filter(([a, b]) => b >= a).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export function subRanges(a: Array<[number, number]>, b: Array<[number, number]>): Array<[number, number]> {
  let cur = normRanges(a.map(([x, y]) => [x, y] as [number, number]));
  for (const [bs, be] of b) {
    const next: Array<[number, number]> = [];
    for (const [s, e] of cur) {
      if (be < s || bs > e) next.push([s, e]);
      else {
        if (bs > s) next.push([s, bs - 1]);
        if (be < e) next.push([be + 1, e]);
      }
    }
    cur = next;
  }
  return cur;
}

export function rangesContain(outer: Array<[number, number]>, inner: Array<[number, number]>): boolean {
  return inner.every(([s, e]) => normRanges(outer).some(([os_, oe]) => s >= os_ && e <= oe));
}

export function addRes(a: Res, b: Res): Res {
  const r = cloneRes(a);
  for (const [k, v] of Object.entries(b.scalars)) r.scalars[k] = round((r.scalars[k] ?? 0) + v);
  for (const [k, v] of Object.entries(b.ranges)) r.ranges[k] = normRanges([...(r.ranges[k] ?? []), ...v]);
  return r;
}

export function subRes(a: Res, b: Res): Res {
  const r = cloneRes(a);
  for (const [k, v] of Object.entries(b.scalars)) r.scalars[k] = Math.max(0, round((r.scalars[k] ?? 0) - v));
  for (const [k, v] of Object.entries(b.ranges)) r.ranges[k] = subRanges(r.ranges[k] ?? [], v);
  return r;
}

/** a ⊇ b */
export function containsRes(a: Res, b: Res): boolean {
  for (const [k, v] of Object.entries(b.scalars)) if (round(v) > round(a.scalars[k] ?? 0)) return false;
  for (const [k, v] of Object.entries(b.ranges)) if (!rangesContain(a.ranges[k] ?? [], v)) return false;
  return true;
}

export function isEmptyRes(r: Res): boolean {
  return Object.values(r.scalars).every((v) => v <= 0) && Object.values(r.ranges).every((v) => v.length === 0);
}

/** Like Mesos' Resources stringify, without the role/allocation decorations. */
export function fmtRes(r: Res): string {
  const parts = Object.entries(r.scalars).filter(([, v]) => v > 0).map(([k, v]) => `${k}:${v}`);
  for (const [k, v] of Object.entries(r.ranges)) if (v.length) parts.push(`${k}:[${v.map(([a, b]) => `${a}-${b}`).join(', ')}]`);
  return parts.join('; ') || '{}';
}

/** Resource JSON (MP Resource) → Res; throws an Error with the master's wording for invalid resources. */
export function parseResources(list: any): Res {
  const r = emptyRes();
  if (list === undefined) return r;
  if (!Array.isArray(list)) throw new Error('Invalid resources: expected an array');
  for (const x of list) {
    if (!x || typeof x.name !== 'string') throw new Error('Invalid resources: resource without a name');
    const type = x.type ?? 'SCALAR';
    if (type === 'SCALAR') {
      const v = x.scalar?.value;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`Invalid scalar resource ${x.name}: ${JSON.stringify(x.scalar)}`);
      r.scalars[x.name] = round((r.scalars[x.name] ?? 0) + v);
    } else if (type === 'RANGES') {
      const rs = (x.ranges?.range ?? []).map((y: any) => [Number(y.begin), Number(y.end)] as [number, number]);
      r.ranges[x.name] = normRanges([...(r.ranges[x.name] ?? []), ...rs]);
    } else {
      // SIMPLIFICATION: SET and TEXT resources are not modelled; they can never be satisfied by an offer.
      throw new Error(`Unsupported resource type ${type} for ${x.name}`);
    }
  }
  return r;
}

export function resourcesJson(r: Res, role: string, refinement: boolean): any[] {
  // Old-style `role:"*"` plus allocation_info, or (RESERVATION_REFINEMENT) no role and an empty `reservations`
  // (empty repeated fields are not written by stout's JSON, so the field is simply absent).
  const deco = (o: any) => (refinement ? { ...o, allocation_info: { role } } : { ...o, role: '*', allocation_info: { role } });
  const out: any[] = [];
  for (const [name, value] of Object.entries(r.scalars)) if (value > 0) out.push(deco({ name, type: 'SCALAR', scalar: { value } }));
  for (const [name, rs] of Object.entries(r.ranges)) if (rs.length) out.push(deco({ name, type: 'RANGES', ranges: { range: rs.map(([begin, end]) => ({ begin, end })) } }));
  return out;
}
