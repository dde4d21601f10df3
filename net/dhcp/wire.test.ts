import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildDhcp, parseDhcp, OPT_MESSAGE_TYPE, OPT_OVERLOAD, OPT_ROUTER, optionAddresses, type DhcpMessage } from './wire';

const ip = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const options = fc.dictionary(
  fc.integer({ min: 1, max: 254 }).filter((c) => c !== OPT_OVERLOAD).map(String),
  fc.uint8Array({ maxLength: 600 }),
  { maxKeys: 8 },
);

const message = fc.record({
  op: fc.constantFrom(1, 2), htype: fc.integer({ min: 0, max: 255 }), hlen: fc.integer({ min: 0, max: 255 }), hops: fc.integer({ min: 0, max: 255 }),
  xid: ip, secs: u16, flags: u16, ciaddr: ip, yiaddr: ip, siaddr: ip, giaddr: ip,
  chaddr: fc.uint8Array({ minLength: 16, maxLength: 16 }), options,
});

function plain(m: DhcpMessage) {
  const o: { [k: string]: number[] } = {};
  for (const k of Object.keys(m.options)) o[k] = Array.from(m.options[Number(k)]);
  return { ...m, chaddr: Array.from(m.chaddr), options: o };
}

describe('dhcp wire', () => {
  it('round-trips messages, long options split and joined again (RFC 3396)', () => {
    fc.assert(fc.property(message, (m) => {
      const built = buildDhcp(m as unknown as DhcpMessage);
      expect(built.length).toBeGreaterThanOrEqual(300);
      const p = parseDhcp(built);
      if (typeof p === 'string') throw new Error(p);
      expect(plain(p)).toEqual(plain(m as unknown as DhcpMessage));
    }), { numRuns: 200 });
  });

  it('writes the message type first', () => {
    const o: { [c: number]: Uint8Array } = { 1: new Uint8Array(4), [OPT_MESSAGE_TYPE]: new Uint8Array([1]) };
    const b = buildDhcp({ op: 1, htype: 1, hlen: 6, hops: 0, xid: 1, secs: 0, flags: 0, ciaddr: 0, yiaddr: 0, siaddr: 0, giaddr: 0, chaddr: new Uint8Array(16), options: o });
    expect(b[240]).toBe(OPT_MESSAGE_TYPE);
  });

  it('reads options continued in `file` and `sname` (overload, RFC 2132 §9.3)', () => {
    const b = buildDhcp({
      op: 2, htype: 1, hlen: 6, hops: 0, xid: 1, secs: 0, flags: 0, ciaddr: 0, yiaddr: 0, siaddr: 0, giaddr: 0,
      chaddr: new Uint8Array(16), options: { [OPT_OVERLOAD]: new Uint8Array([3]), [OPT_ROUTER]: new Uint8Array([10, 0, 0, 1]) },
    });
    // file (108..236): more routers; sname (44..108): the message type.
    b.set([OPT_ROUTER, 4, 10, 0, 0, 2, 255], 108);
    b.set([OPT_MESSAGE_TYPE, 1, 5, 255], 44);
    const p = parseDhcp(b);
    if (typeof p === 'string') throw new Error(p);
    expect(optionAddresses(p.options, OPT_ROUTER)).toEqual([0x0a000001, 0x0a000002]);
    expect(Array.from(p.options[OPT_MESSAGE_TYPE])).toEqual([5]);
  });

  it('never throws on random or mutated bytes', () => {
    const valid = buildDhcp({
      op: 2, htype: 1, hlen: 6, hops: 0, xid: 1, secs: 0, flags: 0, ciaddr: 0, yiaddr: 0, siaddr: 0, giaddr: 0,
      chaddr: new Uint8Array(16), options: { [OPT_OVERLOAD]: new Uint8Array([3]), [OPT_MESSAGE_TYPE]: new Uint8Array([2]) },
    });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(valid.length), (random, edits, cutAt) => {
      parseDhcp(random);
      const m = valid.slice(0, cutAt);
      for (const [at, v] of edits) if (at < m.length) m[at] = v;
      parseDhcp(m);
    }));
    expect(parseDhcp(valid.subarray(0, 239))).toBe('short');
    const cookie = valid.slice(); cookie[236] = 0;
    expect(parseDhcp(cookie)).toBe('bad-cookie');
    const trunc = valid.slice(0, 242); // message type option cut in the middle
    expect(parseDhcp(trunc)).toBe('bad-options');
  });
});
