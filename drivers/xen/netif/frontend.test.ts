import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BackRing, FrontRing, SharedRing } from '../ring/shared-ring';
import type { GrantAccess, GrantedPage, PageGranter } from '../ring/pages';
import { Netfront } from './frontend';
import * as W from './wire';

class FakeGrants implements PageGranter {
  table = new Map<number, Uint8Array>();
  private pool: GrantedPage[] = [];
  private next = 8;
  constructor(private limit = 1 << 20) {}
  alloc(_a: GrantAccess): GrantedPage | null {
    if (this.table.size >= this.limit) return null;
    const p = this.pool.pop() ?? { gref: this.next++, data: new Uint8Array(4096) };
    this.table.set(p.gref, p.data);
    return p;
  }
  free(p: GrantedPage): void {
    if (!this.table.delete(p.gref)) throw new Error('double free of gref ' + p.gref);
    this.pool.push(p);
  }
  get live() { return this.table.size; }
}

function setup(limit?: number) {
  const txMem = new Uint8Array(4096), rxMem = new Uint8Array(4096);
  const grants = new FakeGrants(limit);
  const nf = new Netfront({ tx: new FrontRing(new SharedRing(txMem, 12)), rx: new FrontRing(new SharedRing(rxMem, 8)), granter: grants });
  const tx = new BackRing(new SharedRing(txMem, 12));
  const rx = new BackRing(new SharedRing(rxMem, 8));
  /** netback TX: read request chains, reassemble frames, answer each slot. */
  const backTx = (status = (_i: number) => W.NETIF_RSP_OKAY): Uint8Array[] => {
    const frames: Uint8Array[] = [];
    let cur: number[] | null = null, total = 0, slot = 0;
    while (tx.unconsumedRequests() > 0) {
      const r = tx.consumeRequest(W.decodeTxRequest);
      const page = grants.table.get(r.gref)!;
      const size = cur === null ? Math.min(r.size, 4096 - r.offset) : r.size;
      if (cur === null) { cur = []; total = r.size; }
      for (let i = 0; i < size && cur.length < total; i++) cur.push(page[r.offset + i]);
      tx.produceResponse((dv, o) => W.encodeTxResponse(dv, o, { id: r.id, status: status(slot++) }));
      if (!(r.flags & W.NETTXF_more_data)) { frames.push(Uint8Array.from(cur)); cur = null; }
    }
    tx.pushResponsesAndCheckNotify();
    return frames;
  };
  /** netback RX: put a frame into posted buffers, one page per slot, optionally with an extra-info slot. */
  const backRx = (frame: Uint8Array, opts: { extra?: boolean; chunk?: number; offset?: number } = {}): boolean => {
    const chunk = opts.chunk ?? 4096 - (opts.offset ?? 0);
    const nslots = Math.max(1, Math.ceil(frame.length / chunk)) + (opts.extra ? 1 : 0);
    if (rx.unconsumedRequests() < nslots) return false;
    for (let off = 0, first = true; first || off < frame.length; first = false) {
      const req = rx.consumeRequest(W.decodeRxRequest);
      const n = Math.min(chunk, frame.length - off);
      grants.table.get(req.gref)!.set(frame.subarray(off, off + n), opts.offset ?? 0);
      off += n;
      const flags = (off < frame.length ? W.NETRXF_more_data : 0) | (first && opts.extra ? W.NETRXF_extra_info : 0);
      rx.produceResponse((dv, o) => W.encodeRxResponse(dv, o, { id: req.id, offset: opts.offset ?? 0, flags, status: n }));
      if (first && opts.extra) {
        rx.consumeRequest(W.decodeRxRequest);
        rx.produceResponse((dv, o) => W.encodeExtraInfo(dv, o, { type: W.XEN_NETIF_EXTRA_TYPE_GSO, flags: 0, gsoSize: 1448, gsoType: 1, gsoFeatures: 0 }));
      }
    }
    rx.pushResponsesAndCheckNotify();
    return true;
  };
  return { nf, grants, tx, rx, backTx, backRx };
}

const bytes = (n: number, seed = 1) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff; return b; };

