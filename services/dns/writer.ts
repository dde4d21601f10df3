/*
 * A growing output buffer for DNS messages, with the name compression table
 * (RFC 1035 §4.1.4) and roll-back, so the encoder can drop a record that
 * does not fit and forget the names it had offered for compression.
 */
import { DnsFormatError } from './errors';
import { MAX_LABEL_LENGTH, MAX_NAME_LENGTH, type DnsName } from './name';

/** Pointers hold 14 bits: names written later than this cannot be pointed to. */
const MAX_POINTER_TARGET = 0x3fff;

export class WireWriter {
  buf: Uint8Array;
  pos = 0;
  /* Suffixes written so far: the exact bytes (case kept, so decoding a
   * compressed message gives back the same name) → offset. */
  private suffixes: { [key: string]: number } = Object.create(null);
  private order: string[] = [];

  constructor(initialSize: number) {
    this.buf = new Uint8Array(initialSize);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  u8(v: number, what: string): void {
    if (v !== (v & 0xff)) throw new DnsFormatError(what + ' ' + v + ' is not an 8-bit number');
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number, what: string): void {
    if (v !== (v & 0xffff)) throw new DnsFormatError(what + ' ' + v + ' is not a 16-bit number');
    this.ensure(2);
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v & 0xff;
  }

  u32(v: number, what: string): void {
    if (v !== v >>> 0) throw new DnsFormatError(what + ' ' + v + ' is not a 32-bit number');
    this.ensure(4);
    this.buf[this.pos++] = v >>> 24;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Overwrites a 16-bit field written earlier (counts, rdlength). */
  patch16(at: number, v: number): void {
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v & 0xff;
  }

  /**
   * Writes a name. `compress`: may end in a pointer to an earlier suffix;
   * `offer`: its suffixes may be pointed to later. Names inside rdata that
   * RFC 3597 keeps uncompressed pass false for both.
   */
  name(name: DnsName, compress: boolean, offer: boolean): void {
    let length = 1;
    for (let i = 0; i < name.length; i++) {
      const n = name[i].length;
      if (n === 0) throw new DnsFormatError('empty label');
      if (n > MAX_LABEL_LENGTH) throw new DnsFormatError('label longer than 63 bytes');
      length += 1 + n;
    }
    if (length > MAX_NAME_LENGTH) throw new DnsFormatError('name longer than 255 bytes');
    const keys = compress || offer ? suffixKeys(name) : null;
    for (let i = 0; i < name.length; i++) {
      if (keys) {
        const key = keys[i];
        const at = this.suffixes[key];
        if (compress && at !== undefined) {
          this.ensure(2);
          this.buf[this.pos++] = 0xc0 | (at >>> 8);
          this.buf[this.pos++] = at & 0xff;
          return;
        }
        if (offer && at === undefined && this.pos <= MAX_POINTER_TARGET) {
          this.suffixes[key] = this.pos;
          this.order.push(key);
        }
      }
      const label = name[i];
      this.ensure(1 + label.length);
      this.buf[this.pos++] = label.length;
      this.buf.set(label, this.pos);
      this.pos += label.length;
    }
    this.ensure(1);
    this.buf[this.pos++] = 0;
  }

  /** Cuts the output back to `pos`, forgetting suffixes written after it. */
  rollback(pos: number): void {
    while (this.order.length > 0) {
      const key = this.order[this.order.length - 1];
      if (this.suffixes[key] < pos) break;
      delete this.suffixes[key];
      this.order.pop();
    }
    this.pos = pos;
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** keys[i] identifies the suffix starting at label i, by its exact wire bytes. */
function suffixKeys(name: DnsName): string[] {
  const keys: string[] = new Array(name.length);
  let tail = '';
  for (let i = name.length - 1; i >= 0; i--) {
    const label = name[i];
    let s = String.fromCharCode(label.length);
    for (let j = 0; j < label.length; j++) s += String.fromCharCode(label[j]);
    tail = s + tail;
    keys[i] = tail;
  }
  return keys;
}
