/*
 * mulberry32: a small seeded PRNG, the same numbers on every engine (V8 and
 * Duktape), so a failing fault-injection run or benchmark can be replayed.
 * Not for anything secret: use crypto.getRandomValues for that.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Test bytes that differ per (seed, position), so misplaced data shows; the same on every engine. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Fills a buffer with random bytes (crypto.getRandomValues in the image, a seeded PRNG in tests). */
export type RandomSource = (buf: Uint8Array) => void;
