/*
 * A DriverIO for driver tests: a kernel whose natives are only those a test
 * gives (anything else throws, naming itself), and an event table the test
 * fires by hand. fakeXenIO adds a Xen guest's natives (grant table, event
 * channels, kernel pages) whose far ends the test plays, and a fake
 * xenstored on the domain's xenstore ring.
 */
import type { DriverIO } from '../interfaces';
import { FakeXenstored } from './fake-xenstored';

export interface FakeIO extends DriverIO {
  /** Runs the handler registered for a kernel event id; false when none is. */
  fire(id: number): boolean;
  /** Event ids with a handler. */
  registered(): number[];
  /** Whether the registration for `id` keeps the event loop alive (undefined: none). */
  refed(id: number): boolean | undefined;
}

export function fakeIO(natives: Partial<NymoteKernel> = {}): FakeIO {
  const handlers = new Map<number, { handler: () => void; refed: boolean }>();
  const kernel = new Proxy(natives, {
    get: (target, key) => {
      if (key in target) return target[key as keyof NymoteKernel];
      if (key === 'platform') return 'node';
      if (key === 'unix' || key === 'xen') return undefined;
      throw new Error('fake kernel: no native ' + String(key));
    },
  }) as NymoteKernel;
  return {
    kernel,
    onEvent: (id, handler) => {
      const source = { handler, refed: true };
      handlers.set(id, source);
      return {
        ref: () => { source.refed = true; },
        unref: () => { source.refed = false; },
        close: () => { if (handlers.get(id) === source) handlers.delete(id); },
      };
    },
    fire: (id) => {
      const h = handlers.get(id);
      if (h) h.handler();
      return !!h;
    },
    registered: () => [...handlers.keys()],
    refed: (id) => handlers.get(id)?.refed,
  };
}

/** For drivers that touch no native (memory, Node's fs). */
export const NO_IO: DriverIO = fakeIO();

const PAGE = 4096;

export interface FakeGrant {
  readonly domid: number;
  readonly readOnly: boolean;
  /** The granted page, as the other domain maps it (the same memory). */
  readonly page: Uint8Array;
}

export interface FakeChannel {
  readonly remoteDom: number;
  unmasked: boolean;
}

/** What the other side sees of a fake Xen guest, and how it acts on it. */
export interface FakeXen {
  readonly natives: NymoteXenNatives;
  /** Grants the guest made and has not ended, by ref. */
  readonly grants: Map<number, FakeGrant>;
  /** Grant refs the other domain still maps: grantEnd answers false for them. */
  readonly mapped: Set<number>;
  /** Event channel ports the guest has open (the xenstore port included). */
  readonly channels: Map<number, FakeChannel>;
  /** Kernel pages handed out so far. */
  readonly pagesTaken: () => number;
  /** Natives called with a ref or port the guest does not hold (each a bug in the driver). */
  readonly misuse: string[];
  /** The far end of `port`: `handler` runs (a macrotask later) whenever the guest notifies it. */
  onNotify(port: number, handler: () => void): void;
  /** Raises `port` towards the guest: its event handler runs from the "event loop" a macrotask later. */
  raise(port: number): void;
}

export interface FakeXenOptions {
  arch?: 'arm32' | 'x86_64';
  /** With a xenstore ring and a fake xenstored on it (default true). */
  xenstore?: boolean;
  /** The guest's domain id (default 1). */
  domid?: number;
  /** Kernel pages available in all (default 4096); pages() throws beyond. */
  pages?: number;
  /** The xenstore event channel's port (default 1). */
  xenstorePort?: number;
}

export interface FakeXenIO {
  io: FakeIO;
  xen: FakeXen;
  xenstored: FakeXenstored | null;
}

