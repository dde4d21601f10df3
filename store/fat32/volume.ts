/*
 * A mounted FAT32 volume: path resolution and file operations over the
 * directory, FAT and data layers, serialized (one operation at a time, in
 * call order), and flush(), which puts the volume on disk in an order that
 * keeps it consistent after a power cut at any write (see flushLocked).
 */
import type { BlockDevice } from '../../drivers/interfaces';
import { FSINFO_UNKNOWN, parseBootSector, parseFsInfo, type FsInfo, type Geometry } from './bpb';
import { SectorCache } from './cache';
import { Dirs, copyShort, type DirEntry, type Loc } from './dir';
import {
  ATTR_ARCHIVE, ATTR_DIRECTORY, ENTRY_SIZE, chooseShortName, encodeLongEntries, encodeShort, lfnChecksum,
  lfnEntryCount, nameKey, validateName, type ShortEntry, type ShortNameChoice,
} from './dirent';
import { corrupt, FsError, ioError } from './errors';
import { Fat } from './fat';
import {
  FileHandle, MAX_FILE_SIZE, clusterAt, clustersFor, extendChain, newCursor, readAt, writeAt, writeFresh, zeroRange,
  type Cursor, type DataContext, type HandleHost, type Node,
} from './file';
import { INTENT_SECTOR, decodeIntents, encodeIntents, intentSectorUsable, type RenameIntent } from './intent';
import { toFatTime, fromFatTime } from './time';
import { w32, u32 } from './le';

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: function () { return Date.now(); } };

export interface MountOptions {
  clock?: Clock;
  /** Sectors the cache holds (default 1024). */
  cacheSectors?: number;
  /** Repair an uncleanly unmounted volume at mount (default true; needs a writable device). */
  recover?: boolean;
}

export interface DirListing {
  name: string;
  isDirectory: boolean;
  size: number;
  /** Last write, wall-clock ms (0 when the entry has none). */
  modified: number;
}

export interface Stat extends DirListing {
  created: number;
  /** The 8.3 alias, as "NAME.EXT". */
  shortName: string;
  /** DIR_Attr bits (fatgen103 §6). */
  attributes: number;
}

export interface StatFs {
  clusterSize: number;
  totalClusters: number;
  freeClusters: number;
  label: string;
}

export interface OpenOptions {
  /** Create the file when it does not exist. */
  create?: boolean;
  /** Empty the file when it exists. */
  truncate?: boolean;
}

/** The layers of a volume, shared by Volume, fsck and recovery. */
export interface Core {
  dev: BlockDevice;
  g: Geometry;
  cache: SectorCache;
  fat: Fat;
  dirs: Dirs;
  readOnly: boolean;
  /** The FSInfo sector as read, or null when absent or invalid. */
  fsInfo: Uint8Array | null;
  fsInfoFields: FsInfo | null;
  /** Whether the reserved intent sector can be used, and what it held at mount. */
  intentUsable: boolean;
  intentsAtMount: RenameIntent[];
  cleanAtMount: boolean;
}

/** Reads and checks the boot sector and sets up the layers (no recovery, no trust in FSInfo yet). */
export async function openCore(dev: BlockDevice, cacheSectors = 1024): Promise<Core> {
  if (!(dev.sectorSize >= 512 && dev.sectorSize <= 4096 && (dev.sectorSize & (dev.sectorSize - 1)) === 0)) {
    throw new FsError('EINVAL', 'device sector size ' + dev.sectorSize + ' is not 512..4096');
  }
  if (dev.sectors < 1) throw corrupt('not a FAT32 volume: the device is empty');
  const boot = new Uint8Array(dev.sectorSize);
  try {
    await dev.read(0, boot);
  } catch (e) {
    throw ioError('reading the boot sector', e);
  }
  const g = parseBootSector(boot);
  if (g.bytesPerSector % dev.sectorSize !== 0) {
    throw new FsError('EINVAL', 'volume sectors of ' + g.bytesPerSector + ' bytes on a device with ' + dev.sectorSize + '-byte sectors');
  }
  const ratio = g.bytesPerSector / dev.sectorSize;
  if (g.totalSectors * ratio > dev.sectors) {
    throw corrupt('not a FAT32 volume: the boot sector claims ' + g.totalSectors + ' sectors of ' + g.bytesPerSector +
      ' bytes but the device holds ' + Math.floor(dev.sectors / ratio));
  }
  const cache = new SectorCache(dev, g.bytesPerSector, cacheSectors);
  const fat = new Fat(cache, g);
  const dirs = new Dirs(cache, fat, g);
  let fsInfo: Uint8Array | null = null;
  let fields: FsInfo | null = null;
  if (g.fsInfoSector) {
    const b = new Uint8Array(g.bytesPerSector);
    await cache.readDirect(g.fsInfoSector, b);
    fields = parseFsInfo(b);
    if (fields) fsInfo = b;
  }
  let intentUsable = false;
  let intents: RenameIntent[] = [];
  if (!dev.readOnly && INTENT_SECTOR < g.reservedSectors) {
    const b = new Uint8Array(g.bytesPerSector);
    await cache.readDirect(INTENT_SECTOR, b);
    intentUsable = intentSectorUsable(g, b);
    if (intentUsable) intents = decodeIntents(b);
  }
  const cleanAtMount = await fat.cleanOnDisk();
  return {
    dev: dev, g: g, cache: cache, fat: fat, dirs: dirs, readOnly: dev.readOnly, fsInfo: fsInfo, fsInfoFields: fields,
    intentUsable: intentUsable, intentsAtMount: intents, cleanAtMount: cleanAtMount,
  };
}

