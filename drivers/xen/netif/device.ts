/*
 * A Netif over Xen's netfront (`vif` in the xl config): the pure Netfront
 * core on two granted ring pages and one event channel. Frames are copied
 * into granted TX pages; received frames are views of the granted RX pages
 * (no copy) until the listener returns. When the backend closes (xl
 * network-detach), writes fail with "link down" until a vif appears again
 * (xl network-attach), which is connected the same way.
 */
import { DeviceError, type DriverFactory, type Netif } from '../../interfaces';
import { Netfront } from './frontend';
import { completePartialChecksum } from './partial-checksum';
import { NETIF_RX_ENTRY_BYTES, NETIF_TX_ENTRY_BYTES, NETRXF_csum_blank } from './wire';
import { allocEventChannel, type EventChannel } from '../evtchn/event-channel';
import { KernelGranter, endGrants, grantRingPages } from '../grants/granter';
import { FrontRing, SharedRing } from '../ring/shared-ring';
import { openPvDevice, withXenstore, type XenstoreConnection } from '../xenbus/pv-device';
import { XenbusState } from '../xenbus/state';
import { connectFrontend, listDevices, readDevice, watchDevices, type XenbusDevice } from '../xenbus/xenbus';
import type { XenIO } from '../xen-io';
import type { XenstoreTx } from '../xenstore/client';

const MTU = 1500;
/** Frames waiting for TX slots; beyond this a write fails at once (like a full NIC queue). */
const MAX_QUEUED = 512;
/** Granted pages at most: RX buffers posted, TX frames in flight. */
const RX_PAGES = 128;
const TX_PAGES = 128;

interface Waiting { frame: Uint8Array; resolve(): void; reject(e: Error): void }

function parseMac(text: string, device: string): Uint8Array {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new DeviceError(device, 'the toolstack gave a bad mac: ' + text);
  }
  return new Uint8Array(parts.map((p) => parseInt(p, 16)));
}

class NetfrontLink {
  readonly mac: Uint8Array;
  private readonly granter: KernelGranter;
  private readonly txPage: Uint8Array;
  private readonly rxPage: Uint8Array;
  private ringRefs: number[] = [];
  private core: Netfront | null = null;
  private channel: EventChannel | null = null;
  private device: XenbusDevice | null = null;
  private connecting = false;
  /** Holding the xenstore connection (so the event loop) while the link is down. */
  private holding = false;
  private readonly queue: Waiting[] = [];
  private readonly inFlight: { [handle: number]: Waiting } = {};
  private listener: ((frame: Uint8Array) => void) | null = null;
  /** Frames the backend marked csum_blank although we asked it not to (their checksums finished here). */
  csumBlank = 0;

  constructor(private readonly name: string, private readonly io: XenIO, private readonly xs: XenstoreConnection, mac: Uint8Array, backendId: number) {
    this.mac = mac;
    this.txPage = new Uint8Array(io.kernel.pages(1));
    this.rxPage = new Uint8Array(io.kernel.pages(1));
    this.granter = new KernelGranter(io, backendId, { ro: TX_PAGES, rw: RX_PAGES });
  }

  get up(): boolean { return this.core !== null; }

  async connect(id: string): Promise<void> {
    this.connecting = true;
    try {
      await withXenstore(this.xs, async () => {
        const device = await readDevice(this.xs, 'vif', id);
        await connectFrontend(this.xs, device, {
          publishedState: XenbusState.Connected,
          publish: (tx) => this.publish(tx, device),
          connected: () => this.start(device),
          teardown: (_d, why) => { this.teardown(why); },
          log: (m) => { console.log(this.name + ': ' + m); },
        });
      });
    } finally {
      this.connecting = false;
    }
  }

  private async publish(tx: XenstoreTx, device: XenbusDevice): Promise<void> {
    const fence = this.io.xen.fence;
    this.granter.domid = device.backendId;
    const txRing = new FrontRing(new SharedRing(this.txPage, NETIF_TX_ENTRY_BYTES), true, fence);
    const rxRing = new FrontRing(new SharedRing(this.rxPage, NETIF_RX_ENTRY_BYTES), true, fence);
    this.ringRefs = grantRingPages(this.io, device.backendId, [this.txPage, this.rxPage]);
    const txRef = this.ringRefs[0];
    const rxRef = this.ringRefs[1];
    this.channel = allocEventChannel(this.io, device.backendId, () => { this.onEvent(); });
    this.core = new Netfront({ tx: txRing, rx: rxRing, granter: this.granter });
    this.device = device;
    const p = device.path + '/';
    await tx.write(p + 'tx-ring-ref', String(txRef));
    await tx.write(p + 'rx-ring-ref', String(rxRef));
    await tx.write(p + 'event-channel', String(this.channel.port));
    await tx.write(p + 'request-rx-copy', '1');
    await tx.write(p + 'feature-rx-notify', '1');
    await tx.write(p + 'feature-sg', '1');
    // Our stack checksums every packet and checks every checksum: the
    // backend must hand us complete ones (it fills in dom0's partial ones).
    await tx.write(p + 'feature-no-csum-offload', '1');
  }

