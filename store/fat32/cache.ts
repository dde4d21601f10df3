/*
 * The sector cache between the filesystem and its BlockDevice, in units of
 * the volume's sectors (BPB_BytsPerSec, a multiple of the device's).
 *
 * Write-back for metadata, write-through for file data:
 * - directory sectors are dirtied in place and written at flush, in the
 *   levels that `orderDirty` records (operations that span sectors add ordering
 *   constraints; see canOrder), after the FAT writes they depend on;
 * - FAT sectors are dirtied here but written by fat.ts, which knows which
 *   entries may reach the disk before the directory entries (see fat.ts);
 * - file data goes straight to the device (only ever into clusters no
 *   on-disk entry reaches yet, or over a file's own bytes), so the cache
 *   holds clean copies of data sectors only, for partial-sector updates.
 * Clean sectors are evicted least-recently-used first; dirty ones stay until
 * the flush that writes them. barrier() is the device's flush: the only
 * ordering a block device promises (writes issued before it are durable
 * when it resolves), which the volume's flush uses between its phases.
 */
import type { BlockDevice } from '../../drivers/interfaces';
import { corrupt, ioError } from './errors';

export type SectorKind = 'data' | 'dir' | 'fat';

interface Slot {
  data: Uint8Array;
  kind: SectorKind;
  dirty: boolean;
}

/** Multi-sector device writes are split at this many bytes. */
const MAX_RUN_BYTES = 256 * 1024;

export class SectorCache {
  readonly sectorBytes: number;
  readonly capacity: number;
  private readonly dev: BlockDevice;
  private readonly ratio: number;
  private slots = new Map<number, Slot>();
  private dirtyCount = 0;
  /** Cached data sectors: direct writes need to look for copies only when there are some. */
  private dataSlots = 0;
  /** Counts sectors dropped from the cache, so fat.ts can tell whether a buffer it kept is still the cached one. */
  drops = 0;
  /**
   * Dirty directory sectors by level: every sector of level n is durable
   * (a barrier) before any of level n+1 is written. Sectors dirtied by
   * single-sector updates sit at level 0; operations that span sectors
   * (a long name across a sector boundary, rename, mkdir) queue theirs at
   * rising levels.
   */
  private levels: number[][] = [];
  private levelOf: { [sector: number]: number } = {};
  /** Device calls, for tests and benchmarks. */
  readonly stats = { reads: 0, writes: 0, barriers: 0, hits: 0, misses: 0 };

  constructor(dev: BlockDevice, sectorBytes: number, capacity: number) {
    this.dev = dev;
    this.sectorBytes = sectorBytes;
    this.ratio = sectorBytes / dev.sectorSize;
    this.capacity = Math.max(16, capacity);
  }

  /** The cached sector, or null; counts as a use. */
  peek(sector: number): Uint8Array | null {
    const s = this.slots.get(sector);
    if (!s) return null;
    this.touch(sector, s);
    return s.data;
  }

  /**
   * The cached sector as read() would give it on a hit, or null on a miss:
   * lookups over cached directories then run without a promise per sector.
   */
  cached(sector: number): Uint8Array | null {
    const hit = this.slots.get(sector);
    if (!hit) return null;
    this.stats.hits++;
    this.touch(sector, hit);
    return hit.data;
  }

  /** The cached sector without counting a use (hot loops that keep their own reference). */
  peekQuiet(sector: number): Uint8Array | null {
    const s = this.slots.get(sector);
    return s ? s.data : null;
  }

