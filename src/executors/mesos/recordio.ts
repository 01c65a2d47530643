// RecordIO as Mesos frames its event streams (stout recordio.hpp; docs/recordio.md): every record is
// `<decimal byte length>\n<record bytes>`, the next length follows the record with no separator, and
// chunk boundaries are arbitrary, so the decoder buffers bytes (not strings: lengths count bytes).

export function encodeRecord(json: string): string {
  return `${Buffer.byteLength(json)}\n${json}`;
}

export class RecordIODecoder {
  private buf: Buffer = Buffer.alloc(0);

  /** Feed a chunk; returns the records it completed (as UTF-8 strings). */
  push(chunk: Buffer | string): string[] {
    this.buf = Buffer.concat([this.buf, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    const out: string[] = [];
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) {
        if (this.buf.length > 20) throw new Error('RecordIO: length prefix too long');
        return out;
      }
      const header = this.buf.subarray(0, nl).toString('ascii');
      if (!/^[0-9]+$/.test(header) || Number(header) === 0) throw new Error(`RecordIO: bad length '${header}'`);
      const len = Number(header);
      if (this.buf.length < nl + 1 + len) return out;
      out.push(this.buf.subarray(nl + 1, nl + 1 + len).toString('utf8'));
      this.buf = this.buf.subarray(nl + 1 + len);
    }
  }

  /** Bytes received but not yet forming a whole record. */
  get pending(): number {
    return this.buf.length;
  }
}