  private async start(device: XenbusDevice): Promise<void> {
    let rxCopy = '0';
    try { rxCopy = await this.xs.client.read(device.backend + '/feature-rx-copy'); } catch (e) { /* absent: no */ }
    if (rxCopy !== '1') throw new DeviceError(this.name, 'the backend cannot copy into our RX pages (no feature-rx-copy)');
    console.log(this.name + ': connected to ' + device.backend);
    if (this.holding) { this.holding = false; this.xs.release(); }
    if (this.core && this.core.fillRx() && this.channel) this.channel.notify();
    this.pump();
  }

  private teardown(why: string): void {
    console.log(this.name + ': link down: ' + why);
    // A NIC keeps its program alive like a plugged one: wait for the vif to come back.
    if (!this.holding) { this.holding = true; this.xs.hold(); }
    const core = this.core;
    this.core = null;
    if (core) {
      const failed = core.teardown();
      for (let i = 0; i < failed.length; i++) this.settle(failed[i].handle, false);
    }
    for (const handle in this.inFlight) this.settle(Number(handle), false);
    const queued = this.queue.splice(0, this.queue.length);
    for (let i = 0; i < queued.length; i++) queued[i].reject(new DeviceError(this.name, 'link down'));
    if (this.channel) { this.channel.close(); this.channel = null; }
    this.granter.close();
    endGrants(this.io, this.ringRefs);
    this.ringRefs = [];
    this.device = null;
  }

  private settle(handle: number, ok: boolean): void {
    const w = this.inFlight[handle];
    if (!w) return;
    delete this.inFlight[handle];
    if (ok) w.resolve();
    else w.reject(new DeviceError(this.name, 'the backend failed to send a frame'));
  }

  private onEvent(): void {
    const core = this.core;
    if (!core) return;
    const sent = core.pollTx();
    for (let i = 0; i < sent.length; i++) this.settle(sent[i].handle, sent[i].ok);
    const frames = core.pollRx();
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      if (f.flags & NETRXF_csum_blank) {
        this.csumBlank++;
        completePartialChecksum(f.data);
      }
      try {
        if (this.listener) this.listener(f.data);
      } finally {
        f.release();
      }
    }
    if (core.fillRx() && this.channel) this.channel.notify();
    this.pump();
  }

  private pump(): void {
    const core = this.core;
    if (!core) return;
    let notify = false;
    while (this.queue.length) {
      const w = this.queue[0];
      const r = core.transmit(w.frame);
      if (!r.ok && r.reason === 'busy') break;
      this.queue.shift();
      if (!r.ok) { w.reject(new DeviceError(this.name, 'cannot send a frame of ' + w.frame.length + ' bytes (' + r.reason + ')')); continue; }
      this.inFlight[r.handle] = w;
      if (r.notify) notify = true;
    }
    if (notify && this.channel) this.channel.notify();
  }

  write(frame: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!this.core) { reject(new DeviceError(this.name, 'link down')); return; }
      if (this.queue.length >= MAX_QUEUED) { reject(new DeviceError(this.name, 'transmit queue full')); return; }
      this.queue.push({ frame, resolve, reject });
      this.pump();
    });
  }

  listen(onFrame: (frame: Uint8Array) => void): void { this.listener = onFrame; }

  /** Connects a vif the toolstack adds later (xl network-attach) while we are down. */
  async followAttach(): Promise<void> {
    try {
      await watchDevices(this.xs, 'vif', (id) => { void this.attached(id); });
    } catch (e) {
      console.log(this.name + ': cannot watch for new vifs: ' + (e as Error).message);
    }
  }

  private async attached(id: string): Promise<void> {
    if (this.up || this.connecting) return;
    let state: string;
    try {
      state = await this.xs.client.read('device/vif/' + id + '/state');
    } catch (e) {
      return; // removed again
    }
    if (state !== String(XenbusState.Initialising) || this.up || this.connecting) return;
    try {
      await this.connect(id);
    } catch (e) {
      console.log(this.name + ': reconnecting ' + id + ': ' + (e as Error).message);
    }
  }
}

export const createNetfront: DriverFactory<Netif> = (io, { device: name }) =>
  openPvDevice(io, name, async (xio, xs) => {
    const ids = await listDevices(xs, 'vif');
    if (ids.length === 0) throw new DeviceError(name, 'the toolstack gave this guest no vif (xl config: vif = [...])', 'absent');
    const device = await readDevice(xs, 'vif', ids[0]);
    const mac = parseMac(await xs.client.read(device.path + '/mac'), name);
    const link = new NetfrontLink(name, xio, xs, mac, device.backendId);
    await link.connect(ids[0]);
    void link.followAttach();
    const netif: Netif = {
      mac,
      mtu: MTU,
      write: (frame) => link.write(frame),
      listen: (onFrame) => { link.listen(onFrame); },
    };
    return netif;
  });
