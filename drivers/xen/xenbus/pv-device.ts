/*
 * What every PV device opens first: the Xen natives of its DriverIO and this
 * domain's xenstore connection, one per kernel, shared by every device.
 */
import { DeviceError, type DriverIO } from '../../interfaces';
import { bindPort } from '../evtchn/event-channel';
import { xenIO, type XenIO } from '../xen-io';
import { XenstoreClient } from '../xenstore/client';
import { createRingTransport } from '../xenstore/transport';

export interface XenstoreConnection {
  client: XenstoreClient;
  /** Keeps the event loop alive while something waits on xenstore; pair with release(). */
  hold(): void;
  release(): void;
}

/** The connection of each kernel (a domain has one xenstore ring). */
const connections = new WeakMap<NymoteKernel, XenstoreConnection>();

/** This domain's xenstore (one connection, shared by every device). */
export function xenstore(io: XenIO, device: string): XenstoreConnection {
  const known = connections.get(io.kernel);
  if (known) return known;
  const xen = io.xen;
  const ring = xen.xenstore;
  if (!ring) throw new DeviceError(device, 'this domain has no xenstore (dom0less, or our kernel is dom0): PV devices need a Linux dom0 (nymote boot --full)', 'absent');
  const fence = xen.fence;
  const transport = createRingTransport(new Uint8Array(ring.page), {
    notify: () => { xen.evtchnSend(ring.port); },
    barriers: { rmb: fence, wmb: fence, mb: fence },
  });
  const events = bindPort(io, ring.port, () => { transport.onEvent(); }, false).registration;
  events.unref();
  let holders = 0;
  const connection: XenstoreConnection = {
    client: new XenstoreClient(transport),
    hold: () => { if (holders++ === 0) events.ref(); },
    release: () => { if (--holders === 0) events.unref(); },
  };
  connections.set(io.kernel, connection);
  return connection;
}

/**
 * Opens a PV device: `open` gets the Xen IO and the xenstore connection
 * (kept holding the event loop until it settles), or the device fails with
 * why it cannot have them.
 */
export async function openPvDevice<T>(io: DriverIO, device: string, open: (io: XenIO, xs: XenstoreConnection) => Promise<T>): Promise<T> {
  const xio = xenIO(io, device);
  const xs = xenstore(xio, device);
  return withXenstore(xs, () => open(xio, xs));
}

/** Runs `work` with the xenstore connection keeping the event loop alive. */
export async function withXenstore<T>(xs: XenstoreConnection, work: () => Promise<T>): Promise<T> {
  xs.hold();
  try {
    return await work();
  } finally {
    xs.release();
  }
}
