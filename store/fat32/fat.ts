/*
 * The File Allocation Table (fatgen103 §4): one 32-bit entry per cluster, of
 * which the low 28 bits count (the high 4 are reserved and kept as found).
 * 0 is free, 0x0FFFFFF7 bad, 0x0FFFFFF8 and up end of chain; FAT[0] holds
 * the media byte and FAT[1] the clean-shutdown bit (ClnShutBitMask).
 *
 * Entries are read and written through the sector cache (the active FAT
 * copy only); every copy is written at flush. The copy at the heart of crash
 * safety: between two flushes (an "epoch"), the first change to a FAT
 * sector keeps its on-disk image as `base`. At flush the FAT reaches the
 * disk twice:
 *   1. writeGrow() writes, for every changed entry, the new value if the
 *      change only adds (free -> allocated, end of chain -> link) and the old
 *      value if it takes away (allocated -> free, link -> end of chain). Both
 *      the old and the new directory entries are then backed by chains at
 *      least as long as their sizes, with nothing reachable freed: the state
 *      is consistent whichever directory sectors have been written.
 *   2. writeFinal(), after the directory sectors, writes the new values.
 * Clusters freed in an epoch whose on-disk entry was allocated (`base` not
 * free) are not handed out again until the epoch ends, so data written into
 * a newly allocated cluster never lands in a cluster an on-disk entry still
 * reaches. The one change this cannot express is relinking a chain's link
 * to a different cluster (shrink then regrow in one epoch); pendingShrink()
 * lets the volume flush before that.
 */
import type { Geometry } from './bpb';
import type { SectorCache } from './cache';
import { corrupt, FsError } from './errors';
import { u32, w32 } from './le';

export const FAT_FREE = 0;
export const FAT_BAD = 0x0ffffff7;
export const FAT_EOC = 0x0fffffff;
const MASK = 0x0fffffff;
/** FAT[1] bit 27: set when the volume was cleanly unmounted (fatgen103 §4). */
const CLEAN_SHUTDOWN = 0x08000000;

export function isEoc(v: number): boolean {
  return v >= 0x0ffffff8;
}

export class Fat {
  readonly maxCluster: number;
  /** Free clusters, or null while unknown (FSInfo absent or not trusted). */
  freeCount: number | null = null;
  /** Where the next allocation starts looking (FSInfo's FSI_Nxt_Free). */
  nextFree = 2;
  private readonly eps: number;
  private readonly first: number;
  private readonly copies: number[];
  private base = new Map<number, Uint8Array>();
  private changed: number[] = [];
  private finals: number[] = [];
  private readonly cache: SectorCache;
  private readonly g: Geometry;

  constructor(cache: SectorCache, g: Geometry) {
    this.cache = cache;
    this.g = g;
    this.eps = g.bytesPerSector / 4;
    this.maxCluster = g.clusterCount + 1;
    this.first = g.reservedSectors + g.activeFat * g.fatSectors;
    // The active copy first: recovery trusts it when the copies differ.
    this.copies = [g.activeFat];
    if (g.mirrored) for (let i = 0; i < g.numFats; i++) if (i !== g.activeFat) this.copies.push(i);
  }

  valid(c: number): boolean {
    return c >= 2 && c <= this.maxCluster;
  }

  private async load(idx: number): Promise<Uint8Array> {
    const abs = this.first + idx;
    return this.cache.peek(abs) || this.cache.read(abs, 'fat', 16);
  }

  private memoIdx = -1;
  private memoBuf: Uint8Array | null = null;
  private memoDrops = -1;

  /** The entry's value when its sector is cached (else undefined), without a promise: for hot loops. */
  getCached(c: number): number | undefined {
    const idx = Math.floor(c / this.eps);
    if (idx !== this.memoIdx || this.memoDrops !== this.cache.drops || !this.memoBuf) {
      const b = this.cache.peekQuiet(this.first + idx);
      if (!b) return undefined;
      this.memoIdx = idx;
      this.memoBuf = b;
      this.memoDrops = this.cache.drops;
    }
    return u32(this.memoBuf, (c % this.eps) * 4) & MASK;
  }

  /** follow() when the entry's sector is cached, else undefined. */
  followCached(c: number, what: string): number | undefined {
    const v = this.getCached(c);
    if (v === undefined) return undefined;
    return this.classify(c, v, what);
  }

  /** The entry's 28-bit value. */
  async get(c: number): Promise<number> {
    const b = await this.load(Math.floor(c / this.eps));
    return u32(b, (c % this.eps) * 4) & MASK;
  }

