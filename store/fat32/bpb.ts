/*
 * The FAT32 boot sector (BIOS Parameter Block) and the FSInfo sector:
 * decoding with validation, and encoding for mkfs. Field offsets and rules
 * are those of Microsoft's "FAT32 File System Specification" (fatgen103),
 * §3.1-§3.3 (BPB), §3.5 (FAT type by cluster count) and §5 (FSInfo).
 */
import { corrupt, FsError } from './errors';
import { u16, u32, w16, w32, zero } from './le';

/** fatgen103 §3.5: a volume with fewer clusters than this is FAT12/FAT16, whatever it claims. */
export const MIN_FAT32_CLUSTERS = 65525;
/** Cluster numbers are 28 bits and 0x0FFFFFF7.. are reserved, so at most this many data clusters. */
export const MAX_FAT32_CLUSTERS = 0x0FFFFFF5 - 2;

export interface Geometry {
  bytesPerSector: number;
  sectorsPerCluster: number;
  reservedSectors: number;
  numFats: number;
  /** Sectors per FAT copy. */
  fatSectors: number;
  totalSectors: number;
  rootCluster: number;
  /** 0 when the volume has no FSInfo sector. */
  fsInfoSector: number;
  /** 0 when the volume has no backup boot sector. */
  backupBootSector: number;
  /** First sector of cluster 2. */
  dataStart: number;
  /** Data clusters: valid cluster numbers are 2 .. clusterCount + 1. */
  clusterCount: number;
  clusterBytes: number;
  /** ExtFlags (fatgen103 §3.3): the FAT in use, and whether the others mirror it. */
  activeFat: number;
  mirrored: boolean;
  media: number;
  volumeId: number;
  label: string;
  oemName: string;
}

function text(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[o + i]);
  return s;
}

function powerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** Decodes and checks sector 0; the messages say what is wrong, for `nymote disk` to show. */
export function parseBootSector(b: Uint8Array): Geometry {
  if (b.length < 512) throw new FsError('EINVAL', 'a boot sector is 512 bytes or more, got ' + b.length);
  const bad = (why: string): FsError => corrupt('not a FAT32 volume: ' + why);
  if (b[510] !== 0x55 || b[511] !== 0xaa) throw bad('bad boot signature (0x' + hex(b[511] << 8 | b[510], 4) + ' at offset 510, expected 0xAA55)');
  if (!(b[0] === 0xeb || b[0] === 0xe9)) throw bad('bad jump instruction 0x' + hex(b[0], 2) + ' at offset 0');
  const bps = u16(b, 11);
  if (bps !== 512 && bps !== 1024 && bps !== 2048 && bps !== 4096) throw bad('bad bytes per sector ' + bps);
  const spc = b[13];
  if (!powerOfTwo(spc) || spc > 128) throw bad('bad sectors per cluster ' + spc);
  if (spc * bps > 65536) throw bad('cluster size ' + spc * bps + ' exceeds 64 KiB');
  const reserved = u16(b, 14);
  if (reserved < 1) throw bad('no reserved sectors');
  const numFats = b[16];
  if (numFats < 1 || numFats > 4) throw bad('bad number of FATs ' + numFats);
  const rootEntries = u16(b, 17);
  const fat16Size = u16(b, 22);
  if (fat16Size !== 0 || rootEntries !== 0) throw bad('a FAT12/FAT16 volume (16-bit FAT size ' + fat16Size + ', root entries ' + rootEntries + ')');
  const tot16 = u16(b, 19);
  const total = tot16 !== 0 ? tot16 : u32(b, 32);
  if (total === 0) throw bad('total sector count is 0');
  const fatSectors = u32(b, 36);
  if (fatSectors === 0) throw bad('FAT size is 0');
  const extFlags = u16(b, 40);
  const mirrored = (extFlags & 0x80) === 0;
  const activeFat = mirrored ? 0 : extFlags & 15;
  if (activeFat >= numFats) throw bad('active FAT ' + activeFat + ' of ' + numFats);
  const version = u16(b, 42);
  if (version !== 0) throw bad('unsupported FAT32 version ' + (version >> 8) + '.' + (version & 255));
  const dataStart = reserved + numFats * fatSectors;
  if (dataStart >= total) throw bad('FATs end at sector ' + dataStart + ', past the volume\'s ' + total + ' sectors');
  const clusterCount = Math.floor((total - dataStart) / spc);
  if (clusterCount < MIN_FAT32_CLUSTERS) throw bad(clusterCount + ' clusters make a FAT12/FAT16 volume (FAT32 has at least ' + MIN_FAT32_CLUSTERS + ')');
  if (clusterCount > MAX_FAT32_CLUSTERS) throw bad('too many clusters (' + clusterCount + ')');
  if (Math.floor(fatSectors * bps / 4) < clusterCount + 2) throw bad('FAT of ' + fatSectors + ' sectors is too small for ' + clusterCount + ' clusters');
  const root = u32(b, 44) & 0x0fffffff;
  if (root < 2 || root > clusterCount + 1) throw bad('root directory cluster ' + root + ' out of range');
  let fsInfo = u16(b, 48);
  if (fsInfo === 0xffff) fsInfo = 0;
  if (fsInfo >= reserved) throw bad('FSInfo sector ' + fsInfo + ' outside the reserved area');
  let backup = u16(b, 50);
  if (backup === 0xffff) backup = 0;
  if (backup >= reserved) backup = 0;
  const hasExt = b[66] === 0x29;
  return {
    bytesPerSector: bps,
    sectorsPerCluster: spc,
    reservedSectors: reserved,
    numFats: numFats,
    fatSectors: fatSectors,
    totalSectors: total,
    rootCluster: root,
    fsInfoSector: fsInfo,
    backupBootSector: backup,
    dataStart: dataStart,
    clusterCount: clusterCount,
    clusterBytes: spc * bps,
    activeFat: activeFat,
    mirrored: mirrored,
    media: b[21],
    volumeId: hasExt ? u32(b, 67) : 0,
    label: hasExt ? text(b, 71, 11).replace(/ +$/, '') : '',
    oemName: text(b, 3, 8),
  };
}

