/*
 * The Xen natives (__kernel.xen) behind the pure cores: granted pages from
 * the kernel's page pool, event channels as event-loop sources, and the one
 * xenstore connection of this domain.
 */
import { onKernelEvent, type EventRegistration } from '../../../kernel/runtime/loop';
import { DeviceError, type DriverIO } from '../../interfaces';
import { XEN_PAGE_SIZE, type GrantAccess, type GrantedPage, type PageGranter } from '../ring/pages';
import { XenstoreClient } from '../xenstore/client';
import { createRingTransport } from '../xenstore/transport';

export function xenNatives(device: string): NymoteXenNatives {
  const xen = __kernel.xen;
  if (!xen) throw new DeviceError(device, 'needs a Xen platform (this is ' + __kernel.platform + ')');
  if (!xen.events) throw new DeviceError(device, "Xen's shared info is not mapped: no event channels");
  return xen;
}

/** Pages this many at a time from the kernel pool. */
const CHUNK_PAGES = 16;

type Page = GrantedPage & { access: GrantAccess };

/**
 * Pages granted to one backend domain, at most `limits[access]` of each kind
 * out at once (so RX buffers cannot starve TX). A freed page keeps its grant
 * and is handed out again (the backend holds it already); `close` ends every
 * grant, keeping aside pages the backend still maps.
 */
export class KernelGranter implements PageGranter {
  private readonly idle: { ro: Page[]; rw: Page[] } = { ro: [], rw: [] };
  private readonly out = { ro: 0, rw: 0 };
  private readonly fresh: Uint8Array[] = [];
  private readonly granted: Page[] = [];
  private readonly stuck: Page[] = [];

  constructor(private readonly xen: NymoteXenNatives, public domid: number, private readonly limits: { ro: number; rw: number }) {}

  alloc(access: GrantAccess): GrantedPage | null {
    if (this.out[access] >= this.limits[access]) return null;
    let page = this.idle[access].pop();
    if (!page) {
      const data = this.freshPage();
      if (data === null) return null;
      page = { gref: this.xen.grantAccess(this.domid, data, access === 'ro'), data, access };
      this.granted.push(page);
    }
    this.out[access]++;
    return page;
  }

  free(page: GrantedPage): void {
    const p = page as Page;
    this.out[p.access]--;
    this.idle[p.access].push(p);
  }

  /** Ends every grant; pages the backend still maps stay aside for good. */
  close(): void {
    for (let i = 0; i < this.granted.length; i++) {
      const page = this.granted[i];
      let ended = false;
      try { ended = this.xen.grantEnd(page.gref); } catch (e) { ended = false; }
      if (ended) this.fresh.push(page.data);
      else this.stuck.push(page);
    }
    this.granted.length = 0;
    this.idle.ro.length = 0;
    this.idle.rw.length = 0;
    this.out.ro = 0;
    this.out.rw = 0;
  }

  /** Pages kept from the backend at close (still mapped there). */
  get stuckPages(): number { return this.stuck.length; }

  private freshPage(): Uint8Array | null {
    if (this.fresh.length) return this.fresh.pop() as Uint8Array;
    let buffer: ArrayBuffer;
    try { buffer = __kernel.pages(CHUNK_PAGES); } catch (e) { return null; }
    for (let i = CHUNK_PAGES - 1; i > 0; i--) this.fresh.push(new Uint8Array(buffer, i * XEN_PAGE_SIZE, XEN_PAGE_SIZE));
    return new Uint8Array(buffer, 0, XEN_PAGE_SIZE);
  }
}

/** One page for a shared ring, granted read-write to `domid`. */
export function ringPage(xen: NymoteXenNatives, domid: number): { page: Uint8Array; gref: number } {
  const page = new Uint8Array(__kernel.pages(1));
  return { page, gref: xen.grantAccess(domid, page, false) };
}

export interface EventChannel {
  readonly port: number;
  notify(): void;
  registration: EventRegistration;
  close(): void;
}

/** A fresh port for `remoteDom` to bind to, delivered to `handler` through the event loop. */
export function allocEventChannel(xen: NymoteXenNatives, remoteDom: number, handler: () => void): EventChannel {
  const port = xen.evtchnAllocUnbound(remoteDom);
  return bindPort(xen, port, handler, true);
}

function bindPort(xen: NymoteXenNatives, port: number, handler: () => void, owned: boolean): EventChannel {
  const registration = onKernelEvent(port, handler);
  xen.evtchnUnmask(port);
  return {
    port,
    registration,
    notify() { xen.evtchnSend(port); },
    close() {
      registration.close();
      if (owned) { try { xen.evtchnClose(port); } catch (e) { /* already gone */ } }
    },
  };
}

export interface XenstoreConnection {
  client: XenstoreClient;
  /** Keeps the event loop alive while something waits on xenstore; pair with release(). */
  hold(): void;
  release(): void;
}

let connection: XenstoreConnection | null = null;

/** This domain's xenstore (one connection, shared by every device). */
export function xenstore(device: string): XenstoreConnection {
  if (connection) return connection;
  const xen = xenNatives(device);
  const ring = xen.xenstore;
  if (!ring) throw new DeviceError(device, 'this domain has no xenstore (dom0less, or our kernel is dom0): PV devices need a Linux dom0 (nymote boot --full)', 'absent');
  let channel: EventChannel | null = null;
  const fence = xen.fence;
  const transport = createRingTransport(new Uint8Array(ring.page), {
    notify: function () { xen.evtchnSend(ring.port); },
    barriers: { rmb: fence, wmb: fence, mb: fence },
  });
  channel = bindPort(xen, ring.port, function () { transport.onEvent(); }, false);
  const events = channel.registration;
  events.unref();
  let holders = 0;
  connection = {
    client: new XenstoreClient(transport),
    hold() { if (holders++ === 0) events.ref(); },
    release() { if (--holders === 0) events.unref(); },
  };
  return connection;
}

/**
 * Opens a PV device: `open` gets the natives and the xenstore connection
 * (kept holding the event loop until it settles), or the device fails with
 * why it cannot have them.
 */
export function openPvDevice<T>(_io: DriverIO, device: string, open: (xen: NymoteXenNatives, xs: XenstoreConnection) => Promise<T>): Promise<T> {
  let xen: NymoteXenNatives;
  let xs: XenstoreConnection;
  try {
    xen = xenNatives(device);
    xs = xenstore(device);
  } catch (e) {
    return Promise.reject(e);
  }
  return withXenstore(xs, function () { return open(xen, xs); });
}

/** Runs `work` with the xenstore connection keeping the event loop alive. */
export function withXenstore<T>(xs: XenstoreConnection, work: () => Promise<T>): Promise<T> {
  xs.hold();
  return work().then(
    function (v) { xs.release(); return v; },
    function (e) { xs.release(); throw e; },
  );
}
