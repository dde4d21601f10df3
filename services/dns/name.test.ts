/* Names: presentation format both ways, comparison, keys; text encodings. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatIpv6Bytes, parseIpv6Bytes } from './address';
import { formatRrsigTime, fromBase64, fromHex, parseRrsigTime, toBase64, toHex } from './encodings';
import { DnsSyntaxError } from './errors';
import { formatName, isSubdomain, lowercaseName, nameKey, namesEqual, parseName } from './name';
import { ascii, name } from './testing/arbitraries';
import { parseDuration } from './ttl';

const labels = (s: string) => parseName(s).map((l) => Buffer.from(l).toString('latin1'));

describe('dns names', () => {
  it('presentation format round-trips any name', () => {
    fc.assert(fc.property(name, (n) => {
      expect(parseName(formatName(n))).toEqual(n);
    }), { numRuns: 3000 });
  });

  it('reads escapes, relative names and @', () => {
    expect(labels('a\\.b.example.')).toEqual(['a.b', 'example']);
    expect(labels('\\065\\032z.')).toEqual(['A z']);
    expect(labels('\\\\.')).toEqual(['\\']);
    expect(labels('caf\u00e9.')).toEqual(['caf\u00c3\u00a9']); // UTF-8 bytes
    expect(formatName(parseName('www', parseName('example.com.')))).toBe('www.example.com.');
    expect(formatName(parseName('@', parseName('example.com.')))).toBe('example.com.');
    expect(formatName(parseName('.'))).toBe('.');
    expect(formatName(parseName('example.com'))).toBe('example.com.');
  });

  it('writes special and non-printing bytes escaped', () => {
    expect(formatName([ascii('a.b'), ascii('x y'), new Uint8Array([0, 127, 0x22, 0x3b, 0x40])])).toBe('a\\.b.x\\032y.\\000\\127\\"\\;\\@.');
  });

  it('refuses bad names with a reason', () => {
    const bad = (s: string) => { try { parseName(s); return 'accepted'; } catch (e) { expect(e).toBeInstanceOf(DnsSyntaxError); return (e as Error).message; } };
    expect(bad('a..b')).toMatch(/empty label/);
    expect(bad('.a')).toMatch(/empty label/);
    expect(bad('')).toMatch(/empty name/);
    expect(bad('\\256.')).toMatch(/above 255/);
    expect(bad('\\25.')).toMatch(/three digits/);
    expect(bad('a'.repeat(64) + '.')).toMatch(/label longer than 63/);
    expect(bad(('a'.repeat(63) + '.').repeat(4))).toMatch(/longer than 255/);
    expect(bad('x\\')).toMatch(/backslash at the end/);
  });

  it('compares ignoring ASCII case only', () => {
    expect(namesEqual(parseName('WWW.Example.COM.'), parseName('www.example.com.'))).toBe(true);
    expect(namesEqual(parseName('\\195.'), parseName('\\227.'))).toBe(false); // 0xC3 vs 0xE3: not ASCII letters
    expect(nameKey(parseName('WWW.Example.COM.'))).toBe('www.example.com.');
    expect(isSubdomain(parseName('a.B.c.'), parseName('b.C.'))).toBe(true);
    expect(isSubdomain(parseName('b.c.'), parseName('a.b.c.'))).toBe(false);
    expect(isSubdomain(parseName('xb.c.'), parseName('b.c.'))).toBe(false);
    fc.assert(fc.property(name, (n) => {
      expect(namesEqual(n, lowercaseName(n))).toBe(true);
      expect(nameKey(n)).toBe(nameKey(lowercaseName(n)));
    }));
  });
});

describe('dns text encodings', () => {
  it('base64 and hex round-trip and are strict', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
      expect(toBase64(b)).toBe(Buffer.from(b).toString('base64'));
      expect(fromBase64(toBase64(b))).toEqual(b);
      expect(fromHex(toHex(b))).toEqual(b);
    }));
    expect(() => fromBase64('AAA')).toThrow(/multiple of 4/);
    expect(() => fromBase64('AB==')).toThrow(/spare bits/);
    expect(() => fromBase64('A=AA')).toThrow(/"=" in base64/);
    expect(() => fromHex('abc')).toThrow(/odd/);
  });

  it('IPv6 text follows RFC 5952 out and RFC 4291 in', () => {
    const round = (s: string) => formatIpv6Bytes(parseIpv6Bytes(s));
    expect(round('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(round('::')).toBe('::');
    expect(round('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3');
    expect(round('1:0:1:0:1:0:1:0')).toBe('1:0:1:0:1:0:1:0');
    expect(round('::ffff:192.0.2.1')).toBe('::ffff:c000:201');
    for (const bad of ['1::2::3', '12345::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '::1.2.3', '1.2.3.4::', ':1::']) {
      expect(() => parseIpv6Bytes(bad), bad).toThrow(DnsSyntaxError);
    }
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => { expect(parseIpv6Bytes(formatIpv6Bytes(b))).toEqual(b); }));
  });

  it('RRSIG times and TTL units', () => {
    expect(parseRrsigTime('20300101000000')).toBe(1893456000);
    expect(formatRrsigTime(1893456000)).toBe('20300101000000');
    expect(parseRrsigTime('1893456000')).toBe(1893456000);
    expect(() => parseRrsigTime('20300231000000')).toThrow(/not a time/);
    expect(parseRrsigTime('19581112172502')).toBe(3943554798); // 2094 by serial arithmetic, as BIND writes it
    expect(parseRrsigTime('00010101000000')).toBe(((-62135596800 % 0x100000000) + 0x100000000) % 0x100000000);
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (t) => { expect(parseRrsigTime(formatRrsigTime(t))).toBe(t); }));
    expect(parseDuration('1h30m', 0x7fffffff)).toBe(5400);
    expect(parseDuration('1W2d3H4M5s', 0x7fffffff)).toBe(604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    expect(() => parseDuration('1x', 100)).toThrow(/not a TTL/);
    expect(() => parseDuration('2147483648', 0x7fffffff)).toThrow(/more than/);
  });
});
