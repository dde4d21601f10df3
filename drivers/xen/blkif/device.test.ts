import { describe, expect, it } from 'vitest';
import { DeviceError, type BlockDevice, type DriverContext } from '../../interfaces';
import { fakeXenIO, until, type FakeXen, type FakeXenIO, type FakeXenOptions } from '../../testing/fake-io';
import { addPvDevice, type FakePvDevice, type FakeXenstored } from '../../testing/fake-xenstored';
import { BackRing, SharedRing } from '../ring/shared-ring';
import { XS_WRITE, decodeWrite, fromUtf8 } from '../xenstore/wire';
import { createBlkfront } from './device';
import * as W from './wire';

const context = (device = 'data'): DriverContext => ({ device, app: 'test', args: { options: {}, all: [] } });

interface BackendOptions {
  sectors?: number;
  sectorSize?: number;
  info?: number;
  /** Backend keys besides the disk's size (features, max-ring-page-order). */
  features?: Record<string, string>;
}

/**
 * Linux's blkback as far as blkfront meets it: InitWait (with what it
 * offers), maps the ring pages and binds the event channel when the
 * frontend says Initialised, then writes the disk's size and says
 * Connected; serves reads, writes (indirect ones too) and flushes from an
 * in-memory disk.
 */
class FakeBlkback {
  readonly disk: Uint8Array;
  readonly ops: number[] = [];
  ring: BackRing | null = null;
  layout: W.BlkifLayout | null = null;
  port = -1;
  ringPages = 0;
  /** Answer requests only when released (to see I/O in flight). */
  hold = false;

  constructor(private readonly store: FakeXenstored, private readonly xen: FakeXen, readonly dev: FakePvDevice, private readonly o: BackendOptions = {}) {
    this.disk = new Uint8Array((o.sectors ?? 2048) * 512);
    const features = o.features ?? { 'feature-flush-cache': '1' };
    for (const key of Object.keys(features)) store.poke(dev.backend + '/' + key, features[key]);
    store.poke(dev.backend + '/state', '2');
    store.observe(dev.frontend + '/state', () => this.frontendChanged());
  }

  private front(name: string): string | undefined { return this.store.read(this.dev.frontend + '/' + name); }
  private state(): string | undefined { return this.store.read(this.dev.backend + '/state'); }

  private frontendChanged(): void {
    const front = this.front('state');
    if (front === '3' && this.state() === '2') this.connect();
    if (front === '6' && this.state() === '5') this.store.poke(this.dev.backend + '/state', '6');
  }

  private map(ref: number): Uint8Array {
    const g = this.xen.grants.get(ref);
    if (!g || g.domid !== 0 || g.readOnly) throw new Error('blkback: cannot map ring ref ' + ref);
    return g.page;
  }

  private connect(): void {
    const order = this.front('ring-page-order');
    const refs = order === undefined ? [Number(this.front('ring-ref'))] : Array.from({ length: 1 << Number(order) }, (_v, i) => Number(this.front('ring-ref' + i)));
    this.ringPages = refs.length;
    this.layout = W.blkifLayout(this.front('protocol') as W.BlkifAbi);
    this.ring = new BackRing(new SharedRing(refs.map((r) => this.map(r)), this.layout.entryBytes));
    this.port = Number(this.front('event-channel'));
    this.xen.onNotify(this.port, () => { if (!this.hold) this.serve(); });
    const b = this.dev.backend + '/';
    this.store.poke(b + 'sectors', String(this.disk.length / 512));
    this.store.poke(b + 'sector-size', String(this.o.sectorSize ?? 512));
    this.store.poke(b + 'info', String(this.o.info ?? 0));
    this.store.poke(b + 'state', '4');
  }