/** Splits a '/'-separated path; "." is dropped and ".." goes up (lexically). */
export function splitPath(path: string): string[] {
  if (typeof path !== 'string') throw new FsError('EINVAL', 'a path must be a string');
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p === '' || p === '.') continue;
    if (p === '..') { out.pop(); continue; }
    out.push(p);
  }
  return out;
}

interface Lookup {
  parts: string[];
  /** The directory holding the last component (the root's cluster for the root itself). */
  parent: number;
  name: string;
  entry: DirEntry | null;
  path: string;
}

interface CreatePlan {
  parent: number;
  name: string;
  choice: ShortNameChoice;
  first: number;
  count: number;
}

/** Repair after a power cut (recover.ts; passed in because it needs Volume, which must not import it back). */
export type Recover = (vol: Volume, core: Core) => Promise<void>;

export async function mountCore(core: Core, opts: MountOptions = {}, recover?: Recover): Promise<Volume> {
  const vol = new Volume(core, opts.clock || systemClock);
  const f = core.fsInfoFields;
  if (f) {
    if (core.cleanAtMount && f.freeCount !== FSINFO_UNKNOWN && f.freeCount <= core.g.clusterCount) core.fat.freeCount = f.freeCount;
    if (core.fat.valid(f.nextFree)) core.fat.nextFree = f.nextFree;
  }
  await core.dirs.chainOf(core.g.rootCluster, 'root directory');
  if (!core.cleanAtMount && !core.readOnly && opts.recover !== false && recover) await recover(vol, core);
  return vol;
}

export class Volume implements HandleHost {
  private readonly core: Core;
  private readonly g: Geometry;
  private readonly cache: SectorCache;
  private readonly fat: Fat;
  private readonly dirs: Dirs;
  private readonly clock: Clock;
  private readonly ctx: DataContext;
  /** Settles when the last operation queued so far has finished. */
  private queue: Promise<void> = Promise.resolve();
  private mounted = true;
  /** Whether FAT[1] on disk says dirty (set by the first flush that changes metadata, cleared at its end). */
  private dirtyOnDisk: boolean;
  private intents: RenameIntent[] = [];
  private intentOnDisk: boolean;
  private nodes: { [key: string]: Node } = {};
  /** Set by recovery: copy the active FAT over the others at the next flush. */
  syncCopiesAtFlush = false;
  /**
   * Moves when an operation that may change the tree or a file's bytes
   * starts (under the lock), so a reader that saw the same number before
   * and after its reads (services/http's file cache) knows nothing changed.
   */
  generation = 0;

  constructor(core: Core, clock: Clock) {
    this.core = core;
    this.g = core.g;
    this.cache = core.cache;
    this.fat = core.fat;
    this.dirs = core.dirs;
    this.clock = clock;
    this.dirtyOnDisk = !core.cleanAtMount;
    this.intentOnDisk = core.intentsAtMount.length > 0;
    this.ctx = {
      g: this.g,
      cache: this.cache,
      fat: this.fat,
      clusterSector: (c: number) => this.dirs.clusterSector(c),
      flushForRelink: () => this.flushLocked(),
      allocate: (n: number, near?: number) => this.allocate(n, near),
      saveNode: (node: Node) => this.saveNode(node),
    };
  }

  /* ---- the public API ---- */

  readFile(path: string): Promise<Uint8Array> {
    return this.run(async () => {
      const t = await this.lookup(path);
      const e = this.need(t);
      if (e.isDir) throw new FsError('EISDIR', t.path + ': is a directory');
      const node = this.nodeFor(e, t.path);
      const out = new Uint8Array(node.size);
      if (node.size) await readAt(this.ctx, node, newCursor(), 0, out);
      return out;
    });
  }

