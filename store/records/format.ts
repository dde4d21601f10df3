/*
 * The on-disk layout of a records store.
 *
 *   page 0, 1   superblocks A and B (the valid one with the higher
 *               generation wins; they are written alternately, so a torn
 *               superblock write leaves the other intact)
 *   page 2..    the log: a circular sequence of commits
 *
 * A superblock names where the log's oldest commit starts (tail) and that
 * commit's sequence number. A commit starts on a page boundary and fills
 * whole pages:
 *
 *   0  u32 magic 'NYRC'    4  u32 seq (low)   8  u32 seq (high)
 *   12 u32 pages           16 u32 kind (0 entries, 1 wrap: next commit at page 2)
 *   20 u32 body length     24 u32 frames CRC  28 u32 CRC of bytes 0..27
 *   32 body: entries, each u32 payload length, u32 payload CRC, payload
 *
 * The frames CRC covers the 8-byte frames (length and payload CRC) of all
 * entries in order; with each payload checked against its own CRC, that
 * checks the whole body in one pass over the payload bytes.
 *
 * Sequence numbers rise by one per commit, so a stale commit left from an
 * earlier lap of the log, or a torn one (CRCs), ends the replay.
 */
import { Reader, Writer } from './binary';
import { crc32 } from './crc32';
import { RecordsError } from './errors';

export const FORMAT_VERSION = 1;
export const SUPERBLOCK_PAGES = 2;
export const HEADER_SIZE = 32;
/** An entry's frame ahead of its payload: length and CRC. */
export const FRAME_SIZE = 8;

const SUPER_MAGIC = 0x5352594e; // "NYRS"
const COMMIT_MAGIC = 0x4352594e; // "NYRC"
const TWO32 = 4294967296;

/** Commit kinds: a run of entries, or a marker that the log goes on at its first page. */
export const COMMIT_ENTRIES = 0;
export const COMMIT_WRAP = 1;

export interface Superblock {
  pageSize: number;
  pages: number;
  generation: number;
  /** First page of the oldest commit still needed. */
  tail: number;
  tailSeq: number;
}

function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function encodeSuperblock(sb: Superblock): Uint8Array {
  const page = new Uint8Array(sb.pageSize);
  const v = view(page);
  v.setUint32(0, SUPER_MAGIC, true);
  v.setUint32(4, FORMAT_VERSION, true);
  v.setUint32(8, sb.pageSize, true);
  v.setUint32(12, sb.pages, true);
  v.setUint32(16, sb.generation, true);
  v.setUint32(20, sb.tail, true);
  v.setUint32(24, sb.tailSeq % TWO32, true);
  v.setUint32(28, Math.floor(sb.tailSeq / TWO32), true);
  v.setUint32(32, crc32(page, 0, 32), true);
  return page;
}

export type SuperblockRead =
  | { state: 'valid'; superblock: Superblock }
  | { state: 'blank' }
  | { state: 'foreign' }
  | { state: 'damaged'; why: string };

/** Reads a superblock page: valid, all zeros, someone else's data, or ours but damaged. */
export function parseSuperblock(page: Uint8Array): SuperblockRead {
  const v = view(page);
  if (v.getUint32(0, true) !== SUPER_MAGIC) {
    for (let i = 0; i < page.length; i++) if (page[i] !== 0) return { state: 'foreign' };
    return { state: 'blank' };
  }
  if (v.getUint32(32, true) !== crc32(page, 0, 32)) return { state: 'damaged', why: 'checksum mismatch' };
  const version = v.getUint32(4, true);
  if (version !== FORMAT_VERSION) return { state: 'damaged', why: 'format version ' + version + ' (this build reads ' + FORMAT_VERSION + ')' };
  return {
    state: 'valid',
    superblock: {
      pageSize: v.getUint32(8, true),
      pages: v.getUint32(12, true),
      generation: v.getUint32(16, true),
      tail: v.getUint32(20, true),
      tailSeq: v.getUint32(24, true) + v.getUint32(28, true) * TWO32,
    },
  };
}

export interface CommitHeader {
  seq: number;
  pages: number;
  kind: number;
  bodyLength: number;
  bodyCrc: number;
}

export function writeCommitHeader(buf: Uint8Array, h: CommitHeader): void {
  const v = view(buf);
  v.setUint32(0, COMMIT_MAGIC, true);
  v.setUint32(4, h.seq % TWO32, true);
  v.setUint32(8, Math.floor(h.seq / TWO32), true);
  v.setUint32(12, h.pages, true);
  v.setUint32(16, h.kind, true);
  v.setUint32(20, h.bodyLength, true);
  v.setUint32(24, h.bodyCrc, true);
  v.setUint32(28, crc32(buf, 0, 28), true);
}

