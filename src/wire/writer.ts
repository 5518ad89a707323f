import { WapEncodeError } from './errors.ts';

/** An append-only octet writer that grows as needed. */
export class Writer {
  private buf: Buffer;
  private len = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.len;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new WapEncodeError(`octet out of range: ${v}`);
    this.room(1);
    this.buf[this.len++] = v;
    return this;
  }

  u16(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new WapEncodeError(`uint16 out of range: ${v}`);
    this.room(2);
    this.buf.writeUInt16BE(v, this.len);
    this.len += 2;
    return this;
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new WapEncodeError(`uint32 out of range: ${v}`);
    this.room(4);
    this.buf.writeUInt32BE(v, this.len);
    this.len += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** uintvar (WAP-230 §8.1.2). */
  uintvar(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new WapEncodeError(`uintvar out of range: ${v}`);
    const tmp: number[] = [v & 0x7f];
    v = Math.floor(v / 128);
    while (v > 0) {
      tmp.push(0x80 | (v & 0x7f));
      v = Math.floor(v / 128);
    }
    this.room(tmp.length);
    for (let i = tmp.length - 1; i >= 0; i--) this.buf[this.len++] = tmp[i]!;
    return this;
  }

  /** Octets then a NUL. */
  cstring(b: Uint8Array | string): this {
    const bytes = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
    if (bytes.includes(0)) throw new WapEncodeError('string contains NUL');
    return this.bytes(bytes).u8(0);
  }

  /** The written octets (a view of the internal buffer; do not write afterwards). */
  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

/** Number of octets a uintvar takes. */
export function uintvarLength(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
