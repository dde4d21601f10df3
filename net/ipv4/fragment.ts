/*
 * Splitting a payload too big for one frame into fragments (RFC 791 §2.3,
 * "Fragmentation"): every fragment but the last carries a multiple of 8
 * bytes, since offsets count 8-byte units.
 */

export interface FragmentSlice {
  /** In bytes, from the start of the payload. */
  offset: number;
  length: number;
  moreFragments: boolean;
}

/** How to cut `payloadLength` bytes into pieces of at most `maxPayload` bytes each. */
export function fragmentSlices(payloadLength: number, maxPayload: number): FragmentSlice[] {
  const step = Math.floor(maxPayload / 8) * 8;
  const out: FragmentSlice[] = [];
  if (step <= 0) return out;
  for (let offset = 0; offset < payloadLength || offset === 0; offset += step) {
    const length = Math.min(step, payloadLength - offset);
    out.push({ offset: offset, length: length, moreFragments: offset + length < payloadLength });
  }
  return out;
}
