/*
 * Pure blkfront core: maps read(lba, buf) / write(lba, buf) / flush() onto blkif requests of
 * at most 11 segments (4 KiB granted pages, 512-byte sector ranges), or, where the backend
 * offers indirect descriptors, of up to `indirectSegments` segments listed in granted
 * indirect pages; queues what the ring cannot take yet, and completes each operation once
 * all its requests are answered.
 * Errors are values; backend input never throws. The adapter owns grants, the event
 * channel and promises: it calls kick() (notify if true) after submitting and poll() on events.
 */

import type { FrontRing } from '../ring/shared-ring';
import { XEN_PAGE_SIZE, type GrantedPage, type PageGranter } from '../ring/pages';
import {
  BLKIF_MAX_SEGMENTS_PER_REQUEST,
  BLKIF_OP_FLUSH_DISKCACHE,
  BLKIF_OP_READ,
  BLKIF_OP_WRITE,
  BLKIF_OP_WRITE_BARRIER,
  BLKIF_RSP_EOPNOTSUPP,
  BLKIF_RSP_OKAY,
  BLKIF_SECTOR_BYTES,
  BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST,
  BLKIF_SEGMENTS_PER_INDIRECT_PAGE,
  decodeBlkifResponse,
  encodeBlkifIndirectRequest,
  encodeBlkifRequest,
  encodeIndirectSegment,
  type BlkifLayout,
  type BlkifSegment,
} from './wire';

export type BlkError = 'range' | 'align' | 'io' | 'unsupported' | 'closed';
export type BlkSubmit = { ok: true; op: number } | { ok: false; error: BlkError };
export interface BlkCompletion { op: number; ok: boolean; error?: BlkError; status: number }

export interface BlkfrontOptions {
  ring: FrontRing;
  layout: BlkifLayout;
  granter: PageGranter;
  /** The virtual-device handle put in each request (default 0). */
  handle?: number;
  /** Logical sector size of the disk, a multiple of 512 (default 512). lba counts these. */
  sectorSize?: number;
  /** Disk size in logical sectors, if known: requests beyond it are refused. */
  sectors?: number;
  /** How flush() reaches the disk: feature-flush-cache, feature-barrier, or not at all. */
  flush?: 'flush' | 'barrier' | 'none';
  /** Segments per request, 1..11 (default 11). */
  maxSegments?: number;
  /**
   * Segments per indirect request (BLKIF_OP_INDIRECT), from the backend's
   * feature-max-indirect-segments; 0 or absent: no indirect requests.
   */
  indirectSegments?: number;
}

export interface BlkfrontStats { requests: number; errors: number; malformed: number }

interface Op { remaining: number; status: number; buf: Uint8Array | null }
interface Req { op: number; operation: number; sector: number; buf: Uint8Array | null; bufOff: number; bytes: number }
/** pages: the data pages in order; indirect: the pages listing them (indirect requests only). */
interface InFlight { req: Req; pages: GrantedPage[]; indirect: GrantedPage[] }

export class Blkfront {
  readonly stats: BlkfrontStats = { requests: 0, errors: 0, malformed: 0 };
  readonly sectorSize: number;
  private readonly ring: FrontRing;
  private readonly L: BlkifLayout;
  private readonly granter: PageGranter;
  private readonly handle: number;
  private readonly sectors: number;
  private readonly flushMode: 'flush' | 'barrier' | 'none';
  private readonly maxSeg: number;
  private readonly indirectSeg: number;
  private readonly queue: Req[] = [];
  private readonly slots: (InFlight | null)[] = [];
  private readonly freeIds: number[] = [];
  private readonly ops: { [op: number]: Op } = {};
  private readonly ready: BlkCompletion[] = [];
  private nextOp = 1;
  private closed = false;

  constructor(o: BlkfrontOptions) {
    this.ring = o.ring;
    this.L = o.layout;
    this.granter = o.granter;
    this.handle = o.handle ?? 0;
    this.sectorSize = o.sectorSize ?? BLKIF_SECTOR_BYTES;
    this.sectors = o.sectors ?? -1;
    this.flushMode = o.flush ?? 'flush';
    const m = o.maxSegments ?? BLKIF_MAX_SEGMENTS_PER_REQUEST;
    this.maxSeg = m < 1 ? 1 : m > BLKIF_MAX_SEGMENTS_PER_REQUEST ? BLKIF_MAX_SEGMENTS_PER_REQUEST : m;
    const most = BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * BLKIF_SEGMENTS_PER_INDIRECT_PAGE;
    const ind = Math.floor(o.indirectSegments ?? 0);
    // Below 12 segments an indirect request gains nothing over an inline one.
    this.indirectSeg = ind > BLKIF_MAX_SEGMENTS_PER_REQUEST ? (ind > most ? most : ind) : 0;
    if (this.sectorSize < BLKIF_SECTOR_BYTES || this.sectorSize % BLKIF_SECTOR_BYTES !== 0 || this.sectorSize > XEN_PAGE_SIZE) {
      throw new RangeError('sector size must be a multiple of 512 up to 4096');
    }
    for (let i = this.ring.size - 1; i >= 0; i--) {
      this.slots.push(null);
      this.freeIds.push(i);
    }
  }

