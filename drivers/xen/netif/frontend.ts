/*
 * Pure netfront core: slot bookkeeping for the TX and RX rings of one netif queue.
 * No grants, event channels or promises: the adapter supplies a PageGranter and the two
 * FrontRings over the shared pages, notifies the backend when a call returns notify=true,
 * and maps completions to its promises. Nothing here throws on backend input: bad
 * responses are counted and dropped, their buffers recycled.
 */

import type { FrontRing } from '../ring/shared-ring';
import { XEN_PAGE_SIZE, type GrantedPage, type PageGranter } from '../ring/pages';
import {
  NETIF_RSP_NULL,
  NETIF_RSP_OKAY,
  NETRXF_extra_info,
  NETRXF_more_data,
  NETTXF_more_data,
  XEN_NETIF_EXTRA_FLAG_MORE,
  decodeExtraInfo,
  decodeRxResponse,
  decodeTxResponse,
  encodeRxRequest,
  encodeTxRequest,
  type RxResponse,
} from './wire';

export interface NetfrontOptions {
  tx: FrontRing;
  rx: FrontRing;
  granter: PageGranter;
  /** Largest frame accepted either way (default 65535, what a u16 first-slot size can say). */
  maxFrameBytes?: number;
  /** Most slots one frame may use (default 18, netback's legacy XEN_NETBK_LEGACY_SLOTS_MAX). */
  maxSlotsPerFrame?: number;
}

export type TxSubmit =
  | { ok: true; handle: number; notify: boolean }
  | { ok: false; reason: 'busy' | 'too-big' | 'empty' };

export interface TxCompletion {
  handle: number;
  ok: boolean;
  /** First non-OKAY status of the frame's slots, else NETIF_RSP_OKAY (or a negative on teardown). */
  status: number;
}

export interface RxFrame {
  /** The frame bytes: a view of the granted page for one-slot frames (until release), else a copy. */
  data: Uint8Array;
  /** NETRXF_* flags of the first slot (data_validated, csum_blank). */
  flags: number;
  /** Give the frame's pages back; call once done with `data`. Idempotent. */
  release(): void;
}

export interface NetfrontStats {
  txFrames: number;
  txErrors: number;
  txMalformed: number;
  rxFrames: number;
  rxErrors: number;
  rxMalformed: number;
}

interface TxSlot { page: GrantedPage; frame: number }
interface TxFrameState { remaining: number; status: number }

interface Part { slot: number; offset: number; len: number }
interface Chain {
  /** Slots the chain used (responses incl. extras). */
  slots: number;
  complete: boolean;
  bad: 'none' | 'error' | 'malformed';
  parts: Part[];
  flags: number;
}

export class Netfront {
  readonly stats: NetfrontStats = { txFrames: 0, txErrors: 0, txMalformed: 0, rxFrames: 0, rxErrors: 0, rxMalformed: 0 };
  private readonly tx: FrontRing;
  private readonly rx: FrontRing;
  private readonly granter: PageGranter;
  private readonly maxFrame: number;
  private readonly maxSlots: number;
  private readonly txSlots: (TxSlot | null)[] = [];
  private readonly txFreeIds: number[] = [];
  private readonly txFrames: { [handle: number]: TxFrameState } = {};
  private nextHandle = 1;
  /** RX buffers by request id; request id = ring index & (size - 1). */
  private readonly rxSlots: (GrantedPage | null)[] = [];

  constructor(o: NetfrontOptions) {
    this.tx = o.tx;
    this.rx = o.rx;
    this.granter = o.granter;
    this.maxFrame = o.maxFrameBytes ?? 65535;
    this.maxSlots = o.maxSlotsPerFrame ?? 18;
    for (let i = this.tx.size - 1; i >= 0; i--) {
      this.txSlots.push(null);
      this.txFreeIds.push(i);
    }
    for (let i = 0; i < this.rx.size; i++) this.rxSlots.push(null);
  }

  /* ------------------------------------------------------------------ TX */

  /** TX slots (ids) free now. */
  txFree(): number {
    const r = this.tx.freeRequests();
    return r < this.txFreeIds.length ? r : this.txFreeIds.length;
  }

