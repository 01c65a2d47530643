// A minimal PNG writer and line chart for the benchmarks: an RGBA raster, lines, rectangles and a
// 5×7 pixel font, encoded as one IDAT of deflated scanlines (filter 0) with CRC-32 chunk sums. No
// dependencies beyond node:zlib.
import { deflateSync } from 'node:zlib';

export type Rgb = [number, number, number];

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, sum]);
}

/** An 8-bit RGBA image (width × height × 4 bytes, rows top to bottom) as a PNG file. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering (each row says its filter: 0, none)
  ihdr[12] = 0; // no interlace
  const raw = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + width * 4)] = 0;
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (1 + width * 4) + 1);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

// 5×7 glyphs, one number per row, bit 4 the leftmost pixel.
const FONT: Record<string, number[]> = {
  '0': [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e], '1': [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
  '2': [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f], '3': [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
  '4': [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02], '5': [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
  '6': [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e], '7': [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
  '8': [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e], '9': [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
  A: [0x0e, 0x11, 0x11, 0x11, 0x1f, 0x11, 0x11], B: [0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e],
  C: [0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e], D: [0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c],
  E: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f], F: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10],
  G: [0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f], H: [0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
  I: [0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e], J: [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c],
  K: [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11], L: [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f],
  M: [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11], N: [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
  O: [0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e], P: [0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10],
  Q: [0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d], R: [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11],
  S: [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e], T: [0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
  U: [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e], V: [0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04],
  W: [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a], X: [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11],
  Y: [0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04], Z: [0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f],
  ' ': [0, 0, 0, 0, 0, 0, 0], '.': [0, 0, 0, 0, 0, 0x0c, 0x0c], ',': [0, 0, 0, 0, 0x0c, 0x04, 0x08],
  ':': [0, 0x0c, 0x0c, 0, 0x0c, 0x0c, 0], '-': [0, 0, 0, 0x1f, 0, 0, 0], '+': [0, 0x04, 0x04, 0x1f, 0x04, 0x04, 0],
  '/': [0, 0x01, 0x02, 0x04, 0x08, 0x10, 0], '%': [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
  '(': [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02], ')': [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
  '=': [0, 0, 0x1f, 0, 0x1f, 0, 0], _: [0, 0, 0, 0, 0, 0, 0x1f], '?': [0x0e, 0x11, 0x01, 0x02, 0x04, 0, 0x04],
  '×': [0, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0], '<': [0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02], '>': [0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08],
  '≥': [0x10, 0x0c, 0x03, 0x0c, 0x10, 0, 0x1f], '≤': [0x01, 0x06, 0x18, 0x06, 0x01, 0, 0x1f], '→': [0, 0x04, 0x02, 0x1f, 0x02, 0x04, 0],
  '[': [0x0e, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0e], ']': [0x0e, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0e], '|': [0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
  "'": [0x0c, 0x04, 0x08, 0, 0, 0, 0], '"': [0x0a, 0x0a, 0, 0, 0, 0, 0], '!': [0x04, 0x04, 0x04, 0x04, 0x04, 0, 0x04],
  ';': [0, 0x0c, 0x0c, 0, 0x0c, 0x04, 0x08], '*': [0, 0x04, 0x15, 0x0e, 0x15, 0x04, 0], '#': [0x0a, 0x0a, 0x1f, 0x0a, 0x1f, 0x0a, 0x0a],
  '&': [0x0c, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0d], '~': [0, 0, 0x08, 0x15, 0x02, 0, 0], '–': [0, 0, 0, 0x1f, 0, 0, 0], '—': [0, 0, 0, 0x1f, 0, 0, 0],
};

/** The characters of `s` the font has no glyph for (drawn as '?'). */
export function missingGlyphs(s: string): string[] {
  return [...new Set([...s.toUpperCase()].filter((ch) => !FONT[ch]))];
}

export class Raster {
  readonly data: Uint8Array;
  constructor(readonly width: number, readonly height: number, background: Rgb = [255, 255, 255]) {
    this.data = new Uint8Array(width * height * 4);
    this.rect(0, 0, width, height, background);
  }

