/*
 * The log: a circular run of commits over the pages after the superblocks
 * (layout in format.ts). It knows nothing of collections or types; it
 * stores entry payloads and hands them back, and asks its owner (hooks)
 * which entries are still live when it reclaims space.
 *
 * Durability: append() resolves only after the commit holding the payload
 * is written and flushed. Commits never overwrite pages that hold live or
 * not-yet-superseded data: new commits go to free pages at the head; space
 * at the tail is reused only after its live entries were copied to the
 * head, flushed, and a superblock naming the new tail was flushed. A power
 * cut therefore leaves every acknowledged commit readable from the tail
 * the newest valid superblock names; replay stops at the first commit that
 * is torn (CRC), stale (sequence number) or absent.
 *
 * Group commit: payloads appended while a commit is being written wait in
 * a queue and go out together in the next one (one write and one flush).
 */
import { crc32 } from './crc32';
import { RecordsError } from './errors';
import {
  COMMIT_ENTRIES, COMMIT_WRAP, DELETE, FRAME_SIZE, HEADER_SIZE, SUPERBLOCK_PAGES,
  commitPages, encodeSuperblock, parseCommitHeader, parseSuperblock, writeCommitHeader,
  type CommitHeader, type Superblock, type SuperblockRead,
} from './format';
import { PageCache } from './page-cache';
import type { PageStore } from './page-store';

export interface JournalHooks {
  /** Replay at open: each entry of each valid commit, oldest first. */
  replay(payload: Uint8Array, pos: number): void;
  /** Cleaning: is the entry at `pos` still the durable state of its key? */
  isLive(payload: Uint8Array, pos: number): boolean;
  /** Cleaning: the live entry at `from` was copied to `to`, durably. */
  moved(payload: Uint8Array, from: number, to: number): void;
  /** Bytes (frames included) of all live entries, for the cleaning policy. */
  liveBytes(): number;
}

export interface JournalOptions {
  /** Erase whatever the pages hold and start an empty store. */
  format?: boolean;
  /** Pages kept in memory for reads (default 512). */
  cachePages?: number;
}

export interface JournalStats {
  pageSize: number;
  /** Pages of the log area. */
  logPages: number;
  usedPages: number;
  freePages: number;
  liveBytes: number;
  commits: number;
  cleanings: number;
  /** Where the log's oldest commit starts; head: where the next one goes. */
  tail: number;
  head: number;
}

interface Entry {
  payload: Uint8Array;
  /** Byte position of its frame in the store. */
  pos: number;
}

interface Commit {
  header: CommitHeader;
  entries: Entry[];
}

interface Pending {
  payload: Uint8Array;
  done: (pos: number) => void;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** A group commit carries at most this much body (less on small stores), unless one payload alone is larger. */
const MAX_BATCH_BYTES = 256 * 1024;
/** Pages a put must leave free beyond the cleaning reserve, so deletes can still go through. */
const DELETE_HEADROOM = 8;
const MAX_SLACK_PAGES = 1024;
/** Read cache: 512 pages (2 MiB at 4 KiB), SQLite's default cache size. */
const DEFAULT_CACHE_PAGES = 512;

export class Journal {
  private readonly ps: number;
  private readonly first = SUPERBLOCK_PAGES;
  private readonly end: number;
  private readonly n: number;
  private tail: number;
  private tailSeq: number;
  private head: number;
  private nextSeq: number;
  private generation: number;
  private maxCommitPages = 1;
  private readonly maxBatchBytes: number;
  private cache: PageCache;
  /** Bumped on each commit write, so a read that raced one does not fill the cache. */
  private writeEpoch = 0;
  private queue: Pending[] = [];
  private running = false;
  private idle: (() => void)[] = [];
  private failure: RecordsError | null = null;
  private closed = false;
  private commits = 0;
  private cleanings = 0;

