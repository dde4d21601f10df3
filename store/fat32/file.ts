/*
 * File contents over a cluster chain, and FileHandle for streaming large
 * files. Data goes straight to the device: whole sectors from the caller's
 * buffer, partial sectors through the cache (read, patch, write through).
 * Sizes live in the directory entry (fatgen103 §6: DIR_FileSize, at most
 * 4 GiB - 1); a chain holds exactly ceil(size / cluster size) clusters.
 */
import type { Geometry } from './bpb';
import type { SectorCache } from './cache';
import { corrupt, FsError } from './errors';
import type { Fat } from './fat';
import type { Loc } from './dir';

/** DIR_FileSize is 32 bits. */
export const MAX_FILE_SIZE = 0xffffffff;

/** What the volume knows of an entry while it is in use; shared by every handle on the file. */
export interface Node {
  path: string;
  loc: Loc;
  start: number;
  size: number;
  /** Bumped whenever `start` changes, so cursors start over. */
  gen: number;
  refs: number;
  deleted: boolean;
}

/** A position in a chain: cluster number `cluster` is the chain's `index`-th. */
export interface Cursor {
  gen: number;
  index: number;
  cluster: number;
  /** The generation whose chain end was checked (see checkChainEnd). */
  checked?: number;
}

export function newCursor(): Cursor {
  return { gen: -1, index: 0, cluster: 0 };
}

/**
 * After a read reaching the end of the file: its last cluster should end
 * the chain. When it does not, the chain either goes on (longer than the
 * size: readable, fsck reports it) or loops, which a bounded walk finds.
 */
async function checkChainEnd(ctx: DataContext, node: Node, cur: Cursor): Promise<void> {
  if (cur.checked === node.gen || node.size === 0) return;
  let c = await clusterAt(ctx, node, cur, clustersFor(node.size, ctx.g.clusterBytes) - 1);
  for (let steps = 0; ; steps++) {
    const n = await ctx.fat.follow(c, node.path);
    if (n < 0) break;
    if (steps > ctx.g.clusterCount) throw corrupt(node.path + ': cluster chain loops (it never ends)');
    c = n;
  }
  cur.checked = node.gen;
}

export interface DataContext {
  g: Geometry;
  cache: SectorCache;
  fat: Fat;
  clusterSector(c: number): number;
  /** Flushes (the volume lock is held): called before a chain relink (see fat.ts). */
  flushForRelink(): Promise<void>;
  /** Allocates a chain, flushing once to release this epoch's frees when the volume looks full. */
  allocate(n: number, near?: number): Promise<number[]>;
  /** Writes the node's cluster, size and time into its directory entry (in the cache). */
  saveNode(node: Node): Promise<void>;
}

export function clustersFor(size: number, clusterBytes: number): number {
  return Math.ceil(size / clusterBytes);
}

/** The chain's k-th cluster, walking from the cursor (or the start), bounded by the file's size. */
export async function clusterAt(ctx: DataContext, node: Node, cur: Cursor, k: number): Promise<number> {
  if (cur.gen !== node.gen || k < cur.index || cur.cluster === 0) {
    if (!ctx.fat.valid(node.start)) throw corrupt(node.path + ': first cluster ' + node.start + ' out of range');
    cur.gen = node.gen;
    cur.index = 0;
    cur.cluster = node.start;
  }
  while (cur.index < k) {
    let n = ctx.fat.followCached(cur.cluster, node.path);
    if (n === undefined) n = await ctx.fat.follow(cur.cluster, node.path);
    if (n < 0) {
      throw corrupt(node.path + ': cluster chain ends after ' + (cur.index + 1) + ' clusters but the file needs ' +
        Math.max(k + 1, clustersFor(node.size, ctx.g.clusterBytes)));
    }
    cur.cluster = n;
    cur.index++;
  }
  return cur.cluster;
}

/**
 * Moves bytes between `buf` and the file at `pos` (the chain must cover
 * the range): contiguous clusters become one device transfer. Sectors that
 * start at or after `freshFrom` hold no file bytes yet, so a partial write
 * there starts from zeros instead of reading the old content.
 */