  read(lba: number, buf: Uint8Array): BlkSubmit {
    return this.rw(BLKIF_OP_READ, lba, buf);
  }

  /** The data is copied into granted pages when its requests enter the ring: keep buf unchanged until completion. */
  write(lba: number, buf: Uint8Array): BlkSubmit {
    return this.rw(BLKIF_OP_WRITE, lba, buf);
  }

  flush(): BlkSubmit {
    if (this.closed) return { ok: false, error: 'closed' };
    const op = this.newOp(null);
    if (this.flushMode === 'none') {
      this.finish(op, 0);
      return { ok: true, op };
    }
    const operation = this.flushMode === 'flush' ? BLKIF_OP_FLUSH_DISKCACHE : BLKIF_OP_WRITE_BARRIER;
    this.ops[op].remaining = 1;
    this.queue.push({ op, operation, sector: 0, buf: null, bufOff: 0, bytes: 0 });
    return { ok: true, op };
  }

  private rw(operation: number, lba: number, buf: Uint8Array): BlkSubmit {
    if (this.closed) return { ok: false, error: 'closed' };
    if (buf.length % this.sectorSize !== 0) return { ok: false, error: 'align' };
    const count = buf.length / this.sectorSize;
    if (!(lba >= 0) || Math.floor(lba) !== lba || lba + count > 9007199254740991 / (this.sectorSize / 512)) {
      return { ok: false, error: 'range' };
    }
    if (this.sectors >= 0 && lba + count > this.sectors) return { ok: false, error: 'range' };
    const op = this.newOp(operation === BLKIF_OP_READ ? buf : null);
    const perReq = (this.indirectSeg || this.maxSeg) * XEN_PAGE_SIZE;
    const base = lba * (this.sectorSize / BLKIF_SECTOR_BYTES);
    let n = 0;
    for (let off = 0; off < buf.length; off += perReq) {
      const bytes = buf.length - off < perReq ? buf.length - off : perReq;
      this.queue.push({ op, operation, sector: base + off / BLKIF_SECTOR_BYTES, buf, bufOff: off, bytes });
      n++;
    }
    this.ops[op].remaining = n;
    if (n === 0) this.finish(op, 0);
    return { ok: true, op };
  }

  private newOp(buf: Uint8Array | null): number {
    const op = this.nextOp;
    this.nextOp = this.nextOp >= 0x3fffffff ? 1 : this.nextOp + 1;
    this.ops[op] = { remaining: 0, status: BLKIF_RSP_OKAY, buf };
    return op;
  }

  private finish(op: number, status: number): void {
    delete this.ops[op];
    if (status === BLKIF_RSP_OKAY) this.ready.push({ op, ok: true, status });
    else this.ready.push({ op, ok: false, status, error: status === BLKIF_RSP_EOPNOTSUPP ? 'unsupported' : 'io' });
  }

  /** Requests waiting for ring space or pages. */
  queued(): number {
    return this.queue.length;
  }

