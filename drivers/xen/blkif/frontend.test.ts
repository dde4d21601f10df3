import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BackRing, FrontRing, SharedRing } from '../ring/shared-ring';
import type { GrantAccess, GrantedPage, PageGranter } from '../ring/pages';
import { Blkfront } from './frontend';
import * as W from './wire';

class FakeGrants implements PageGranter {
  table = new Map<number, Uint8Array>();
  private next = 8;
  alloc(_a: GrantAccess): GrantedPage | null {
    const p = { gref: this.next++, data: new Uint8Array(4096) };
    this.table.set(p.gref, p.data);
    return p;
  }
  free(p: GrantedPage): void {
    if (!this.table.delete(p.gref)) throw new Error('double free');
  }
}

function setup(abi: W.BlkifAbi, sectors = 2048, fail?: (r: W.BlkifRequest) => number, indirectSegments = 0) {
  const L = W.blkifLayout(abi);
  const mem = new Uint8Array(4096);
  const grants = new FakeGrants();
  const bf = new Blkfront({ ring: new FrontRing(new SharedRing(mem, L.entryBytes)), layout: L, granter: grants, sectors, indirectSegments });
  const segmentCounts: number[] = [];
  /** An indirect request as blkback sees it: its segments read from the indirect pages. */
  const flatten = (dv: DataView, o: number): W.BlkifRequest => {
    if (dv.getUint8(o) !== W.BLKIF_OP_INDIRECT) return W.decodeBlkifRequest(L, dv, o);
    const ind = W.decodeBlkifIndirectRequest(L, dv, o);
    const segments: W.BlkifSegment[] = [];
    for (let i = 0; i < ind.nrSegments; i++) {
      const page = grants.table.get(ind.indirectGrefs[Math.floor(i / W.BLKIF_SEGMENTS_PER_INDIRECT_PAGE)])!;
      segments.push(W.decodeIndirectSegment(new DataView(page.buffer), i % W.BLKIF_SEGMENTS_PER_INDIRECT_PAGE));
    }
    return { operation: ind.indirectOp, handle: ind.handle, idLo: ind.idLo, idHi: ind.idHi, sector: ind.sector, segments };
  };
  const back = new BackRing(new SharedRing(mem, L.entryBytes));
  const disk = new Uint8Array(sectors * 512);
  const ops: number[] = [];
  /** blkback over an in-memory disk. */
  const serve = () => {
    while (back.unconsumedRequests() > 0) {
      const r = back.consumeRequest(flatten);
      ops.push(r.operation);
      segmentCounts.push(r.segments.length);
      let status = fail ? fail(r) : W.BLKIF_RSP_OKAY;
      let sector = r.sector;
      if (status === 0) for (const s of r.segments) {
        const page = grants.table.get(s.gref)!;
        const n = (s.lastSect - s.firstSect + 1) * 512;
        if (r.operation === W.BLKIF_OP_READ) page.set(disk.subarray(sector * 512, sector * 512 + n), s.firstSect * 512);
        else if (r.operation === W.BLKIF_OP_WRITE) disk.set(page.subarray(s.firstSect * 512, s.firstSect * 512 + n), sector * 512);
        sector += n / 512;
      }
      back.produceResponse((dv, o) => W.encodeBlkifResponse(L, dv, o, { idLo: r.idLo, idHi: r.idHi, operation: r.operation, status }));
    }
    back.pushResponsesAndCheckNotify();
  };
  /** Run until all given ops complete. */
  const run = (want: number[]) => {
    const done: W.BlkifResponse[] = [] as never;
    const out = new Map<number, { ok: boolean; error?: string }>();
    for (let i = 0; i < 100 && out.size < want.length; i++) {
      bf.kick(); serve();
      for (const c of bf.poll()) out.set(c.op, c);
    }
    void done;
    return want.map((op) => out.get(op));
  };
  return { bf, grants, disk, run, ops, back, L, segmentCounts };
}

const bytes = (n: number, seed = 1) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = (i * 13 + seed) & 0xff; return b; };