export async function transfer(ctx: DataContext, node: Node, cur: Cursor, pos: number, buf: Uint8Array, write: boolean, freshFrom: number): Promise<void> {
  const cs = ctx.g.clusterBytes;
  let done = 0;
  while (done < buf.length) {
    const p = pos + done;
    const k = Math.floor(p / cs);
    const c = await clusterAt(ctx, node, cur, k);
    const inCluster = p - k * cs;
    const want = inCluster + (buf.length - done);
    let run = 1;
    // Extend the run over contiguous clusters; the cursor (now at k) moves
    // along. Synchronous while the FAT sector is cached: this loop runs once
    // per cluster, and a promise per cluster is what costs in Duktape.
    while (run * cs < want) {
      let next = ctx.fat.followCached(cur.cluster, node.path);
      if (next === undefined) next = await ctx.fat.follow(cur.cluster, node.path);
      if (next < 0) throw corrupt(node.path + ': cluster chain ends after ' + (cur.index + 1) + ' clusters but the file needs more');
      cur.cluster = next;
      cur.index++;
      if (next !== c + run) break;
      run++;
    }
    const n = Math.min(buf.length - done, run * cs - inCluster);
    await moveBytes(ctx, ctx.clusterSector(c), inCluster, buf.subarray(done, done + n), write, p - inCluster % ctx.g.bytesPerSector, freshFrom);
    done += n;
  }
}

/** Bytes at byte `offset` from `sector` (contiguous on disk); `fileAt` is the file offset of that sector. */
async function moveBytes(ctx: DataContext, sector: number, offset: number, part: Uint8Array, write: boolean, fileAt: number, freshFrom: number): Promise<void> {
  const bps = ctx.g.bytesPerSector;
  let s = sector + Math.floor(offset / bps);
  let off = offset % bps;
  let i = 0;
  let at = fileAt;
  while (i < part.length) {
    if (off === 0 && part.length - i >= bps) {
      const full = Math.floor((part.length - i) / bps);
      const view = part.subarray(i, i + full * bps);
      if (write) await ctx.cache.writeDirect(s, view);
      else await ctx.cache.readDirect(s, view, false);
      i += full * bps;
      s += full;
      at += full * bps;
      continue;
    }
    const take = Math.min(bps - off, part.length - i);
    if (write) {
      const sb = at >= freshFrom ? ctx.cache.create(s, 'data') : await ctx.cache.read(s, 'data');
      sb.set(part.subarray(i, i + take), off);
      await ctx.cache.writeDirect(s, sb);
    } else {
      const sb = await ctx.cache.read(s, 'data');
      part.set(sb.subarray(off, off + take), i);
    }
    i += take;
    s++;
    at += bps;
    off = 0;
  }
}

/** Writes data into a fresh chain (all its clusters just allocated) from its start. */
export async function writeFresh(ctx: DataContext, clusters: number[], data: Uint8Array): Promise<void> {
  const cs = ctx.g.clusterBytes;
  const bps = ctx.g.bytesPerSector;
  let done = 0;
  let i = 0;
  while (done < data.length) {
    let run = 1;
    while (i + run < clusters.length && clusters[i + run] === clusters[i] + run && run * cs < data.length - done) run++;
    const n = Math.min(data.length - done, run * cs);
    const whole = n - n % bps;
    const sector = ctx.clusterSector(clusters[i]);
    if (whole > 0) await ctx.cache.writeDirect(sector, data.subarray(done, done + whole));
    if (whole < n) {
      const last = new Uint8Array(bps);
      last.set(data.subarray(done + whole, done + n));
      await ctx.cache.writeDirect(sector + whole / bps, last);
    }
    done += n;
    i += run;
  }
}

/** Grows the chain to cover `newSize` (allocating, then linking after the tail). */
export async function extendChain(ctx: DataContext, node: Node, cur: Cursor, newSize: number): Promise<void> {
  const cs = ctx.g.clusterBytes;
  const have = clustersFor(node.size, cs);
  const need = clustersFor(newSize, cs);
  if (need <= have) return;
  if (have === 0 && node.start !== 0) {
    // An empty file that owns clusters (fsck.fat would truncate it): drop
    // them, entry first, so a flush from here on sees a consistent volume.
    const stale = node.start;
    node.start = 0;
    node.gen++;
    await ctx.saveNode(node);
    await ctx.fat.freeChain(stale);
  }
  let tail = 0;
  if (have > 0) {
    tail = await clusterAt(ctx, node, cur, have - 1);
    if (ctx.fat.pendingShrink(tail)) await ctx.flushForRelink();
  }
  const fresh = await ctx.allocate(need - have, tail ? tail + 1 : undefined);
  if (tail) await ctx.fat.set(tail, fresh[0]);
  else {
    node.start = fresh[0];
    node.gen++;
  }
}

