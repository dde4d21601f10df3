/*
 * The engine's byte primitives and number printing inside Duktape (unix
 * board): the kernel's Internet checksum (kernel/core/checksum.c) agrees with
 * lib/checksum.ts's TypeScript sum on fast-check's buffers, alignments,
 * ranges and initial sums, and numbers print as Node prints them, fastints
 * (JSON's "%lld" path) included.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { buildApp, runImage } from '../helpers';
import { numberLines } from './fixtures/primitives/numbers';

interface Case { bytes: Uint8Array; shift: number; start: number; end: number; sum: number }

const caseArb: fc.Arbitrary<Case> = fc.record({
  bytes: fc.uint8Array({ maxLength: 1600 }),
  shift: fc.nat(7),
  a: fc.nat(1600),
  b: fc.nat(1600),
  // Sums as callers carry them: a pseudo-header's, or unfolded ones far beyond any packet's.
  sum: fc.oneof(fc.nat(0xffff), fc.maxSafeNat().map((n) => n % 2 ** 40)),
}).map(({ bytes, shift, a, b, sum }) => ({
  bytes, shift, sum, start: Math.min(a, b, bytes.length), end: Math.min(Math.max(a, b), bytes.length),
}));

/** RFC 1071 byte by byte, the plain way. */
function expected(c: Case): number {
  let sum = c.sum % 0xffff === 0 && c.sum > 0 ? 0xffff : c.sum % 0xffff;
  for (let i = c.start; i < c.end; i += 2) sum += (c.bytes[i] << 8) | (i + 1 < c.end ? c.bytes[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const cases = fc.sample(caseArb, { seed: 17, numRuns: 200 }).concat([
  { bytes: new Uint8Array(0), shift: 0, start: 0, end: 0, sum: 0 },
  { bytes: new Uint8Array(9).fill(0xff), shift: 1, start: 0, end: 9, sum: 0xffff },
  { bytes: new Uint8Array([0, 0]), shift: 3, start: 0, end: 2, sum: 2 ** 53 - 1 }, // the native's largest; zero bytes keep the TS sum exact
]);

let lines: string[];
beforeAll(async () => {
  const built = await buildApp(fileURLToPath(new URL('./fixtures/primitives', import.meta.url)));
  const r = runImage(built.dir, built.manifest, cases.map((c) => [hex(c.bytes), c.shift, c.start, c.end, c.sum].join(',')));
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  lines = r.stdout.trimEnd().split('\n');
}, 300_000);

describe('the Internet checksum in the kernel', () => {
  it('is the native on the unix board', () => {
    expect(lines[0]).toBe('native: function');
  });

  it('agrees with the TypeScript sum and RFC 1071 for any bytes, alignment, range and initial sum', () => {
    const got = lines.slice(1, 1 + cases.length);
    expect(got).toEqual(cases.map((c) => expected(c) + ' ' + expected(c)));
  });

  it('refuses a range outside the buffer', () => {
    expect(lines[1 + cases.length]).toBe('out of range: RangeError');
  });
});

describe('numbers printed inside Duktape', () => {
  it('print as under Node: fastints, negatives, the 48-bit edges and doubles', () => {
    expect(lines.slice(2 + cases.length)).toEqual(numberLines().join('\n').split('\n'));
  });
});