  /** An indirect request as blkback sees it: its segments read from the indirect pages. */
  private request(dv: DataView, o: number): W.BlkifRequest {
    const L = this.layout!;
    if (dv.getUint8(o) !== W.BLKIF_OP_INDIRECT) return W.decodeBlkifRequest(L, dv, o);
    const ind = W.decodeBlkifIndirectRequest(L, dv, o);
    const segments: W.BlkifSegment[] = [];
    for (let i = 0; i < ind.nrSegments; i++) {
      const page = this.xen.grants.get(ind.indirectGrefs[Math.floor(i / W.BLKIF_SEGMENTS_PER_INDIRECT_PAGE)])!.page;
      segments.push(W.decodeIndirectSegment(new DataView(page.buffer, page.byteOffset, 4096), i % W.BLKIF_SEGMENTS_PER_INDIRECT_PAGE));
    }
    return { operation: ind.indirectOp, handle: ind.handle, idLo: ind.idLo, idHi: ind.idHi, sector: ind.sector, segments };
  }

  serve(): void {
    const ring = this.ring!;
    const L = this.layout!;
    do {
      while (ring.unconsumedRequests() > 0) {
        const r = ring.consumeRequest((dv, o) => this.request(dv, o));
        this.ops.push(r.operation);
        let sector = r.sector;
        for (const s of r.segments) {
          const g = this.xen.grants.get(s.gref)!;
          const n = (s.lastSect - s.firstSect + 1) * 512;
          if (r.operation === W.BLKIF_OP_READ) {
            if (g.readOnly) throw new Error('blkback: a read into a read-only grant');
            g.page.set(this.disk.subarray(sector * 512, sector * 512 + n), s.firstSect * 512);
          } else if (r.operation === W.BLKIF_OP_WRITE) {
            this.disk.set(g.page.subarray(s.firstSect * 512, s.firstSect * 512 + n), sector * 512);
          }
          sector += n / 512;
        }
        ring.produceResponse((dv, o) => W.encodeBlkifResponse(L, dv, o, { idLo: r.idLo, idHi: r.idHi, operation: r.operation, status: W.BLKIF_RSP_OKAY }));
      }
    } while (ring.finalCheckForRequests());
    if (ring.pushResponsesAndCheckNotify()) this.xen.raise(this.port);
  }

  close(): void { this.store.poke(this.dev.backend + '/state', '5'); }
}

function setup(o: BackendOptions & FakeXenOptions = {}): FakeXenIO & { store: FakeXenstored; dev: FakePvDevice; back: FakeBlkback } {
  const env = fakeXenIO(o);
  const store = env.xenstored!;
  const dev = addPvDevice(store, { kind: 'vbd', id: 51712 });
  return { ...env, store, dev, back: new FakeBlkback(store, env.xen, dev, o) };
}

const bytes = (n: number, seed: number) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = (i * 13 + seed) & 0xff; return b; };
const same = (a: Uint8Array, b: Uint8Array) => { expect(a.length).toBe(b.length); expect(Buffer.compare(a, b)).toBe(0); };

async function roundTrip(disk: BlockDevice, lba: number, data: Uint8Array): Promise<Uint8Array> {
  await disk.write(lba, data);
  const back = new Uint8Array(data.length);
  await disk.read(lba, back);
  return back;
}