  private constructor(private readonly store: PageStore, private readonly hooks: JournalHooks, sb: Superblock, cachePages: number) {
    this.ps = store.pageSize;
    this.end = sb.pages;
    this.n = sb.pages - SUPERBLOCK_PAGES;
    this.tail = sb.tail;
    this.tailSeq = sb.tailSeq;
    this.head = sb.tail;
    this.nextSeq = sb.tailSeq;
    this.generation = sb.generation;
    this.cache = new PageCache(cachePages);
    this.maxBatchBytes = Math.max(this.ps - HEADER_SIZE, Math.min(MAX_BATCH_BYTES, Math.floor(this.n / 16) * this.ps - HEADER_SIZE));
  }

  /** Opens the log on `store`: formats a blank one, else replays it through hooks.replay. */
  static async open(store: PageStore, hooks: JournalHooks, options: JournalOptions = {}): Promise<Journal> {
    const cachePages = options.cachePages === undefined ? DEFAULT_CACHE_PAGES : options.cachePages;
    if (store.pages < SUPERBLOCK_PAGES + 16) {
      throw new RecordsError('ENOTSTORE', 'a records store needs at least ' + (SUPERBLOCK_PAGES + 16) + ' pages; this one has ' + store.pages);
    }
    const supers = new Uint8Array(2 * store.pageSize);
    await store.read(0, supers);
    const a = parseSuperblock(supers.subarray(0, store.pageSize));
    const b = parseSuperblock(supers.subarray(store.pageSize));
    const sb = options.format ? null : chooseSuperblock(a, b, store);
    if (!sb) return Journal.format(store, hooks, cachePages);
    const journal = new Journal(store, hooks, sb, cachePages);
    const commits = await journal.replay();
    // A torn superblock write leaves the older one, whose log start is
    // intact (space is reused only after a newer superblock is
    // durable). An older one whose start was overwritten means damage.
    if (!commits && (a.state === 'damaged' || b.state === 'damaged')) {
      throw new RecordsError('ECORRUPT', 'the newest superblock is damaged and the log the older one names is gone');
    }
    return journal;
  }

  private static async format(store: PageStore, hooks: JournalHooks, cachePages: number): Promise<Journal> {
    // A random first sequence number: commits left on the pages by an earlier
    // store can then never pass for this store's (see format.ts).
    const seq = 1 + Math.floor(Math.random() * 1099511627776);
    const sb: Superblock = { pageSize: store.pageSize, pages: store.pages, generation: 1, tail: SUPERBLOCK_PAGES, tailSeq: seq };
    const journal = new Journal(store, hooks, sb, cachePages);
    // Both slots (generations 0 and 1), so that opening with another page
    // size finds a superblock at byte 0 and says so, instead of formatting.
    const both = new Uint8Array(2 * store.pageSize);
    both.set(encodeSuperblock({ pageSize: sb.pageSize, pages: sb.pages, generation: 0, tail: sb.tail, tailSeq: sb.tailSeq }));
    both.set(encodeSuperblock(sb), store.pageSize);
    await store.write(0, both);
    await store.flush();
    return journal;
  }

  /* ---- replay ---- */

  /** Replays the log from the tail; resolves with the number of commits found. */
  private async replay(): Promise<number> {
    let pos = this.tail;
    let seq = this.tailSeq;
    let scanned = 0;
    for (;;) {
      if (pos === this.end) pos = this.first;
      if (scanned >= this.n) throw new RecordsError('ECORRUPT', 'log replay went round the whole store; superblock or log damaged');
      const commit = await this.readCommit(pos, seq);
      if (!commit) return seq - this.tailSeq;
      const h = commit.header;
      if (h.kind === COMMIT_WRAP) {
        scanned += this.end - pos;
        pos = this.first;
      } else {
        for (let i = 0; i < commit.entries.length; i++) this.hooks.replay(commit.entries[i].payload, commit.entries[i].pos);
        if (h.pages > this.maxCommitPages) this.maxCommitPages = h.pages;
        scanned += h.pages;
        pos += h.pages;
      }
      seq++;
      this.head = pos === this.end ? this.first : pos;
      this.nextSeq = seq;
    }
  }

