import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ARP_LENGTH, buildArp, parseArp } from './wire';

const mac = fc.uint8Array({ minLength: 6, maxLength: 6 });
const ip = fc.integer({ min: 0, max: 0xffffffff });

describe('arp wire', () => {
  it('round-trips', () => {
    fc.assert(fc.property(fc.constantFrom(1, 2), mac, ip, mac, ip, (op, sha, spa, tha, tpa) => {
      const p = parseArp(buildArp({ op, sha, spa, tha, tpa }));
      if (typeof p === 'string') throw new Error(p);
      expect({ op: p.op, sha: Array.from(p.sha), spa: p.spa, tha: Array.from(p.tha), tpa: p.tpa })
        .toEqual({ op, sha: Array.from(sha), spa, tha: Array.from(tha), tpa });
    }));
  });

  it('never throws on random or mutated bytes, and names what is wrong', () => {
    const valid = buildArp({ op: 1, sha: new Uint8Array(6), spa: 1, tha: new Uint8Array(6), tpa: 2 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(ARP_LENGTH - 1), fc.integer({ min: 0, max: 255 }), (random, at, value) => {
      const r = parseArp(random);
      expect(typeof r === 'string' || r.op === 1 || r.op === 2).toBe(true);
      const mutated = valid.slice();
      mutated[at] = value;
      const m = parseArp(mutated);
      if (typeof m === 'string') expect(['bad-hardware', 'bad-protocol', 'bad-op']).toContain(m);
    }));
    expect(parseArp(valid.subarray(0, 27))).toBe('short');
  });
});
