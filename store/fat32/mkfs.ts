/*
 * Formatting: a FAT32 volume laid out the way `mkfs.fat -F 32` and Windows
 * do it (fatgen103 §3 and its FAT32 cluster-size table): 32 reserved
 * sectors with the boot sector at 0, FSInfo at 1 and their backups at 6 and
 * 7, two FATs, the root directory in cluster 2. The data area starts on a
 * cluster boundary, which flash media erase in aligned blocks. The boot
 * sector is written last, so an interrupted format is not a volume.
 */
import type { BlockDevice } from '../../drivers/interfaces';
import { MAX_FAT32_CLUSTERS, MIN_FAT32_CLUSTERS, encodeBootSector, encodeFsInfo, parseBootSector, type Geometry } from './bpb';
import { ATTR_VOLUME_ID, encodeShort } from './dirent';
import { FsError, ioError } from './errors';
import { w32 } from './le';
import { toFatTime } from './time';
import { systemClock, type Clock } from './volume';

export interface MkfsOptions {
  /** Volume label, up to 11 characters (stored upper case). */
  label?: string;
  /** Sectors per cluster (a power of two); by default from the volume size as fatgen103's table says. */
  sectorsPerCluster?: number;
  /** Bytes per sector (default: the device's, at least 512). */
  bytesPerSector?: number;
  clock?: Clock;
  /** The volume serial number (default: from the clock). */
  volumeId?: number;
}

const RESERVED = 32;
const NUM_FATS = 2;
const MEDIA = 0xf8;

/**
 * fatgen103's FAT32 table (DskTableFAT32), by volume size in 512-byte
 * sectors: up to 260 MB 512 B clusters, to 8 GB 4 KB, to 16 GB 8 KB, to
 * 32 GB 16 KB, above that 32 KB. Below 66600 sectors FAT32 cannot be used.
 */
export function defaultClusterBytes(totalBytes: number): number {
  const s = totalBytes / 512;
  if (s <= 66600) return 0;
  if (s <= 532480) return 512;
  if (s <= 16777216) return 4096;
  if (s <= 33554432) return 8192;
  if (s <= 67108864) return 16384;
  return 32768;
}

const LABEL_CHARS = ' !#$%&\'()-@^_`{}~';

export function normalizeLabel(label: string): string {
  const up = label.toUpperCase();
  if (up.length > 11) throw new FsError('EINVAL', 'volume label "' + label + '" is longer than 11 characters');
  for (let i = 0; i < up.length; i++) {
    const c = up.charCodeAt(i);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || LABEL_CHARS.indexOf(up.charAt(i)) >= 0;
    if (!ok) throw new FsError('EINVAL', 'volume label "' + label + '" holds "' + up.charAt(i) + '" (labels take A-Z, 0-9, space and ' + LABEL_CHARS.trim() + ')');
  }
  let s = up;
  while (s.length < 11) s += ' ';
  return s;
}

