import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildEcho, echoId, echoSequence, parseIcmp } from './wire';

describe('icmp wire', () => {
  it('round-trips echo messages', () => {
    fc.assert(fc.property(fc.constantFrom(0, 8), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 1500 }), (type, id, seq, data) => {
      const m = parseIcmp(buildEcho(type, id, seq, data));
      if (typeof m === 'string') throw new Error(m);
      expect([m.type, m.code, echoId(m), echoSequence(m), Array.from(m.body)]).toEqual([type, 0, id, seq, Array.from(data)]);
    }));
  });

  it('never throws on random bytes; any flipped byte fails the checksum', () => {
    const valid = buildEcho(8, 1, 2, new Uint8Array([1, 2, 3, 4, 5]));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }), (random, at, x) => {
      parseIcmp(random);
      const m = valid.slice();
      m[at] ^= x;
      expect(parseIcmp(m)).toBe('bad-checksum');
    }));
    expect(parseIcmp(new Uint8Array(7))).toBe('short');
  });
});
