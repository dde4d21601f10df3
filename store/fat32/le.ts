/* Little-endian field access: every multi-byte FAT structure is little-endian (fatgen103 §3). */

export function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

/** Unsigned: the top byte is multiplied, not shifted, so values stay positive. */
export function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
}

export function w16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}

export function w32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/** Zeroes b[from, to) without TypedArray.prototype.fill (absent in Duktape before the runtime's polyfill). */
export function zero(b: Uint8Array, from = 0, to = b.length): void {
  for (let i = from; i < to; i++) b[i] = 0;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A copy (Uint8Array.prototype.slice is polyfilled in images, but a plain copy is clearer). */
export function copyBytes(a: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  out.set(a);
  return out;
}
