// A tiny valid GeoTIFF (little-endian, 2×2 pixels, 8-bit grey, uncompressed, EPSG:4326), built in
// code: the stand-in for the official suite's test data (org/opengis/cite/testdata/testgeotiff.tiff),
// which its build leaves out of the jar. 278 bytes.

const SHORT = 3;
const LONG = 4;
const DOUBLE = 12;

interface Entry {
  tag: number;
  type: number;
  values: number[];
}

const SIZE: Record<number, number> = { [SHORT]: 2, [LONG]: 4, [DOUBLE]: 8 };

function build(): Buffer {
  const width = 2;
  const height = 2;
  const pixels = [0, 85, 170, 255];
  const entries: Entry[] = [
    { tag: 256, type: SHORT, values: [width] }, // ImageWidth
    { tag: 257, type: SHORT, values: [height] }, // ImageLength
    { tag: 258, type: SHORT, values: [8] }, // BitsPerSample
    { tag: 259, type: SHORT, values: [1] }, // Compression: none
    { tag: 262, type: SHORT, values: [1] }, // PhotometricInterpretation: BlackIsZero
    { tag: 273, type: LONG, values: [0] }, // StripOffsets (set below)
    { tag: 277, type: SHORT, values: [1] }, // SamplesPerPixel
    { tag: 278, type: SHORT, values: [height] }, // RowsPerStrip
    { tag: 279, type: LONG, values: [pixels.length] }, // StripByteCounts
    { tag: 284, type: SHORT, values: [1] }, // PlanarConfiguration: chunky
    { tag: 33550, type: DOUBLE, values: [0.5, 0.5, 0] }, // ModelPixelScaleTag
    { tag: 33922, type: DOUBLE, values: [0, 0, 0, 7, 52, 0] }, // ModelTiepointTag: pixel (0,0) at 7°E 52°N
    // GeoKeyDirectoryTag: version 1.1.0, 3 keys: GTModelType geographic, GTRasterType pixel-is-area, GeographicType EPSG:4326.
    { tag: 34735, type: SHORT, values: [1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326] },
  ];
  const ifdSize = 2 + entries.length * 12 + 4;
  let extra = 8 + ifdSize; // values that do not fit in an entry follow the IFD
  const placed = entries.map((e) => {
    const bytes = SIZE[e.type] * e.values.length;
    if (bytes <= 4) return { e, offset: -1 };
    const offset = extra;
    extra += bytes;
    return { e, offset };
  });
  const stripOffset = extra;
  entries[5].values = [stripOffset];
  const buf = Buffer.alloc(stripOffset + pixels.length);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(8, 4);
  buf.writeUInt16LE(entries.length, 8);
  const write = (type: number, at: number, v: number) => {
    if (type === SHORT) buf.writeUInt16LE(v, at);
    else if (type === LONG) buf.writeUInt32LE(v, at);
    else buf.writeDoubleLE(v, at);
  };
  placed.forEach(({ e, offset }, i) => {
    const at = 10 + i * 12;
    buf.writeUInt16LE(e.tag, at);
    buf.writeUInt16LE(e.type, at + 2);
    buf.writeUInt32LE(e.values.length, at + 4);
    const target = offset < 0 ? at + 8 : offset;
    if (offset >= 0) buf.writeUInt32LE(offset, at + 8);
    e.values.forEach((v, j) => write(e.type, target + j * SIZE[e.type], v));
  });
  buf.writeUInt32LE(0, 10 + entries.length * 12); // no next IFD
  Buffer.from(pixels).copy(buf, stripOffset);
  return buf;
}

/** The test GeoTIFF's bytes. */
export const TEST_GEOTIFF: Buffer = build();

export const TIFF_MEDIA_TYPE = 'image/tiff';
