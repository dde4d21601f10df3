/*
 * The Internet checksum (RFC 1071): a 16-bit one's complement sum. Sums are
 * kept unfolded in a JS number (safe far beyond any packet) and folded once.
 * In an image the sum runs in C (__kernel.internetSum, kernel/core/checksum.c):
 * the byte loop is most of a packet's checksum cost in Duktape. The node
 * board's kernel has no such native and sums here in TypeScript.
 */

const LITTLE_ENDIAN = new Uint16Array(new Uint8Array([1, 0]).buffer)[0] === 1;
/** Below this a 16-bit view costs more than it saves. */
const WORD_VIEW_MIN = 32;

type InternetSum = (buf: Uint8Array, start: number, end: number, sum: number) => number;
/** The kernel's native, looked up on first use (undefined: not yet; null: none). */
let nativeSum: InternetSum | null | undefined;

function findNativeSum(): InternetSum | null {
  return typeof __kernel !== 'undefined' && __kernel.internetSum ? __kernel.internetSum : null;
}

/**
 * Adds bytes [start, end) of `buf` as big-endian 16-bit words to `sum` (an integer >= 0). The
 * result is congruent to the plain sum for finishChecksum, not equal to it: it may come folded.
 */
export function sumBytes(buf: Uint8Array, start: number, end: number, sum = 0): number {
  if (nativeSum === undefined) nativeSum = findNativeSum();
  return nativeSum ? nativeSum(buf, start, end, sum) : sumBytesInTs(buf, start, end, sum);
}

/** sumBytes in TypeScript: the node board's, and the reference the native is tested against. */
export function sumBytesInTs(buf: Uint8Array, start: number, end: number, sum: number): number {
  let i = start;
  if (end - start >= WORD_VIEW_MIN && ((buf.byteOffset + start) & 1) === 0) {
    // One typed-array read per word instead of two reads, a shift and an
    // or: in Duktape this is most of a segment's cost. The one's complement
    // sum does not depend on byte order (RFC 1071 §2(B)): a sum of swapped
    // words, folded and swapped back, is the same sum.
    const words = (end - start) >> 1;
    const view = new Uint16Array(buf.buffer, buf.byteOffset + start, words);
    let s = 0;
    for (let w = 0; w < words; w++) s += view[w];
    if (LITTLE_ENDIAN) {
      while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
      s = ((s & 0xff) << 8) | (s >>> 8);
    }
    sum += s;
    i = start + words * 2;
  }
  for (; i + 1 < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < end) sum += buf[i] << 8;
  return sum;
}

/** Folds carries and complements: the value to write into a checksum field. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** The checksum of bytes [start, end). A header that includes its own correct checksum gives 0. */
export function checksum(buf: Uint8Array, start = 0, end = buf.length): number {
  return finishChecksum(sumBytes(buf, start, end));
}

/** The sum of the IPv4 pseudo-header used by TCP and UDP (RFC 9293 §3.1, RFC 768). */
export function pseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}
