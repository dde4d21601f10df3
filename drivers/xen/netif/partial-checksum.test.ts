import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checksum, finishChecksum, pseudoHeaderSum, sumBytes } from '../../../lib/checksum';
import { completePartialChecksum } from './partial-checksum';

/** An Ethernet + IPv4 + TCP/UDP frame with a correct checksum. */
function frame(protocol: 6 | 17, payload: Uint8Array, src: number, dst: number): Uint8Array {
  const l4Header = protocol === 6 ? 20 : 8;
  const l4Length = l4Header + payload.length;
  const f = new Uint8Array(14 + 20 + l4Length);
  f[12] = 0x08;
  f[14] = 0x45;
  f[16] = (20 + l4Length) >> 8;
  f[17] = (20 + l4Length) & 0xff;
  f[22] = 64;
  f[23] = protocol;
  const dv = new DataView(f.buffer);
  dv.setUint32(26, src);
  dv.setUint32(30, dst);
  dv.setUint16(24, checksum(f, 14, 34));
  const l4 = 34;
  dv.setUint16(l4, 40000);
  dv.setUint16(l4 + 2, 7);
  if (protocol === 6) f[l4 + 12] = 0x50;
  else dv.setUint16(l4 + 4, l4Length);
  f.set(payload, l4 + l4Header);
  let value = finishChecksum(sumBytes(f, l4, f.length, pseudoHeaderSum(src, dst, protocol, l4Length)));
  if (protocol === 17 && value === 0) value = 0xffff;
  dv.setUint16(protocol === 6 ? l4 + 16 : l4 + 6, value);
  return f;
}

/** What a CHECKSUM_PARTIAL sender leaves in the field: the folded pseudo-header sum. */
function partial(f: Uint8Array): Uint8Array {
  const out = f.slice();
  const dv = new DataView(out.buffer);
  const protocol = out[23] as 6 | 17;
  const l4Length = dv.getUint16(16) - 20;
  const sum = ~finishChecksum(pseudoHeaderSum(dv.getUint32(26), dv.getUint32(30), protocol, l4Length)) & 0xffff;
  dv.setUint16(protocol === 6 ? 34 + 16 : 34 + 6, sum);
  return out;
}

describe('completePartialChecksum', () => {
  it('finishes TCP and UDP checksums begun with the pseudo-header sum', () => {
    fc.assert(fc.property(fc.constantFrom(6 as const, 17 as const), fc.uint8Array({ maxLength: 1400 }), fc.nat(0xffffffff), fc.nat(0xffffffff),
      (protocol, payload, src, dst) => {
        const whole = frame(protocol, payload, src, dst);
        const f = partial(whole);
        expect(completePartialChecksum(f)).toBe(true);
        expect(f).toEqual(whole);
      }));
  });

  it('leaves alone what it cannot finish: other protocols, fragments, short or lying lengths', () => {
    const f = partial(frame(6, new Uint8Array(10), 1, 2));
    const icmp = f.slice(); icmp[23] = 1;
    const fragment = f.slice(); fragment[20] = 0x20;
    const lying = f.slice(); lying[16] = 0xff;
    for (const bad of [icmp, fragment, lying, f.subarray(0, 30)]) {
      const before = bad.slice();
      expect(completePartialChecksum(bad)).toBe(false);
      expect(bad).toEqual(before);
    }
  });
});
