/*
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320): the checksum on
 * every commit header, frame and entry, so a torn or rotten page is
 * recognised instead of decoded. Four bytes per step ("slicing by 4"):
 * in an interpreter like Duktape the loop overhead per byte is what costs.
 * The tables are built on first use, keeping module load free of work (it
 * runs at every image boot).
 */
let tables: Int32Array | null = null;

function makeTables(): Int32Array {
  const t = new Int32Array(1024);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  // t[256 * k + n]: the CRC of byte n followed by k zero bytes.
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 4; k++) {
      const prev = t[256 * (k - 1) + n];
      t[256 * k + n] = t[prev & 0xff] ^ (prev >>> 8);
    }
  }
  return t;
}

/** The CRC-32 of bytes[start, end), continuing from `seed` (a previous result). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0): number {
  const t = tables || (tables = makeTables());
  let c = ~seed;
  let i = start;
  for (const last = end - 3; i < last; i += 4) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c = t[768 + (c & 0xff)] ^ t[512 + ((c >>> 8) & 0xff)] ^ t[256 + ((c >>> 16) & 0xff)] ^ t[c >>> 24];
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
