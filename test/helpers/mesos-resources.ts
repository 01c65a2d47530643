// Mesos resources as the master double accounts for them: named scalars (fixed-point, 3 decimals) and RANGES
// (ports), with the arithmetic the allocator needs (add, subtract, contains); bags of them by reservation
// (unreserved, static, dynamic with principal and labels) and the JSON codec of MP Resource.

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

// ------------------------------------------------------------------------------------ reservations

/**
 * One reservation of a resource in the post-reservation-refinement form the master keeps internally
 * (MP Resource.ReservationInfo; src/common/resources_utils.cpp convertResourceFormat). Labels are kept as
 * MP Labels JSON.
 */
export interface Reservation {
  type: 'STATIC' | 'DYNAMIC';
  role: string;
  principal?: string;
  labels?: { labels: Array<{ key: string; value?: string }> };
}

/** Resources by where they are: unreserved (no reservations) or reserved for a role, statically or dynamically. */
export interface Slot {
  reservations: Reservation[];
  res: Res;
}

/** A set of slots keyed by their reservations (Mesos compares role, reservation type, principal and labels). */
export type Bag = Map<string, Slot>;

function canonicalLabels(l: Reservation['labels']): Array<[string, string]> {
  return (l?.labels ?? []).map((x) => [x.key, x.value ?? ''] as [string, string]).sort((a, b) => (a[0] + '\0' + a[1] < b[0] + '\0' + b[1] ? -1 : 1));
}

export const slotKey = (reservations: Reservation[]): string =>
  JSON.stringify(reservations.map((r) => [r.type, r.role, r.principal ?? null, canonicalLabels(r.labels)]));

export const emptyBag = (): Bag => new Map();

export function bagOf(res: Res, reservations: Reservation[] = []): Bag {
  return new Map([[slotKey(reservations), { reservations, res: cloneRes(res) }]]);
}

export function bagAdd(a: Bag, b: Bag): Bag {
  const out: Bag = new Map([...a].map(([k, s]) => [k, { reservations: s.reservations, res: cloneRes(s.res) }]));
  for (const [k, s] of b) {
    const cur = out.get(k);
    out.set(k, { reservations: s.reservations, res: cur ? addRes(cur.res, s.res) : cloneRes(s.res) });
  }
  return out;
}

export function bagSub(a: Bag, b: Bag): Bag {
  const out: Bag = new Map([...a].map(([k, s]) => [k, { reservations: s.reservations, res: cloneRes(s.res) }]));
  for (const [k, s] of b) {
    const cur = out.get(k);
    if (cur) cur.res = subRes(cur.res, s.res);
  }
  return out;
}

/** a ⊇ b, slot by slot (resources reserved one way are not resources reserved another way, nor unreserved). */
export function bagContains(a: Bag, b: Bag): boolean {
  for (const [k, s] of b) {
    if (isEmptyRes(s.res)) continue;
    const cur = a.get(k);
    if (!cur || !containsRes(cur.res, s.res)) return false;
  }
  return true;
}

export const bagIsEmpty = (b: Bag): boolean => [...b.values()].every((s) => isEmptyRes(s.res));

/** Everything in the bag, whatever its reservation. */
export function bagSum(b: Bag): Res {
  let r = emptyRes();
  for (const s of b.values()) r = addRes(r, s.res);
  return r;
}

/** Only the slots a role may be offered: unreserved ones and those reserved (last) for the role. */
export function bagForRole(b: Bag, role: string): Bag {
  return new Map([...b].filter(([, s]) => s.reservations.length === 0 || s.reservations[s.reservations.length - 1].role === role));
}

const fmtReservations = (rs: Reservation[]) =>
  rs.length ? `(reservations: [${rs.map((r) => `(${r.type},${r.role}${r.principal !== undefined ? `,${r.principal}` : ''}${r.labels?.labels?.length ? `,{${canonicalLabels(r.labels).map(([k, v]) => `${k}: ${v}`).join(', ')}}` : ''})`).join(',')}])` : '';

/** Like Mesos' Resources stringify (cpus(reservations: [(STATIC,gis)]):1; mem:512). */
export function fmtBag(b: Bag, allocationRole?: string): string {
  const parts: string[] = [];
  for (const s of b.values()) {
    const deco = `${allocationRole !== undefined ? `(allocated: ${allocationRole})` : ''}${fmtReservations(s.reservations)}`;
    for (const [k, v] of Object.entries(s.res.scalars)) if (v > 0) parts.push(`${k}${deco}:${v}`);
    for (const [k, v] of Object.entries(s.res.ranges)) if (v.length) parts.push(`${k}${deco}:[${v.map(([a, c]) => `${a}-${c}`).join(', ')}]`);
  }
  return parts.join('; ') || '{}';
}