describe('netif wire', () => {
  it('round-trips every format and never throws on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 12, maxLength: 12 }), (b) => {
      const dv = new DataView(b.buffer);
      const t = W.decodeTxRequest(dv, 0);
      const out = new DataView(new ArrayBuffer(12));
      W.encodeTxRequest(out, 0, t);
      expect(new Uint8Array(out.buffer)).toEqual(b);
      const rr = W.decodeRxResponse(dv, 0);
      W.encodeRxResponse(out, 0, rr);
      expect(W.decodeRxResponse(out, 0)).toEqual(rr);
      const tr = W.decodeTxResponse(dv, 0);
      W.encodeTxResponse(out, 0, tr);
      expect(W.decodeTxResponse(out, 0)).toEqual(tr);
      const rq = W.decodeRxRequest(dv, 0);
      W.encodeRxRequest(out, 0, rq);
      expect(W.decodeRxRequest(out, 0)).toEqual(rq);
      const e = W.decodeExtraInfo(dv, 0);
      W.encodeExtraInfo(out, 0, e);
      expect(W.decodeExtraInfo(out, 0)).toEqual(e);
    }));
  });

  it('lays out netif_tx_request as gref, offset, flags, id, size', () => {
    const dv = new DataView(new ArrayBuffer(12));
    W.encodeTxRequest(dv, 0, { gref: 0x01020304, offset: 0x0506, flags: W.NETTXF_more_data, id: 0x0708, size: 0x090a });
    expect(Array.from(new Uint8Array(dv.buffer))).toEqual([4, 3, 2, 1, 6, 5, 4, 0, 8, 7, 0x0a, 9]);
  });
});

describe('netfront TX', () => {
  it('sends one-slot and multi-slot frames byte-exact and completes them', () => {
    const { nf, grants, backTx } = setup();
    const small = bytes(60), big = bytes(9000, 7);
    const a = nf.transmit(small), b = nf.transmit(big);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.notify).toBe(true);
    const frames = backTx();
    expect(frames).toEqual([small, big]);
    const done = nf.pollTx();
    expect(done).toEqual([{ handle: a.handle, ok: true, status: 0 }, { handle: b.handle, ok: true, status: 0 }]);
    expect(grants.live).toBe(0);
    expect(nf.stats.txFrames).toBe(2);
  });

  it('reports a frame as failed when any slot fails, and returns its pages', () => {
    const { nf, grants, backTx } = setup();
    const r = nf.transmit(bytes(9000));
    backTx((i) => (i === 1 ? W.NETIF_RSP_ERROR : W.NETIF_RSP_OKAY));
    const done = nf.pollTx();
    expect(r.ok && done[0].handle === r.handle).toBe(true);
    expect(done[0]).toMatchObject({ ok: false, status: W.NETIF_RSP_ERROR });
    expect(grants.live).toBe(0);
  });

  it('says busy when the ring or pages run out, without leaking', () => {
    const { nf, grants } = setup(3);
    expect(nf.transmit(bytes(5000)).ok).toBe(true);
    expect(nf.transmit(bytes(5000))).toEqual({ ok: false, reason: 'busy' });
    expect(grants.live).toBe(2);
    expect(nf.transmit(new Uint8Array(0))).toEqual({ ok: false, reason: 'empty' });
    expect(nf.transmit(new Uint8Array(70000))).toEqual({ ok: false, reason: 'too-big' });
  });

  it('counts and drops responses with unknown ids', () => {
    const { nf, tx } = setup();
    nf.transmit(bytes(10));
    tx.consumeRequest(W.decodeTxRequest);
    tx.produceResponse((dv, o) => W.encodeTxResponse(dv, o, { id: 999, status: 0 }));
    tx.pushResponsesAndCheckNotify();
    expect(nf.pollTx()).toEqual([]);
    expect(nf.stats.txMalformed).toBe(1);
  });

  it('teardown fails outstanding frames and frees everything', () => {
    const { nf, grants } = setup();
    nf.fillRx();
    const r = nf.transmit(bytes(100));
    const out = nf.teardown();
    expect(r.ok && out[0].handle === r.handle && !out[0].ok).toBe(true);
    expect(grants.live).toBe(0);
  });
});

