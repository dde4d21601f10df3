/*
 * Directories as arrays of 32-byte slots over a cluster chain (fatgen103 §6):
 * scanning with long-name assembly, lookup, finding room for a run of slots
 * (growing the directory by a zeroed cluster when needed), writing and
 * deleting runs. Every sector change goes through the cache's ordering
 * (orderDirty): a new run's long entries before its short entry, a deleted
 * run's short entry before its long entries, so a cut in between leaves at
 * worst orphaned long entries, which recovery clears.
 */
import type { Geometry } from './bpb';
import type { SectorCache } from './cache';
import {
  ATTR_DIRECTORY, ATTR_LONG_NAME, ATTR_LONG_NAME_MASK, ATTR_VOLUME_ID, DELETED, END, ENTRY_SIZE,
  LongNameCollector, decodeShort, displayShortName, encodeShort, nameKey, type ShortEntry,
} from './dirent';
import { corrupt, FsError } from './errors';
import type { Fat } from './fat';

/** fatgen103 §6: a directory holds at most 65536 entries. */
export const MAX_DIR_ENTRIES = 65536;

/** Where an entry lives: the directory's first cluster, its first slot (long entries) and its short slot. */
export interface Loc {
  dir: number;
  first: number;
  index: number;
}

export interface DirEntry {
  loc: Loc;
  /** The long name, or the short name shown as "NAME.EXT". */
  name: string;
  short: ShortEntry;
  isDir: boolean;
}

export interface SlotPos {
  sector: number;
  offset: number;
}

export class Dirs {
  private chains = new Map<number, number[]>();
  private readonly perSector: number;
  private readonly perCluster: number;
  private zeros: Uint8Array | null = null;
  private readonly cache: SectorCache;
  private readonly fat: Fat;
  readonly g: Geometry;

  constructor(cache: SectorCache, fat: Fat, g: Geometry) {
    this.cache = cache;
    this.fat = fat;
    this.g = g;
    this.perSector = g.bytesPerSector / ENTRY_SIZE;
    this.perCluster = g.clusterBytes / ENTRY_SIZE;
  }

  clusterSector(c: number): number {
    return this.g.dataStart + (c - 2) * this.g.sectorsPerCluster;
  }

  /** The directory's clusters (cached; kept current by extend() and forget()). */
  async chainOf(dir: number, what = 'directory'): Promise<number[]> {
    const known = this.chains.get(dir);
    if (known) return known;
    const limit = Math.max(1, Math.ceil(MAX_DIR_ENTRIES / this.perCluster));
    const chain = await this.fat.chain(dir, what, limit);
    this.chains.set(dir, chain);
    return chain;
  }

  forget(dir: number): void {
    this.chains.delete(dir);
  }

  async slot(dir: number, index: number): Promise<SlotPos> {
    const chain = await this.chainOf(dir);
    const k = Math.floor(index / this.perCluster);
    if (k >= chain.length) throw new Error('dir: slot ' + index + ' beyond directory ' + dir);
    const within = index - k * this.perCluster;
    return {
      sector: this.clusterSector(chain[k]) + Math.floor(within / this.perSector),
      offset: (within % this.perSector) * ENTRY_SIZE,
    };
  }