/** Zeros [from, to) of the file (the chain covers it). */
export async function zeroRange(ctx: DataContext, node: Node, cur: Cursor, from: number, to: number, freshFrom: number): Promise<void> {
  const chunk = new Uint8Array(Math.min(to - from, 1 << 20));
  for (let p = from; p < to; p += chunk.length) {
    const n = Math.min(chunk.length, to - p);
    await transfer(ctx, node, cur, p, n === chunk.length ? chunk : chunk.subarray(0, n), true, freshFrom);
  }
}

/** Writes data at pos, growing the file (a gap reads as zeros). */
export async function writeAt(ctx: DataContext, node: Node, cur: Cursor, pos: number, data: Uint8Array): Promise<void> {
  const end = pos + data.length;
  if (pos < 0 || end > MAX_FILE_SIZE) throw new FsError('EINVAL', node.path + ': FAT32 files end before 4 GiB (write to ' + end + ')');
  const old = node.size;
  if (end > old) await extendChain(ctx, node, cur, end);
  const freshFrom = Math.ceil(old / ctx.g.bytesPerSector) * ctx.g.bytesPerSector;
  if (pos > old) await zeroRange(ctx, node, cur, old, pos, freshFrom);
  if (data.length) await transfer(ctx, node, cur, pos, data, true, freshFrom);
  if (end > old) node.size = end;
}

/** Reads up to buf.length bytes at pos; returns how many (0 at or after the end). */
export async function readAt(ctx: DataContext, node: Node, cur: Cursor, pos: number, buf: Uint8Array): Promise<number> {
  if (pos < 0) throw new FsError('EINVAL', node.path + ': negative position ' + pos);
  if (pos >= node.size) return 0;
  const n = Math.min(buf.length, node.size - pos);
  await transfer(ctx, node, cur, pos, n === buf.length ? buf : buf.subarray(0, n), false, Infinity);
  if (pos + n === node.size) await checkChainEnd(ctx, node, cur);
  return n;
}

/** The operations a FileHandle runs under the volume's lock. */
export interface HandleHost {
  lockedHandleOp<T>(node: Node, op: () => Promise<T>): Promise<T>;
  handleRead(node: Node, cur: Cursor, pos: number, buf: Uint8Array): Promise<number>;
  /** Resolves to data.length. */
  handleWrite(node: Node, cur: Cursor, pos: number, data: Uint8Array): Promise<number>;
  handleTruncate(node: Node, cur: Cursor, size: number): Promise<void>;
  handleClose(node: Node): void;
}

/**
 * An open file: positional reads and writes, for files too large to hold in
 * memory. Writes go to the device as they come; the directory entry (size,
 * time) is updated in the cache and reaches the disk at flush.
 */
export class FileHandle {
  private readonly host: HandleHost;
  private readonly node: Node;
  private readonly cur: Cursor = newCursor();
  private closed = false;

  constructor(host: HandleHost, node: Node) {
    this.host = host;
    this.node = node;
  }

  /** The file's current size in bytes. */
  size(): number {
    return this.node.size;
  }

  /** Reads into buf from pos; resolves to the bytes read (fewer at the end of the file). */
  read(pos: number, buf: Uint8Array): Promise<number> {
    return this.op(() => this.host.handleRead(this.node, this.cur, pos, buf));
  }

  /** Writes data at pos (past the end: the gap reads as zeros); resolves to data.length. */
  write(pos: number, data: Uint8Array): Promise<number> {
    return this.op(() => this.host.handleWrite(this.node, this.cur, pos, data));
  }

  truncate(size: number): Promise<void> {
    return this.op(() => this.host.handleTruncate(this.node, this.cur, size));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return this.host.lockedHandleOp(this.node, () => {
      this.host.handleClose(this.node);
      return Promise.resolve();
    });
  }

  private op<T>(run: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new FsError('EBADF', this.node.path + ': file handle is closed'));
    const node = this.node;
    return this.host.lockedHandleOp(node, () => {
      if (node.deleted) return Promise.reject(new FsError('ENOENT', node.path + ': the file was deleted or replaced'));
      return run();
    });
  }
}