  /**
   * The valid commit with sequence number `seq` at `page`, with its entries,
   * or null: garbage, a stale commit of an earlier lap, or a torn one (an
   * entry whose CRC fails, or frames that do not match the header's CRC).
   */
  private async readCommit(page: number, seq: number): Promise<Commit | null> {
    const ps = this.ps;
    const firstPage = new Uint8Array(ps);
    await this.store.read(page, firstPage);
    const h = parseCommitHeader(firstPage);
    if (!h || h.seq !== seq) return null;
    if (h.kind === COMMIT_WRAP) return h.pages === 1 && h.bodyLength === 0 ? { header: h, entries: [] } : null;
    if (h.pages < 1 || page + h.pages > this.end || commitPages(h.bodyLength, ps) !== h.pages) return null;
    let bytes = firstPage;
    if (h.pages > 1) {
      bytes = new Uint8Array(h.pages * ps);
      bytes.set(firstPage);
      await this.store.read(page + 1, bytes.subarray(ps));
    }
    const entries = this.entriesOf(bytes, h, page);
    return entries ? { header: h, entries: entries } : null;
  }

  /**
   * The entries of a commit body, each checked against its CRC, and their
   * frames against the header's body CRC (a CRC over the frames, which
   * carry the payload CRCs: one pass over the payload bytes checks all).
   */
  private entriesOf(bytes: Uint8Array, h: CommitHeader, page: number): Entry[] | null {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const end = HEADER_SIZE + h.bodyLength;
    const entries: Entry[] = [];
    let frames = 0;
    let at = HEADER_SIZE;
    while (at < end) {
      if (at + FRAME_SIZE > end) return null;
      const len = view.getUint32(at, true);
      const payloadEnd = at + FRAME_SIZE + len;
      if (len === 0 || payloadEnd > end || crc32(bytes, at + FRAME_SIZE, payloadEnd) !== view.getUint32(at + 4, true)) return null;
      frames = crc32(bytes, at, at + FRAME_SIZE, frames);
      entries.push({ payload: bytes.subarray(at + FRAME_SIZE, payloadEnd), pos: page * this.ps + at });
      at = payloadEnd;
    }
    return frames === h.bodyCrc ? entries : null;
  }

  /* ---- appending ---- */