export async function mkfs(dev: BlockDevice, opts: MkfsOptions = {}): Promise<Geometry> {
  if (dev.readOnly) throw new FsError('EROFS', 'the device is read-only');
  const bps = opts.bytesPerSector || Math.max(512, dev.sectorSize);
  if ([512, 1024, 2048, 4096].indexOf(bps) < 0 || bps % dev.sectorSize !== 0) {
    throw new FsError('EINVAL', 'bytes per sector ' + bps + ' does not suit a device with ' + dev.sectorSize + '-byte sectors');
  }
  const ratio = bps / dev.sectorSize;
  const total = Math.min(Math.floor(dev.sectors / ratio), 0xffffffff);
  let spc: number;
  if (opts.sectorsPerCluster !== undefined) {
    spc = opts.sectorsPerCluster;
    if (!(spc >= 1 && spc <= 128 && (spc & (spc - 1)) === 0)) throw new FsError('EINVAL', 'sectors per cluster must be a power of two from 1 to 128, not ' + spc);
    if (spc * bps > 65536) throw new FsError('EINVAL', 'clusters of ' + spc * bps + ' bytes are larger than 64 KiB');
  } else {
    const bytes = defaultClusterBytes(total * bps);
    if (bytes === 0) throw new FsError('EINVAL', 'a volume of ' + total * bps + ' bytes is too small for FAT32 (at least 65525 clusters, about 33 MiB)');
    spc = Math.max(1, bytes / bps);
  }
  // FAT size: enough entries for every cluster the rest could hold, then
  // grown until reserved + FATs end on a cluster boundary.
  const upper = Math.floor((total - RESERVED) / spc);
  let fatSectors = Math.ceil((upper + 2) * 4 / bps);
  while ((RESERVED + NUM_FATS * fatSectors) % spc !== 0) fatSectors++;
  const dataStart = RESERVED + NUM_FATS * fatSectors;
  const clusters = dataStart < total ? Math.floor((total - dataStart) / spc) : 0;
  if (clusters < MIN_FAT32_CLUSTERS) {
    throw new FsError('EINVAL', 'a volume of ' + total * bps + ' bytes with ' + spc * bps + '-byte clusters has ' + clusters +
      ' clusters; FAT32 needs at least ' + MIN_FAT32_CLUSTERS + ' (use smaller clusters or a larger volume)');
  }
  if (clusters > MAX_FAT32_CLUSTERS) throw new FsError('EINVAL', clusters + ' clusters are more than FAT32 can address (use larger clusters)');

  const clock = opts.clock || systemClock;
  const t = toFatTime(clock.now());
  const volumeId = opts.volumeId !== undefined ? opts.volumeId >>> 0 : ((t.date << 16) + t.time + t.tenth * 65537) >>> 0;
  const label = opts.label ? normalizeLabel(opts.label) : 'NO NAME    ';
  const boot = encodeBootSector({
    bytesPerSector: bps, sectorsPerCluster: spc, reservedSectors: RESERVED, numFats: NUM_FATS, fatSectors: fatSectors,
    totalSectors: total, rootCluster: 2, fsInfoSector: 1, backupBootSector: 6, volumeId: volumeId, label: label, media: MEDIA,
  });
  const g = parseBootSector(boot); // the same validation every mount does

  const write = async (sector: number, buf: Uint8Array): Promise<void> => {
    try {
      await dev.write(sector * ratio, buf);
    } catch (e) {
      throw ioError('writing sector ' + sector, e);
    }
  };
  const chunk = new Uint8Array(Math.min(1 << 20, fatSectors * bps));
  const zeroSectors = async (from: number, count: number): Promise<void> => {
    const per = chunk.length / bps;
    for (let s = 0; s < count; s += per) {
      const n = Math.min(per, count - s);
      await write(from + s, n === per ? chunk : chunk.subarray(0, n * bps));
    }
  };

  await zeroSectors(0, RESERVED);
  const fsInfo = encodeFsInfo({ freeCount: clusters - 1, nextFree: 3 }, bps);
  await write(1, fsInfo);
  await write(7, fsInfo);
  const fat0 = new Uint8Array(bps);
  w32(fat0, 0, 0x0fffff00 | MEDIA); // FAT[0]: the media byte (§4)
  w32(fat0, 4, 0x0fffffff);         // FAT[1]: end of chain, clean shutdown, no hard error
  w32(fat0, 8, 0x0fffffff);         // FAT[2]: the root directory, one cluster
  for (let f = 0; f < NUM_FATS; f++) {
    const start = RESERVED + f * fatSectors;
    await zeroSectors(start, fatSectors);
    await write(start, fat0);
  }
  const root = new Uint8Array(spc * bps);
  if (opts.label) {
    encodeShort({
      name: label, attr: ATTR_VOLUME_ID, ntRes: 0, crtTenth: t.tenth, crtTime: t.time, crtDate: t.date, accDate: t.date,
      cluster: 0, wrtTime: t.time, wrtDate: t.date, size: 0,
    }, root, 0);
  }
  await write(dataStart, root);
  try {
    await dev.flush();
  } catch (e) {
    throw ioError('flushing the device', e);
  }
  await write(6, boot);
  await write(0, boot);
  try {
    await dev.flush();
  } catch (e) {
    throw ioError('flushing the device', e);
  }
  return g;
}