  /** Distinct sectors of slots first..first+count-1, in slot order. */
  async runSectors(dir: number, first: number, count: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = first; i < first + count; i++) {
      const p = await this.slot(dir, i);
      if (out.length === 0 || out[out.length - 1] !== p.sector) out.push(p.sector);
    }
    return out;
  }

  /**
   * Visits the entries of a directory in order (not ".", "..", volume
   * labels or free slots), stopping at the end marker; visit returns true
   * to stop. Long names whose set is broken are ignored (the short name
   * shows), as fatgen103 §7 tells readers to do.
   */
  async scan(dir: number, visit: (e: DirEntry) => boolean | void, what = 'directory'): Promise<void> {
    // Cached chains and sectors are taken without an await: in Duktape each one costs a promise and a resume.
    const chain = this.chains.get(dir) || await this.chainOf(dir, what);
    const spc = this.g.sectorsPerCluster;
    const lfn = new LongNameCollector();
    let index = 0;
    for (let k = 0; k < chain.length; k++) {
      const first = this.clusterSector(chain[k]);
      for (let s = 0; s < spc; s++) {
        const b = this.cache.cached(first + s) || await this.cache.read(first + s, 'dir', spc - s);
        for (let o = 0; o < b.length; o += ENTRY_SIZE, index++) {
          const lead = b[o];
          if (lead === END) return;
          if (lead === DELETED) { lfn.free(); continue; }
          const attr = b[o + 11];
          if ((attr & ATTR_LONG_NAME_MASK) === ATTR_LONG_NAME) { lfn.long(b, o, index); continue; }
          if (attr & ATTR_VOLUME_ID) { lfn.free(); continue; }
          const short = decodeShort(b, o);
          if (lead === 0x2e && (short.name === '.          ' || short.name === '..         ')) { lfn.free(); continue; }
          const lfnFirst = lfn.slots.length ? lfn.slots[0] : -1;
          const long = lfn.short(short.name);
          const e: DirEntry = {
            loc: { dir: dir, first: long !== null ? lfnFirst : index, index: index },
            name: long !== null ? long : displayShortName(short.name, short.ntRes),
            short: short,
            isDir: (attr & ATTR_DIRECTORY) !== 0,
          };
          if (visit(e)) return;
        }
      }
    }
  }

  async list(dir: number, what?: string): Promise<DirEntry[]> {
    const out: DirEntry[] = [];
    await this.scan(dir, (e) => { out.push(e); }, what);
    return out;
  }

  /** Case-insensitive lookup by long name or by short name. */
  async find(dir: number, name: string, what?: string): Promise<DirEntry | null> {
    const key = nameKey(name);
    let found: DirEntry | null = null;
    await this.scan(dir, (e) => {
      if (nameKey(e.name) === key || nameKey(displayShortName(e.short.name, 0)) === key) {
        found = e;
        return true;
      }
      return false;
    }, what);
    return found;
  }

  /** Every short name in use (11-byte form), including those of entries with long names. */
  async shortNames(dir: number): Promise<{ [name11: string]: true }> {
    const taken: { [name11: string]: true } = {};
    await this.scan(dir, (e) => { taken[e.short.name] = true; });
    return taken;
  }

  /**
   * The first slot of `count` consecutive free slots, growing the directory
   * by zeroed clusters when it has no such run. Growing is safe at any
   * moment: the clusters are zeroed on disk before the FAT links them. The
   * run never starts beyond the end marker (§6.1: readers stop there).
   */
  async findRun(dir: number, count: number): Promise<number> {
    const chain = await this.chainOf(dir);
    const spc = this.g.sectorsPerCluster;
    let runStart = -1;
    let runLen = 0;
    let index = 0;
    let ended = false;
    for (let k = 0; k < chain.length && !ended; k++) {
      const first = this.clusterSector(chain[k]);
      for (let s = 0; s < spc && !ended; s++) {
        const b = await this.cache.read(first + s, 'dir', spc - s);
        for (let o = 0; o < b.length; o += ENTRY_SIZE, index++) {
          const lead = b[o];
          if (lead === END) { ended = true; break; }
          if (lead === DELETED) {
            if (runLen === 0) runStart = index;
            runLen++;
            if (runLen === count) return runStart;
          } else {
            runLen = 0;
          }
        }
      }
    }
    const total = chain.length * this.perCluster;
    if (ended) {
      // From the end marker on every slot is free (§6.1: all later DIR_Name[0] are 0).
      if (runLen === 0) runStart = index;
      runLen += total - index;
      if (runLen >= count) return runStart;
    }
    if (runLen === 0) runStart = total;
    const add = Math.ceil((count - runLen) / this.perCluster);
    if (total + add * this.perCluster > MAX_DIR_ENTRIES) {
      throw new FsError('ENOSPC', 'directory full (' + MAX_DIR_ENTRIES + ' entries)');
    }
    await this.extend(dir, add);
    return runStart;
  }

  private async extend(dir: number, add: number): Promise<void> {
    const chain = await this.chainOf(dir);
    const last = chain[chain.length - 1];
    const fresh = await this.fat.allocate(add, last + 1);
    if (!this.zeros) this.zeros = new Uint8Array(this.g.clusterBytes);
    for (let i = 0; i < fresh.length; i++) {
      const s = this.clusterSector(fresh[i]);
      for (let j = 0; j < this.g.sectorsPerCluster; j++) this.cache.discard(s + j);
      await this.cache.writeRaw(s, this.zeros);
    }
    await this.fat.set(last, fresh[0]);
    this.chains.set(dir, chain.concat(fresh));
  }

  /**
   * The write groups of a new run: its sectors holding only long entries
   * (and `before`, e.g. a new directory's "." sector) durable before the
   * short entry's sector. A cut in between leaves orphaned long entries.
   */
  async createGroups(dir: number, first: number, count: number, before: number[] = []): Promise<number[][]> {
    const sectors = await this.runSectors(dir, first, count);
    const shortSector = sectors[sectors.length - 1];
    const early = before.concat(sectors.slice(0, sectors.length - 1));
    return early.length ? [early, [shortSector]] : [[shortSector]];
  }

  /** The write groups of a deletion: the short entry's sector first, so a cut leaves orphans, never a short-named file. */
  async deleteGroups(dir: number, first: number, count: number): Promise<number[][]> {
    const sectors = await this.runSectors(dir, first, count);
    const shortSector = sectors[sectors.length - 1];
    const rest = sectors.slice(0, sectors.length - 1);
    return rest.length ? [[shortSector], rest] : [[shortSector]];
  }

  /** Writes `bytes` (whole slots) at slot `first`; the caller checked createGroups with canOrder. */
  async writeRun(dir: number, first: number, bytes: Uint8Array, before: number[] = []): Promise<void> {
    const count = bytes.length / ENTRY_SIZE;
    for (let i = 0; i < count; i++) {
      const p = await this.slot(dir, first + i);
      const b = await this.cache.read(p.sector, 'dir');
      b.set(bytes.subarray(i * ENTRY_SIZE, (i + 1) * ENTRY_SIZE), p.offset);
      this.cache.markDirty(p.sector); // pinned until queued below
    }
    this.cache.orderDirty(await this.createGroups(dir, first, count, before));
  }

  /** Marks the run's slots free (see deleteGroups), unless `queue` is false (the caller queues). */
  async deleteRun(dir: number, first: number, count: number, queue = true): Promise<number[]> {
    const touched: number[] = [];
    for (let i = 0; i < count; i++) {
      const p = await this.slot(dir, first + i);
      const b = await this.cache.read(p.sector, 'dir');
      b[p.offset] = DELETED;
      this.cache.markDirty(p.sector);
      if (touched.indexOf(p.sector) < 0) touched.push(p.sector);
    }
    if (queue) this.cache.orderDirty(await this.deleteGroups(dir, first, count));
    return touched;
  }

  async readShort(loc: Loc): Promise<ShortEntry> {
    const p = await this.slot(loc.dir, loc.index);
    const b = await this.cache.read(p.sector, 'dir');
    return decodeShort(b, p.offset);
  }

  /** Changes the short entry in place (size, cluster, times): one sector, no ordering needed. */
  async updateShort(loc: Loc, change: (e: ShortEntry) => void): Promise<void> {
    const p = await this.slot(loc.dir, loc.index);
    const b = await this.cache.read(p.sector, 'dir');
    const e = decodeShort(b, p.offset);
    change(e);
    encodeShort(e, b, p.offset);
    this.cache.orderDirty([[p.sector]]);
  }

  /** Writes "." and ".." into a new directory's first cluster (§6.2), queued like any directory sector. */
  dotEntries(cluster: number, parent: number, template: ShortEntry): number {
    const sector = this.clusterSector(cluster);
    const b = this.cache.create(sector, 'dir');
    const dot: ShortEntry = copyShort(template);
    dot.name = '.          ';
    dot.attr = ATTR_DIRECTORY;
    dot.cluster = cluster;
    dot.size = 0;
    encodeShort(dot, b, 0);
    const dotdot = copyShort(dot);
    dotdot.name = '..         ';
    // §6.2: ".." of a directory in the root holds 0, not the root's cluster.
    dotdot.cluster = parent === this.g.rootCluster ? 0 : parent;
    encodeShort(dotdot, b, ENTRY_SIZE);
    return sector;
  }

  /** Rewrites the ".." entry of a moved directory. */
  async setDotDot(dirCluster: number, parent: number): Promise<number> {
    const sector = this.clusterSector(dirCluster);
    const b = await this.cache.read(sector, 'dir');
    const e = decodeShort(b, ENTRY_SIZE);
    if (e.name !== '..         ') throw corrupt('directory at cluster ' + dirCluster + ' has no ".." entry');
    e.cluster = parent === this.g.rootCluster ? 0 : parent;
    encodeShort(e, b, ENTRY_SIZE);
    return sector;
  }

  /** Forgets the cached sectors of a freed directory's clusters. */
  discardClusters(clusters: number[]): void {
    for (let i = 0; i < clusters.length; i++) {
      const s = this.clusterSector(clusters[i]);
      for (let j = 0; j < this.g.sectorsPerCluster; j++) this.cache.discard(s + j);
    }
  }
}

export function copyShort(e: ShortEntry): ShortEntry {
  return {
    name: e.name, attr: e.attr, ntRes: e.ntRes, crtTenth: e.crtTenth, crtTime: e.crtTime, crtDate: e.crtDate,
    accDate: e.accDate, cluster: e.cluster, wrtTime: e.wrtTime, wrtDate: e.wrtDate, size: e.size,
  };
}