  /**
   * The sector's buffer, read from the device on a miss together with up
   * to `ahead - 1` following sectors (FAT and directory scans are
   * sequential). Mutate it only synchronously after the await, then call
   * markDirty: a clean buffer may be evicted by any later read.
   */
  async read(sector: number, kind: SectorKind, ahead = 1): Promise<Uint8Array> {
    const hit = this.slots.get(sector);
    if (hit) {
      this.stats.hits++;
      this.touch(sector, hit);
      return hit.data;
    }
    this.stats.misses++;
    let n = 1;
    const most = Math.max(1, Math.min(ahead, this.capacity >> 2));
    while (n < most && !this.slots.has(sector + n)) n++;
    const buf = new Uint8Array(n * this.sectorBytes);
    await this.devRead(sector, buf);
    this.makeRoom(n);
    // Another read may have filled some of these while we waited.
    let mine: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const existing = this.slots.get(sector + i);
      const data = existing ? existing.data : buf.subarray(i * this.sectorBytes, (i + 1) * this.sectorBytes);
      if (!existing) this.insert(sector + i, { data: data, kind: kind, dirty: false });
      if (i === 0) mine = data;
    }
    return mine as Uint8Array;
  }

  /** A zeroed buffer for a sector whose old content does not matter (a new directory cluster). */
  create(sector: number, kind: SectorKind): Uint8Array {
    const s = this.slots.get(sector);
    if (s) {
      for (let i = 0; i < s.data.length; i++) s.data[i] = 0;
      if (s.kind === 'data') this.dataSlots--;
      if (kind === 'data') this.dataSlots++;
      s.kind = kind;
      return s.data;
    }
    const data = new Uint8Array(this.sectorBytes);
    this.makeRoom(1);
    this.insert(sector, { data: data, kind: kind, dirty: false });
    return data;
  }

  /**
   * Marks a sector dirty, which pins it in the cache. FAT sectors are
   * written by fat.ts; a directory sector is written only once orderDirty
   * has queued it.
   */
  markDirty(sector: number): void {
    const s = this.slots.get(sector);
    if (!s) throw new Error('cache: marking sector ' + sector + ' dirty, but it is not cached');
    if (!s.dirty) {
      s.dirty = true;
      this.dirtyCount++;
    }
  }

  private queue(sector: number, level: number): void {
    this.levelOf[sector] = level;
    while (this.levels.length <= level) this.levels.push([]);
    this.levels[level].push(sector);
  }

  markClean(sector: number): void {
    const s = this.slots.get(sector);
    if (s && s.dirty) {
      s.dirty = false;
      this.dirtyCount--;
    }
  }

  isDirty(sector: number): boolean {
    const s = this.slots.get(sector);
    return !!s && s.dirty;
  }

  get dirty(): number {
    return this.dirtyCount;
  }

  /**
   * Whether groups of directory sectors can reach the disk group after
   * group, each group durable before the next (sectors within a group in any
   * order), given the levels of the sectors already queued: a queued sector
   * must already sit above every earlier group, and no sector may appear in
   * two groups (it is written once, with its final content). -1 stands for
   * a sector not cached yet. When this fails the caller flushes first.
   */
  canOrder(groups: number[][]): boolean {
    const seen: { [sector: number]: number } = {};
    let prev = -1;
    for (let g = 0; g < groups.length; g++) {
      for (let i = 0; i < groups[g].length; i++) {
        const sector = groups[g][i];
        if (sector < 0) continue;
        if (seen[sector] !== undefined && seen[sector] !== g) return false;
        seen[sector] = g;
      }
      const level = this.groupLevel(groups[g], prev + 1);
      if (level.late) return false;
      if (level.top >= 0) prev = level.top;
    }
    return true;
  }

  /**
   * Queues the groups' sectors (cached, modified by the caller) as canOrder
   * allowed and marks them dirty.
   */
  orderDirty(groups: number[][]): void {
    let prev = -1;
    for (let g = 0; g < groups.length; g++) {
      const top = this.groupLevel(groups[g], prev + 1).top;
      for (let i = 0; i < groups[g].length; i++) {
        const sector = groups[g][i];
        if (this.levelOf[sector] === undefined) this.queue(sector, top);
        this.markDirty(sector);
      }
      if (top >= 0) prev = top;
    }
  }

  /**
   * The level a group's sectors go to when it must follow level need - 1:
   * the highest level any of them is queued at, and at least `need` when
   * one is not queued yet (-1: the group is empty). `late`: a queued sector
   * sits below `need`, so the group cannot follow the earlier ones.
   */
  private groupLevel(group: number[], need: number): { top: number; late: boolean } {
    let top = -1;
    let fresh = false;
    let late = false;
    for (let i = 0; i < group.length; i++) {
      const have = group[i] < 0 ? undefined : this.levelOf[group[i]];
      if (have === undefined) { fresh = true; continue; }
      if (have < need) late = true;
      if (have > top) top = have;
    }
    if (fresh && need > top) top = need;
    return { top, late };
  }

  /** Whether directory sectors wait to be written. */
  get dirPending(): boolean {
    return this.levels.length > 0;
  }

  /**
   * Writes the pending directory sectors level by level (contiguous runs
   * in one call), with a barrier after each level.
   */
  async writeDirSectors(): Promise<void> {
    for (let l = 0; l < this.levels.length; l++) {
      // A queued sector no longer cached was written (and cleaned) by a flush that then failed: skip it.
      const order = this.levels[l].filter((x) => this.slots.has(x)).sort((x, y) => x - y);
      let i = 0;
      while (i < order.length) {
        let j = i + 1;
        while (j < order.length && order[j] === order[j - 1] + 1 && (j - i + 1) * this.sectorBytes <= MAX_RUN_BYTES) j++;
        const run = new Uint8Array((j - i) * this.sectorBytes);
        for (let k = i; k < j; k++) {
          run.set((this.slots.get(order[k]) as Slot).data, (k - i) * this.sectorBytes);
        }
        await this.devWrite(order[i], run);
        for (let k = i; k < j; k++) this.markClean(order[k]);
        i = j;
      }
      await this.barrier();
    }
    this.levels = [];
    this.levelOf = {};
  }

  /** Forgets a sector, dirty or not (a directory cluster being freed). */
  discard(sector: number): void {
    const s = this.slots.get(sector);
    if (!s) return;
    this.remove(sector);
    const level = this.levelOf[sector];
    if (level !== undefined) {
      delete this.levelOf[sector];
      const list = this.levels[level];
      const at = list.indexOf(sector);
      if (at >= 0) list.splice(at, 1);
    }
  }

  /**
   * Reads sectors straight into buf, then (with `overlay`) puts any cached
   * dirty copy over them so the caller sees what the filesystem holds. File
   * data is never dirty in the cache, so file reads skip that.
   */
  async readDirect(sector: number, buf: Uint8Array, overlay = true): Promise<void> {
    await this.devRead(sector, buf);
    const n = buf.length / this.sectorBytes;
    if (!overlay || this.dirtyCount === 0) return;
    for (let i = 0; i < n; i++) {
      const s = this.slots.get(sector + i);
      if (s && s.dirty) buf.set(s.data, i * this.sectorBytes);
    }
  }

  /** Writes sectors straight to the device (file data), keeping cached clean copies current. */
  async writeDirect(sector: number, buf: Uint8Array): Promise<void> {
    const n = this.dataSlots > 0 || this.dirtyCount > 0 ? buf.length / this.sectorBytes : 0;
    for (let i = 0; i < n; i++) {
      const s = this.slots.get(sector + i);
      if (!s) continue;
      // Only a damaged volume puts file data where a directory or the FAT is.
      if (s.dirty) throw corrupt('sector ' + (sector + i) + ' is file data and ' + (s.kind === 'fat' ? 'FAT' : 'directory') + ' at once (cross-linked clusters)');
      s.data.set(buf.subarray(i * this.sectorBytes, (i + 1) * this.sectorBytes));
    }
    await this.writeRuns(sector, buf);
  }

  /** Writes bypassing the cache entirely (FAT copies, zero fill of fresh clusters); drops cached clean copies. */
  async writeRaw(sector: number, buf: Uint8Array): Promise<void> {
    const n = buf.length / this.sectorBytes;
    for (let i = 0; i < n; i++) {
      const s = this.slots.get(sector + i);
      if (s && !s.dirty) this.remove(sector + i);
    }
    await this.writeRuns(sector, buf);
  }

  /** Writes bypassing the cache, leaving cached copies alone (FAT images computed from them). */
  async writeRawKeep(sector: number, buf: Uint8Array): Promise<void> {
    await this.writeRuns(sector, buf);
  }

  /** Device flush: every write issued before is durable when this resolves. */
  async barrier(): Promise<void> {
    this.stats.barriers++;
    try {
      await this.dev.flush();
    } catch (e) {
      throw ioError('flushing the device', e);
    }
  }

  /** Forgets clean sectors (after a remount-like reset). */
  dropClean(): void {
    const clean: number[] = [];
    this.slots.forEach((s, k) => { if (!s.dirty) clean.push(k); });
    for (let i = 0; i < clean.length; i++) this.remove(clean[i]);
  }

  private async writeRuns(sector: number, buf: Uint8Array): Promise<void> {
    const step = Math.max(this.sectorBytes, MAX_RUN_BYTES - MAX_RUN_BYTES % this.sectorBytes);
    for (let off = 0; off < buf.length; off += step) {
      const part = buf.subarray(off, Math.min(buf.length, off + step));
      await this.devWrite(sector + off / this.sectorBytes, part);
    }
  }

  private async devRead(sector: number, buf: Uint8Array): Promise<void> {
    this.stats.reads++;
    try {
      await this.dev.read(sector * this.ratio, buf);
    } catch (e) {
      throw ioError('reading sector ' + sector, e);
    }
  }

  private async devWrite(sector: number, buf: Uint8Array): Promise<void> {
    this.stats.writes++;
    try {
      await this.dev.write(sector * this.ratio, buf);
    } catch (e) {
      throw ioError('writing sector ' + sector, e);
    }
  }

  private touch(sector: number, s: Slot): void {
    this.slots.delete(sector);
    this.slots.set(sector, s);
  }

  private insert(sector: number, s: Slot): void {
    this.slots.set(sector, s);
    if (s.kind === 'data') this.dataSlots++;
  }

  private remove(sector: number): void {
    const s = this.slots.get(sector);
    if (!s) return;
    if (s.kind === 'data') this.dataSlots--;
    if (s.dirty) this.dirtyCount--;
    this.slots.delete(sector);
    this.drops++;
  }

  /** Evicts least recently used clean sectors so that `n` more fit (dirty ones stay: the cache may overfill). */
  private makeRoom(n: number): void {
    const over = this.slots.size + n - this.capacity;
    if (over <= 0) return;
    const victims: number[] = [];
    const it = this.slots.keys();
    for (let step = it.next(); !step.done && victims.length < over; step = it.next()) {
      const s = this.slots.get(step.value);
      if (s && !s.dirty) victims.push(step.value);
    }
    for (let i = 0; i < victims.length; i++) this.remove(victims[i]);
  }
}
