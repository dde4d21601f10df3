/*
 * The rename intent log: one sector in the reserved area that says, for
 * the renames of the epoch being flushed, which new entry replaces which
 * old ones. A rename writes its new entry before it deletes the old (and
 * any entry it replaces), each durable before the next; a power cut in
 * between leaves two entries on one cluster chain. fsck.fat would call that
 * a cross link and keep one at random; our mount reads this log and rolls
 * the rename forward when the new entry made it to disk (deleting the old
 * ones), so a rename is all or nothing.
 *
 * The sector is one FAT32 leaves unused: fatgen103 reserves sectors 0 (boot),
 * FSInfo (1), the backup boot sector (6) and its FSInfo (7), and Windows keeps
 * boot code in 2 and 12 (and their backups 8). We take 3 when it is zero or
 * already ours, and otherwise do without (renames across sectors are then
 * not atomic). A checksum guards against a torn sector.
 */
import type { Geometry } from './bpb';
import { u16, u32, w16, w32 } from './le';

const MAGIC = 'NYMOTE-R';
export const INTENT_SECTOR = 3;
const HEADER = 16;
/* A record: new entry (dir, slot, cluster, name: 24 bytes), two slot runs of 22 bytes, '..' fix (8). */
const RECORD = 76;

/** A run of directory slots: long entries then the short entry at first + count - 1. */
export interface SlotRun {
  dir: number;
  first: number;
  count: number;
  /** The short entry's name (11 bytes), to make sure the slot still holds it. */
  short: string;
}

export interface RenameIntent {
  /** The new short entry: directory, slot, name, first cluster. */
  newDir: number;
  newIndex: number;
  newShort: string;
  cluster: number;
  from: SlotRun;
  /** An entry the rename replaces (count 0: none). */
  replaced: SlotRun;
  /** A moved directory's first cluster and its new '..' value (dotdotDir 0: none). */
  dotdotDir: number;
  dotdotParent: number;
}

export function maxIntents(sectorBytes: number): number {
  return Math.floor((sectorBytes - HEADER) / RECORD);
}

/** Whether the reserved sector can hold the log: unused by the layout and zero or ours. */
export function intentSectorUsable(g: Geometry, sector: Uint8Array): boolean {
  const s = INTENT_SECTOR;
  if (s >= g.reservedSectors || s === g.fsInfoSector) return false;
  const bk = g.backupBootSector;
  if (bk && s >= bk && s <= bk + 2) return false;
  if (isOurs(sector)) return true;
  for (let i = 0; i < sector.length; i++) if (sector[i] !== 0) return false;
  return true;
}

function isOurs(b: Uint8Array): boolean {
  for (let i = 0; i < MAGIC.length; i++) if (b[i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

function checksum(b: Uint8Array, from: number, to: number): number {
  // FNV-1a, 32 bits
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h ^= b[i];
    h = mul32(h, 0x01000193);
  }
  return h >>> 0;
}

/** a * b mod 2^32 without Math.imul (not in every engine) and without losing bits to doubles. */
function mul32(a: number, b: number): number {
  const lo = (a & 0xffff) * b;
  const hi = ((a >>> 16) * b) & 0xffff;
  return (lo + (hi << 16)) >>> 0;
}

function putName(b: Uint8Array, o: number, name: string): void {
  for (let i = 0; i < 11; i++) b[o + i] = name.charCodeAt(i) & 0xff;
}

function getName(b: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 11; i++) s += String.fromCharCode(b[o + i]);
  return s;
}

function putRun(b: Uint8Array, o: number, r: SlotRun): void {
  w32(b, o, r.dir);
  w32(b, o + 4, r.first);
  w16(b, o + 8, r.count);
  putName(b, o + 10, r.short);
}

function getRun(b: Uint8Array, o: number): SlotRun {
  return { dir: u32(b, o), first: u32(b, o + 4), count: u16(b, o + 8), short: getName(b, o + 10) };
}

export function encodeIntents(list: RenameIntent[], sectorBytes: number): Uint8Array {
  const b = new Uint8Array(sectorBytes);
  if (list.length === 0) return b; // an empty log is a zero sector, as mkfs leaves it
  for (let i = 0; i < MAGIC.length; i++) b[i] = MAGIC.charCodeAt(i);
  w32(b, 8, list.length);
  for (let i = 0; i < list.length; i++) {
    const r = list[i];
    const o = HEADER + i * RECORD;
    w32(b, o, r.newDir);
    w32(b, o + 4, r.newIndex);
    w32(b, o + 8, r.cluster);
    putName(b, o + 12, r.newShort);
    putRun(b, o + 24, r.from);
    putRun(b, o + 46, r.replaced);
    w32(b, o + 68, r.dotdotDir);
    w32(b, o + 72, r.dotdotParent);
  }
  w32(b, 12, checksum(b, HEADER, HEADER + list.length * RECORD));
  return b;
}

/** The records, or [] for a zero, foreign or torn sector. */
export function decodeIntents(b: Uint8Array): RenameIntent[] {
  if (!isOurs(b)) return [];
  const n = u32(b, 8);
  if (n > maxIntents(b.length)) return [];
  if (checksum(b, HEADER, HEADER + n * RECORD) !== u32(b, 12)) return [];
  const out: RenameIntent[] = [];
  for (let i = 0; i < n; i++) {
    const o = HEADER + i * RECORD;
    out.push({
      newDir: u32(b, o),
      newIndex: u32(b, o + 4),
      cluster: u32(b, o + 8),
      newShort: getName(b, o + 12),
      from: getRun(b, o + 24),
      replaced: getRun(b, o + 46),
      dotdotDir: u32(b, o + 68),
      dotdotParent: u32(b, o + 72),
    });
  }
  return out;
}
