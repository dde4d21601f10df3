import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  REQ_CONS, REQ_PROD, RSP_PROD, XENSTORE_RING_SIZE, mask, readIndices, readRequest, readResponse, requestAvailable,
  requestSpace, responseAvailable, responseSpace, used, writeRequest, writeResponse,
} from './ring';

function setIdx(page: Uint8Array, off: number, v: number): void {
  new DataView(page.buffer).setUint32(off, v >>> 0, true);
}

describe('xenstore ring', () => {
  it('masks and measures free-running indices', () => {
    expect(mask(1024)).toBe(0);
    expect(mask(1023)).toBe(1023);
    expect(mask(0xffffffff)).toBe(1023);
    expect(used(0xfffffff0, 0x10)).toBe(0x20);
    expect(used(5, 5)).toBe(0);
    expect(used(0, 1025)).toBe(-1);
  });

  it('is empty, then full, then empty again', () => {
    const page = new Uint8Array(4096);
    expect(requestSpace(page)).toBe(1024);
    expect(requestAvailable(page)).toBe(0);
    const data = new Uint8Array(1500);
    for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
    expect(writeRequest(page, data)).toBe(1024);
    expect(requestSpace(page)).toBe(0);
    expect(writeRequest(page, data)).toBe(0);
    const got = readRequest(page, 100)!;
    expect(Array.from(got)).toEqual(Array.from(data.subarray(0, 100)));
    expect(requestSpace(page)).toBe(100);
    expect(readIndices(page)).toEqual({ reqCons: 100, reqProd: 1024, rspCons: 0, rspProd: 0 });
  });

  it('wraps around the end of the ring and the uint32 index space', () => {
    const page = new Uint8Array(4096);
    setIdx(page, REQ_CONS, 0xfffffffe - 3);
    setIdx(page, REQ_PROD, 0xfffffffe - 3);
    const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(writeRequest(page, data)).toBe(8);
    expect(readIndices(page).reqProd).toBe(3);
    expect(page[1023]).toBe(5); // mask(0xfffffffb) = 1019: bytes 1..5 at 1019..1023, 6..8 at 0..2
    expect(page[0]).toBe(6);
    expect(Array.from(readRequest(page)!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(requestAvailable(page)).toBe(0);
  });

  it('reports corrupt indices instead of reading past them', () => {
    const page = new Uint8Array(4096);
    setIdx(page, RSP_PROD, 5000);
    expect(responseAvailable(page)).toBe(-1);
    expect(readResponse(page)).toBeNull();
    setIdx(page, REQ_PROD, 2000);
    expect(requestSpace(page)).toBe(-1);
    expect(writeRequest(page, new Uint8Array(4))).toBe(0);
  });

  it('carries any byte stream through in order (model check)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 1500 })), { maxLength: 40 }), (start, ops) => {
      const page = new Uint8Array(4096);
      setIdx(page, 2056, start);
      setIdx(page, RSP_PROD, start);
      const sent: number[] = [];
      const got: number[] = [];
      let next = 0;
      for (const [isWrite, n] of ops) {
        if (isWrite) {
          const d = new Uint8Array(n);
          for (let i = 0; i < n; i++) d[i] = (next + i) & 0xff;
          const space = responseSpace(page);
          const w = writeResponse(page, d);
          expect(w).toBe(Math.min(space, n));
          for (let i = 0; i < w; i++) sent.push(d[i]);
          next += w;
        } else {
          const r = readResponse(page, n)!;
          for (let i = 0; i < r.length; i++) got.push(r[i]);
        }
        const a = responseAvailable(page);
        expect(a).toBe(sent.length - got.length);
        expect(a).toBeLessThanOrEqual(XENSTORE_RING_SIZE);
      }
      const rest = readResponse(page)!;
      for (let i = 0; i < rest.length; i++) got.push(rest[i]);
      expect(got).toEqual(sent);
    }));
  });
});
