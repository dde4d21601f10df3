/*
 * The byte-level writer and reader under every record: generated codecs
 * call these (w.str(v.name), r.num(), ...) and the log format uses them for
 * its own fields. Written for Duktape as much as for V8: no TypedArray
 * slice/fill/from, no BigInt, plain loops.
 *
 * Encodings (all little-endian):
 *   uvar    unsigned LEB128, up to 2^53
 *   num     uvar h; h even: the integer zigzag⁻¹(h/2) (|v| ≤ 2^50, not -0);
 *           h = 1: an IEEE-754 double follows (8 bytes)
 *   str     uvar byte length + WTF-8 (UTF-8 that also carries lone
 *           surrogates, so every JS string round-trips exactly)
 *   bytes   uvar length + the bytes
 *   bool    one byte 0/1
 *   date    a double: getTime() (NaN for an invalid date)
 */
import { utf8Length } from '../../lib/utf8';
import { RecordsError } from './errors';

const MAX_SMALL_INT = 1125899906842624; // 2^50: zigzag doubles it, the even tag doubles it again (≤ 2^52)

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'a Uint8Array';
  if (v instanceof Date) return 'a Date';
  const t = typeof v;
  if (t === 'string') return JSON.stringify(v).length > 40 ? 'a string' : JSON.stringify(v);
  if (t === 'number' || t === 'boolean') return String(v);
  return t === 'object' ? 'an object' : t === 'undefined' ? 'undefined' : 'a ' + t;
}

function typeError(expected: string, got: unknown): RecordsError {
  return new RecordsError('ETYPE', 'expected ' + expected + ', got ' + describe(got));
}

export class Writer {
  buf: Uint8Array;
  pos = 0;
  private view: DataView;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }

  /** The bytes written so far, as a copy. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    return out;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }

  uvar(v: number): void {
    this.ensure(8);
    const b = this.buf;
    while (v >= 128) {
      b[this.pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    b[this.pos++] = v;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  num(v: number): void {
    if (typeof v !== 'number') throw typeError('a number', v);
    if (v === Math.floor(v) && v <= MAX_SMALL_INT && v >= -MAX_SMALL_INT && (v !== 0 || 1 / v > 0)) {
      this.uvar(v >= 0 ? v * 4 : -v * 4 - 2);
    } else {
      this.u8(1);
      this.f64(v);
    }
  }

  bool(v: boolean): void {
    if (typeof v !== 'boolean') throw typeError('a boolean', v);
    this.u8(v ? 1 : 0);
  }

  str(s: string): void {
    if (typeof s !== 'string') throw typeError('a string', s);
    const n = s.length;
    if (n < 43) {
      // At most 126 bytes: the length fits the one byte reserved for it.
      this.ensure(1 + n * 3);
      const at = this.pos++;
      this.wtf8(s);
      this.buf[at] = this.pos - at - 1;
    } else {
      this.uvar(utf8Length(s));
      this.ensure(n * 3);
      this.wtf8(s);
    }
  }

  private wtf8(s: string): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        b[p++] = c;
      } else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 63);
      } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
        b[p++] = 0xf0 | (cp >> 18);
        b[p++] = 0x80 | ((cp >> 12) & 63);
        b[p++] = 0x80 | ((cp >> 6) & 63);
        b[p++] = 0x80 | (cp & 63);
      } else {
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 63);
        b[p++] = 0x80 | (c & 63);
      }
    }
    this.pos = p;
  }

  bytes(v: Uint8Array): void {
    if (!(v instanceof Uint8Array)) throw typeError('a Uint8Array', v);
    this.uvar(v.length);
    this.raw(v);
  }

  raw(v: Uint8Array): void {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  date(v: Date): void {
    if (!(v instanceof Date)) throw typeError('a Date', v);
    this.f64(v.getTime());
  }

  /** Generated codecs call this when a value matches no member of its type. */
  fail(path: string, expected: string, got: unknown): never {
    throw new RecordsError('ETYPE', path + ': expected ' + expected + ', got ' + describe(got));
  }
}

function corrupt(what: string): RecordsError {
  return new RecordsError('ECORRUPT', 'record does not decode: ' + what);
}

export class Reader {
  buf: Uint8Array;
  pos: number;
  end: number;
  private view: DataView;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw corrupt('truncated');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  uvar(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      this.need(1);
      const b = this.buf[this.pos++];
      result += (b & 127) * scale;
      if (b < 128) return result;
      scale *= 128;
    }
    throw corrupt('varint too long');
  }

  /** An element count; each element takes at least `minBytes` bytes (0: any). */
  count(minBytes: number): number {
    const n = this.uvar();
    if (minBytes > 0 ? n * minBytes > this.end - this.pos : n > 16777216) throw corrupt('count ' + n + ' exceeds the record');
    return n;
  }

  /** A union member's tag, below `members`. */
  tag(members: number): number {
    const t = this.uvar();
    if (t >= members) throw corrupt('union tag ' + t + ' of ' + members);
    return t;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  num(): number {
    const h = this.uvar();
    if (h === 1) return this.f64();
    if (h % 2) throw corrupt('number tag ' + h);
    const z = h / 2;
    return z % 2 ? -(z + 1) / 2 : z / 2;
  }

  bool(): boolean {
    const b = this.u8();
    if (b > 1) throw corrupt('boolean byte ' + b);
    return b === 1;
  }

  str(): string {
    const n = this.uvar();
    this.need(n);
    const b = this.buf;
    const end = this.pos + n;
    let p = this.pos;
    let out = '';
    const units: number[] = [];
    while (p < end) {
      const c = b[p++];
      if (c < 0x80) {
        units.push(c);
      } else if (c >= 0xc0 && c < 0xe0 && p < end) {
        units.push(((c & 31) << 6) | (b[p++] & 63));
      } else if (c >= 0xe0 && c < 0xf0 && p + 1 < end) {
        units.push(((c & 15) << 12) | ((b[p] & 63) << 6) | (b[p + 1] & 63));
        p += 2;
      } else if (c >= 0xf0 && c < 0xf8 && p + 2 < end) {
        const cp = ((c & 7) << 18) | ((b[p] & 63) << 12) | ((b[p + 1] & 63) << 6) | (b[p + 2] & 63);
        p += 3;
        units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 1023));
      } else {
        throw corrupt('bad string byte');
      }
      if (units.length >= 4096) {
        out += String.fromCharCode.apply(null, units);
        units.length = 0;
      }
    }
    this.pos = end;
    return units.length ? out + String.fromCharCode.apply(null, units) : out;
  }

  bytes(): Uint8Array {
    const n = this.uvar();
    this.need(n);
    const out = new Uint8Array(n);
    out.set(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  date(): Date {
    return new Date(this.f64());
  }

  /** Sets a decoded map entry; '__proto__' as a plain key, not the prototype. */
  set(o: Record<string, unknown>, key: string, value: unknown): void {
    if (key === '__proto__') Object.defineProperty(o, key, { value: value, writable: true, enumerable: true, configurable: true });
    else o[key] = value;
  }

  /** Generated decoders call this for bytes no value of the type encodes to. */
  invalid(what: string): never {
    throw corrupt(what);
  }

  /** Checks the value used every byte: anything left means a mismatched schema or damage. */
  done(): void {
    if (this.pos !== this.end) throw corrupt((this.end - this.pos) + ' bytes left over');
  }
}
