import { describe, expect, it } from 'vitest';
import { DeviceError, type DriverContext } from '../../interfaces';
import { fakeXenIO, until, type FakeXen, type FakeXenOptions } from '../../testing/fake-io';
import { addPvDevice, type FakePvDevice, type FakeXenstored } from '../../testing/fake-xenstored';
import { BackRing, SharedRing } from '../ring/shared-ring';
import { XS_TRANSACTION_END, XS_WRITE, decodeWrite } from '../xenstore/wire';
import { createNetfront } from './device';
import * as W from './wire';

const MAC = '00:16:3e:12:34:56';
const context = (device = 'net'): DriverContext => ({ device, app: 'test', args: { options: {}, all: [] } });

/**
 * Linux's netback as far as netfront meets it: InitWait with
 * feature-rx-copy, maps the rings and binds the event channel when the
 * frontend says Connected, answers every TX slot, copies frames into posted
 * RX buffers, and closes when told (Closing, then Closed after the frontend).
 */
class FakeNetback {
  readonly sent: Uint8Array[] = [];
  tx: BackRing | null = null;
  rx: BackRing | null = null;
  port = -1;
  readonly stop: () => void;

  constructor(private readonly store: FakeXenstored, private readonly xen: FakeXen, readonly dev: FakePvDevice, features: Record<string, string> = { 'feature-rx-copy': '1' }) {
    for (const key of Object.keys(features)) store.poke(dev.backend + '/' + key, features[key]);
    store.poke(dev.backend + '/state', '2');
    this.stop = store.observe(dev.frontend + '/state', () => this.frontendChanged());
  }

  private key(name: string): number { return Number(this.store.read(this.dev.frontend + '/' + name)); }
  private state(): string | undefined { return this.store.read(this.dev.backend + '/state'); }

  private frontendChanged(): void {
    const front = this.store.read(this.dev.frontend + '/state');
    if (front === '4' && this.state() === '2') this.connect();
    if (front === '6' && this.state() === '5') this.store.poke(this.dev.backend + '/state', '6');
  }

  private page(ref: number): Uint8Array {
    const g = this.xen.grants.get(ref);
    if (!g || g.domid !== 0 || g.readOnly) throw new Error('netback: cannot map ring ref ' + ref);
    return g.page;
  }

  private connect(): void {
    this.tx = new BackRing(new SharedRing(this.page(this.key('tx-ring-ref')), W.NETIF_TX_ENTRY_BYTES));
    this.rx = new BackRing(new SharedRing(this.page(this.key('rx-ring-ref')), W.NETIF_RX_ENTRY_BYTES));
    this.port = this.key('event-channel');
    if (this.xen.channels.get(this.port)?.remoteDom !== 0) throw new Error('netback: the event channel is not ours');
    this.xen.onNotify(this.port, () => this.serveTx());
    this.store.poke(this.dev.backend + '/state', '4');
  }

  /** The guest kicked us: take its TX requests (frames of one or more slots). */
  private serveTx(): void {
    const tx = this.tx!;
    let frame: number[] | null = null;
    let total = 0;
    do {
      while (tx.unconsumedRequests() > 0) {
        const r = tx.consumeRequest(W.decodeTxRequest);
        const g = this.xen.grants.get(r.gref)!;
        const first = frame === null;
        if (first) { frame = []; total = r.size; }
        const n = first ? Math.min(r.size, 4096 - r.offset) : r.size;
        for (let i = 0; i < n && frame!.length < total; i++) frame!.push(g.page[r.offset + i]);
        tx.produceResponse((dv, o) => W.encodeTxResponse(dv, o, { id: r.id, status: W.NETIF_RSP_OKAY }));
        if (!(r.flags & W.NETTXF_more_data)) { this.sent.push(Uint8Array.from(frame!)); frame = null; }
      }
    } while (tx.finalCheckForRequests());
    if (tx.pushResponsesAndCheckNotify()) this.xen.raise(this.port);
  }

  /** Copies a frame into the next posted RX buffer; false when the guest posted none. */
  deliver(frame: Uint8Array): boolean {
    const rx = this.rx!;
    if (rx.unconsumedRequests() === 0) return false;
    const req = rx.consumeRequest(W.decodeRxRequest);
    const g = this.xen.grants.get(req.gref)!;
    if (g.readOnly) throw new Error('netback: an RX buffer granted read-only');
    g.page.set(frame, 0);
    rx.produceResponse((dv, o) => W.encodeRxResponse(dv, o, { id: req.id, offset: 0, flags: W.NETRXF_data_validated, status: frame.length }));
    if (rx.pushResponsesAndCheckNotify()) this.xen.raise(this.port);
    return true;
  }

  rxPosted(): number { return this.rx ? this.rx.unconsumedRequests() : 0; }

  /** xl network-detach: the toolstack sets the backend Closing. */
  close(): void { this.store.poke(this.dev.backend + '/state', '5'); }
}

function setup(options: FakeXenOptions = {}) {
  const env = fakeXenIO(options);
  const store = env.xenstored!;
  const dev = addPvDevice(store, { kind: 'vif', id: 0, front: { mac: MAC } });
  const back = new FakeNetback(store, env.xen, dev);
  return { ...env, store, dev, back };
}

const frame = (n: number, seed: number) => Uint8Array.from({ length: n }, (_v, i) => (i * 7 + seed) & 0xff);

/** The ports the guest has open besides xenstore's. */
const devicePorts = (xen: FakeXen) => [...xen.channels.keys()].filter((p) => p !== 1);