  set(x: number, y: number, [r, g, b]: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    this.data[i] = r;
    this.data[i + 1] = g;
    this.data[i + 2] = b;
    this.data[i + 3] = 255;
  }

  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let j = Math.round(y); j < Math.round(y + h); j++) for (let i = Math.round(x); i < Math.round(x + w); i++) this.set(i, j, c);
  }

  /** Bresenham's line; `thick` 2 doubles it below and to the right; `dash` draws `dash` pixels of every 2×dash. */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thick = 1, dash = 0): void {
    x0 = Math.round(x0); y0 = Math.round(y0); x1 = Math.round(x1); y1 = Math.round(y1);
    const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    for (let n = 0; ; n++) {
      if (!dash || n % (2 * dash) < dash) {
        for (let t = 0; t < thick; t++) {
          this.set(x0 + (dx > -dy ? 0 : t), y0 + (dx > -dy ? t : 0), c);
        }
      }
      if (x0 === x1 && y0 === y1) return;
      const e2 = 2 * err;
      if (e2 >= dy) { err += dy; x0 += sx; }
      if (e2 <= dx) { err += dx; y0 += sy; }
    }
  }

  /** Text in the 5×7 font (upper-cased; unknown characters as '?'), `scale` pixels per font pixel. Returns its width. */
  text(x: number, y: number, s: string, c: Rgb, scale = 1): number {
    let cx = x;
    for (const ch of s.toUpperCase()) {
      const glyph = FONT[ch] ?? FONT['?'];
      for (let row = 0; row < 7; row++) {
        for (let col = 0; col < 5; col++) if (glyph[row] & (0x10 >> col)) this.rect(cx + col * scale, y + row * scale, scale, scale, c);
      }
      cx += 6 * scale;
    }
    return cx - x;
  }

  static textWidth(s: string, scale = 1): number {
    return s.length * 6 * scale;
  }

  png(): Buffer {
    return encodePng(this.width, this.height, this.data);
  }
}

export interface Series {
  label: string;
  color: Rgb;
  /** [x, y] in data units, x ascending. */
  points: [number, number][];
}

export interface Panel {
  title: string;
  series: Series[];
}

