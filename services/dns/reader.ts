/*
 * Bounds-checked reads over a DNS message. Every read checks against the end
 * of the part being read (the message, or one record's rdata), so malformed
 * input ends in a DnsFormatError, never in a RangeError or a wrong value.
 */
import { DnsFormatError } from './errors';
import { MAX_NAME_LENGTH, type DnsName } from './name';

export const HEADER_LENGTH = 12;

export class WireReader {
  /** The whole message: compression pointers refer to offsets in it. */
  readonly buf: Uint8Array;
  pos: number;
  /** Reads stop here (the message end, or the end of the rdata being read). */
  end: number;
  /** False for rdata that stands alone (RFC 3597 `\#` in a zone file): no message to point into. */
  readonly allowPointers: boolean;

  constructor(buf: Uint8Array, pos: number, end: number, allowPointers: boolean) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.allowPointers = allowPointers;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) throw new DnsFormatError('truncated ' + what);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }

  u16(what: string): number {
    this.need(2, what);
    const v = (this.buf[this.pos] << 8) | this.buf[this.pos + 1];
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
  }

  /** A copy (the message buffer may be a driver's page that is reused). */
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = new Uint8Array(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /**
   * A name, following compression pointers (RFC 1035 §4.1.4). A pointer must
   * point before every byte of the name read so far, which rules out loops
   * and forward pointers; it may not point into the header.
   */
  name(what: string): DnsName {
    const buf = this.buf;
    const labels: DnsName = [];
    let length = 1;
    let p = this.pos;
    let limit = this.end; // inline labels must end before this
    let lowest = p; // the lowest offset read from so far
    let resume = -1; // where the reader goes on after the first pointer
    for (;;) {
      if (p >= limit) throw new DnsFormatError('truncated ' + what);
      const len = buf[p];
      if (len === 0) {
        p++;
        break;
      }
      const top = len & 0xc0;
      if (top === 0xc0) {
        if (!this.allowPointers) throw new DnsFormatError('compression pointer in ' + what + ' outside a message');
        if (p + 1 >= limit) throw new DnsFormatError('truncated ' + what);
        const target = ((len & 0x3f) << 8) | buf[p + 1];
        if (resume < 0) resume = p + 2;
        if (target >= lowest) throw new DnsFormatError('compression pointer in ' + what + ' does not point backwards');
        if (target < HEADER_LENGTH) throw new DnsFormatError('compression pointer in ' + what + ' into the header');
        p = target;
        lowest = target;
        limit = buf.length;
        continue;
      }
      // Label types 0x40 and 0x80 are obsolete or reserved (RFC 6891 §5); refusing them also caps labels at 63.
      if (top !== 0) throw new DnsFormatError('unknown label type in ' + what);
      length += 1 + len;
      if (length > MAX_NAME_LENGTH) throw new DnsFormatError(what + ' longer than 255 bytes');
      if (p + 1 + len > limit) throw new DnsFormatError('truncated ' + what);
      labels.push(new Uint8Array(buf.subarray(p + 1, p + 1 + len)));
      p += 1 + len;
    }
    this.pos = resume >= 0 ? resume : p;
    return labels;
  }
}
