/* The image loader's DEFLATE decoder (inflate.c) against Node's zlib, built with the sanitizers. */
import { beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { constants, deflateRawSync } from 'node:zlib';

const core = fileURLToPath(new URL('.', import.meta.url));
const out = join(process.env.NYMOTE_BUILD ?? join(core, '..', '..', 'build'), 'tests');
const bin = join(out, 'inflate_test');
const work = mkdtempSync(join(tmpdir(), 'inflate-'));

beforeAll(() => {
  mkdirSync(out, { recursive: true });
  execFileSync('cc', ['-std=gnu11', '-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-I', join(core, '..', 'include'),
    join(core, 'inflate_test.c'), join(core, 'inflate.c'), '-o', bin]);
});

function inflate(stream: Uint8Array, length: number): { ok: boolean; bytes: Buffer } {
  writeFileSync(join(work, 'in'), stream);
  const r = spawnSync(bin, [join(work, 'in'), String(length), join(work, 'out')], { encoding: 'utf8' });
  // a sanitizer report or a crash is a failure whatever the stream was
  expect(r.stderr).toBe('');
  expect([0, 1]).toContain(r.status);
  return { ok: r.status === 0, bytes: readFileSync(join(work, 'out')) };
}

/** Bytes with the repeats LZ77 finds: random runs, copies of earlier parts, long fills. */
const compressible = fc.array(fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.record({ back: fc.nat(), length: fc.integer({ min: 3, max: 600 }) }),
  fc.record({ fill: fc.nat(255), length: fc.integer({ min: 1, max: 70000 }) }),
), { maxLength: 12 }).map((parts) => {
  const bytes: number[] = [];
  for (const p of parts) {
    if (p instanceof Uint8Array) bytes.push(...p);
    else if ('fill' in p) for (let i = 0; i < p.length; i++) bytes.push(p.fill);
    else if (bytes.length) for (let i = 0, from = p.back % bytes.length; i < p.length; i++) bytes.push(bytes[from + (i % (bytes.length - from))]);
  }
  return Uint8Array.from(bytes);
});

const settings = fc.record({
  level: fc.integer({ min: 0, max: 9 }),
  strategy: fc.constantFrom(constants.Z_DEFAULT_STRATEGY, constants.Z_FIXED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FILTERED),
});

it('inflates whatever zlib deflates, at every level and strategy (stored, fixed and dynamic blocks)', () => {
  fc.assert(fc.property(compressible, settings, (data, { level, strategy }) => {
    const r = inflate(deflateRawSync(data, { level, strategy }), data.length);
    expect(r.ok).toBe(true);
    expect(r.bytes.equals(Buffer.from(data))).toBe(true);
  }), { numRuns: 80 });
});

it('refuses a stream that is cut short or inflates to another length', () => {
  fc.assert(fc.property(compressible.filter((d) => d.length > 0), settings, fc.nat(), (data, { level, strategy }, cut) => {
    const stream = deflateRawSync(data, { level, strategy });
    expect(inflate(stream.subarray(0, cut % stream.length), data.length).ok).toBe(false);
    expect(inflate(stream, data.length - 1).ok).toBe(false);
    expect(inflate(stream, data.length + 1).ok).toBe(false);
  }), { numRuns: 40 });
});

it('survives corrupted streams without reading or writing out of bounds', () => {
  fc.assert(fc.property(compressible, fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 }), (data, flips) => {
    const stream = Uint8Array.from(deflateRawSync(data));
    for (const f of flips) stream[f.at % stream.length] ^= f.xor;
    const r = inflate(stream, data.length);
    if (r.ok) expect(r.bytes.length).toBe(data.length);
  }), { numRuns: 80 });
});

it('refuses random bytes that are not DEFLATE without harm', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(100000), (junk, length) => {
    inflate(junk, length);
  }), { numRuns: 100 });
});