/** Ticks at 1, 2 or 5 × 10^k covering [0, max]. */
function ticks(max: number, want = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / want;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const label = (v: number) => (Math.abs(v) >= 10_000 ? `${Math.round(v / 1000)}K` : String(Number(v.toPrecision(4))));

/**
 * Panels stacked over one x axis (minutes), each with its y axis from 0, grid lines, a legend, and
 * dashed vertical markers (e.g. where a trend window starts).
 */
export function lineChart(opts: { title: string; width?: number; panelHeight?: number; xLabel: string; xMax: number; panels: Panel[]; markers?: { x: number; label: string }[] }): Buffer {
  const width = opts.width ?? 1000;
  const ph = opts.panelHeight ?? 200;
  const left = 70, right = 20, top = 52, gap = 46, bottom = 40;
  const height = top + opts.panels.length * ph + (opts.panels.length - 1) * gap + bottom;
  const img = new Raster(width, height);
  const ink: Rgb = [30, 30, 30], grid: Rgb = [225, 225, 225], faint: Rgb = [150, 150, 150];
  img.text(left, 8, opts.title, ink, 2);
  const plotW = width - left - right;
  const xs = ticks(opts.xMax, 10);
  const xMax = xs[xs.length - 1];
  const px = (x: number) => left + (x / xMax) * plotW;
  opts.panels.forEach((panel, i) => {
    const y0 = top + i * (ph + gap); // top of the plot area
    const maxY = Math.max(0, ...panel.series.flatMap((s) => s.points.map((p) => p[1])));
    const ys = ticks(maxY * 1.05 || 1);
    const yMax = ys[ys.length - 1];
    const py = (y: number) => y0 + ph - (y / yMax) * ph;
    for (const t of ys) {
      img.line(left, py(t), left + plotW, py(t), grid);
      const l = label(t);
      img.text(left - 6 - Raster.textWidth(l), py(t) - 3, l, ink);
    }
    for (const t of xs) {
      img.line(px(t), y0, px(t), y0 + ph, grid);
      img.line(px(t), y0 + ph, px(t), y0 + ph + 4, ink);
      const l = label(t);
      img.text(px(t) - Raster.textWidth(l) / 2, y0 + ph + 8, l, ink);
    }
    for (const m of opts.markers ?? []) {
      img.line(px(m.x), y0, px(m.x), y0 + ph, faint, 1, 3);
      const w = Raster.textWidth(m.label);
      if (i === 0) img.text(px(m.x) + 4 + w > width - right ? px(m.x) - 4 - w : px(m.x) + 4, y0 + 2, m.label, faint);
    }
    img.line(left, y0, left, y0 + ph, ink);
    img.line(left, y0 + ph, left + plotW, y0 + ph, ink);
    img.text(left, y0 - 12, panel.title, ink);
    let lx = left + Raster.textWidth(panel.title) + 24;
    for (const s of panel.series) {
      img.rect(lx, y0 - 10, 16, 3, s.color);
      lx += 20 + img.text(lx + 20, y0 - 12, s.label, s.color) + 16;
      for (let k = 1; k < s.points.length; k++) {
        const [a, b] = [s.points[k - 1], s.points[k]];
        img.line(px(a[0]), py(a[1]), px(b[0]), py(b[1]), s.color, 2);
      }
    }
  });
  const xl = opts.xLabel;
  img.text(left + plotW - Raster.textWidth(xl), height - 12, xl, ink);
  return img.png();
}

export interface Bar {
  label: string;
  value: number;
  /** Drawn as a dark tick across the bar's row. */
  goal?: number;
  color: Rgb;
  /** Printed right of the plot, e.g. "52% OF RAW SPAWN, GOAL ≥ 50%". */
  text: string;
}

export interface BarPanel {
  title: string;
  /** Appended to the axis labels (× or %). */
  unit: string;
  bars: Bar[];
  /** Where the value equals its reference (1× or 100%): a dashed line. */
  parity?: number;
}

/** At most n characters, cut in the middle: the ends tell rows apart (e.g. "…, pglite" and "…, postgres"). */
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 2 - Math.floor(n / 3))}..${s.slice(s.length - Math.floor(n / 3))}` : s);

/**
 * Horizontal bars, one row each, grouped in panels with an x axis each: labels left, the value and
 * its text right, the goal as a tick across the row. The axis is logarithmic (decades) when the
 * panel's values and goals span more than 50 times, so 0.3× and 80× both read.
 */
export function barChart(opts: { title: string; subtitle?: string; panels: BarPanel[]; legend?: { label: string; color: Rgb }[]; plotWidth?: number }): Buffer {
  const ROW = 18, BAR = 10, margin = 12, axisH = 22, panelGap = 22, headH = 18;
  const maxLabel = 72, maxText = 80;
  const labelW = Math.max(...opts.panels.flatMap((p) => p.bars.map((b) => Raster.textWidth(clip(b.label, maxLabel))))) + 12;
  const textW = Math.max(...opts.panels.flatMap((p) => p.bars.map((b) => Raster.textWidth(clip(b.text, maxText))))) + 10;
  const plotW = opts.plotWidth ?? 420;
  const left = margin + labelW;
  let top = 8 + 14 + 8 + (opts.subtitle ? 12 : 0) + (opts.legend ? 16 : 0) + 8;
  const height = top + opts.panels.reduce((h, p) => h + headH + p.bars.length * ROW + axisH + panelGap, 0);
  const width = Math.max(left + plotW + 10 + textW + margin, margin * 2 + Raster.textWidth(opts.title, 2), margin * 2 + Raster.textWidth(opts.subtitle ?? ''));
  const img = new Raster(width, height);
  const ink: Rgb = [30, 30, 30], grid: Rgb = [228, 228, 228], faint: Rgb = [140, 140, 140], goalInk: Rgb = [20, 20, 20];
  img.text(margin, 8, opts.title, ink, 2);
  let y = 8 + 14 + 8;
  if (opts.subtitle) (img.text(margin, y, opts.subtitle, faint), (y += 12));
  if (opts.legend) {
    let lx = margin;
    for (const l of opts.legend) {
      img.rect(lx, y, 14, 8, l.color);
      lx += 20 + img.text(lx + 20, y + 1, l.label, ink) + 14;
    }
    img.rect(lx + 6, y - 2, 2, 12, goalInk);
    img.text(lx + 14, y + 1, 'GOAL', ink);
  }
  for (const panel of opts.panels) {
    const values = [...panel.bars.flatMap((b) => [b.value, ...(b.goal !== undefined ? [b.goal] : [])]), ...(panel.parity !== undefined ? [panel.parity] : [])].filter(Number.isFinite);
    const pos = values.filter((v) => v > 0);
    const log = pos.length > 1 && Math.max(...pos) / Math.min(...pos) > 50;
    let px: (v: number) => number;
    let axis: number[];
    if (log) {
      const lo = Math.floor(Math.log10(Math.min(...pos))), hi = Math.ceil(Math.log10(Math.max(...pos)));
      axis = Array.from({ length: hi - lo + 1 }, (_, i) => Number((10 ** (lo + i)).toPrecision(12)));
      px = (v) => left + (v > 0 ? ((Math.log10(v) - lo) / (hi - lo)) * plotW : 0);
    } else {
      axis = ticks(Math.max(0, ...values) * 1.05 || 1);
      const max = axis[axis.length - 1];
      px = (v) => left + (Math.max(0, v) / max) * plotW;
    }
    img.text(margin, top + 2, `${panel.title}${log ? ', LOG SCALE' : ''}`, ink);
    const y0 = top + headH, y1 = y0 + panel.bars.length * ROW;
    for (const t of axis) {
      img.line(px(t), y0, px(t), y1, grid);
      img.line(px(t), y1, px(t), y1 + 4, ink);
      const l = `${label(t)}${panel.unit}`;
      img.text(px(t) - Raster.textWidth(l) / 2, y1 + 8, l, ink);
    }
    if (panel.parity !== undefined) {
      img.line(px(panel.parity), y0 - 4, px(panel.parity), y1, faint, 1, 2);
      img.text(px(panel.parity) + 4, y0 - 10, 'REFERENCE', faint);
    }
    panel.bars.forEach((b, i) => {
      const ry = y0 + i * ROW + (ROW - BAR) / 2;
      img.text(margin, ry + 2, clip(b.label, maxLabel), ink);
      if (Number.isFinite(b.value)) img.rect(left, ry, Math.max(1, px(b.value) - left), BAR, b.color);
      if (b.goal !== undefined) img.rect(px(b.goal) - 1, ry - 3, 2, BAR + 6, goalInk);
      img.text(left + plotW + 10, ry + 2, clip(b.text, maxText), ink);
    });
    img.line(left, y0, left, y1, ink);
    img.line(left, y1, left + plotW, y1, ink);
    top = y1 + axisH + panelGap;
  }
  return img.png();
}