  /**
   * Up to buf.length bytes of the file from `offset` into buf; resolves to
   * how many (fewer only at the end). One lookup and no open handle: for
   * servers that read a file piece by piece across many requests.
   */
  readRange(path: string, offset: number, buf: Uint8Array): Promise<number> {
    return this.run(async () => {
      const t = await this.lookup(path);
      const e = this.need(t);
      if (e.isDir) throw new FsError('EISDIR', t.path + ': is a directory');
      return readAt(this.ctx, this.nodeFor(e, t.path), newCursor(), offset, buf);
    });
  }

  /** Replaces (or creates) the file: the new content is written to new clusters and swapped in at once. */
  writeFile(path: string, data: Uint8Array): Promise<void> {
    return this.run(async () => {
      this.writable();
      checkData(data, path);
      const t = await this.lookup(path);
      if (t.parts.length === 0) throw new FsError('EISDIR', '/: is a directory');
      if (t.entry && t.entry.isDir) throw new FsError('EISDIR', t.path + ': is a directory');
      const plan = t.entry ? null : await this.planCreate(t.parent, t.name);
      const fresh = await this.allocate(clustersFor(data.length, this.g.clusterBytes));
      try {
        await writeFresh(this.ctx, fresh, data);
        if (t.entry) {
          const node = this.nodeFor(t.entry, t.path);
          const old = node.start;
          node.start = fresh.length ? fresh[0] : 0;
          node.size = data.length;
          node.gen++;
          await this.saveNode(node);
          if (old) await this.fat.freeChain(old);
        } else {
          await this.commitCreate(plan as CreatePlan, this.newShort(ATTR_ARCHIVE, fresh.length ? fresh[0] : 0, data.length));
        }
      } catch (e) {
        if (fresh.length && !t.entry) await this.fat.freeChain(fresh[0]);
        throw e;
      }
    });
  }

  /** Appends to the file, creating it when missing. */
  appendFile(path: string, data: Uint8Array): Promise<void> {
    return this.run(async () => {
      this.writable();
      checkData(data, path);
      const t = await this.lookup(path);
      if (t.parts.length === 0 || (t.entry && t.entry.isDir)) throw new FsError('EISDIR', t.path + ': is a directory');
      if (!t.entry) {
        const plan = await this.planCreate(t.parent, t.name);
        const fresh = await this.allocate(clustersFor(data.length, this.g.clusterBytes));
        try {
          await writeFresh(this.ctx, fresh, data);
          await this.commitCreate(plan, this.newShort(ATTR_ARCHIVE, fresh.length ? fresh[0] : 0, data.length));
        } catch (e) {
          if (fresh.length) await this.fat.freeChain(fresh[0]);
          throw e;
        }
        return;
      }
      const node = this.nodeFor(t.entry, t.path);
      await writeAt(this.ctx, node, newCursor(), node.size, data);
      await this.saveNode(node);
    });
  }

  truncate(path: string, size: number): Promise<void> {
    return this.run(async () => {
      this.writable();
      const t = await this.lookup(path);
      const e = this.need(t);
      if (e.isDir) throw new FsError('EISDIR', t.path + ': is a directory');
      await this.truncateNode(this.nodeFor(e, t.path), newCursor(), size);
    });
  }

  open(path: string, opts: OpenOptions = {}): Promise<FileHandle> {
    return this.run(async () => {
      let t = await this.lookup(path);
      if (t.parts.length === 0 || (t.entry && t.entry.isDir)) throw new FsError('EISDIR', t.path + ': is a directory');
      if (!t.entry) {
        if (!opts.create) throw new FsError('ENOENT', t.path + ': no such file');
        this.writable();
        const plan = await this.planCreate(t.parent, t.name);
        await this.commitCreate(plan, this.newShort(ATTR_ARCHIVE, 0, 0));
        t = await this.lookup(path);
      }
      const node = this.register(this.need(t), t.path);
      node.refs++;
      if (opts.truncate && node.size > 0) {
        this.writable();
        await this.truncateNode(node, newCursor(), 0);
      }
      return new FileHandle(this, node);
    });
  }

  unlink(path: string): Promise<void> {
    return this.run(async () => {
      this.writable();
      const t = await this.lookup(path);
      const e = this.need(t);
      if (e.isDir) throw new FsError('EISDIR', t.path + ': is a directory (use rmdir)');
      const count = e.loc.index - e.loc.first + 1;
      if (!this.cache.canOrder(await this.dirs.deleteGroups(e.loc.dir, e.loc.first, count))) await this.flushLocked();
      await this.dirs.deleteRun(e.loc.dir, e.loc.first, count);
      this.dropNode(e.loc);
      if (e.short.cluster) await this.fat.freeChain(e.short.cluster);
    });
  }

