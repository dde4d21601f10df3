import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildEthernet, ETH_MIN_FRAME, parseEthernet } from './wire';
import { createEthernet } from './ethernet';
import type { Netif } from '../../drivers/interfaces';
import type { Counters } from '../../lib/counters';

const mac = fc.uint8Array({ minLength: 6, maxLength: 6 });

describe('ethernet wire', () => {
  it('round-trips header and payload, padding short frames to 60 bytes', () => {
    fc.assert(fc.property(mac, mac, fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 1500 }), (dst, src, type, payload) => {
      const frame = buildEthernet(dst, src, type, payload);
      expect(frame.length).toBe(Math.max(ETH_MIN_FRAME, 14 + payload.length));
      const p = parseEthernet(frame);
      if (typeof p === 'string') throw new Error(p);
      expect(Array.from(p.dst)).toEqual(Array.from(dst));
      expect(Array.from(p.src)).toEqual(Array.from(src));
      expect(p.ethertype).toBe(type);
      expect(Array.from(p.payload.subarray(0, payload.length))).toEqual(Array.from(payload));
    }));
  });

  it('never throws on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (buf) => {
      const p = parseEthernet(buf);
      expect(p === 'short').toBe(buf.length < 14);
    }));
  });
});

describe('ethernet layer', () => {
  function setup() {
    const written: Uint8Array[] = [];
    const netif: Netif = {
      mac: new Uint8Array([2, 0, 0, 0, 0, 1]), mtu: 1500,
      write: (f) => { written.push(f); return Promise.resolve(); },
      listen: () => {},
    };
    const counters: Counters = {};
    const eth = createEthernet(netif, counters);
    const got: number[] = [];
    eth.handle(0x0800, (p) => got.push(p.length));
    return { eth, counters, got, written };
  }
  const frame = (dst: number[], type: number, len = 46) => buildEthernet(new Uint8Array(dst), new Uint8Array([2, 0, 0, 0, 0, 9]), type, new Uint8Array(len));

  it('keeps frames for our MAC and broadcast, counts the rest by reason', () => {
    const { eth, counters, got } = setup();
    eth.input(frame([2, 0, 0, 0, 0, 1], 0x0800));
    eth.input(frame([255, 255, 255, 255, 255, 255], 0x0800));
    eth.input(frame([2, 0, 0, 0, 0, 2], 0x0800));
    eth.input(frame([1, 0, 0x5e, 0, 0, 1], 0x0800));
    eth.input(frame([2, 0, 0, 0, 0, 1], 0x86dd));
    eth.input(frame([2, 0, 0, 0, 0, 1], 0x0040));
    eth.input(new Uint8Array(13));
    expect(got).toEqual([46, 46]);
    expect(counters).toEqual({ 'eth.not-for-us': 1, 'eth.multicast': 1, 'eth.unknown-type': 1, 'eth.llc': 1, 'eth.short': 1 });
  });

  it('fills the header in place and pads short frames to 60 bytes', () => {
    const { eth, written, counters } = setup();
    eth.send(new Uint8Array(20), new Uint8Array([2, 0, 0, 0, 0, 7]), 0x0806);
    eth.send(new Uint8Array(14 + 1501), new Uint8Array([2, 0, 0, 0, 0, 7]), 0x0800);
    expect(written.length).toBe(1);
    expect(written[0].length).toBe(60);
    expect(Array.from(written[0].subarray(0, 14))).toEqual([2, 0, 0, 0, 0, 7, 2, 0, 0, 0, 0, 1, 8, 6]);
    expect(counters['eth.too-big']).toBe(1);
  });
});