  async set(c: number, v: number): Promise<void> {
    const idx = Math.floor(c / this.eps);
    const b = await this.load(idx);
    this.put(idx, b, c, v);
  }

  /** Keeps the sector's on-disk image before its first change in the epoch (see the header). */
  private keepBase(idx: number, b: Uint8Array): void {
    if (this.base.has(idx)) return;
    const copy = new Uint8Array(b.length);
    copy.set(b);
    this.base.set(idx, copy);
    this.changed.push(idx);
    this.cache.markDirty(this.first + idx);
  }

  /** Sets an entry of a sector the caller has just loaded (no await in between). */
  private put(idx: number, b: Uint8Array, c: number, v: number, based = false): void {
    const o = (c % this.eps) * 4;
    const raw = u32(b, o);
    const old = raw & MASK;
    if (old === v) return;
    if (!based) this.keepBase(idx, b);
    w32(b, o, raw - old + v); // keeps the reserved high 4 bits
    if (this.freeCount !== null) {
      if (old === FAT_FREE && v !== FAT_FREE) this.freeCount--;
      else if (old !== FAT_FREE && v === FAT_FREE) this.freeCount++;
    }
  }

  /**
   * The next cluster after `c`, or -1 at the end of the chain. A free, bad
   * or out-of-range entry is corruption in a chain that `what` names.
   */
  async follow(c: number, what: string): Promise<number> {
    return this.classify(c, await this.get(c), what);
  }

  private classify(c: number, v: number, what: string): number {
    if (this.valid(v)) return v;
    if (isEoc(v)) return -1;
    if (v === FAT_FREE) throw corrupt(what + ': cluster chain runs into free cluster (FAT[' + c + '] is 0)');
    if (v === FAT_BAD) throw corrupt(what + ': cluster chain runs into bad cluster ' + c);
    throw corrupt(what + ': cluster chain holds out-of-range cluster ' + v + ' (after ' + c + ')');
  }

  /** Every cluster of a chain (directories: short), bounded so a loop ends in ECORRUPT. */
  async chain(start: number, what: string, limit = this.g.clusterCount): Promise<number[]> {
    if (!this.valid(start)) throw corrupt(what + ': starts at out-of-range cluster ' + start);
    const out = [start];
    let c = start;
    for (;;) {
      const n = await this.follow(c, what);
      if (n < 0) return out;
      if (out.length >= limit) throw corrupt(what + ': cluster chain loops or is longer than ' + limit + ' clusters');
      out.push(n);
      c = n;
    }
  }

  /** Whether `c` is free now and was free on disk at the start of the epoch. */
  private usable(b: Uint8Array, bb: Uint8Array | undefined, o: number): boolean {
    return (u32(b, o) & MASK) === FAT_FREE && (!bb || (u32(bb, o) & MASK) === FAT_FREE);
  }

  /**
   * Allocates `n` clusters as one chain ending in end-of-chain, searching
   * from `near` (else the FSInfo hint) upward and wrapping around.
   */
  async allocate(n: number, near?: number): Promise<number[]> {
    if (n <= 0) return [];
    if (this.freeCount !== null && this.freeCount < n) {
      throw new FsError('ENOSPC', 'volume full: ' + n + ' clusters needed, ' + this.freeCount + ' free');
    }
    const found: number[] = [];
    let c = near !== undefined && this.valid(near) ? near : this.valid(this.nextFree) ? this.nextFree : 2;
    let scanned = 0;
    const total = this.g.clusterCount;
    while (found.length < n && scanned < total) {
      const idx = Math.floor(c / this.eps);
      const b = await this.load(idx);
      const bb = this.base.get(idx);
      const end = Math.min((idx + 1) * this.eps, this.maxCluster + 1);
      for (; c < end && found.length < n && scanned < total; c++, scanned++) {
        if (this.usable(b, bb, (c % this.eps) * 4)) found.push(c);
      }
      if (c > this.maxCluster) c = 2;
    }
    if (found.length < n) {
      throw new FsError('ENOSPC', 'volume full: ' + n + ' clusters needed, ' + found.length + ' free');
    }
    await this.setChain(found, FAT_EOC);
    const last = found[found.length - 1];
    this.nextFree = last + 1 > this.maxCluster ? 2 : last + 1;
    return found;
  }

  /** Links clusters[i] -> clusters[i + 1], the last to `last`. */
  async setChain(clusters: number[], last: number): Promise<void> {
    let idx = -1;
    let b: Uint8Array | null = null;
    for (let i = 0; i < clusters.length; i++) {
      const c = clusters[i];
      const k = Math.floor(c / this.eps);
      if (k !== idx || !b) {
        b = await this.load(k);
        idx = k;
        this.keepBase(k, b);
      }
      this.put(k, b, c, i + 1 < clusters.length ? clusters[i + 1] : last, true);
    }
  }

