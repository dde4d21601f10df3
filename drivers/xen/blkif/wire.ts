/*
 * blkif ring formats (public/io/blkif.h), per ABI. Little-endian.
 *
 *   blkif_request  { u8 operation; u8 nr_segments; u16 handle; [pad]; u64 id; u64 sector_number;
 *                    blkif_request_segment seg[11] }   segment = { u32 gref; u8 first_sect; u8 last_sect; u16 pad } (8)
 *   blkif_response { u64 id; u8 operation; [pad]; i16 status; [pad] }
 *
 * x86_64-abi and arm-abi (arm32 EABI and arm64 both align u64 to 8): id at 8, sector at 16,
 *   seg at 24 → request 112 bytes; response 16 bytes (status at 10).
 * x86_32-abi (u64 aligned to 4, "#pragma pack(4)"): id at 4, sector at 12, seg at 20 →
 *   request 108 bytes; response 12 bytes (status at 10).
 * Ring entry = the request size (the larger). One 4 KiB page holds 32 entries on both.
 *
 * 64-bit fields are handled as two u32 halves / JS numbers ≤ 2^53 (no BigInt: ES5 target).
 */

export const BLKIF_OP_READ = 0;
export const BLKIF_OP_WRITE = 1;
export const BLKIF_OP_WRITE_BARRIER = 2;
export const BLKIF_OP_FLUSH_DISKCACHE = 3;
export const BLKIF_OP_DISCARD = 5;
export const BLKIF_OP_INDIRECT = 6;

export const BLKIF_RSP_EOPNOTSUPP = -2;
export const BLKIF_RSP_ERROR = -1;
export const BLKIF_RSP_OKAY = 0;

export const BLKIF_MAX_SEGMENTS_PER_REQUEST = 11;
/** blkif sectors are always 512 bytes, whatever the disk's logical sector size. */
export const BLKIF_SECTOR_BYTES = 512;

export type BlkifAbi = 'x86_64-abi' | 'x86_32-abi' | 'arm-abi';

export interface BlkifLayout {
  abi: BlkifAbi;
  requestBytes: number;
  responseBytes: number;
  entryBytes: number;
  idOff: number;
  sectorOff: number;
  segOff: number;
  rspOpOff: number;
  rspStatusOff: number;
}

export function blkifLayout(abi: BlkifAbi): BlkifLayout {
  if (abi === 'x86_32-abi') {
    return { abi, requestBytes: 108, responseBytes: 12, entryBytes: 108, idOff: 4, sectorOff: 12, segOff: 20, rspOpOff: 8, rspStatusOff: 10 };
  }
  return { abi, requestBytes: 112, responseBytes: 16, entryBytes: 112, idOff: 8, sectorOff: 16, segOff: 24, rspOpOff: 8, rspStatusOff: 10 };
}

export interface BlkifSegment { gref: number; firstSect: number; lastSect: number }

export interface BlkifRequest {
  operation: number;
  handle: number;
  /** Low and high 32 bits of the u64 id. */
  idLo: number;
  idHi: number;
  /** Start sector in 512-byte units, an integer ≤ 2^53. */
  sector: number;
  segments: BlkifSegment[];
}

export interface BlkifResponse { idLo: number; idHi: number; operation: number; status: number }

const LE = true;
const TWO32 = 4294967296;

export function setU64(dv: DataView, off: number, v: number): void {
  const hi = Math.floor(v / TWO32);
  dv.setUint32(off, (v - hi * TWO32) >>> 0, LE);
  dv.setUint32(off + 4, hi >>> 0, LE);
}
export function getU64(dv: DataView, off: number): number {
  return dv.getUint32(off + 4, LE) * TWO32 + dv.getUint32(off, LE);
}

export function encodeBlkifRequest(L: BlkifLayout, dv: DataView, off: number, r: BlkifRequest): void {
  const n = r.segments.length > BLKIF_MAX_SEGMENTS_PER_REQUEST ? BLKIF_MAX_SEGMENTS_PER_REQUEST : r.segments.length;
  dv.setUint8(off, r.operation & 0xff);
  dv.setUint8(off + 1, n);
  dv.setUint16(off + 2, r.handle & 0xffff, LE);
  dv.setUint32(off + L.idOff, r.idLo >>> 0, LE);
  dv.setUint32(off + L.idOff + 4, r.idHi >>> 0, LE);
  setU64(dv, off + L.sectorOff, r.sector);
  for (let i = 0; i < n; i++) {
    const s = r.segments[i];
    const o = off + L.segOff + i * 8;
    dv.setUint32(o, s.gref >>> 0, LE);
    dv.setUint8(o + 4, s.firstSect & 0xff);
    dv.setUint8(o + 5, s.lastSect & 0xff);
  }
}

