/*
 * Xen's generic shared producer/consumer ring (public/io/ring.h, DEFINE_RING_TYPES),
 * over plain bytes: no grants, no event channels, no I/O. The adapter that owns the
 * shared page(s) builds a FrontRing (or, in tests, a BackRing) over them and sends the
 * event-channel notification when a push says so.
 *
 * Layout of the sring header (little-endian, as on x86 and ARM):
 *   0 req_prod  4 req_event  8 rsp_prod  12 rsp_event  16 private[4]  20 __pad[44]
 *   64 ring[] — entries of max(sizeof request, sizeof response) bytes.
 * The ring holds the largest power of two of entries that fits after the header
 * (__RING_SIZE). With ring-page-order > 0 the pages are one virtually contiguous area:
 * the header is in the first page only and entries may straddle page boundaries.
 *
 * Indices are free-running unsigned 32-bit counters; slot = index & (size - 1).
 * ES5-safe: no BigInt, no TypedArray.prototype.slice/fill/from.
 */

export const PAGE_SIZE = 4096;
export const SRING_HEADER_BYTES = 64;

const OFF_REQ_PROD = 0;
const OFF_REQ_EVENT = 4;
const OFF_RSP_PROD = 8;
const OFF_RSP_EVENT = 12;

/** Largest power of two of `entryBytes`-sized entries fitting in `areaBytes` after the header. */
export function ringSize(areaBytes: number, entryBytes: number): number {
  const n = Math.floor((areaBytes - SRING_HEADER_BYTES) / entryBytes);
  if (n < 1) return 0;
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

/** Encoder/decoder of one entry at `off` in `dv` (entry-relative offsets are added by the caller). */
export type EntryWriter = (dv: DataView, off: number) => void;
export type EntryReader<T> = (dv: DataView, off: number) => T;

/** u32 difference a - b modulo 2^32. */
function sub32(a: number, b: number): number {
  return (a - b) >>> 0;
}

/**
 * The bytes of a ring: one contiguous view, or a list of equally sized page views
 * (ring-page-order). Linear offsets are mapped to (page, offset).
 */
export class RingMemory {
  readonly pages: Uint8Array[];
  readonly views: DataView[];
  readonly pageBytes: number;
  readonly totalBytes: number;

  constructor(mem: Uint8Array | Uint8Array[]) {
    const pages = mem instanceof Uint8Array ? [mem] : mem;
    if (pages.length === 0) throw new RangeError('ring needs at least one page');
    const pb = pages[0].length;
    for (let i = 0; i < pages.length; i++) {
      if (pages[i].length !== pb) throw new RangeError('ring pages must have equal sizes');
    }
    if (pb < SRING_HEADER_BYTES) throw new RangeError('ring page too small');
    this.pages = pages;
    this.pageBytes = pb;
    this.totalBytes = pb * pages.length;
    this.views = [];
    for (let i = 0; i < pages.length; i++) {
      this.views.push(new DataView(pages[i].buffer, pages[i].byteOffset, pages[i].byteLength));
    }
  }

  /** Header fields live in the first page (always 16 bytes in, so never straddle). */
  getU32(off: number): number {
    return this.views[0].getUint32(off, true);
  }
  setU32(off: number, v: number): void {
    this.views[0].setUint32(off, v >>> 0, true);
  }

  /** If [off, off+len) lies in one page, its page index and offset there; else -1. */
  locate(off: number, len: number): number {
    const p = Math.floor(off / this.pageBytes);
    const o = off - p * this.pageBytes;
    return o + len <= this.pageBytes ? p : -1;
  }

  copyOut(off: number, into: Uint8Array): void {
    for (let i = 0; i < into.length; i++) {
      const a = off + i;
      const p = Math.floor(a / this.pageBytes);
      into[i] = this.pages[p][a - p * this.pageBytes];
    }
  }
  copyIn(off: number, from: Uint8Array): void {
    for (let i = 0; i < from.length; i++) {
      const a = off + i;
      const p = Math.floor(a / this.pageBytes);
      this.pages[p][a - p * this.pageBytes] = from[i];
    }
  }
}

/** The shared part: header accessors and entry access by ring index. */
export class SharedRing {
  readonly mem: RingMemory;
  readonly entryBytes: number;
  readonly size: number;
  private readonly scratch: Uint8Array;
  private readonly scratchView: DataView;

  constructor(mem: Uint8Array | Uint8Array[] | RingMemory, entryBytes: number) {
    this.mem = mem instanceof RingMemory ? mem : new RingMemory(mem);
    this.entryBytes = entryBytes;
    this.size = ringSize(this.mem.totalBytes, entryBytes);
    if (this.size < 1) throw new RangeError('ring area too small for one entry');
    this.scratch = new Uint8Array(entryBytes);
    this.scratchView = new DataView(this.scratch.buffer);
  }

  /** SHARED_RING_INIT: producers 0, events 1, the rest of the header zeroed. */
  init(): void {
    for (let i = 0; i < SRING_HEADER_BYTES; i += 4) this.mem.setU32(i, 0);
    this.mem.setU32(OFF_REQ_EVENT, 1);
    this.mem.setU32(OFF_RSP_EVENT, 1);
  }

  get reqProd(): number { return this.mem.getU32(OFF_REQ_PROD); }
  set reqProd(v: number) { this.mem.setU32(OFF_REQ_PROD, v); }
  get reqEvent(): number { return this.mem.getU32(OFF_REQ_EVENT); }
  set reqEvent(v: number) { this.mem.setU32(OFF_REQ_EVENT, v); }
  get rspProd(): number { return this.mem.getU32(OFF_RSP_PROD); }
  set rspProd(v: number) { this.mem.setU32(OFF_RSP_PROD, v); }
  get rspEvent(): number { return this.mem.getU32(OFF_RSP_EVENT); }
  set rspEvent(v: number) { this.mem.setU32(OFF_RSP_EVENT, v); }

  slotOffset(idx: number): number {
    return SRING_HEADER_BYTES + (idx & (this.size - 1)) * this.entryBytes;
  }

  /** Write the entry at ring index `idx` (the entry is zeroed first). */
  writeEntry(idx: number, write: EntryWriter): void {
    const off = this.slotOffset(idx);
    const p = this.mem.locate(off, this.entryBytes);
    if (p >= 0) {
      const o = off - p * this.mem.pageBytes;
      const page = this.mem.pages[p];
      for (let i = 0; i < this.entryBytes; i++) page[o + i] = 0;
      write(this.mem.views[p], o);
    } else {
      for (let i = 0; i < this.entryBytes; i++) this.scratch[i] = 0;
      write(this.scratchView, 0);
      this.mem.copyIn(off, this.scratch);
    }
  }

  /** Read the entry at ring index `idx`. The reader must not keep the DataView. */
  readEntry<T>(idx: number, read: EntryReader<T>): T {
    const off = this.slotOffset(idx);
    const p = this.mem.locate(off, this.entryBytes);
    if (p >= 0) return read(this.mem.views[p], off - p * this.mem.pageBytes);
    this.mem.copyOut(off, this.scratch);
    return read(this.scratchView, 0);
  }
}

/** Front end: produces requests, consumes responses. */
/** A full memory barrier between our accesses to the shared page (the kernel's; none in tests). */
export type Fence = () => void;
const NO_FENCE: Fence = () => { /* one thread, one memory */ };

export class FrontRing {
  readonly sring: SharedRing;
  reqProdPvt = 0;
  rspCons = 0;
  private readonly fence: Fence;

  /**
   * `fence` orders our reads and writes of the page against the backend's
   * on another CPU (ring.h's wmb/rmb/mb); x86 keeps stores in order, ARM
   * does not.
   */
  constructor(sring: SharedRing, init = true, fence: Fence = NO_FENCE) {
    this.sring = sring;
    this.fence = fence;
    if (init) sring.init();
  }

  get size(): number { return this.sring.size; }

  /** Requests produced (pushed or not) and not yet answered. */
  outstanding(): number { return sub32(this.reqProdPvt, this.rspCons); }
  /** RING_FREE_REQUESTS */
  freeRequests(): number { return this.size - this.outstanding(); }
  full(): boolean { return this.freeRequests() === 0; }

  /** Write the next private request slot; returns its ring index, or -1 if full. */
  produceRequest(write: EntryWriter): number {
    if (this.full()) return -1;
    const idx = this.reqProdPvt;
    this.sring.writeEntry(idx, write);
    this.reqProdPvt = (idx + 1) >>> 0;
    return idx;
  }

  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY: publish req_prod; true when the backend must be notified. */
  pushRequestsAndCheckNotify(): boolean {
    const old = this.sring.reqProd;
    const nw = this.reqProdPvt;
    this.fence(); // the requests before the index that publishes them
    this.sring.reqProd = nw;
    this.fence(); // the index before reading when the backend wants to hear of it
    return sub32(nw, this.sring.reqEvent) < sub32(nw, old);
  }

  /**
   * Responses available to consume. Never more than the requests outstanding: a backend
   * that moves rsp_prod further is clamped (the surplus cannot correspond to anything).
   */
  unconsumedResponses(): number {
    const n = sub32(this.sring.rspProd, this.rspCons);
    this.fence(); // the index before the responses it covers
    const o = this.outstanding();
    return n > o ? o : n;
  }

  /** Read the response `ahead` slots past rsp_cons without consuming it. */
  peekResponse<T>(ahead: number, read: EntryReader<T>): T {
    return this.sring.readEntry((this.rspCons + ahead) >>> 0, read);
  }

  /** Consume `n` responses. */
  consume(n: number): void {
    this.rspCons = (this.rspCons + n) >>> 0;
  }

  /** Asks for an event when the response `ahead` slots past rsp_cons arrives (1 = the next). */
  armResponseEvent(ahead: number): void {
    this.sring.rspEvent = (this.rspCons + ahead) >>> 0;
    this.fence();
  }

  /** RING_FINAL_CHECK_FOR_RESPONSES: true if more work; otherwise arms rsp_event and rechecks. */
  finalCheckForResponses(): boolean {
    if (this.unconsumedResponses() > 0) return true;
    this.sring.rspEvent = (this.rspCons + 1) >>> 0;
    this.fence(); // the event index before looking again
    return this.unconsumedResponses() > 0;
  }
}

/** Back end (used by fake backends in tests; the same rules netback/blkback follow). */
export class BackRing {
  readonly sring: SharedRing;
  rspProdPvt = 0;
  reqCons = 0;

  constructor(sring: SharedRing) {
    this.sring = sring;
  }

  get size(): number { return this.sring.size; }

  /** RING_HAS_UNCONSUMED_REQUESTS */
  unconsumedRequests(): number {
    const req = sub32(this.sring.reqProd, this.reqCons);
    const rsp = this.size - sub32(this.reqCons, this.rspProdPvt);
    return req < rsp ? req : rsp;
  }

  consumeRequest<T>(read: EntryReader<T>): T {
    const v = this.sring.readEntry(this.reqCons, read);
    this.reqCons = (this.reqCons + 1) >>> 0;
    return v;
  }

  produceResponse(write: EntryWriter): number {
    const idx = this.rspProdPvt;
    this.sring.writeEntry(idx, write);
    this.rspProdPvt = (idx + 1) >>> 0;
    return idx;
  }

  /** RING_PUSH_RESPONSES_AND_CHECK_NOTIFY */
  pushResponsesAndCheckNotify(): boolean {
    const old = this.sring.rspProd;
    const nw = this.rspProdPvt;
    this.sring.rspProd = nw;
    return sub32(nw, this.sring.rspEvent) < sub32(nw, old);
  }

  /** RING_FINAL_CHECK_FOR_REQUESTS */
  finalCheckForRequests(): boolean {
    if (this.unconsumedRequests() > 0) return true;
    this.sring.reqEvent = (this.reqCons + 1) >>> 0;
    return this.unconsumedRequests() > 0;
  }
}