  /** Frees a chain; stops at anything that is not a link (so a damaged chain frees what it can). */
  async freeChain(start: number): Promise<number> {
    let c = start;
    let n = 0;
    let idx = -1;
    let b: Uint8Array | null = null;
    while (this.valid(c) && n <= this.g.clusterCount) {
      const k = Math.floor(c / this.eps);
      if (k !== idx || !b) {
        b = await this.load(k);
        idx = k;
        this.keepBase(k, b);
      }
      const v = u32(b, (c % this.eps) * 4) & MASK;
      if (v === FAT_FREE || v === FAT_BAD) break;
      this.put(k, b, c, FAT_FREE, true);
      n++;
      c = v;
    }
    return n;
  }

  /** Ends the chain at `last` and frees what followed it. */
  async truncateAfter(last: number): Promise<void> {
    const v = await this.get(last);
    await this.set(last, FAT_EOC);
    if (this.valid(v)) await this.freeChain(v);
  }

  /**
   * Whether `c` ends a chain now but was a link on disk: extending that
   * chain in this epoch would relink it (see the header); flush first.
   */
  pendingShrink(c: number): boolean {
    const idx = Math.floor(c / this.eps);
    const bb = this.base.get(idx);
    if (!bb) return false;
    const cur = this.cache.peek(this.first + idx);
    if (!cur) return false;
    const o = (c % this.eps) * 4;
    return this.valid(u32(bb, o) & MASK) && isEoc(u32(cur, o) & MASK);
  }

  /* ---- flush ---- */

  get changes(): number {
    return this.changed.length;
  }

  /** Phase 1: what may reach the disk before the directory entries (see the header). */
  async writeGrow(): Promise<void> {
    this.changed.sort((x, y) => x - y);
    const images: Uint8Array[] = [];
    this.finals = [];
    for (let i = 0; i < this.changed.length; i++) {
      const idx = this.changed[i];
      const cur = this.cache.peek(this.first + idx);
      const bb = this.base.get(idx);
      if (!cur || !bb) throw new Error('fat: changed sector ' + idx + ' lost from the cache');
      const mid = this.merge(bb, cur);
      images.push(mid);
      if (mid !== cur) this.finals.push(idx);
    }
    await this.writeCopies(this.changed, images);
  }

  get needsFinal(): boolean {
    return this.finals.length > 0;
  }

  /** Phase 2, after the directory sectors: the new values where phase 1 kept old ones. */
  async writeFinal(): Promise<void> {
    const images: Uint8Array[] = [];
    for (let i = 0; i < this.finals.length; i++) {
      const cur = this.cache.peek(this.first + this.finals[i]);
      if (!cur) throw new Error('fat: changed sector ' + this.finals[i] + ' lost from the cache');
      images.push(cur);
    }
    await this.writeCopies(this.finals, images);
  }

  /** The epoch is on disk: the current values become the base. */
  endEpoch(): void {
    for (let i = 0; i < this.changed.length; i++) this.cache.markClean(this.first + this.changed[i]);
    this.base = new Map<number, Uint8Array>();
    this.changed = [];
    this.finals = [];
  }

  /** Per entry: old where the change takes away, new where it adds; `cur` itself when that is all new. */
  private merge(bb: Uint8Array, cur: Uint8Array): Uint8Array {
    let mid: Uint8Array | null = null;
    for (let o = 0; o < cur.length; o += 4) {
      const b = u32(bb, o) & MASK;
      const c = u32(cur, o) & MASK;
      if (b === c) continue;
      const keepOld = c === FAT_FREE || (this.valid(b) && isEoc(c));
      if (!keepOld) continue;
      if (!mid) {
        mid = new Uint8Array(cur.length);
        mid.set(cur);
      }
      w32(mid, o, u32(bb, o));
    }
    return mid || cur;
  }

  /** Sector images at FAT-relative indexes (ascending) to every copy, the active one first. */
  private async writeCopies(idxs: number[], images: Uint8Array[]): Promise<void> {
    const bps = this.g.bytesPerSector;
    for (let k = 0; k < this.copies.length; k++) {
      const copyStart = this.g.reservedSectors + this.copies[k] * this.g.fatSectors;
      let i = 0;
      while (i < idxs.length) {
        let j = i + 1;
        while (j < idxs.length && idxs[j] === idxs[j - 1] + 1 && j - i < 128) j++;
        let run: Uint8Array;
        if (j - i === 1) run = images[i];
        else {
          run = new Uint8Array((j - i) * bps);
          for (let m = i; m < j; m++) run.set(images[m], (m - i) * bps);
        }
        await this.cache.writeRawKeep(copyStart + idxs[i], run);
        i = j;
      }
    }
  }