  /**
   * Queue a frame: one slot per page-sized fragment, chained with more_data; the first slot's
   * size is the whole frame's length (netif.h). The frame is copied into granted pages, so the
   * caller keeps its buffer. Publishes the requests; notify tells whether to kick the backend.
   */
  transmit(frame: Uint8Array, flags = 0): TxSubmit {
    const len = frame.length;
    if (len === 0) return { ok: false, reason: 'empty' };
    const nslots = Math.ceil(len / XEN_PAGE_SIZE);
    if (len > this.maxFrame || nslots > this.maxSlots) return { ok: false, reason: 'too-big' };
    if (this.txFree() < nslots) return { ok: false, reason: 'busy' };
    const pages: GrantedPage[] = [];
    for (let i = 0; i < nslots; i++) {
      const p = this.granter.alloc('ro');
      if (p === null) {
        for (let k = 0; k < pages.length; k++) this.granter.free(pages[k]);
        return { ok: false, reason: 'busy' };
      }
      pages.push(p);
    }
    const handle = this.nextHandle;
    this.nextHandle = this.nextHandle >= 0x3fffffff ? 1 : this.nextHandle + 1;
    this.txFrames[handle] = { remaining: nslots, status: NETIF_RSP_OKAY };
    for (let i = 0; i < nslots; i++) {
      const start = i * XEN_PAGE_SIZE;
      const end = start + XEN_PAGE_SIZE < len ? start + XEN_PAGE_SIZE : len;
      const page = pages[i];
      page.data.set(frame.subarray(start, end), 0);
      const id = this.txFreeIds.pop() as number;
      this.txSlots[id] = { page, frame: handle };
      const last = i === nslots - 1;
      const req = {
        gref: page.gref,
        offset: 0,
        flags: (i === 0 ? flags & ~NETTXF_more_data : 0) | (last ? 0 : NETTXF_more_data),
        id,
        size: i === 0 ? len : end - start,
      };
      this.tx.produceRequest((dv, off) => encodeTxRequest(dv, off, req));
    }
    const notify = this.tx.pushRequestsAndCheckNotify();
    return { ok: true, handle, notify };
  }

  /** Consume TX responses; completed frames (all slots answered) come back, pages freed. */
  pollTx(): TxCompletion[] {
    const out: TxCompletion[] = [];
    for (;;) {
      const n = this.tx.unconsumedResponses();
      for (let i = 0; i < n; i++) {
        const r = this.tx.peekResponse(i, decodeTxResponse);
        const slot = r.id < this.txSlots.length ? this.txSlots[r.id] : null;
        if (slot === null) {
          this.stats.txMalformed++;
          continue;
        }
        this.txSlots[r.id] = null;
        this.txFreeIds.push(r.id);
        this.granter.free(slot.page);
        const f = this.txFrames[slot.frame];
        if (r.status !== NETIF_RSP_OKAY && r.status !== NETIF_RSP_NULL && f.status === NETIF_RSP_OKAY) {
          f.status = r.status;
        }
        f.remaining--;
        if (f.remaining === 0) {
          delete this.txFrames[slot.frame];
          const ok = f.status === NETIF_RSP_OKAY;
          if (ok) this.stats.txFrames++;
          else this.stats.txErrors++;
          out.push({ handle: slot.frame, ok, status: f.status });
        }
      }
      this.tx.consume(n);
      if (!this.tx.finalCheckForResponses()) break;
    }
    return out;
  }

  /* ------------------------------------------------------------------ RX */

  /** Post granted pages into free RX slots. Returns whether to notify the backend. */
  fillRx(): boolean {
    let posted = 0;
    while (!this.rx.full()) {
      const idx = this.rx.reqProdPvt;
      const id = idx & (this.rx.size - 1);
      if (this.rxSlots[id] !== null) break; // cannot happen with in-order consumption
      const page = this.granter.alloc('rw');
      if (page === null) break;
      this.rxSlots[id] = page;
      this.rx.produceRequest((dv, off) => encodeRxRequest(dv, off, { id, gref: page.gref }));
      posted++;
    }
    return posted > 0 ? this.rx.pushRequestsAndCheckNotify() : false;
  }

  /** RX buffers currently posted to the backend. */
  rxPosted(): number {
    return this.rx.outstanding();
  }

  private takeRx(ahead: number): GrantedPage | null {
    const id = (this.rx.rspCons + ahead) & (this.rx.size - 1);
    const p = this.rxSlots[id];
    this.rxSlots[id] = null;
    return p;
  }