  mkdir(path: string): Promise<void> {
    return this.run(async () => {
      this.writable();
      const t = await this.lookup(path);
      if (t.parts.length === 0 || t.entry) throw new FsError('EEXIST', t.path + ': already exists');
      const plan = await this.planCreate(t.parent, t.name, true);
      const fresh = await this.allocate(1);
      const c = fresh[0];
      try {
        await this.zeroCluster(c);
        const now = this.newShort(ATTR_DIRECTORY, c, 0);
        const dotSector = this.dirs.dotEntries(c, t.parent, now);
        this.cache.markDirty(dotSector);
        await this.commitCreate(plan, now, [dotSector]);
      } catch (e) {
        await this.fat.freeChain(c);
        throw e;
      }
    });
  }

  rmdir(path: string): Promise<void> {
    return this.run(async () => {
      this.writable();
      const t = await this.lookup(path);
      if (t.parts.length === 0) throw new FsError('EINVAL', '/: the root directory cannot be removed');
      const e = this.need(t);
      if (!e.isDir) throw new FsError('ENOTDIR', t.path + ': not a directory');
      const dir = this.dirCluster(e, t.path);
      const inside = await this.dirs.list(dir, t.path);
      if (inside.length) throw new FsError('ENOTEMPTY', t.path + ': directory not empty');
      const chain = await this.dirs.chainOf(dir, t.path);
      const count = e.loc.index - e.loc.first + 1;
      if (!this.cache.canOrder(await this.dirs.deleteGroups(e.loc.dir, e.loc.first, count))) await this.flushLocked();
      await this.dirs.deleteRun(e.loc.dir, e.loc.first, count);
      this.dirs.discardClusters(chain);
      this.dirs.forget(dir);
      await this.fat.freeChain(dir);
    });
  }

  /**
   * Renames or moves a file or directory; an existing file at `to` (or an
   * empty directory, when moving a directory) is replaced. All or nothing
   * across a power cut (see intent.ts).
   */
  rename(from: string, to: string): Promise<void> {
    return this.run(() => this.renameLocked(from, to));
  }

  readdir(path: string): Promise<DirListing[]> {
    return this.run(async () => {
      const t = await this.lookup(path);
      let dir = this.g.rootCluster;
      if (t.parts.length) {
        const e = this.need(t);
        if (!e.isDir) throw new FsError('ENOTDIR', t.path + ': not a directory');
        dir = this.dirCluster(e, t.path);
      }
      const list = await this.dirs.list(dir, t.path);
      const out: DirListing[] = [];
      for (let i = 0; i < list.length; i++) {
        const e = list[i];
        out.push({ name: e.name, isDirectory: e.isDir, size: e.isDir ? 0 : e.short.size, modified: fromFatTime(e.short.wrtDate, e.short.wrtTime) });
      }
      return out;
    });
  }

  stat(path: string): Promise<Stat> {
    return this.run(async () => {
      const t = await this.lookup(path);
      if (t.parts.length === 0) {
        return { name: '/', isDirectory: true, size: 0, modified: 0, created: 0, shortName: '', attributes: ATTR_DIRECTORY };
      }
      const e = this.need(t);
      const s = e.short;
      return {
        name: e.name,
        isDirectory: e.isDir,
        size: e.isDir ? 0 : s.size,
        modified: fromFatTime(s.wrtDate, s.wrtTime),
        created: fromFatTime(s.crtDate, s.crtTime, s.crtTenth),
        shortName: shortDisplay(s.name),
        attributes: s.attr,
      };
    });
  }

  statfs(): Promise<StatFs> {
    return this.run(async () => {
      if (this.fat.freeCount === null) this.fat.freeCount = await this.fat.countFree();
      return { clusterSize: this.g.clusterBytes, totalClusters: this.g.clusterCount, freeClusters: this.fat.freeCount, label: this.g.label };
    });
  }

  /** Makes everything written so far durable; the volume is clean on disk afterwards. */
  flush(): Promise<void> {
    return this.run(() => this.flushLocked());
  }

  /** Flushes and detaches; every later call fails. */
  unmount(): Promise<void> {
    return this.run(async () => {
      await this.flushLocked();
      this.mounted = false;
    });
  }

  /** Device and cache counters (tests, benchmarks). */
  get stats(): { reads: number; writes: number; barriers: number; hits: number; misses: number } {
    return this.cache.stats;
  }

  get geometry(): Geometry {
    return this.g;
  }