export function hex(n: number, width: number): string {
  let s = n.toString(16).toUpperCase();
  while (s.length < width) s = '0' + s;
  return s;
}

/* Boot code for a volume that is not bootable: hlt; jmp back (fatgen103 leaves the code free-form). */
const BOOT_CODE = [0xf4, 0xeb, 0xfd];

/** What a boot sector states; Geometry adds what follows from it. */
export type BootSectorFields = Pick<Geometry, 'bytesPerSector' | 'sectorsPerCluster' | 'reservedSectors' | 'numFats' |
  'fatSectors' | 'totalSectors' | 'rootCluster' | 'fsInfoSector' | 'backupBootSector' | 'volumeId'> & {
  /** 11 bytes, space padded, upper case ("NO NAME    " when none). */
  label: string;
  media?: number;
  hiddenSectors?: number;
};

/** Encodes a FAT32 boot sector (fatgen103 §3.1 and §3.3 field by field). */
export function encodeBootSector(f: BootSectorFields): Uint8Array {
  const b = new Uint8Array(f.bytesPerSector);
  b[0] = 0xeb; b[1] = 0x58; b[2] = 0x90; // jmp short to the code after the BPB + nop
  writeText(b, 3, 'MSWIN4.1', 8); // the OEM name the spec recommends for compatibility
  w16(b, 11, f.bytesPerSector);
  b[13] = f.sectorsPerCluster;
  w16(b, 14, f.reservedSectors);
  b[16] = f.numFats;
  w16(b, 17, 0); // RootEntCnt: 0 on FAT32
  w16(b, 19, 0); // TotSec16: 0 on FAT32
  b[21] = f.media === undefined ? 0xf8 : f.media;
  w16(b, 22, 0); // FATSz16: 0 on FAT32
  w16(b, 24, 63); // geometry for INT 13h only; the values mkfs tools use for disks
  w16(b, 26, 255);
  w32(b, 28, f.hiddenSectors || 0);
  w32(b, 32, f.totalSectors);
  w32(b, 36, f.fatSectors);
  w16(b, 40, 0); // ExtFlags: all FATs mirrored
  w16(b, 42, 0); // FSVer 0.0
  w32(b, 44, f.rootCluster);
  w16(b, 48, f.fsInfoSector);
  w16(b, 50, f.backupBootSector);
  b[64] = 0x80; // drive number: first hard disk
  b[66] = 0x29; // extended boot signature: the next three fields are present
  w32(b, 67, f.volumeId);
  writeText(b, 71, f.label, 11);
  writeText(b, 82, 'FAT32   ', 8);
  for (let i = 0; i < BOOT_CODE.length; i++) b[90 + i] = BOOT_CODE[i];
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

function writeText(b: Uint8Array, o: number, s: string, n: number): void {
  for (let i = 0; i < n; i++) b[o + i] = i < s.length ? s.charCodeAt(i) & 0xff : 0x20;
}

/* ---- FSInfo (fatgen103 §5) ---- */

const LEAD_SIG = 0x41615252;
const STRUC_SIG = 0x61417272;
const TRAIL_SIG = 0xaa550000;
/** "Unknown" for both the free count and the next-free hint. */
export const FSINFO_UNKNOWN = 0xffffffff;

export interface FsInfo {
  /** Free clusters, or FSINFO_UNKNOWN. */
  freeCount: number;
  /** Where to start looking for a free cluster, or FSINFO_UNKNOWN. */
  nextFree: number;
}

/** Null when the signatures do not match: the sector is then ignored, as the spec allows for hints. */
export function parseFsInfo(b: Uint8Array): FsInfo | null {
  if (b.length < 512) return null;
  if (u32(b, 0) !== LEAD_SIG || u32(b, 484) !== STRUC_SIG || u32(b, 508) !== TRAIL_SIG) return null;
  return { freeCount: u32(b, 488), nextFree: u32(b, 492) };
}

export function encodeFsInfo(info: FsInfo, sectorBytes: number): Uint8Array {
  const b = new Uint8Array(sectorBytes);
  zero(b);
  w32(b, 0, LEAD_SIG);
  w32(b, 484, STRUC_SIG);
  w32(b, 488, info.freeCount);
  w32(b, 492, info.nextFree);
  w32(b, 508, TRAIL_SIG);
  return b;
}
