import { DecodeErrorCode, WapDecodeError } from './errors.ts';

/**
 * A bounds-checked cursor over a Buffer. Every read checks the remaining length first and fails with a
 * WapDecodeError carrying the absolute offset. Slices are views (subarray), not copies.
 */
export class Reader {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    pos = 0,
    end = buf.length,
  ) {
    if (pos < 0 || end > buf.length || pos > end) throw new RangeError('Reader window outside buffer');
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  fail(code: DecodeErrorCode, message: string, offset = this.pos): never {
    throw new WapDecodeError(code, offset, message);
  }

  need(n: number, what = 'field'): void {
    if (n < 0 || this.end - this.pos < n) {
      this.fail(DecodeErrorCode.TRUNCATED, `${what} needs ${n} octet(s), ${this.end - this.pos} left`);
    }
  }

  peek(): number {
    this.need(1);
    return this.buf[this.pos]!;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Big-endian unsigned integer of n (1..6) octets. */
  uintN(n: number): number {
    this.need(n);
    const v = this.buf.readUIntBE(this.pos, n);
    this.pos += n;
    return v;
  }

  /** A view of the next n octets. */
  bytes(n: number, what = 'field'): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A view of everything left. */
  rest(): Buffer {
    const v = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }

  /** A reader over the next n octets (offsets stay absolute); this reader skips past them. */
  sub(n: number, what = 'field'): Reader {
    this.need(n, what);
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  /** uintvar (WAP-230 §8.1.2): at most 5 octets, value at most 2^32-1. */
  uintvar(): number {
    const start = this.pos;
    let v = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.u8();
      v = v * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        if (v > 0xffffffff) this.fail(DecodeErrorCode.UINTVAR, 'uintvar above 2^32-1', start);
        return v;
      }
    }
    return this.fail(DecodeErrorCode.UINTVAR, 'uintvar longer than 5 octets', start);
  }

  /** Octets up to (not including) the next NUL; the NUL is consumed. */
  cstring(what = 'string'): Buffer {
    const nul = this.buf.indexOf(0, this.pos);
    if (nul < 0 || nul >= this.end) this.fail(DecodeErrorCode.TRUNCATED, `${what} has no terminating NUL`);
    const v = this.buf.subarray(this.pos, nul);
    this.pos = nul + 1;
    return v;
  }

  /** Fails if anything is left. */
  expectEnd(what = 'PDU'): void {
    if (this.pos !== this.end) this.fail(DecodeErrorCode.TRAILING, `${this.end - this.pos} octet(s) after ${what}`);
  }
}