  /* ---- the clean-shutdown bit in FAT[1] ---- */

  /** Whether FAT[1] of the active copy says the volume was cleanly unmounted. */
  async cleanOnDisk(): Promise<boolean> {
    const b = await this.load(0);
    return (u32(b, 4) & CLEAN_SHUTDOWN) !== 0;
  }

  /**
   * Sets or clears the clean bit in FAT[1] (in memory, not an epoch change)
   * and writes sector 0 as it is on disk plus the bit, to the active copy
   * and/or the others. Marking dirty writes the active copy first and
   * marking clean writes it last, so whenever the copies differ the active
   * one says dirty and a mount recovers.
   */
  async writeCleanBit(clean: boolean, which: 'all' | 'active' | 'others'): Promise<void> {
    const cur = await this.load(0);
    const bb = this.base.get(0);
    const bufs = bb ? [cur, bb] : [cur];
    for (let i = 0; i < bufs.length; i++) {
      const raw = u32(bufs[i], 4);
      const flagged = clean ? (raw | CLEAN_SHUTDOWN) >>> 0 : (raw & ~CLEAN_SHUTDOWN) >>> 0;
      w32(bufs[i], 4, flagged);
    }
    const image = bb || cur;
    for (let k = 0; k < this.copies.length; k++) {
      const isActive = k === 0;
      if (which === 'active' && !isActive) continue;
      if (which === 'others' && isActive) continue;
      await this.cache.writeRawKeep(this.g.reservedSectors + this.copies[k] * this.g.fatSectors, image);
    }
  }

  /* ---- whole-table scans (mount, statfs, fsck, recovery) ---- */

  /**
   * Calls visit(cluster, value) for every cluster 2..max in order, reading
   * the active copy in large chunks (what the cache holds dirty wins).
   */
  async scan(visit: (c: number, v: number) => void): Promise<void> {
    const bps = this.g.bytesPerSector;
    const chunkSectors = Math.max(1, Math.floor(65536 / bps));
    const lastIdx = Math.floor(this.maxCluster / this.eps);
    const buf = new Uint8Array(chunkSectors * bps);
    for (let idx = 0; idx <= lastIdx; idx += chunkSectors) {
      const n = Math.min(chunkSectors, lastIdx + 1 - idx);
      const view = n === chunkSectors ? buf : buf.subarray(0, n * bps);
      await this.cache.readDirect(this.first + idx, view);
      const firstC = Math.max(2, idx * this.eps);
      const endC = Math.min(this.maxCluster + 1, (idx + n) * this.eps);
      for (let c = firstC; c < endC; c++) visit(c, u32(view, (c - idx * this.eps) * 4) & MASK);
    }
  }

  async countFree(): Promise<number> {
    let free = 0;
    await this.scan((_c, v) => { if (v === FAT_FREE) free++; });
    return free;
  }

  /**
   * FAT-relative sector indexes where another copy differs from the active
   * one on disk (call with nothing pending). With `repair`, copies the
   * active sectors over them.
   */
  async compareCopies(repair: boolean): Promise<number[]> {
    const differing: number[] = [];
    if (this.copies.length < 2) return differing;
    const bps = this.g.bytesPerSector;
    const chunkSectors = Math.max(1, Math.floor(65536 / bps));
    const a = new Uint8Array(chunkSectors * bps);
    const b = new Uint8Array(chunkSectors * bps);
    for (let idx = 0; idx < this.g.fatSectors; idx += chunkSectors) {
      const n = Math.min(chunkSectors, this.g.fatSectors - idx);
      const va = a.subarray(0, n * bps);
      await this.cache.readDirect(this.first + idx, va);
      for (let k = 1; k < this.copies.length; k++) {
        const vb = b.subarray(0, n * bps);
        const start = this.g.reservedSectors + this.copies[k] * this.g.fatSectors;
        await this.cache.readDirect(start + idx, vb);
        for (let s = 0; s < n; s++) {
          let same = true;
          for (let i = s * bps; i < (s + 1) * bps; i++) if (va[i] !== vb[i]) { same = false; break; }
          if (same) continue;
          if (differing.indexOf(idx + s) < 0) differing.push(idx + s);
          if (repair) await this.cache.writeRawKeep(start + idx + s, va.subarray(s * bps, (s + 1) * bps));
        }
      }
    }
    return differing;
  }
}
