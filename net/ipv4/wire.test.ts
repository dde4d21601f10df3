import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildIpv4Packet, emptyIpv4Packet, parseIpv4Packet, parseIpv4PacketInto } from './wire';
import { fragmentSlices } from './fragment';
import { HOP_BROADCAST, HOP_LOCAL, HOP_MULTICAST, HOP_NONE, multicastMac, nextHop } from './routing';
import { parseIpv4 } from '../address';

const ip = fc.integer({ min: 0, max: 0xffffffff });

describe('ipv4 wire', () => {
  it('round-trips header fields and payload', () => {
    fc.assert(fc.property(
      fc.record({
        tos: fc.integer({ min: 0, max: 255 }), id: fc.integer({ min: 0, max: 0xffff }), dontFragment: fc.boolean(),
        moreFragments: fc.boolean(), fragmentOffset: fc.integer({ min: 0, max: 0x1fff }).map((n) => n * 8),
        ttl: fc.integer({ min: 0, max: 255 }), protocol: fc.integer({ min: 0, max: 255 }), src: ip, dst: ip,
      }),
      fc.uint8Array({ maxLength: 600 }),
      fc.uint8Array({ maxLength: 30 }),
      (f, payload, padding) => {
        const packet = buildIpv4Packet({ ...f, totalLength: 0 }, payload);
        const framed = new Uint8Array(packet.length + padding.length);
        framed.set(packet);
        framed.set(padding, packet.length); // link-layer padding must be cut off
        const p = parseIpv4Packet(framed);
        if (typeof p === 'string') throw new Error(p);
        expect({ ...p, payload: Array.from(p.payload) }).toEqual({
          ...f, headerLength: 20, totalLength: 20 + payload.length, payload: Array.from(payload),
        });
      }));
  });

  it('parsing into a reused packet object gives what a fresh parse gives, and an error leaves it as it was', () => {
    const header = fc.record({
      id: fc.integer({ min: 0, max: 0xffff }), moreFragments: fc.boolean(), ttl: fc.integer({ min: 0, max: 255 }),
      protocol: fc.integer({ min: 0, max: 255 }), src: ip, dst: ip,
    });
    fc.assert(fc.property(header, header, fc.uint8Array({ maxLength: 60 }), fc.uint8Array({ maxLength: 60 }), fc.uint8Array({ maxLength: 30 }),
      (f1, f2, p1, p2, junk) => {
        const into = emptyIpv4Packet();
        expect(parseIpv4PacketInto(buildIpv4Packet({ ...f1, totalLength: 0 }, p1), into)).toBe(null);
        const second = buildIpv4Packet({ ...f2, totalLength: 0 }, p2);
        expect(parseIpv4PacketInto(second, into)).toBe(null);
        expect(into).toEqual(parseIpv4Packet(second));
        const before = { ...into };
        const error = parseIpv4PacketInto(junk, into);
        if (error) expect(into).toEqual(before);
        else expect(into).toEqual(parseIpv4Packet(junk));
      }));
  });

  it('never throws on random or mutated bytes; a flipped header byte is caught', () => {
    const valid = buildIpv4Packet({ totalLength: 0, id: 1, protocol: 17, src: 1, dst: 2 }, new Uint8Array(12));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(19), fc.integer({ min: 1, max: 255 }), (random, at, x) => {
      parseIpv4Packet(random);
      const mutated = valid.slice();
      mutated[at] ^= x;
      const r = parseIpv4Packet(mutated);
      // The checksum catches any single changed header byte, unless an earlier check does.
      expect(typeof r).toBe('string');
    }));
  });

  it('checks version, IHL and total length', () => {
    const valid = buildIpv4Packet({ totalLength: 0, id: 1, protocol: 17, src: 1, dst: 2 }, new Uint8Array(12));
    expect(parseIpv4Packet(valid.subarray(0, 19))).toBe('short');
    expect(parseIpv4Packet(valid.subarray(0, 31))).toBe('bad-length');
    const v6 = valid.slice(); v6[0] = 0x65;
    expect(parseIpv4Packet(v6)).toBe('bad-version');
    const ihl = valid.slice(); ihl[0] = 0x44;
    expect(parseIpv4Packet(ihl)).toBe('bad-ihl');
    const big = valid.slice(); big[0] = 0x4f;
    expect(parseIpv4Packet(big)).toBe('bad-ihl');
  });
});

describe('fragmentation', () => {
  it('cuts payloads in 8-byte multiples that tile it exactly', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 65515 }), fc.integer({ min: 8, max: 9000 }), (len, max) => {
      const slices = fragmentSlices(len, max);
      let at = 0;
      let ok = true;
      slices.forEach((s, i) => {
        ok = ok && s.offset === at && s.length <= max && s.moreFragments === (i < slices.length - 1) && (!s.moreFragments || s.length % 8 === 0);
        at += s.length;
      });
      expect(ok).toBe(true);
      expect(at).toBe(len);
    }));
  });
});

describe('routing', () => {
  const a = (t: string) => parseIpv4(t)!;
  const cfg = { address: a('10.0.0.2'), prefix: 24, gateway: a('10.0.0.1') };
  it('picks on-link, gateway, broadcast, local and none', () => {
    expect(nextHop(a('10.0.0.9'), cfg)).toBe(a('10.0.0.9'));
    expect(nextHop(a('8.8.8.8'), cfg)).toBe(a('10.0.0.1'));
    expect(nextHop(a('10.0.0.255'), cfg)).toBe(HOP_BROADCAST);
    expect(nextHop(a('255.255.255.255'), cfg)).toBe(HOP_BROADCAST);
    expect(nextHop(a('10.0.0.2'), cfg)).toBe(HOP_LOCAL);
    expect(nextHop(a('224.0.0.251'), cfg)).toBe(HOP_MULTICAST);
    expect(nextHop(a('8.8.8.8'), { ...cfg, gateway: 0 })).toBe(HOP_NONE);
    expect(nextHop(a('10.0.0.9'), { ...cfg, address: 0 })).toBe(HOP_NONE);
    expect(nextHop(a('255.255.255.255'), { ...cfg, address: 0 })).toBe(HOP_BROADCAST);
    // /31 has no broadcast address (RFC 3021)
    expect(nextHop(a('10.0.0.3'), { address: a('10.0.0.2'), prefix: 31, gateway: 0 })).toBe(a('10.0.0.3'));
    expect(Array.from(multicastMac(a('224.128.0.251')))).toEqual([1, 0, 0x5e, 0, 0, 251]);
  });
});
