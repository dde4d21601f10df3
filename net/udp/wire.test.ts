import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildUdp, parseUdp, writeUdp } from './wire';

const ip = fc.integer({ min: 0, max: 0xffffffff });
const port = fc.integer({ min: 0, max: 0xffff });

describe('udp wire', () => {
  it('round-trips, with a checksum that is never 0 on the wire', () => {
    fc.assert(fc.property(ip, ip, port, port, fc.uint8Array({ maxLength: 2000 }), (src, dst, sp, dp, data) => {
      const buf = buildUdp(src, dst, sp, dp, data);
      expect((buf[6] << 8) | buf[7]).not.toBe(0);
      const d = parseUdp(buf, src, dst);
      if (typeof d === 'string') throw new Error(d);
      expect([d.srcPort, d.dstPort, Array.from(d.data)]).toEqual([sp, dp, Array.from(data)]);
    }));
  });

  it('writes in place into a frame at any offset the same bytes buildUdp makes, touching nothing else', () => {
    fc.assert(fc.property(ip, ip, port, port, fc.uint8Array({ maxLength: 600 }), fc.nat(40), fc.nat(20), fc.integer({ min: 0, max: 255 }),
      (src, dst, sp, dp, data, at, tail, junk) => {
        // A frame with stale bytes where the header goes: the checksum must not depend on them.
        const frame = new Uint8Array(at + 8 + data.length + tail).fill(junk);
        writeUdp(frame, at, src, dst, sp, dp, data);
        expect(Array.from(frame.subarray(at, at + 8 + data.length))).toEqual(Array.from(buildUdp(src, dst, sp, dp, data)));
        for (let i = 0; i < at; i++) expect(frame[i]).toBe(junk);
        for (let i = at + 8 + data.length; i < frame.length; i++) expect(frame[i]).toBe(junk);
      }));
  });

  it('sends a computed 0 as 0xffff, and accepts it', () => {
    // Search for data whose checksum computes to zero.
    for (let v = 0; v < 0x10000; v++) {
      const data = new Uint8Array([v >>> 8, v & 0xff]);
      const buf = buildUdp(0x0a000001, 0x0a000002, 1, 2, data);
      if (buf[6] === 0xff && buf[7] === 0xff) {
        expect(parseUdp(buf, 0x0a000001, 0x0a000002)).not.toBeTypeOf('string');
        return;
      }
    }
    throw new Error('no datagram with a zero checksum found');
  });

  it('accepts a zero checksum as "none" and checks the pseudo-header otherwise', () => {
    const buf = buildUdp(1, 2, 3, 4, new Uint8Array([9, 9, 9]));
    expect(parseUdp(buf, 1, 5)).toBe('bad-checksum');
    buf[6] = 0; buf[7] = 0;
    expect(parseUdp(buf, 1, 5)).not.toBeTypeOf('string');
  });

  it('never throws on random bytes; checks the length field', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), ip, ip, (random, s, d) => { parseUdp(random, s, d); }));
    const buf = buildUdp(1, 2, 3, 4, new Uint8Array(10));
    expect(parseUdp(buf.subarray(0, 7), 1, 2)).toBe('short');
    expect(parseUdp(buf.subarray(0, 17), 1, 2)).toBe('bad-length');
    const small = buf.slice(); small[5] = 7;
    expect(parseUdp(small, 1, 2)).toBe('bad-length');
  });
});