/** The commit header at the start of buf, or null if there is none (garbage, zeros, torn). */
export function parseCommitHeader(buf: Uint8Array): CommitHeader | null {
  const v = view(buf);
  if (v.getUint32(0, true) !== COMMIT_MAGIC || v.getUint32(28, true) !== crc32(buf, 0, 28)) return null;
  const kind = v.getUint32(16, true);
  if (kind !== COMMIT_ENTRIES && kind !== COMMIT_WRAP) return null;
  return {
    seq: v.getUint32(4, true) + v.getUint32(8, true) * TWO32,
    pages: v.getUint32(12, true),
    kind: kind,
    bodyLength: v.getUint32(20, true),
    bodyCrc: v.getUint32(24, true),
  };
}

/** Pages a commit with this body length fills. */
export function commitPages(bodyLength: number, pageSize: number): number {
  return Math.ceil((HEADER_SIZE + bodyLength) / pageSize);
}

/* ---- entries: the payloads inside commits ---- */

export const PUT = 1;
export const DELETE = 2;
export const CATALOG = 3;

export type Key = string | number;
/** Index name -> the record's value for it (absent when the value is missing). */
export type IndexValues = { [name: string]: Key };

export interface ParsedEntry {
  kind: number;
  collection: number;
  key: Key;
  /** Put: the record's index values. */
  index: IndexValues | null;
  /** Where the value (put: codec bytes; catalog: catalog fields) starts in the payload. */
  valueStart: number;
}

function writeKey(w: Writer, key: Key): void {
  if (typeof key === 'string') {
    w.u8(0);
    w.str(key);
  } else {
    w.u8(1);
    w.f64(key);
  }
}

function readKey(r: Reader): Key {
  const tag = r.u8();
  if (tag === 0) return r.str();
  if (tag === 1) return r.f64();
  throw new RecordsError('ECORRUPT', 'bad key tag ' + tag);
}

/** Starts a put payload; the caller's codec appends the value. */
export function beginPut(w: Writer, collection: number, key: Key, index: IndexValues | null): void {
  w.u8(PUT);
  w.uvar(collection);
  writeKey(w, key);
  const names = index ? Object.keys(index) : [];
  w.uvar(names.length);
  for (let i = 0; i < names.length; i++) {
    w.str(names[i]);
    writeKey(w, (index as IndexValues)[names[i]]);
  }
}

export function encodeDelete(collection: number, key: Key): Uint8Array {
  const w = new Writer(32);
  w.u8(DELETE);
  w.uvar(collection);
  writeKey(w, key);
  return w.finish();
}

/** What the store remembers about a collection (catalog entry, keyed by name). */
export interface CatalogInfo {
  id: number;
  type: string;
  schema: string;
  hash: string;
  keyField: string;
}

export function encodeCatalog(name: string, info: CatalogInfo): Uint8Array {
  const w = new Writer(64 + info.schema.length);
  w.u8(CATALOG);
  w.uvar(0);
  writeKey(w, name);
  w.uvar(info.id);
  w.str(info.type);
  w.str(info.schema);
  w.str(info.hash);
  w.str(info.keyField);
  return w.finish();
}

export function decodeCatalog(payload: Uint8Array, valueStart: number): CatalogInfo {
  const r = new Reader(payload, valueStart);
  const info = { id: r.uvar(), type: r.str(), schema: r.str(), hash: r.str(), keyField: r.str() };
  r.done();
  return info;
}

/** Parses an entry's header fields (the value itself is left to its codec). */
export function parseEntry(payload: Uint8Array): ParsedEntry {
  const r = new Reader(payload);
  const kind = r.u8();
  if (kind !== PUT && kind !== DELETE && kind !== CATALOG) {
    throw new RecordsError('ECORRUPT', 'bad entry kind ' + kind);
  }
  const collection = r.uvar();
  const key = readKey(r);
  let index: IndexValues | null = null;
  if (kind === PUT) {
    const n = r.count(2);
    if (n) index = {};
    for (let i = 0; i < n; i++) {
      const name = r.str();
      (index as IndexValues)[name] = readKey(r);
    }
  }
  if (kind === CATALOG ? collection !== 0 || typeof key !== 'string' : collection === 0) {
    throw new RecordsError('ECORRUPT', 'entry of kind ' + kind + ' in collection ' + collection);
  }
  return { kind: kind, collection: collection, key: key, index: index, valueStart: r.pos };
}