/**
 * The reservations of one Resource as the master reads it after convertResourceFormat(POST_RESERVATION_REFINEMENT),
 * with Resources::validate's errors: `role` "*" (or absent) is unreserved; a role without `reservation` is a STATIC
 * reservation; with `reservation` (its principal and labels) a DYNAMIC one; `reservations` is taken as it is.
 */
export function reservationsOf(x: any): Reservation[] {
  if (Array.isArray(x.reservations) && x.reservations.length) {
    return x.reservations.map((r: any) => {
      if (!r?.type) throw new Error("Invalid reservation: 'Resource.ReservationInfo.type' field must be set.");
      if (!r.role) throw new Error("Invalid reservation: 'Resource.ReservationInfo.role' field must be set.");
      if (r.role === '*') throw new Error('Invalid reservation: role "*" cannot be reserved');
      return { type: r.type, role: r.role, ...(r.principal !== undefined ? { principal: r.principal } : {}), ...(r.labels ? { labels: r.labels } : {}) };
    });
  }
  const role = x.role ?? '*';
  if (x.reservation !== undefined) {
    if (x.reservation.type !== undefined) throw new Error("'Resource.ReservationInfo.type' must not be set for the 'Resource.reservation' field");
    if (x.reservation.role !== undefined) throw new Error("'Resource.ReservationInfo.role' must not be set for the 'Resource.reservation' field");
    if (role === '*') throw new Error('Invalid reservation: role "*" cannot be dynamically reserved');
    const r = x.reservation;
    return [{ type: 'DYNAMIC', role, ...(r.principal !== undefined ? { principal: r.principal } : {}), ...(r.labels ? { labels: r.labels } : {}) }];
  }
  return role === '*' ? [] : [{ type: 'STATIC', role }];
}

/**
 * A task's resources (MP Resource JSON) as a bag, the offer's allocation role injected where the resource has
 * none (Master::accept injectAllocationInfo). `foreignAllocation` names a role the resources say they are
 * allocated to that is not the offer's (such resources are in no offer: the containment check fails).
 */
export function parseBag(list: any, allocationRole: string): { bag: Bag; foreignAllocation: string | null } {
  let bag = emptyBag();
  let foreignAllocation: string | null = null;
  for (const x of Array.isArray(list) ? list : []) {
    const reservations = reservationsOf(x ?? {});
    const alloc = x?.allocation_info?.role;
    if (alloc !== undefined && alloc !== allocationRole) foreignAllocation = alloc;
    bag = bagAdd(bag, bagOf(parseResources([x]), reservations));
  }
  if (!Array.isArray(list) && list !== undefined) parseResources(list); // throws its error
  return { bag, foreignAllocation };
}

/**
 * Offered resources as the master writes them for a framework: allocation_info always; without
 * RESERVATION_REFINEMENT the pre-refinement form (`role`, and `reservation` for a dynamic reservation),
 * with it `reservations` (an unreserved resource has none, and empty repeated fields are not written).
 */
export function bagJson(b: Bag, allocationRole: string, refinement: boolean): any[] {
  const out: any[] = [];
  for (const s of b.values()) {
    const deco = (o: any) => {
      if (refinement) return { ...o, ...(s.reservations.length ? { reservations: s.reservations.map((r) => ({ ...r })) } : {}), allocation_info: { role: allocationRole } };
      if (s.reservations.length > 1) throw new Error('refined reservations cannot be written without RESERVATION_REFINEMENT');
      const r = s.reservations[0];
      const pre = !r ? { role: '*' } : r.type === 'STATIC' ? { role: r.role } : { role: r.role, reservation: { ...(r.principal !== undefined ? { principal: r.principal } : {}), ...(r.labels ? { labels: r.labels } : {}) } };
      return { ...o, ...pre, allocation_info: { role: allocationRole } };
    };
    for (const [name, value] of Object.entries(s.res.scalars)) if (value > 0) out.push(deco({ name, type: 'SCALAR', scalar: { value } }));
    for (const [name, rs] of Object.entries(s.res.ranges)) if (rs.length) out.push(deco({ name, type: 'RANGES', ranges: { range: rs.map(([begin, end]) => ({ begin, end })) } }));
  }
  return out;
}