describe('blkif wire', () => {
  it('has the x86_64/arm and x86_32 layouts', () => {
    expect(W.blkifLayout('x86_64-abi')).toMatchObject({ requestBytes: 112, responseBytes: 16, idOff: 8, sectorOff: 16, segOff: 24 });
    expect(W.blkifLayout('arm-abi').requestBytes).toBe(112);
    expect(W.blkifLayout('x86_32-abi')).toMatchObject({ requestBytes: 108, responseBytes: 12, idOff: 4, sectorOff: 12, segOff: 20 });
  });

  it('round-trips requests (64-bit sectors as two halves) and never throws on random bytes', () => {
    for (const abi of ['x86_64-abi', 'x86_32-abi'] as const) {
      const L = W.blkifLayout(abi);
      fc.assert(fc.property(
        fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffff }), fc.nat(), fc.nat(),
        fc.maxSafeNat(), fc.array(fc.record({ gref: fc.nat(), firstSect: fc.integer({ min: 0, max: 7 }), lastSect: fc.integer({ min: 0, max: 7 }) }), { maxLength: 11 }),
        fc.uint8Array({ minLength: 112, maxLength: 112 }),
        (operation, handle, idLo, idHi, sector, segments, junk) => {
          const dv = new DataView(new ArrayBuffer(112));
          const req = { operation, handle, idLo: idLo >>> 0, idHi: idHi >>> 0, sector, segments };
          W.encodeBlkifRequest(L, dv, 0, req);
          expect(W.decodeBlkifRequest(L, dv, 0)).toEqual({ ...req, nrSegments: segments.length });
          const rsp = { idLo: idLo >>> 0, idHi: idHi >>> 0, operation, status: -2 };
          W.encodeBlkifResponse(L, dv, 0, rsp);
          expect(W.decodeBlkifResponse(L, dv, 0)).toEqual(rsp);
          const jv = new DataView(junk.buffer);
          W.decodeBlkifRequest(L, jv, 0);
          W.decodeBlkifResponse(L, jv, 0);
        }));
    }
  });
});

describe('blkfront', () => {
  for (const abi of ['x86_64-abi', 'x86_32-abi'] as const) {
    it(`writes and reads back byte-exact data through a fake blkback (${abi})`, () => {
      const { bf, disk, run, grants } = setup(abi);
      const data = bytes(100 * 1024 + 512, 3); // > 2 requests of 11 pages
      const w = bf.write(7, data);
      expect(w.ok).toBe(true);
      if (!w.ok) return;
      expect(run([w.op])[0]).toMatchObject({ ok: true });
      expect(disk.subarray(7 * 512, 7 * 512 + data.length)).toEqual(data);
      const back = new Uint8Array(data.length);
      const r = bf.read(7, back);
      if (!r.ok) throw new Error('read refused');
      expect(run([r.op])[0]).toMatchObject({ ok: true });
      expect(back).toEqual(data);
      expect(grants.table.size).toBe(0);
    });
  }

  it('queues more than the ring holds and completes everything', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1900 }), fc.integer({ min: 1, max: 100 })), { minLength: 1, maxLength: 60 }), (writes) => {
      const { bf, disk, run } = setup('x86_64-abi');
      const model = new Uint8Array(disk.length);
      const ops: number[] = [];
      writes.forEach(([lba, n], k) => {
        const cnt = Math.min(n, 2048 - lba);
        const d = bytes(cnt * 512, k);
        model.set(d, lba * 512);
        const s = bf.write(lba, d);
        if (s.ok) ops.push(s.op);
      });
      // All submitted at once: the queue feeds the ring in order and the fake backend serves in order.
      expect(run(ops).every((c) => c?.ok === true)).toBe(true);
      expect(Buffer.from(disk).equals(Buffer.from(model))).toBe(true);
    }), { numRuns: 20 });
  });

  it('maps flush to FLUSH_DISKCACHE and reports backend errors as values', () => {
    const { bf, run, ops } = setup('arm-abi', 64, (r) => (r.operation === W.BLKIF_OP_FLUSH_DISKCACHE ? W.BLKIF_RSP_EOPNOTSUPP : r.sector >= 32 ? W.BLKIF_RSP_ERROR : 0));
    const f = bf.flush();
    const bad = bf.write(40, new Uint8Array(512));
    if (!f.ok || !bad.ok) throw new Error('refused');
    const [fc1, bc] = run([f.op, bad.op]);
    expect(fc1).toMatchObject({ ok: false, error: 'unsupported' });
    expect(bc).toMatchObject({ ok: false, error: 'io' });
    expect(ops[0]).toBe(W.BLKIF_OP_FLUSH_DISKCACHE);
  });

  it('refuses misaligned or out-of-range requests', () => {
    const { bf } = setup('x86_64-abi', 16);
    expect(bf.read(0, new Uint8Array(100))).toEqual({ ok: false, error: 'align' });
    expect(bf.read(15, new Uint8Array(1024))).toEqual({ ok: false, error: 'range' });
    expect(bf.read(-1, new Uint8Array(512))).toEqual({ ok: false, error: 'range' });
  });

  it('counts and drops responses with unknown ids; teardown fails the rest', () => {
    const { bf, back, L, grants } = setup('x86_64-abi');
    const r = bf.read(0, new Uint8Array(512));
    bf.kick();
    back.consumeRequest((dv, o) => W.decodeBlkifRequest(L, dv, o));
    back.produceResponse((dv, o) => W.encodeBlkifResponse(L, dv, o, { idLo: 5, idHi: 1, operation: 0, status: 0 }));
    back.pushResponsesAndCheckNotify();
    expect(bf.poll()).toEqual([]);
    expect(bf.stats.malformed).toBe(1);
    const out = bf.teardown();
    expect(r.ok && out[0].op === r.op && out[0].error === 'closed').toBe(true);
    expect(grants.table.size).toBe(0);
    expect(bf.read(0, new Uint8Array(512))).toEqual({ ok: false, error: 'closed' });
  });
});

