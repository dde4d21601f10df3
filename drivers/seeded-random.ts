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