describe('netfront over a fake netback (createNetfront with a fake DriverIO)', { timeout: 15_000 }, () => {
  it('publishes its rings and event channel in one transaction, says Connected, and moves frames both ways', async () => {
    const { io, xen, store, dev, back } = setup();
    const netif = await createNetfront(io, context());
    expect(Array.from(netif.mac)).toEqual([0x00, 0x16, 0x3e, 0x12, 0x34, 0x56]);
    expect(netif.mtu).toBe(1500);
    expect(store.read(dev.frontend + '/state')).toBe('4');
    expect(store.read(dev.backend + '/state')).toBe('4');
    for (const key of ['request-rx-copy', 'feature-rx-notify', 'feature-sg', 'feature-no-csum-offload']) expect(store.read(dev.frontend + '/' + key)).toBe('1');
    // ring refs, event channel and state Connected in one committed transaction
    const inTx = store.log.filter((m) => m.type === XS_WRITE && m.txId !== 0).map((m) => decodeWrite(m.payload)!.path);
    expect(inTx).toEqual(expect.arrayContaining(['device/vif/0/tx-ring-ref', 'device/vif/0/rx-ring-ref', 'device/vif/0/event-channel', 'device/vif/0/state']));
    expect(store.log.filter((m) => m.type === XS_TRANSACTION_END)).toHaveLength(1);
    const port = back.port;
    expect(devicePorts(xen)).toEqual([port]);
    expect(xen.channels.get(port)!.unmasked).toBe(true);
    // the NIC keeps the program alive; the xenstore connection does not
    expect(io.refed(port)).toBe(true);
    expect(io.refed(1)).toBe(false);

    await until(() => back.rxPosted() > 0, 2000, 'RX buffers');
    const got: Uint8Array[] = [];
    netif.listen((f) => got.push(Uint8Array.from(f)));
    for (let i = 0; i < 5; i++) expect(back.deliver(frame(60 + i * 100, i))).toBe(true);
    await until(() => got.length === 5, 2000, 'received frames');
    for (let i = 0; i < 5; i++) expect(got[i]).toEqual(frame(60 + i * 100, i));

    const out = [frame(42, 1), frame(1514, 2), frame(3000, 3)];
    await Promise.all(out.map((f) => netif.write(f)));
    expect(back.sent).toEqual(out);
    expect(xen.misuse).toEqual([]);
  });

  it('goes down when the backend closes (writes fail, grants end, the port closes, Closed said) and up again on a new vif', async () => {
    const { io, xen, store, dev, back } = setup();
    const netif = await createNetfront(io, context());
    await netif.write(frame(100, 1));
    const ringRefs = [Number(store.read(dev.frontend + '/tx-ring-ref')), Number(store.read(dev.frontend + '/rx-ring-ref'))];
    const oldPort = back.port;
    await until(() => back.rxPosted() > 0, 2000, 'RX buffers');

    back.close();
    await until(() => store.read(dev.backend + '/state') === '6', 2000, 'the backend to close');
    expect(store.read(dev.frontend + '/state')).toBe('6');
    const e = await netif.write(frame(100, 2)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeviceError);
    expect((e as Error).message).toBe('net: link down');
    expect(xen.grants.size).toBe(0); // ring pages, TX and RX buffers alike
    for (const ref of ringRefs) expect(xen.grants.has(ref)).toBe(false);
    expect(xen.channels.has(oldPort)).toBe(false);
    expect(io.registered()).toEqual([1]);
    // down, the NIC holds the program alive waiting for its vif
    expect(io.refed(1)).toBe(true);

    // xl network-attach: the toolstack removes the old vif and adds a new one
    store.remove(dev.frontend);
    back.stop();
    const dev2 = addPvDevice(store, { kind: 'vif', id: 1, front: { mac: MAC } });
    const back2 = new FakeNetback(store, xen, dev2);
    await until(() => store.read(dev2.frontend + '/state') === '4' && store.read(dev2.backend + '/state') === '4', 2000, 'the new vif');
    await until(() => io.refed(1) === false, 2000, 'the xenstore hold to end');
    await netif.write(frame(200, 3));
    expect(back2.sent).toEqual([frame(200, 3)]);
    expect(back.sent).toHaveLength(1);
    expect(devicePorts(xen)).toEqual([back2.port]);
    expect(xen.misuse).toEqual([]);
  });

  it("fails with code 'absent' when the domain has no xenstore, or the toolstack gave it no vif", async () => {
    const bare = fakeXenIO({ xenstore: false });
    await expect(createNetfront(bare.io, context())).rejects.toMatchObject({ code: 'absent', message: expect.stringMatching(/^net: this domain has no xenstore/) });
    const novif = fakeXenIO();
    await expect(createNetfront(novif.io, context('lan'))).rejects.toMatchObject({ code: 'absent', message: expect.stringMatching(/^lan: the toolstack gave this guest no vif/) });
    expect(novif.io.refed(1)).toBe(false);
  });

  it('refuses a backend that cannot copy into its RX pages, and a bad mac', async () => {
    const env = fakeXenIO();
    const dev = addPvDevice(env.xenstored!, { kind: 'vif', id: 0, front: { mac: MAC } });
    new FakeNetback(env.xenstored!, env.xen, dev, {});
    await expect(createNetfront(env.io, context())).rejects.toThrow('net: the backend cannot copy into our RX pages (no feature-rx-copy)');
    const bad = fakeXenIO();
    addPvDevice(bad.xenstored!, { kind: 'vif', id: 0, front: { mac: '00:16:3e:12:34' } });
    await expect(createNetfront(bad.io, context())).rejects.toThrow('net: the toolstack gave a bad mac: 00:16:3e:12:34');
  });
});