describe('netfront RX', () => {
  it('keeps the ring filled and delivers frames, zero-copy for one slot, assembled for chains', () => {
    const { nf, grants, backRx } = setup();
    expect(nf.fillRx()).toBe(true);
    expect(nf.rxPosted()).toBe(256);
    const f1 = bytes(1514, 3), f2 = bytes(20000, 5), f3 = bytes(300, 9);
    expect(backRx(f1, { offset: 2 })).toBe(true);
    expect(backRx(f2, { chunk: 3000 })).toBe(true);
    expect(backRx(f3, { extra: true })).toBe(true);
    const frames = nf.pollRx();
    expect(frames.map((f) => f.data)).toEqual([f1, f2, f3]);
    expect(nf.rxPosted()).toBe(256 - 1 - 7 - 2); // slots consumed: 1 + 7 (20000/3000) + 2 (data + extra)
    expect(grants.live).toBe(246 + 2); // f1 and f3 are views of pages still held; f2 was copied
    frames.forEach((f) => f.release());
    frames[0].release();
    nf.fillRx();
    expect(nf.rxPosted()).toBe(256);
    expect(grants.live).toBe(256);
    expect(nf.stats).toMatchObject({ rxFrames: 3, rxMalformed: 0, rxErrors: 0 });
  });

  it('survives many frames with wrap-around', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 12000 }), { maxLength: 80 }), (sizes) => {
      const { nf, grants, backRx } = setup();
      nf.fillRx();
      let k = 0;
      for (const n of sizes) {
        const f = bytes(n, k++);
        expect(backRx(f, { chunk: 2048 })).toBe(true);
        const got = nf.pollRx();
        expect(got.length).toBe(1);
        expect(got[0].data).toEqual(f);
        got[0].release();
        nf.fillRx();
      }
      expect(grants.live).toBe(nf.rxPosted());
    }), { numRuns: 30 });
  });

  it('waits for the rest of a chain and arms rsp_event', () => {
    const { nf, rx } = setup();
    nf.fillRx();
    const req = rx.consumeRequest(W.decodeRxRequest);
    rx.produceResponse((dv, o) => W.encodeRxResponse(dv, o, { id: req.id, offset: 0, flags: W.NETRXF_more_data, status: 100 }));
    rx.pushResponsesAndCheckNotify();
    expect(nf.pollRx()).toEqual([]);
    const req2 = rx.consumeRequest(W.decodeRxRequest);
    rx.produceResponse((dv, o) => W.encodeRxResponse(dv, o, { id: req2.id, offset: 0, flags: 0, status: 50 }));
    expect(rx.pushResponsesAndCheckNotify()).toBe(true);
    const f = nf.pollRx();
    expect(f.length).toBe(1);
    expect(f[0].data.length).toBe(150);
  });

  it('counts and drops malformed or failed responses, recycling their buffers', () => {
    const { nf, rx, grants } = setup();
    nf.fillRx();
    const answer = (fields: Partial<W.RxResponse>) => {
      const req = rx.consumeRequest(W.decodeRxRequest);
      rx.produceResponse((dv, o) => W.encodeRxResponse(dv, o, { id: req.id, offset: 0, flags: 0, status: 10, ...fields }));
    };
    answer({ id: 77 }); // unknown id
    answer({ offset: 4000, status: 200 }); // beyond the page
    answer({ status: W.NETIF_RSP_ERROR }); // backend error
    answer({ flags: W.NETRXF_more_data }); answer({ status: -2 }); // chain with a bad tail
    answer({ status: 0 }); // empty frame
    answer({ status: 64 }); // a good one after all that
    rx.pushResponsesAndCheckNotify();
    const f = nf.pollRx();
    expect(f.length).toBe(1);
    expect(f[0].data.length).toBe(64);
    expect(nf.stats.rxMalformed).toBe(3);
    expect(nf.stats.rxErrors).toBe(2);
    f[0].release();
    nf.fillRx();
    expect(grants.live).toBe(256);
  });

  it('never throws and never leaks on random response bytes', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }), { maxLength: 300 }), (rsps) => {
      const { nf, rx, grants } = setup();
      nf.fillRx();
      for (const b of rsps) {
        if (rx.unconsumedRequests() === 0) break;
        rx.consumeRequest(W.decodeRxRequest);
        rx.produceResponse((dv, o) => { for (let i = 0; i < 8; i++) dv.setUint8(o + i, b[i]); });
      }
      rx.pushResponsesAndCheckNotify();
      const frames = nf.pollRx();
      for (const f of frames) { expect(f.data.length).toBeGreaterThan(0); f.release(); }
      nf.fillRx();
      nf.teardown();
      expect(grants.live).toBe(0);
    }), { numRuns: 200 });
  });
});