describe('blkfront indirect requests (feature-max-indirect-segments)', () => {
  for (const abi of ['x86_64-abi', 'x86_32-abi'] as const) {
    it(`moves large reads and writes in requests of up to 32 segments (${abi})`, () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 1000 }), (n, lba) => {
        const t = setup(abi, 2048, undefined, 32);
        const data = bytes(n * 512, n);
        const w = t.bf.write(lba, data);
        const r = new Uint8Array(n * 512);
        const rd = t.bf.read(lba, r);
        expect(w.ok && rd.ok).toBe(true);
        if (!w.ok || !rd.ok) return;
        expect(t.run([w.op, rd.op]).map((c) => c?.ok)).toEqual([true, true]);
        expect(r).toEqual(data);
        expect(t.disk.subarray(lba * 512, lba * 512 + n * 512)).toEqual(data);
        expect(Math.max(...t.segmentCounts)).toBeLessThanOrEqual(32);
        if (n * 512 > 11 * 4096) expect(Math.max(...t.segmentCounts)).toBeGreaterThan(11);
        expect(t.grants.table.size).toBe(0); // data and indirect pages all handed back
      }), { numRuns: 12 });
    });
  }

  it('round-trips the indirect request layout and keeps 11-segment inline requests when indirect is off', () => {
    const L = W.blkifLayout('x86_64-abi');
    const dv = new DataView(new ArrayBuffer(112));
    const req = { indirectOp: W.BLKIF_OP_WRITE, nrSegments: 600, handle: 0x51, idLo: 7, idHi: 0, sector: 2 ** 40 + 3, indirectGrefs: [11, 12] };
    W.encodeBlkifIndirectRequest(L, dv, 0, req);
    expect(dv.getUint8(0)).toBe(W.BLKIF_OP_INDIRECT);
    expect(dv.getUint32(28, true)).toBe(11); // indirect_grefs after the u16 handle and its pad
    expect(W.decodeBlkifIndirectRequest(L, dv, 0)).toEqual(req);
    const t = setup('x86_64-abi', 2048);
    const w = t.bf.write(0, bytes(100 * 512));
    expect(w.ok).toBe(true);
    if (w.ok) t.run([w.op]);
    expect(Math.max(...t.segmentCounts)).toBe(11);
  });
});
