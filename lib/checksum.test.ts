/* The Internet checksum: the word-view fast path agrees with the byte loop, whatever the alignment. */
import { expect, it } from 'vitest';
import fc from 'fast-check';
import { checksum, finishChecksum, sumBytes } from './checksum';

function reference(buf: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i += 2) sum += (buf[i] << 8) | (i + 1 < end ? buf[i + 1] : 0);
  return finishChecksum(sum);
}

it('matches the plain RFC 1071 sum for any bytes, offset and length', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(7), fc.nat(2000), fc.nat(2000), (bytes, shift, a, b) => {
    const backing = new Uint8Array(bytes.length + 8);
    backing.set(bytes, shift);
    const buf = backing.subarray(shift, shift + bytes.length);
    const start = Math.min(a, b, buf.length);
    const end = Math.min(Math.max(a, b), buf.length);
    expect(finishChecksum(sumBytes(buf, start, end))).toBe(reference(buf, start, end));
  }), { numRuns: 2000 });
});

it('verifies to zero over data that carries its own checksum', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 40, maxLength: 1500 }).filter((b) => b.some((x) => x !== 0)), (bytes) => {
    const buf = new Uint8Array(bytes.length + (bytes.length & 1) + 2);
    buf.set(bytes, 2);
    const c = checksum(buf);
    buf[0] = c >> 8; buf[1] = c & 0xff;
    expect(checksum(buf)).toBe(0);
  }));
});