describe('blkfront over a fake blkback (createBlkfront with a fake DriverIO)', { timeout: 15_000 }, () => {
  it('publishes a multi-page ring the backend offers, says Initialised then Connected, and reads, writes and flushes', async () => {
    const { io, xen, store, dev, back } = setup({ sectors: 4096, features: { 'feature-flush-cache': '1', 'max-ring-page-order': '4' } });
    const disk = await createBlkfront(io, context());
    expect(store.read(dev.frontend + '/ring-page-order')).toBe('2');
    expect(back.ringPages).toBe(4);
    expect(store.read(dev.frontend + '/protocol')).toBe('x86_64-abi');
    expect(store.read(dev.frontend + '/state')).toBe('4');
    const states = store.log.filter((m) => m.type === XS_WRITE && decodeWrite(m.payload)!.path === 'device/vbd/51712/state');
    expect(states.map((m) => fromUtf8(decodeWrite(m.payload)!.value) + (m.txId ? ' in the transaction' : ''))).toEqual(['1', '3 in the transaction', '4']);
    expect(disk).toMatchObject({ sectorSize: 512, sectors: 4096, readOnly: false });

    const data = bytes(20 * 4096, 5); // more than 11 segments: two requests
    same(await roundTrip(disk, 100, data), data);
    same(back.disk.subarray(100 * 512, 100 * 512 + data.length), data);
    await disk.flush();
    expect(back.ops).toContain(W.BLKIF_OP_FLUSH_DISKCACHE);
    await expect(disk.read(4096, new Uint8Array(512))).rejects.toMatchObject({ code: 'range' });
    expect(xen.misuse).toEqual([]);
  });

  it('uses one ring page and the ARM ABI on arm32, indirect requests where offered, and 4096-byte sectors', async () => {
    const { io, store, dev, back } = setup({ arch: 'arm32', sectors: 8192, sectorSize: 4096, features: { 'feature-max-indirect-segments': '256' } });
    const disk = await createBlkfront(io, context());
    expect(store.read(dev.frontend + '/protocol')).toBe('arm-abi');
    expect(store.read(dev.frontend + '/ring-page-order')).toBeUndefined();
    expect(back.ringPages).toBe(1);
    expect(disk).toMatchObject({ sectorSize: 4096, sectors: 1024 });
    const data = bytes(32 * 4096, 9);
    same(await roundTrip(disk, 3, data), data);
    expect(back.ops.filter((op) => op === W.BLKIF_OP_WRITE)).toHaveLength(1); // 32 segments, one indirect request
    await disk.flush(); // no flush offered: done at once
    expect(back.ops).not.toContain(W.BLKIF_OP_FLUSH_DISKCACHE);
  });

  it('keeps the event loop alive only while I/O is in flight', async () => {
    const { io, back } = setup();
    const disk = await createBlkfront(io, context());
    expect(io.refed(back.port)).toBe(false);
    expect(io.refed(1)).toBe(false);
    back.hold = true;
    let done = false;
    const reading = disk.read(0, new Uint8Array(1024)).then(() => { done = true; });
    expect(io.refed(back.port)).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(false);
    back.hold = false;
    back.serve();
    await reading;
    expect(io.refed(back.port)).toBe(false);
  });

  it('refuses writes to a read-only disk', async () => {
    const { io } = setup({ info: 4 });
    const disk = await createBlkfront(io, context());
    expect(disk.readOnly).toBe(true);
    await expect(disk.write(0, new Uint8Array(512))).rejects.toMatchObject({ code: 'EROFS' });
  });

  it('fails I/O in flight and after when the backend closes, ends its grants and closes its port', async () => {
    const { io, xen, store, dev, back } = setup();
    const disk = await createBlkfront(io, context());
    back.hold = true;
    const reading = disk.read(0, new Uint8Array(4096)).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 10));
    back.close();
    await until(() => store.read(dev.backend + '/state') === '6', 2000, 'the backend to close');
    expect(store.read(dev.frontend + '/state')).toBe('6');
    const e = await reading;
    expect(e).toBeInstanceOf(DeviceError);
    expect((e as Error).message).toBe('data: the disk went away');
    await expect(disk.write(0, new Uint8Array(512))).rejects.toThrow('data: the disk went away');
    expect(xen.grants.size).toBe(0);
    expect(xen.channels.has(back.port)).toBe(false);
    expect(io.registered()).toEqual([1]);
    expect(xen.misuse).toEqual([]);
  });

  it("fails with code 'absent' without xenstore or without a disk", async () => {
    await expect(createBlkfront(fakeXenIO({ xenstore: false }).io, context())).rejects.toMatchObject({ code: 'absent' });
    await expect(createBlkfront(fakeXenIO().io, context())).rejects.toMatchObject({ code: 'absent', message: 'data: the toolstack gave this guest no disk (xl config: disk = [...])' });
  });
});
