/*
 * Sequence-number arithmetic (RFC 9293 §3.4): sequence numbers are unsigned
 * 32-bit values compared modulo 2^32, so "a < b" means "b is less than 2^31
 * ahead of a". Plain numbers with `>>> 0` and `| 0`; no BigInt (Duktape).
 */

/** a + n, wrapped to an unsigned 32-bit sequence number. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** The signed distance a − b (how far a is ahead of b), in (−2^31, 2^31]. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqLeq(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export function seqGeq(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

export function seqMax(a: number, b: number): number {
  return seqGt(a, b) ? a : b;
}

export function seqMin(a: number, b: number): number {
  return seqLt(a, b) ? a : b;
}

/** start ≤ x < start + length, modulo 2^32 (length ≥ 0). */
export function seqInWindow(x: number, start: number, length: number): boolean {
  const d = seqDiff(x, start);
  return d >= 0 && d < length;
}