/** A Xen guest's DriverIO: grant table, event channels and xenstore, with the test as dom0. */
export function fakeXenIO(options: FakeXenOptions = {}): FakeXenIO {
  const grants = new Map<number, FakeGrant>();
  const mapped = new Set<number>();
  const channels = new Map<number, FakeChannel>();
  const peers = new Map<number, () => void>();
  const misuse: string[] = [];
  let nextRef = 8;
  let nextPort = 5;
  let pagesTaken = 0;
  const pageLimit = options.pages ?? 4096;
  const later = (f: () => void) => { setTimeout(f, 0); };
  const xsPort = options.xenstorePort ?? 1;
  const xsPage = new ArrayBuffer(PAGE);

  const pageOf = (page: ArrayBuffer | Uint8Array): Uint8Array => {
    const view = page instanceof Uint8Array ? page : new Uint8Array(page);
    if (view.byteOffset % PAGE !== 0 || view.byteLength < PAGE) throw new Error('fake xen: grantAccess of a view that does not start a page');
    return new Uint8Array(view.buffer, view.byteOffset, PAGE);
  };
  const port = (p: number, what: string): FakeChannel | null => {
    const c = channels.get(p);
    if (!c) misuse.push(what + '(' + p + '): no such port');
    return c ?? null;
  };

  const natives: NymoteXenNatives = {
    arch: options.arch ?? 'x86_64',
    memoryBytes: 64 << 20,
    events: true,
    grants: true,
    evtchnAllocUnbound: (remoteDom = 0) => {
      const p = nextPort++;
      channels.set(p, { remoteDom, unmasked: false });
      return p;
    },
    evtchnBindInterdomain: () => { throw new Error('fake xen: evtchnBindInterdomain is not faked'); },
    evtchnSend: (p) => {
      if (!port(p, 'evtchnSend')) throw Object.assign(new Error('evtchnSend: bad port'), { code: -22 });
      const peer = peers.get(p);
      if (peer) later(peer);
    },
    evtchnUnmask: (p) => {
      const c = port(p, 'evtchnUnmask');
      if (c) c.unmasked = true;
    },
    evtchnClose: (p) => {
      if (!port(p, 'evtchnClose')) throw Object.assign(new Error('evtchnClose: bad port'), { code: -22 });
      channels.delete(p);
      peers.delete(p);
    },
    grantAccess: (domid, page, readOnly) => {
      const ref = nextRef++;
      grants.set(ref, { domid, readOnly, page: pageOf(page) });
      return ref;
    },
    grantEnd: (ref) => {
      if (!grants.has(ref)) {
        misuse.push('grantEnd(' + ref + '): not granted');
        throw Object.assign(new Error('grantEnd: bad ref'), { code: -22 });
      }
      if (mapped.has(ref)) return false;
      grants.delete(ref);
      return true;
    },
    fence: () => undefined,
    xenstore: options.xenstore === false ? undefined : { page: xsPage, port: xsPort },
  };
  if (natives.xenstore) channels.set(xsPort, { remoteDom: 0, unmasked: false });

  const io = fakeIO({
    platform: natives.arch === 'arm32' ? 'xen-arm32' : 'xen-x86_64',
    xen: natives,
    pages: (count: number) => {
      if (pagesTaken + count > pageLimit) throw new Error('fake kernel: out of pages');
      pagesTaken += count;
      return new ArrayBuffer(count * PAGE);
    },
  });

  const xen: FakeXen = {
    natives,
    grants,
    mapped,
    channels,
    misuse,
    pagesTaken: () => pagesTaken,
    onNotify: (p, handler) => { peers.set(p, handler); },
    raise: (p) => { later(() => { if (channels.has(p)) io.fire(p); }); },
  };

  let xenstored: FakeXenstored | null = null;
  if (natives.xenstore) {
    xenstored = new FakeXenstored(new Uint8Array(xsPage), { notify: () => xen.raise(xsPort), domid: options.domid ?? 1 });
    const store = xenstored;
    xen.onNotify(xsPort, () => store.kick());
  }
  return { io, xen, xenstored };
}

/** Resolves once `condition()` holds (checked every millisecond), or rejects after `ms`. */
export async function until(condition: () => boolean, ms = 5000, what = 'a condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 1));
  }
}