  /** Move queued requests into the ring and publish them; true when the backend must be notified. */
  kick(): boolean {
    let produced = 0;
    while (this.queue.length > 0 && !this.ring.full() && this.freeIds.length > 0) {
      const req = this.queue[0];
      const npages = Math.ceil(req.bytes / XEN_PAGE_SIZE);
      const nindirect = npages > BLKIF_MAX_SEGMENTS_PER_REQUEST ? Math.ceil(npages / BLKIF_SEGMENTS_PER_INDIRECT_PAGE) : 0;
      const pages = this.allocPages(npages, req.operation === BLKIF_OP_READ ? 'rw' : 'ro');
      const indirect = pages === null ? null : this.allocPages(nindirect, 'ro');
      if (pages === null || indirect === null) {
        if (pages !== null) this.freePages(pages);
        break;
      }
      this.queue.shift();
      const segments: BlkifSegment[] = [];
      for (let i = 0; i < npages; i++) {
        const off = i * XEN_PAGE_SIZE;
        const len = req.bytes - off < XEN_PAGE_SIZE ? req.bytes - off : XEN_PAGE_SIZE;
        if (req.operation === BLKIF_OP_WRITE && req.buf !== null) {
          pages[i].data.set(req.buf.subarray(req.bufOff + off, req.bufOff + off + len), 0);
        }
        segments.push({ gref: pages[i].gref, firstSect: 0, lastSect: len / BLKIF_SECTOR_BYTES - 1 });
      }
      const id = this.freeIds.pop() as number;
      this.slots[id] = { req, pages, indirect };
      const L = this.L;
      if (indirect.length > 0) {
        for (let i = 0; i < segments.length; i++) {
          const page = indirect[Math.floor(i / BLKIF_SEGMENTS_PER_INDIRECT_PAGE)].data;
          encodeIndirectSegment(new DataView(page.buffer, page.byteOffset, XEN_PAGE_SIZE), i % BLKIF_SEGMENTS_PER_INDIRECT_PAGE, segments[i]);
        }
        const grefs: number[] = [];
        for (let i = 0; i < indirect.length; i++) grefs.push(indirect[i].gref);
        const wire = { indirectOp: req.operation, nrSegments: segments.length, handle: this.handle, idLo: id, idHi: 0, sector: req.sector, indirectGrefs: grefs };
        this.ring.produceRequest((dv, o) => encodeBlkifIndirectRequest(L, dv, o, wire));
      } else {
        const wire = { operation: req.operation, handle: this.handle, idLo: id, idHi: 0, sector: req.sector, segments };
        this.ring.produceRequest((dv, o) => encodeBlkifRequest(L, dv, o, wire));
      }
      this.stats.requests++;
      produced++;
    }
    return produced > 0 ? this.ring.pushRequestsAndCheckNotify() : false;
  }

  /** `count` pages of one access, or none (all handed back) when the granter runs short. */
  private allocPages(count: number, access: 'ro' | 'rw'): GrantedPage[] | null {
    const pages: GrantedPage[] = [];
    for (let i = 0; i < count; i++) {
      const p = this.granter.alloc(access);
      if (p === null) {
        this.freePages(pages);
        return null;
      }
      pages.push(p);
    }
    return pages;
  }

  private freePages(pages: GrantedPage[]): void {
    for (let i = 0; i < pages.length; i++) this.granter.free(pages[i]);
  }

  /** Consume responses; completed operations come back (plus any that completed without I/O). */
  poll(): BlkCompletion[] {
    const L = this.L;
    for (;;) {
      const n = this.ring.unconsumedResponses();
      for (let i = 0; i < n; i++) {
        const r = this.ring.peekResponse(i, (dv, o) => decodeBlkifResponse(L, dv, o));
        const slot = r.idHi === 0 && r.idLo < this.slots.length ? this.slots[r.idLo] : null;
        if (slot === null) {
          this.stats.malformed++;
          continue;
        }
        this.slots[r.idLo] = null;
        this.freeIds.push(r.idLo);
        const req = slot.req;
        const op = this.ops[req.op];
        if (r.status === BLKIF_RSP_OKAY) {
          if (req.operation === BLKIF_OP_READ && op.buf !== null) {
            for (let k = 0; k < slot.pages.length; k++) {
              const off = k * XEN_PAGE_SIZE;
              const len = req.bytes - off < XEN_PAGE_SIZE ? req.bytes - off : XEN_PAGE_SIZE;
              op.buf.set(slot.pages[k].data.subarray(0, len), req.bufOff + off);
            }
          }
        } else {
          this.stats.errors++;
          if (op.status === BLKIF_RSP_OKAY) op.status = r.status;
        }
        this.freePages(slot.pages);
        this.freePages(slot.indirect);
        if (--op.remaining === 0) this.finish(req.op, op.status);
      }
      this.ring.consume(n);
      if (!this.ring.finalCheckForResponses()) break;
    }
    const out = this.ready.splice(0, this.ready.length);
    return out;
  }

  /** Fail everything queued or in flight and hand back all pages; further calls fail with 'closed'. */
  teardown(): BlkCompletion[] {
    this.closed = true;
    for (let id = 0; id < this.slots.length; id++) {
      const s = this.slots[id];
      if (s === null) continue;
      this.slots[id] = null;
      this.freeIds.push(id);
      this.freePages(s.pages);
      this.freePages(s.indirect);
    }
    this.queue.length = 0;
    const out = this.ready.splice(0, this.ready.length);
    for (const key in this.ops) {
      const op = Number(key);
      delete this.ops[op];
      out.push({ op, ok: false, status: -1, error: 'closed' });
    }
    return out;
  }
}