  private scanChain(avail: number): Chain {
    const c: Chain = { slots: 0, complete: false, bad: 'none', parts: [], flags: 0 };
    const mask = this.rx.size - 1;
    let total = 0;
    for (;;) {
      if (c.slots >= avail) return c;
      const ahead = c.slots;
      const r: RxResponse = this.rx.peekResponse(ahead, decodeRxResponse);
      c.slots++;
      if (ahead === 0) c.flags = r.flags;
      const expected = (this.rx.rspCons + ahead) & mask;
      if (r.id !== expected) {
        if (c.bad === 'none') c.bad = 'malformed';
      } else if (r.status < 0) {
        if (c.bad === 'none') c.bad = 'error';
      } else if (r.offset + r.status > XEN_PAGE_SIZE) {
        if (c.bad === 'none') c.bad = 'malformed';
      } else {
        total += r.status;
        c.parts.push({ slot: ahead, offset: r.offset, len: r.status });
      }
      if (r.flags & NETRXF_extra_info) {
        // Skip the extra-info slots (GSO, multicast, hash); each consumes a posted buffer.
        for (;;) {
          if (c.slots >= avail) return c;
          const e = this.rx.peekResponse(c.slots, decodeExtraInfo);
          c.slots++;
          if (!(e.flags & XEN_NETIF_EXTRA_FLAG_MORE)) break;
          if (c.slots > this.maxSlots) break;
        }
      }
      if (c.slots > this.maxSlots || total > this.maxFrame) {
        c.bad = 'malformed';
        // Keep scanning to the chain's end so that it is consumed whole.
      }
      if (!(r.flags & NETRXF_more_data)) {
        if (total === 0 && c.bad === 'none') c.bad = 'malformed'; // an empty frame
        c.complete = true;
        return c;
      }
    }
  }

  /**
   * Consume RX responses into frames. A frame whose chain is not complete yet stays on the
   * ring; rsp_event is armed so the next response notifies. Call fillRx() afterwards.
   */
  pollRx(): RxFrame[] {
    const out: RxFrame[] = [];
    for (;;) {
      let waitingAt = -1;
      for (;;) {
        const avail = this.rx.unconsumedResponses();
        if (avail === 0) break;
        const c = this.scanChain(avail);
        if (!c.complete) {
          // Nothing more can arrive if every posted buffer is answered, or the chain is too long.
          if (avail < this.rx.outstanding() && c.slots <= this.maxSlots) {
            this.rx.armResponseEvent(avail + 1);
            waitingAt = avail;
            break;
          }
          c.bad = 'malformed';
        }
        this.collect(c, out);
      }
      if (waitingAt >= 0) {
        // Re-check: a response may have landed between the scan and arming the event.
        if (this.rx.unconsumedResponses() > waitingAt) continue;
        break;
      }
      if (!this.rx.finalCheckForResponses()) break;
    }
    return out;
  }

  private collect(c: Chain, out: RxFrame[]): void {
    const slotPages: (GrantedPage | null)[] = [];
    const pages: GrantedPage[] = [];
    for (let k = 0; k < c.slots; k++) {
      const p = this.takeRx(k);
      slotPages.push(p);
      if (p !== null) pages.push(p);
    }
    this.rx.consume(c.slots);
    const granter = this.granter;
    if (c.bad !== 'none' || pages.length !== c.slots) {
      if (c.bad === 'error') this.stats.rxErrors++;
      else this.stats.rxMalformed++;
      for (let k = 0; k < pages.length; k++) granter.free(pages[k]);
      return;
    }
    this.stats.rxFrames++;
    if (c.parts.length === 1) {
      const part = c.parts[0];
      const page = slotPages[part.slot] as GrantedPage;
      for (let k = 0; k < pages.length; k++) if (pages[k] !== page) granter.free(pages[k]);
      let held = true;
      out.push({
        data: page.data.subarray(part.offset, part.offset + part.len),
        flags: c.flags,
        release() {
          if (held) {
            held = false;
            granter.free(page);
          }
        },
      });
      return;
    }
    let total = 0;
    for (let k = 0; k < c.parts.length; k++) total += c.parts[k].len;
    const data = new Uint8Array(total);
    let at = 0;
    for (let k = 0; k < c.parts.length; k++) {
      const part = c.parts[k];
      data.set((slotPages[part.slot] as GrantedPage).data.subarray(part.offset, part.offset + part.len), at);
      at += part.len;
    }
    for (let k = 0; k < pages.length; k++) granter.free(pages[k]);
    out.push({ data, flags: c.flags, release() {} });
  }

  /* ------------------------------------------------------------------ teardown */

  /** Fail every outstanding TX frame and hand back every page (the device is going away). */
  teardown(): TxCompletion[] {
    const out: TxCompletion[] = [];
    for (let id = 0; id < this.txSlots.length; id++) {
      const s = this.txSlots[id];
      if (s === null) continue;
      this.txSlots[id] = null;
      this.txFreeIds.push(id);
      this.granter.free(s.page);
      const f = this.txFrames[s.frame];
      if (f !== undefined && --f.remaining === 0) {
        delete this.txFrames[s.frame];
        this.stats.txErrors++;
        out.push({ handle: s.frame, ok: false, status: f.status === NETIF_RSP_OKAY ? -1 : f.status });
      }
    }
    for (let id = 0; id < this.rxSlots.length; id++) {
      const p = this.rxSlots[id];
      if (p !== null) {
        this.rxSlots[id] = null;
        this.granter.free(p);
      }
    }
    return out;
  }
}
