import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Reader, Writer } from './binary';
import { crc32 } from './crc32';
import { RecordsError } from './errors';

function roundTrip<T>(write: (w: Writer, v: T) => void, read: (r: Reader) => T, v: T): T {
  const w = new Writer(4);
  write(w, v);
  const r = new Reader(w.finish());
  const back = read(r);
  r.done();
  return back;
}

describe('Writer/Reader', () => {
  it('round-trips every JS string exactly, lone surrogates included', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
      expect(roundTrip((w, v) => w.str(v), (r) => r.str(), s)).toBe(s);
    }), { numRuns: 500 });
    const lone = '\ud800a\udc00\udbff\udfff' + 'x'.repeat(100) + '\ud83d';
    expect(roundTrip((w, v) => w.str(v), (r) => r.str(), lone)).toBe(lone);
  });

  it('writes valid UTF-8 for well-formed strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
      const w = new Writer();
      w.str(s);
      const bytes = w.finish();
      const r = new Reader(bytes);
      const n = r.uvar();
      expect(Buffer.from(bytes.subarray(r.pos, r.pos + n)).toString('utf8')).toBe(s);
    }));
  });

  it('round-trips every number: integers compactly, -0, NaN and infinities as doubles', () => {
    fc.assert(fc.property(fc.oneof(fc.double(), fc.integer(), fc.maxSafeInteger(), fc.constantFrom(-0, NaN, Infinity, -Infinity, 2 ** 50, -(2 ** 50), 2 ** 50 + 1)), (n) => {
      expect(Object.is(roundTrip((w, v) => w.num(v), (r) => r.num(), n), n)).toBe(true);
    }), { numRuns: 1000 });
    const w = new Writer();
    w.num(31);
    w.num(-32);
    expect(w.pos).toBe(2);
  });

  it('round-trips unsigned varints up to 2^53', () => {
    fc.assert(fc.property(fc.maxSafeNat(), (n) => {
      expect(roundTrip((w, v) => w.uvar(v), (r) => r.uvar(), n)).toBe(n);
    }));
  });

  it('round-trips bytes, booleans and dates, and copies bytes out of the buffer', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const w = new Writer();
    w.bytes(bytes);
    w.bool(true);
    w.date(new Date(1234));
    const buf = w.finish();
    const r = new Reader(buf);
    const out = r.bytes();
    buf[1] = 99;
    expect(Array.from(out)).toEqual([1, 2, 3]);
    expect(r.bool()).toBe(true);
    expect(r.date().getTime()).toBe(1234);
    r.done();
  });

  it('refuses values of the wrong type with ETYPE', () => {
    const w = new Writer();
    expect(() => w.str(3 as unknown as string)).toThrow(/expected a string, got 3/);
    expect(() => w.num('3' as unknown as number)).toThrow(RecordsError);
    expect(() => w.bool(0 as unknown as boolean)).toThrow(/expected a boolean/);
    expect(() => w.bytes([1] as unknown as Uint8Array)).toThrow(/expected a Uint8Array, got an array/);
    expect(() => w.date(5 as unknown as Date)).toThrow(/expected a Date/);
  });

  it('reports truncated or malformed input as ECORRUPT, never a raw TypeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      for (const read of [(r: Reader) => r.str(), (r: Reader) => r.num(), (r: Reader) => r.bytes(), (r: Reader) => r.bool(), (r: Reader) => r.count(1), (r: Reader) => r.date()]) {
        try {
          read(new Reader(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(RecordsError);
          expect((e as RecordsError).code).toBe('ECORRUPT');
        }
      }
    }), { numRuns: 500 });
  });
});

describe('crc32', () => {
  it('matches the standard check value and continues from a seed', () => {
    const text = new TextEncoder().encode('123456789');
    expect(crc32(text)).toBe(0xcbf43926);
    expect(crc32(text, 4, 9, crc32(text, 0, 4))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('agrees with the byte-at-a-time definition at every length and offset', () => {
    const bitwise = (b: Uint8Array, start: number, end: number) => {
      let c = ~0;
      for (let i = start; i < end; i++) {
        c ^= b[i];
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return ~c >>> 0;
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 70 }), fc.nat(), fc.nat(), (b, x, y) => {
      const start = b.length ? x % b.length : 0;
      const end = start + (b.length - start ? y % (b.length - start + 1) : 0);
      expect(crc32(b, start, end)).toBe(bitwise(b, start, end));
    }), { numRuns: 500 });
  });
});