  /**
   * Appends a payload; resolves once it is durable. `done(pos)` runs first,
   * synchronously, with the entry's location, in log order.
   */
  append(payload: Uint8Array, done: (pos: number) => void): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new RecordsError('ECLOSED', 'the store is closed'));
    if (payload.length === 0) return Promise.reject(new RecordsError('EINVAL', 'empty payload'));
    const pages = commitPages(FRAME_SIZE + payload.length, this.ps);
    // It must fit with the cleaning reserve (two commits of its size) and the delete headroom.
    if (3 * pages + DELETE_HEADROOM + 3 > this.n) {
      return Promise.reject(new RecordsError('ETOOBIG', 'a record of ' + payload.length + ' bytes cannot fit a store of ' + this.n + ' log pages of ' + this.ps + ' bytes'));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ payload: payload, done: done, resolve: resolve, reject: reject });
      if (!this.running) {
        this.running = true;
        // One microtask later: saves issued together share the commit.
        queueMicrotask(() => { void this.pump(); });
      }
    });
  }

  /** Writes what the queue holds, a group commit at a time, until it is empty; never rejects. */
  private async pump(): Promise<void> {
    while (this.queue.length && !this.failure) {
      let bytes = 0;
      let count = 0;
      let deletesOnly = true;
      while (count < this.queue.length && (count === 0 || bytes + FRAME_SIZE + this.queue[count].payload.length <= this.maxBatchBytes)) {
        bytes += FRAME_SIZE + this.queue[count].payload.length;
        if (this.queue[count].payload[0] !== DELETE) deletesOnly = false;
        count++;
      }
      const batch = this.queue.splice(0, count);
      const payloads: Uint8Array[] = [];
      for (let i = 0; i < batch.length; i++) payloads.push(batch[i].payload);
      const pages = commitPages(bytes, this.ps);
      const headroom = deletesOnly ? 0 : DELETE_HEADROOM;
      try {
        // Cleaning is rare: the checks that it is not due run without an await.
        if (this.fullPacked(pages, headroom) || !this.roomFor(pages, headroom)) await this.makeRoom(pages, headroom);
        const positions = await this.writeCommit(payloads);
        await this.store.flush();
        this.commits++;
        for (let i = 0; i < batch.length; i++) batch[i].done(positions[i]);
        for (let i = 0; i < batch.length; i++) batch[i].resolve();
        if (this.cleaningDue()) await this.cleanAhead();
      } catch (e) {
        if (e instanceof RecordsError && e.code === 'EFULL') {
          // Nothing was written for this batch: it fails alone.
          for (let i = 0; i < batch.length; i++) batch[i].reject(e);
        } else {
          // After a failed write or flush the pages may be behind what this
          // session believes, so the store stops until it is reopened.
          this.fail(e, batch);
        }
      }
    }
    this.running = false;
    const waiting = this.idle;
    this.idle = [];
    for (let i = 0; i < waiting.length; i++) waiting[i]();
  }

  private fail(e: unknown, batch: Pending[]): void {
    const why = e instanceof Error ? e.message : String(e);
    this.failure = new RecordsError('EFAILED', 'the store stopped after a failed write (' + why + '); reopen it');
    for (let i = 0; i < batch.length; i++) batch[i].reject(this.failure);
    const queued = this.queue.splice(0, this.queue.length);
    for (let i = 0; i < queued.length; i++) queued[i].reject(this.failure);
  }

  /** The head as a page inside the log (a commit may have ended right at the end). */
  private headPage(): number {
    return this.head === this.end ? this.first : this.head;
  }

  private used(): number {
    return (this.headPage() - this.tail + this.n) % this.n;
  }

  /** Free pages; one always stays unused so that a full log differs from an empty one. */
  private free(): number {
    return this.n - this.used() - 1;
  }

  /** Pages a commit of `pages` consumes at the head, counting a wrap's skipped pages. */
  private cost(pages: number): number {
    const h = this.headPage();
    return h + pages > this.end ? this.end - h + pages : pages;
  }

  /** Pages kept free so that cleaning can always copy one commit (and wrap). */
  private reserve(): number {
    return 2 * this.maxCommitPages + 2;
  }

  /** Writes a commit at the head (with a wrap marker first if it does not fit before the end); no flush. */
  private async writeCommit(payloads: Uint8Array[]): Promise<number[]> {
    const ps = this.ps;
    let bodyLength = 0;
    for (let i = 0; i < payloads.length; i++) bodyLength += FRAME_SIZE + payloads[i].length;
    const pages = commitPages(bodyLength, ps);
    if (pages > this.maxCommitPages) this.maxCommitPages = pages;
    let wrap: Promise<void> | null = null;
    let at = this.headPage();
    if (at + pages > this.end) {
      const marker = new Uint8Array(ps);
      writeCommitHeader(marker, { seq: this.nextSeq++, pages: 1, kind: COMMIT_WRAP, bodyLength: 0, bodyCrc: 0 });
      this.cache.put(at, marker, true);
      wrap = this.store.write(at, marker);
      at = this.first;
    }
    const buf = new Uint8Array(pages * ps);
    const view = new DataView(buf.buffer);
    const positions: number[] = [];
    let off = HEADER_SIZE;
    let frames = 0;
    for (let i = 0; i < payloads.length; i++) {
      const p = payloads[i];
      view.setUint32(off, p.length, true);
      view.setUint32(off + 4, crc32(p), true);
      frames = crc32(buf, off, off + FRAME_SIZE, frames);
      buf.set(p, off + FRAME_SIZE);
      positions.push(at * ps + off);
      off += FRAME_SIZE + p.length;
    }
    writeCommitHeader(buf, { seq: this.nextSeq++, pages: pages, kind: COMMIT_ENTRIES, bodyLength: bodyLength, bodyCrc: frames });
    this.writeEpoch++;
    for (let i = 0; i < pages; i++) this.cache.put(at + i, buf.subarray(i * ps, (i + 1) * ps), true);
    this.head = at + pages;
    if (wrap) await wrap;
    await this.store.write(at, buf);
    return positions;
  }

  /* ---- cleaning ---- */

  /** Whether a commit of `pages` fits and leaves the reserve plus `headroom` free. */
  private roomFor(pages: number, headroom: number): boolean {
    return this.free() - this.cost(pages) >= this.reserve() + headroom;
  }

  /** Whether even perfectly packed, the live data would leave no room for a commit of `pages`. */
  private fullPacked(pages: number, headroom: number): boolean {
    return Math.ceil(this.hooks.liveBytes() / this.ps) + pages + this.reserve() + headroom >= this.n;
  }

  /** Cleans until a commit of `pages` fits and leaves the reserve plus `headroom`. */
  private async makeRoom(pages: number, headroom: number): Promise<void> {
    const full = (): RecordsError => new RecordsError('EFULL', 'store full: ' + this.hooks.liveBytes() + ' bytes live in a log of ' + this.n + ' pages of ' + this.ps + ' bytes');
    // Even perfectly packed, the live data would leave no room: say so without cleaning a lap.
    if (this.fullPacked(pages, headroom)) throw full();
    let walked = 0;
    while (!this.roomFor(pages, headroom)) {
      // A whole lap of the log cleaned without making room: it is all live.
      if (walked > this.n || this.used() === 0) throw full();
      const n = await this.cleanRound(Math.max(pages * 4, 16));
      walked = n ? walked + n : this.n + 1;
    }
  }

  /** Slack the log may hold beyond twice the live data before cleaning ahead of need. */
  private slack(): number {
    return Math.min(MAX_SLACK_PAGES, Math.floor(this.n / 4));
  }

  /** Whether the log holds far more than the live data (cleaning ahead keeps replay short). */
  private cleaningDue(): boolean {
    return this.used() > 2 * Math.ceil(this.hooks.liveBytes() / this.ps) + this.slack();
  }

  private async cleanAhead(): Promise<void> {
    await this.cleanRound(this.used() - Math.ceil(this.hooks.liveBytes() / this.ps) - Math.floor(this.slack() / 2));
  }

  /**
   * One cleaning round: walks commits from the tail, copies their live
   * entries to the head (packed into few commits), flushes, then moves the
   * tail past them with a new superblock. Returns the pages it walked
   * (0: not even one commit could be moved).
   */
  private async cleanRound(target: number): Promise<number> {
    const ps = this.ps;
    const stop = this.headPage();
    let t = this.tail;
    let tSeq = this.tailSeq;
    /* The tail position before the commits whose live entries sit in `batch`. */
    let batchT = t;
    let batchSeq = tSeq;
    let batch: { payload: Uint8Array; from: number }[] = [];
    let batchBytes = 0;
    const written: { payload: Uint8Array; from: number }[][] = [];
    const positions: number[][] = [];
    let cleaned = 0;

    /* Copies `batch` to the head as one commit; false (nothing written) when it does not fit. */
    const writeBatch = async (): Promise<boolean> => {
      if (!batch.length) return true;
      const pages = commitPages(batchBytes, ps);
      if (this.free() - this.cost(pages) < 0) return false;
      const entries = batch;
      batch = [];
      batchBytes = 0;
      const payloads: Uint8Array[] = [];
      for (let i = 0; i < entries.length; i++) payloads.push(entries[i].payload);
      const pos = await this.writeCommit(payloads);
      written.push(entries);
      positions.push(pos);
      return true;
    };

    while (t !== stop && cleaned < target) {
      const commit = await this.readCommit(t, tSeq);
      if (!commit) throw new RecordsError('ECORRUPT', 'log damaged: no valid commit ' + tSeq + ' at page ' + t + ' (between tail and head)');
      const h = commit.header;
      if (h.kind === COMMIT_WRAP) {
        cleaned += this.end - t;
        t = this.first;
        tSeq++;
        if (!batch.length) { batchT = t; batchSeq = tSeq; }
        continue;
      }
      const live: { payload: Uint8Array; from: number }[] = [];
      let liveBytes = 0;
      for (let i = 0; i < commit.entries.length; i++) {
        const e = commit.entries[i];
        if (this.hooks.isLive(e.payload, e.pos)) {
          live.push({ payload: e.payload, from: e.pos });
          liveBytes += FRAME_SIZE + e.payload.length;
        }
      }
      if (batch.length && batchBytes + liveBytes > this.maxBatchBytes && !(await writeBatch())) break;
      if (!batch.length) { batchT = t; batchSeq = tSeq; }
      for (let i = 0; i < live.length; i++) batch.push(live[i]);
      batchBytes += liveBytes;
      cleaned += h.pages;
      t += h.pages;
      if (t === this.end) t = this.first;
      tSeq++;
    }

    if (!(await writeBatch())) {
      // The last batch did not fit: its commits stay in the log.
      t = batchT;
      tSeq = batchSeq;
    }
    if (t === this.tail) return 0;
    this.cleanings++;
    await this.store.flush();
    for (let b = 0; b < written.length; b++) {
      for (let i = 0; i < written[b].length; i++) this.hooks.moved(written[b][i].payload, written[b][i].from, positions[b][i]);
    }
    await this.writeSuperblock(t, tSeq);
    const walked = (t - this.tail + this.n) % this.n;
    this.tail = t;
    this.tailSeq = tSeq;
    return walked;
  }

  private async writeSuperblock(tail: number, tailSeq: number): Promise<void> {
    const sb: Superblock = { pageSize: this.ps, pages: this.end, generation: this.generation + 1, tail: tail, tailSeq: tailSeq };
    await this.store.write(sb.generation % 2, encodeSuperblock(sb));
    await this.store.flush();
    this.generation = sb.generation;
  }

  /* ---- reading ---- */

  /** The payload of the entry at `pos` (of `length` bytes), checked against its CRC. */
  read(pos: number, length: number): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new RecordsError('ECLOSED', 'the store is closed'));
    const ps = this.ps;
    const firstPage = Math.floor(pos / ps);
    const lastPage = Math.floor((pos + FRAME_SIZE + length - 1) / ps);
    const count = lastPage - firstPage + 1;
    const cached: Uint8Array[] = [];
    // Pages this session wrote need no checksum: they never touched the medium's way back.
    let own = true;
    for (let i = 0; i < count; i++) {
      const page = this.cache.get(firstPage + i);
      if (!page) break;
      cached.push(page.bytes);
      own = own && page.own;
    }
    if (cached.length === count) {
      let bytes = cached[0];
      if (count > 1) {
        // Pages of one commit written this session are views of one buffer: view them whole.
        let contiguous = true;
        for (let i = 1; i < count && contiguous; i++) contiguous = cached[i].buffer === cached[0].buffer && cached[i].byteOffset === cached[0].byteOffset + i * ps;
        if (contiguous) {
          bytes = new Uint8Array(cached[0].buffer, cached[0].byteOffset, count * ps);
        } else {
          bytes = new Uint8Array(count * ps);
          for (let i = 0; i < count; i++) bytes.set(cached[i], i * ps);
        }
      }
      try {
        return Promise.resolve(this.payloadAt(bytes, pos, firstPage, length, own));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const epoch = this.writeEpoch;
    const buf = new Uint8Array(count * ps);
    // eslint-disable-next-line promise/prefer-await-to-then -- hot path: runs per record read from the medium; an async read() cost 245k more instructions per get in Duktape (bench notes in the commit)
    return this.store.read(firstPage, buf).then(() => {
      // Big entries read back do not go in: a scan over records larger than
      // the cache would otherwise evict everything and hit nothing.
      if (epoch === this.writeEpoch && count <= 4) for (let i = 0; i < count; i++) this.cache.put(firstPage + i, buf.subarray(i * ps, (i + 1) * ps), false);
      return this.payloadAt(buf, pos, firstPage, length, false);
    });
  }

  /** The payload in `bytes` (pages from `firstPage` on); `trusted`: written this session, no CRC check. */
  private payloadAt(bytes: Uint8Array, pos: number, firstPage: number, length: number, trusted: boolean): Uint8Array {
    const at = pos - firstPage * this.ps;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const payload = bytes.subarray(at + FRAME_SIZE, at + FRAME_SIZE + length);
    if (view.getUint32(at, true) !== length || (!trusted && crc32(payload) !== view.getUint32(at + 4, true))) {
      throw new RecordsError('ECORRUPT', 'the entry at byte ' + pos + ' of the store is damaged (checksum mismatch)');
    }
    return payload;
  }

  /* ---- the rest ---- */

  /** Resolves when every appended payload is durable (or failed). */
  drain(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise<void>((resolve) => { this.idle.push(resolve); });
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
    this.cache.clear();
    if (!this.failure) await this.store.flush();
  }

  /** The error that stopped the store, if a write failed. (A method: accessors cost images tree-shaking.) */
  failed(): RecordsError | null {
    return this.failure;
  }

  stats(): JournalStats {
    return {
      pageSize: this.ps,
      logPages: this.n,
      usedPages: this.used(),
      freePages: this.free(),
      liveBytes: this.hooks.liveBytes(),
      commits: this.commits,
      cleanings: this.cleanings,
      tail: this.tail,
      head: this.headPage(),
    };
  }
}