  /* ---- serialization ---- */

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.queue;
    let release = noop;
    this.queue = new Promise<void>((resolve) => { release = resolve; });
    try {
      await before;
      if (!this.mounted) throw new FsError('EINVAL', 'the volume is unmounted');
      const r = await fn();
      // Keep the dirty metadata (pinned in the cache) bounded: flush at an operation boundary.
      if (this.cache.dirty > (this.cache.capacity >> 1)) await this.flushLocked();
      return r;
    } finally {
      // The next operation starts whether this one succeeded or failed.
      release();
    }
  }

  /** Runs an operation of `core`-level code (recovery) under the lock. */
  runLocked<T>(fn: () => Promise<T>): Promise<T> {
    return this.run(fn);
  }

  lockedHandleOp<T>(_node: Node, op: () => Promise<T>): Promise<T> {
    return this.run(op);
  }

  /* ---- FileHandle operations (called under the lock) ---- */

  async handleRead(node: Node, cur: Cursor, pos: number, buf: Uint8Array): Promise<number> {
    return readAt(this.ctx, node, cur, pos, buf);
  }

  async handleWrite(node: Node, cur: Cursor, pos: number, data: Uint8Array): Promise<number> {
    this.writable();
    checkData(data, node.path);
    await writeAt(this.ctx, node, cur, pos, data);
    await this.saveNode(node);
    return data.length;
  }

  async handleTruncate(node: Node, cur: Cursor, size: number): Promise<void> {
    this.writable();
    await this.truncateNode(node, cur, size);
  }

  handleClose(node: Node): void {
    node.refs--;
    if (node.refs <= 0) {
      const key = nodeKey(node.loc);
      if (this.nodes[key] === node) delete this.nodes[key];
    }
  }

  /* ---- internals ---- */

  private writable(): void {
    if (this.core.readOnly) throw new FsError('EROFS', 'the volume is read-only');
    this.generation++;
  }

  private need(t: Lookup): DirEntry {
    if (!t.entry) throw new FsError('ENOENT', t.path + ': no such file or directory');
    return t.entry;
  }

  private dirCluster(e: DirEntry, path: string): number {
    const c = e.short.cluster;
    if (!this.fat.valid(c)) throw corrupt(path + ': directory entry points to cluster ' + c);
    return c;
  }

  private async lookup(path: string): Promise<Lookup> {
    const parts = splitPath(path);
    const shown = '/' + parts.join('/');
    let dir = this.g.rootCluster;
    for (let i = 0; i + 1 < parts.length; i++) {
      const e = await this.dirs.find(dir, parts[i], '/' + parts.slice(0, i).join('/'));
      const at = '/' + parts.slice(0, i + 1).join('/');
      if (!e) throw new FsError('ENOENT', at + ': no such directory');
      if (!e.isDir) throw new FsError('ENOTDIR', at + ': not a directory');
      dir = this.dirCluster(e, at);
    }
    if (parts.length === 0) return { parts: parts, parent: dir, name: '', entry: null, path: '/' };
    const name = parts[parts.length - 1];
    const entry = await this.dirs.find(dir, name, shown);
    return { parts: parts, parent: dir, name: name, entry: entry, path: shown };
  }

  private register(e: DirEntry, path: string): Node {
    const key = nodeKey(e.loc);
    let node = this.nodes[key];
    if (!node) {
      node = { path: path, loc: e.loc, start: e.short.cluster, size: e.short.size, gen: 0, refs: 0, deleted: false };
      this.nodes[key] = node;
    }
    node.path = path;
    return node;
  }

  /** The open node of this entry, or a transient one. */
  private nodeFor(e: DirEntry, path: string): Node {
    const open = this.nodes[nodeKey(e.loc)];
    if (open) return open;
    return { path: path, loc: e.loc, start: e.short.cluster, size: e.short.size, gen: 0, refs: 0, deleted: false };
  }

  private dropNode(loc: Loc): void {
    const key = nodeKey(loc);
    const node = this.nodes[key];
    if (node) {
      node.deleted = true;
      delete this.nodes[key];
    }
  }

  private newShort(attr: number, cluster: number, size: number): ShortEntry {
    const t = toFatTime(this.clock.now());
    return {
      name: '           ', attr: attr, ntRes: 0, crtTenth: t.tenth, crtTime: t.time, crtDate: t.date, accDate: t.date,
      cluster: cluster, wrtTime: t.time, wrtDate: t.date, size: size,
    };
  }

  /** Writes the node's first cluster, size and write time into its short entry (in the cache). */
  private async saveNode(node: Node): Promise<void> {
    const t = toFatTime(this.clock.now());
    await this.dirs.updateShort(node.loc, (e) => {
      e.cluster = node.start;
      e.size = node.size;
      e.wrtTime = t.time;
      e.wrtDate = t.date;
      e.accDate = t.date;
      e.attr |= ATTR_ARCHIVE;
    });
  }

  /** Allocates, flushing once to release clusters freed in this epoch when the volume looks full. */
  private async allocate(n: number, near?: number): Promise<number[]> {
    try {
      return await this.fat.allocate(n, near);
    } catch (e) {
      if (!(e instanceof FsError) || e.code !== 'ENOSPC' || this.fat.changes === 0) throw e;
      await this.flushLocked();
      return this.fat.allocate(n, near);
    }
  }

  private async zeroCluster(c: number): Promise<void> {
    const s = this.dirs.clusterSector(c);
    for (let j = 0; j < this.g.sectorsPerCluster; j++) this.cache.discard(s + j);
    await this.cache.writeRaw(s, new Uint8Array(this.g.clusterBytes));
  }

  /**
   * Chooses the short name and the slots of a new entry, growing the
   * directory when needed, and flushes first when the entry's sectors could
   * not be ordered after what is pending. Called before anything of the
   * operation is allocated, so that flush sees a consistent volume.
   */
  private async planCreate(parent: number, name: string, withNewSector = false): Promise<CreatePlan> {
    validateName(name);
    const taken = await this.dirs.shortNames(parent);
    const choice = chooseShortName(name, (n) => taken[n] === true);
    const count = choice.needsLong ? lfnEntryCount(name) + 1 : 1;
    const first = await this.dirs.findRun(parent, count);
    const groups = await this.dirs.createGroups(parent, first, count, withNewSector ? [-1] : []);
    if (!this.cache.canOrder(groups)) await this.flushLocked();
    return { parent: parent, name: name, choice: choice, first: first, count: count };
  }

  private runBytes(name: string, choice: ShortNameChoice, count: number, short: ShortEntry): Uint8Array {
    const bytes = new Uint8Array(count * ENTRY_SIZE);
    if (choice.needsLong) bytes.set(encodeLongEntries(name, lfnChecksum(choice.name11)), 0);
    short.name = choice.name11;
    short.ntRes = choice.ntRes;
    encodeShort(short, bytes, (count - 1) * ENTRY_SIZE);
    return bytes;
  }

  private async commitCreate(plan: CreatePlan, short: ShortEntry, before: number[] = []): Promise<Loc> {
    await this.dirs.writeRun(plan.parent, plan.first, this.runBytes(plan.name, plan.choice, plan.count, short), before);
    return { dir: plan.parent, first: plan.first, index: plan.first + plan.count - 1 };
  }

  private async truncateNode(node: Node, cur: Cursor, size: number): Promise<void> {
    if (!(size >= 0 && size <= MAX_FILE_SIZE) || Math.floor(size) !== size) throw new FsError('EINVAL', node.path + ': bad size ' + size);
    const old = node.size;
    const cs = this.g.clusterBytes;
    if (size > old) {
      await extendChain(this.ctx, node, cur, size);
      await zeroRange(this.ctx, node, cur, old, size, Math.ceil(old / this.g.bytesPerSector) * this.g.bytesPerSector);
      node.size = size;
      await this.saveNode(node);
      return;
    }
    if (size === old) {
      await this.saveNode(node);
      return;
    }
    const keep = clustersFor(size, cs);
    if (keep === 0) {
      const start = node.start;
      node.start = 0;
      node.size = 0;
      node.gen++;
      await this.saveNode(node);
      if (start) await this.fat.freeChain(start);
      return;
    }
    const last = await clusterAt(this.ctx, node, cur, keep - 1);
    node.size = size;
    await this.saveNode(node);
    if (clustersFor(old, cs) > keep) await this.fat.truncateAfter(last);
  }

  private async renameLocked(from: string, to: string): Promise<void> {
    this.writable();
    const src = await this.lookup(from);
    if (src.parts.length === 0) throw new FsError('EINVAL', '/: the root directory cannot be renamed');
    const s = this.need(src);
    const dst = await this.lookup(to);
    if (dst.parts.length === 0) throw new FsError('EEXIST', '/: already exists');
    validateName(dst.name);
    if (s.isDir && dst.parts.length > src.parts.length) {
      let inside = true;
      for (let i = 0; i < src.parts.length; i++) if (nameKey(src.parts[i]) !== nameKey(dst.parts[i])) inside = false;
      if (inside) throw new FsError('EINVAL', dst.path + ': cannot move a directory into itself');
    }
    let d = dst.entry;
    if (d && d.loc.dir === s.loc.dir && d.loc.index === s.loc.index) {
      if (d.name === dst.name) return; // same name: nothing to do
      d = null; // a change of case: rename the entry itself
    }
    if (d) {
      if (s.isDir && !d.isDir) throw new FsError('ENOTDIR', dst.path + ': not a directory');
      if (!s.isDir && d.isDir) throw new FsError('EISDIR', dst.path + ': is a directory');
      if (d.isDir && (await this.dirs.list(this.dirCluster(d, dst.path), dst.path)).length) throw new FsError('ENOTEMPTY', dst.path + ': directory not empty');
    }
    const srcCount = s.loc.index - s.loc.first + 1;
    const dstCount = d ? d.loc.index - d.loc.first + 1 : 0;
    const taken = await this.dirs.shortNames(dst.parent);
    delete taken[s.short.name];
    if (d) delete taken[d.short.name];
    const choice = chooseShortName(dst.name, (n) => taken[n] === true);
    const count = choice.needsLong ? lfnEntryCount(dst.name) + 1 : 1;
    const moved = s.isDir && dst.parent !== src.parent ? this.dirCluster(s, src.path) : 0;
    const entry = copyShort(s.short);
    const bytes = this.runBytes(dst.name, choice, count, entry);

    const srcSectors = await this.dirs.runSectors(s.loc.dir, s.loc.first, srcCount);
    const dstSectors = d ? await this.dirs.runSectors(d.loc.dir, d.loc.first, dstCount) : [];

    // 1. In place: the new run fits in the old one's slots and everything is in one sector.
    const sameSector = srcSectors.length === 1 && (dstSectors.length === 0 || (dstSectors.length === 1 && dstSectors[0] === srcSectors[0])) && !moved;
    if (sameSector && dst.parent === src.parent && count <= srcCount) {
      const newFirst = s.loc.index - count + 1;
      if (!this.cache.canOrder([[srcSectors[0]]])) await this.flushLocked();
      if (d) await this.dirs.deleteRun(d.loc.dir, d.loc.first, dstCount, false);
      if (newFirst > s.loc.first) await this.dirs.deleteRun(s.loc.dir, s.loc.first, newFirst - s.loc.first, false);
      await this.dirs.writeRun(dst.parent, newFirst, bytes);
      this.afterRename(s, d, { dir: dst.parent, first: newFirst, index: s.loc.index }, dst.path);
      if (d) await this.release(d, dst.path);
      return;
    }

    // 2. Two steps, each flushed: the new run (with the intent record), then
    // the old runs go. A sector may need writing in both steps (the new run
    // can share one with an old run), which one flush cannot order. The
    // first flush leaves the volume marked dirty, so a cut after it is
    // repaired (rolled forward) at the next mount.
    const first = await this.dirs.findRun(dst.parent, count);
    const createGroups = await this.dirs.createGroups(dst.parent, first, count);
    if (!this.cache.canOrder(createGroups)) await this.flushLocked();
    const newLoc: Loc = { dir: dst.parent, first: first, index: first + count - 1 };
    if (this.core.intentUsable) {
      this.intents.push({
        newDir: dst.parent, newIndex: newLoc.index, newShort: choice.name11, cluster: s.short.cluster,
        from: { dir: s.loc.dir, first: s.loc.first, count: srcCount, short: s.short.name },
        replaced: d ? { dir: d.loc.dir, first: d.loc.first, count: dstCount, short: d.short.name } : { dir: 0, first: 0, count: 0, short: '           ' },
        dotdotDir: moved, dotdotParent: moved ? dst.parent : 0,
      });
    }
    await this.dirs.writeRun(dst.parent, first, bytes);
    await this.flushLocked(false);

    const rest: number[] = [];
    if (moved) {
      const sector = await this.dirs.setDotDot(moved, dst.parent);
      this.cache.markDirty(sector);
      rest.push(sector);
    }
    const gone = await this.dirs.deleteRun(s.loc.dir, s.loc.first, srcCount, false);
    const gone2 = d ? await this.dirs.deleteRun(d.loc.dir, d.loc.first, dstCount, false) : [];
    const all = gone.concat(gone2);
    for (let i = 0; i < all.length; i++) if (rest.indexOf(all[i]) < 0) rest.push(all[i]);
    this.cache.orderDirty([rest]);
    this.afterRename(s, d, newLoc, dst.path);
    if (d) await this.release(d, dst.path);
    await this.flushLocked();
  }

  /** Frees the clusters of an entry a rename replaced (an empty directory's too). */
  private async release(d: DirEntry, path: string): Promise<void> {
    if (!d.short.cluster) return;
    if (d.isDir) {
      const chain = await this.dirs.chainOf(d.short.cluster, path);
      this.dirs.discardClusters(chain);
      this.dirs.forget(d.short.cluster);
    }
    await this.fat.freeChain(d.short.cluster);
  }

  private afterRename(s: DirEntry, d: DirEntry | null, newLoc: Loc, path: string): void {
    if (d) this.dropNode(d.loc);
    const key = nodeKey(s.loc);
    const node = this.nodes[key];
    if (node) {
      delete this.nodes[key];
      node.loc = newLoc;
      node.path = path;
      this.nodes[nodeKey(newLoc)] = node;
    }
  }

  /**
   * Puts the volume on disk. Each step is durable (a barrier) before the
   * next, so a power cut at any write leaves one of these states:
   *   A. file data (only into clusters no on-disk entry reaches, or over a
   *      file's own bytes), FSInfo's free count set to "unknown" and the
   *      clean bit in FAT[1] cleared (the active FAT first);
   *   B. the FAT's growing changes (fat.ts: chains at least as long as the
   *      old and the new sizes, nothing reachable freed), every FAT copy,
   *      and the rename intent records;
   *   C. directory sectors, in the levels the operations asked for;
   *   D. the FAT's shrinking changes (frees, chain ends), every copy;
   *   E. intent log emptied, FSInfo's count, FAT[1] clean in the other
   *      copies, then in the active one.
   * A rename flushes twice, the first time without E (see renameLocked).
   * A cut before E leaves the dirty bit set and at most: copies that
   * differ, chains longer than their file sizes, lost clusters, orphaned
   * long-name entries, and a half-done rename with its intent record; the
   * next mount repairs exactly these (recover.ts).
   */
  async flushLocked(markClean = true): Promise<void> {
    if (this.core.readOnly) return;
    const metadata = this.fat.changes > 0 || this.cache.dirPending || this.intents.length > 0;
    if (!metadata && !this.dirtyOnDisk && !this.syncCopiesAtFlush) {
      await this.cache.barrier();
      return;
    }
    if (!this.dirtyOnDisk) {
      await this.writeFsInfo(FSINFO_UNKNOWN);
      // Only the active copy: the others differ from it until E, which
      // recovery repairs; a drive may reorder writes between barriers, and
      // the active copy must never say clean while another differs.
      await this.fat.writeCleanBit(false, 'active');
      this.dirtyOnDisk = true;
    }
    await this.cache.barrier();
    if (this.fat.changes > 0 || this.intents.length > 0) {
      await this.fat.writeGrow();
      if (this.intents.length > 0) {
        await this.cache.writeRawKeep(INTENT_SECTOR, encodeIntents(this.intents, this.g.bytesPerSector));
        this.intentOnDisk = true;
      }
      await this.cache.barrier();
    }
    if (this.cache.dirPending) await this.cache.writeDirSectors();
    if (this.fat.needsFinal) {
      await this.fat.writeFinal();
      await this.cache.barrier();
    }
    this.fat.endEpoch();
    this.intents = [];
    if (!markClean) return; // a step of a rename: stays dirty on disk, the intent stays
    if (this.syncCopiesAtFlush) {
      await this.fat.compareCopies(true);
      this.syncCopiesAtFlush = false;
    }
    if (this.intentOnDisk) {
      await this.cache.writeRawKeep(INTENT_SECTOR, encodeIntents([], this.g.bytesPerSector));
      this.intentOnDisk = false;
    }
    await this.writeFsInfo(this.fat.freeCount === null ? FSINFO_UNKNOWN : this.fat.freeCount);
    await this.fat.writeCleanBit(true, 'others');
    await this.cache.barrier();
    await this.fat.writeCleanBit(true, 'active');
    await this.cache.barrier();
    this.dirtyOnDisk = false;
  }

  private async writeFsInfo(free: number): Promise<void> {
    const b = this.core.fsInfo;
    if (!b) return;
    w32(b, 488, free);
    w32(b, 492, this.fat.nextFree);
    await this.cache.writeRawKeep(this.g.fsInfoSector, b);
  }

  /** For recovery: the current free-count field of FSInfo (tests). */
  fsInfoFree(): number {
    return this.core.fsInfo ? u32(this.core.fsInfo, 488) : FSINFO_UNKNOWN;
  }
}

function noop(): void { /* replaced by the queue's resolve */ }

function nodeKey(loc: Loc): string {
  return loc.dir + ':' + loc.index;
}

function checkData(data: Uint8Array, path: string): void {
  if (!(data instanceof Uint8Array)) throw new FsError('EINVAL', path + ': data must be a Uint8Array');
}

function shortDisplay(name11: string): string {
  const base = name11.slice(0, 8).replace(/ +$/, '');
  const ext = name11.slice(8).replace(/ +$/, '');
  return ext ? base + '.' + ext : base;
}