/** Decodes any bytes; nr_segments above 11 is clamped (a backend would reject such a request). */
export function decodeBlkifRequest(L: BlkifLayout, dv: DataView, off: number): BlkifRequest & { nrSegments: number } {
  const nr = dv.getUint8(off + 1);
  const n = nr > BLKIF_MAX_SEGMENTS_PER_REQUEST ? BLKIF_MAX_SEGMENTS_PER_REQUEST : nr;
  const segments: BlkifSegment[] = [];
  for (let i = 0; i < n; i++) {
    const o = off + L.segOff + i * 8;
    segments.push({ gref: dv.getUint32(o, LE), firstSect: dv.getUint8(o + 4), lastSect: dv.getUint8(o + 5) });
  }
  return {
    operation: dv.getUint8(off),
    nrSegments: nr,
    handle: dv.getUint16(off + 2, LE),
    idLo: dv.getUint32(off + L.idOff, LE),
    idHi: dv.getUint32(off + L.idOff + 4, LE),
    sector: getU64(dv, off + L.sectorOff),
    segments,
  };
}

/*
 * BLKIF_OP_INDIRECT (blkif.h, feature-max-indirect-segments): the request
 * names up to 8 granted pages of segment descriptors instead of carrying 11
 * segments inline, so one request moves up to 256 (or more) pages.
 */
export const BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST = 8;
/** Segment descriptors per indirect page: { gref u32, first_sect u8, last_sect u8, pad u16 }. */
export const BLKIF_SEGMENTS_PER_INDIRECT_PAGE = 512;

export interface BlkifIndirectRequest {
  indirectOp: number;
  nrSegments: number;
  handle: number;
  idLo: number;
  idHi: number;
  sector: number;
  indirectGrefs: number[];
}

/** Where the indirect request's fields sit: after the u64 id, as in the inline request. */
function indirectOffsets(L: BlkifLayout): { sector: number; handle: number; grefs: number } {
  return { sector: L.sectorOff, handle: L.sectorOff + 8, grefs: L.sectorOff + 12 };
}

export function encodeBlkifIndirectRequest(L: BlkifLayout, dv: DataView, off: number, r: BlkifIndirectRequest): void {
  const o = indirectOffsets(L);
  dv.setUint8(off, BLKIF_OP_INDIRECT);
  dv.setUint8(off + 1, r.indirectOp & 0xff);
  dv.setUint16(off + 2, r.nrSegments & 0xffff, LE);
  dv.setUint32(off + L.idOff, r.idLo >>> 0, LE);
  dv.setUint32(off + L.idOff + 4, r.idHi >>> 0, LE);
  setU64(dv, off + o.sector, r.sector);
  dv.setUint16(off + o.handle, r.handle & 0xffff, LE);
  const n = r.indirectGrefs.length > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST ? BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST : r.indirectGrefs.length;
  for (let i = 0; i < n; i++) dv.setUint32(off + o.grefs + i * 4, r.indirectGrefs[i] >>> 0, LE);
}

/** Decodes an indirect request (operation BLKIF_OP_INDIRECT); the page count follows nr_segments, clamped to 8. */
export function decodeBlkifIndirectRequest(L: BlkifLayout, dv: DataView, off: number): BlkifIndirectRequest {
  const o = indirectOffsets(L);
  const nrSegments = dv.getUint16(off + 2, LE);
  let pages = Math.ceil(nrSegments / BLKIF_SEGMENTS_PER_INDIRECT_PAGE);
  if (pages > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST) pages = BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST;
  const indirectGrefs: number[] = [];
  for (let i = 0; i < pages; i++) indirectGrefs.push(dv.getUint32(off + o.grefs + i * 4, LE));
  return {
    indirectOp: dv.getUint8(off + 1),
    nrSegments,
    handle: dv.getUint16(off + o.handle, LE),
    idLo: dv.getUint32(off + L.idOff, LE),
    idHi: dv.getUint32(off + L.idOff + 4, LE),
    sector: getU64(dv, off + o.sector),
    indirectGrefs,
  };
}

/** Writes segment descriptor `index` into an indirect page. */
export function encodeIndirectSegment(page: DataView, index: number, s: BlkifSegment): void {
  const o = index * 8;
  page.setUint32(o, s.gref >>> 0, LE);
  page.setUint8(o + 4, s.firstSect & 0xff);
  page.setUint8(o + 5, s.lastSect & 0xff);
  page.setUint16(o + 6, 0, LE);
}

export function decodeIndirectSegment(page: DataView, index: number): BlkifSegment {
  const o = index * 8;
  return { gref: page.getUint32(o, LE), firstSect: page.getUint8(o + 4), lastSect: page.getUint8(o + 5) };
}

export function encodeBlkifResponse(L: BlkifLayout, dv: DataView, off: number, r: BlkifResponse): void {
  dv.setUint32(off, r.idLo >>> 0, LE);
  dv.setUint32(off + 4, r.idHi >>> 0, LE);
  dv.setUint8(off + L.rspOpOff, r.operation & 0xff);
  dv.setInt16(off + L.rspStatusOff, r.status, LE);
}
export function decodeBlkifResponse(L: BlkifLayout, dv: DataView, off: number): BlkifResponse {
  return {
    idLo: dv.getUint32(off, LE),
    idHi: dv.getUint32(off + 4, LE),
    operation: dv.getUint8(off + L.rspOpOff),
    status: dv.getInt16(off + L.rspStatusOff, LE),
  };
}