/** Picks the superblock to open with, or null to format (blank device); throws for anything else. */
function chooseSuperblock(a: SuperblockRead, b: SuperblockRead, store: PageStore): Superblock | null {
  let best: Superblock | null = null;
  if (a.state === 'valid') best = a.superblock;
  if (b.state === 'valid' && (!best || b.superblock.generation > best.generation)) best = b.superblock;
  if (best) {
    if (best.pageSize !== store.pageSize) {
      throw new RecordsError('ENOTSTORE', 'the store was formatted with ' + best.pageSize + '-byte pages, opened with ' + store.pageSize);
    }
    if (best.pages > store.pages) {
      throw new RecordsError('ENOTSTORE', 'the store spans ' + best.pages + ' pages but the device has ' + store.pages);
    }
    if (best.pages < SUPERBLOCK_PAGES + 16 || best.tail < SUPERBLOCK_PAGES || best.tail >= best.pages) {
      throw new RecordsError('ECORRUPT', 'superblock names tail page ' + best.tail + ' of ' + best.pages + ', outside the log');
    }
    return best;
  }
  if (a.state === 'foreign' || b.state === 'foreign') {
    throw new RecordsError('ENOTSTORE', 'not a records store: its first pages hold other data (open with { format: true } to erase it)');
  }
  if (a.state === 'damaged' && b.state === 'damaged') {
    throw new RecordsError('ECORRUPT', 'both superblocks are damaged (' + a.why + '; ' + b.why + ')');
  }
  // Blank, or a first format cut short (one page torn, the other blank): nothing was ever stored.
  return null;
}
