import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BackRing, FrontRing, SharedRing, ringSize, SRING_HEADER_BYTES } from './shared-ring';

const w32 = (v: number) => (dv: DataView, o: number) => dv.setUint32(o, v >>> 0, true);
const r32 = (dv: DataView, o: number) => dv.getUint32(o, true);

function pair(mem: Uint8Array | Uint8Array[], entry = 12) {
  const front = new FrontRing(new SharedRing(mem, entry));
  const back = new BackRing(new SharedRing(mem, entry));
  return { front, back };
}

describe('shared ring geometry', () => {
  it('has a 64-byte header and power-of-two sizes (__RING_SIZE)', () => {
    expect(SRING_HEADER_BYTES).toBe(64);
    expect(ringSize(4096, 12)).toBe(256); // netif tx
    expect(ringSize(4096, 8)).toBe(256); // netif rx
    expect(ringSize(4096, 112)).toBe(32); // blkif x86_64 / arm
    expect(ringSize(4096, 108)).toBe(32); // blkif x86_32
    expect(ringSize(8192, 12)).toBe(512); // ring-page-order 1
    expect(ringSize(16384, 112)).toBe(128);
  });

  it('initialises the header like SHARED_RING_INIT', () => {
    const mem = new Uint8Array(4096).fill(0xee);
    const s = new SharedRing(mem, 8);
    s.init();
    expect([s.reqProd, s.reqEvent, s.rspProd, s.rspEvent]).toEqual([0, 1, 0, 1]);
    for (let i = 16; i < 64; i++) expect(mem[i]).toBe(0);
  });
});

describe('push / consume', () => {
  it('moves entries both ways with wrap-around of slots and of the 32-bit indices', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 0xfffffff0, 0x7ffffffe),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })), { maxLength: 30 }),
        fc.boolean(),
        (start, steps, split) => {
          const page = new Uint8Array(4096 * 2);
          const mem = split ? [page.subarray(0, 4096), page.subarray(4096)] : page;
          const { front, back } = pair(mem, 12);
          const s = front.sring;
          s.reqProd = start; s.rspProd = start; s.reqEvent = start + 1; s.rspEvent = start + 1;
          front.reqProdPvt = start; front.rspCons = start; back.reqCons = start; back.rspProdPvt = start;
          let sent = 0, answered = 0, got = 0;
          for (const [nreq, nrsp] of steps) {
            for (let i = 0; i < nreq; i++) if (front.produceRequest(w32(sent + 1)) >= 0) sent++;
            front.pushRequestsAndCheckNotify();
            let k = 0;
            while (k < nrsp && back.unconsumedRequests() > 0) {
              const v = back.consumeRequest(r32);
              expect(v).toBe(answered + 1);
              back.produceResponse(w32(v * 3));
              answered++; k++;
            }
            back.pushResponsesAndCheckNotify();
            const n = front.unconsumedResponses();
            for (let i = 0; i < n; i++) expect(front.peekResponse(i, r32)).toBe((got + i + 1) * 3);
            front.consume(n); got += n;
            expect(front.outstanding()).toBe(sent - got);
            expect(front.outstanding()).toBeLessThanOrEqual(front.size);
          }
        },
      ),
    );
  });

  it('straddling entries read the same from a page list as from one contiguous view', () => {
    const contiguous = new Uint8Array(8192);
    const pages = [new Uint8Array(4096), new Uint8Array(4096)];
    const a = new FrontRing(new SharedRing(contiguous, 112));
    const b = new FrontRing(new SharedRing(pages, 112));
    for (let i = 0; i < a.size; i++) {
      const fill = (dv: DataView, o: number) => { for (let k = 0; k < 112; k++) dv.setUint8(o + k, (i * 7 + k) & 0xff); };
      a.produceRequest(fill); b.produceRequest(fill);
    }
    expect(Array.from(pages[0])).toEqual(Array.from(contiguous.subarray(0, 4096)));
    expect(Array.from(pages[1])).toEqual(Array.from(contiguous.subarray(4096)));
    // Entry 36 (offset 64 + 36*112 = 4096) starts the second page; 35 straddles it.
    expect(b.sring.readEntry(35, (dv, o) => dv.getUint8(o + 111))).toBe((35 * 7 + 111) & 0xff);
  });

  it('refuses requests when full', () => {
    const { front } = pair(new Uint8Array(4096), 112);
    for (let i = 0; i < 32; i++) expect(front.produceRequest(w32(i))).toBe(i);
    expect(front.full()).toBe(true);
    expect(front.produceRequest(w32(0))).toBe(-1);
  });

  it('clamps a backend that moves rsp_prod beyond what was requested', () => {
    const { front } = pair(new Uint8Array(4096), 8);
    front.produceRequest(w32(1));
    front.pushRequestsAndCheckNotify();
    front.sring.rspProd = 1000;
    expect(front.unconsumedResponses()).toBe(1);
  });
});

describe('event index rules', () => {
  it('notifies the backend only when req_event falls in the pushed range', () => {
    const { front, back } = pair(new Uint8Array(4096), 8);
    front.produceRequest(w32(1));
    expect(front.pushRequestsAndCheckNotify()).toBe(true); // req_event = 1 initially
    front.produceRequest(w32(2));
    expect(front.pushRequestsAndCheckNotify()).toBe(false); // backend has not re-armed
    back.consumeRequest(r32); back.consumeRequest(r32);
    expect(back.finalCheckForRequests()).toBe(false); // arms req_event = 3
    expect(front.sring.reqEvent).toBe(3);
    front.produceRequest(w32(3)); front.produceRequest(w32(4));
    expect(front.pushRequestsAndCheckNotify()).toBe(true);
    expect(back.finalCheckForRequests()).toBe(true);
  });

  it('notifies the frontend only when rsp_event is crossed; final check re-arms and catches races', () => {
    const { front, back } = pair(new Uint8Array(4096), 8);
    for (let i = 0; i < 3; i++) front.produceRequest(w32(i));
    front.pushRequestsAndCheckNotify();
    back.consumeRequest(r32); back.produceResponse(w32(0));
    expect(back.pushResponsesAndCheckNotify()).toBe(true); // rsp_event = 1
    back.consumeRequest(r32); back.produceResponse(w32(1));
    expect(back.pushResponsesAndCheckNotify()).toBe(false);
    front.consume(front.unconsumedResponses());
    expect(front.finalCheckForResponses()).toBe(false);
    expect(front.sring.rspEvent).toBe(3);
    back.consumeRequest(r32); back.produceResponse(w32(2));
    expect(back.pushResponsesAndCheckNotify()).toBe(true);
    expect(front.finalCheckForResponses()).toBe(true);
  });
});
