/*
 * The front half of a xenbus device (public/io/xenbus.h) over our xenstore
 * client: find the device the toolstack created under device/<kind>/, and
 * run the front end's state machine (state.ts) against the backend's state
 * node — meet the backend (Initialising -> publish rings -> Connected), then
 * follow it, so a backend that closes (xl network-detach, a backend domain
 * restarting) tears the device down instead of wedging it. A device that
 * appears again (xl network-attach) is connected anew.
 */
import { DeviceError } from '../../interfaces';
import { frontendStep, newFrontend, parseXenbusState, XenbusState, type FrontAction, type FrontEvent } from './state';
import type { Watch, XenstoreTx } from '../xenstore/client';
import type { XenstoreConnection } from './pv-device';

export interface XenbusDevice {
  /** "device/vif/0" (relative to this domain's home). */
  readonly path: string;
  readonly id: string;
  readonly backend: string;
  readonly backendId: number;
}

export interface FrontendHooks {
  /** Grant rings, bind the event channel, and write their keys (in the transaction). */
  publish(tx: XenstoreTx, device: XenbusDevice): Promise<void>;
  /** What the front end says after publishing: netback connects on Connected, blkback on Initialised. */
  publishedState: XenbusState;
  /** The backend is Connected: read its features and start I/O. */
  connected(device: XenbusDevice): Promise<void>;
  /** The backend went away: fail I/O, end grants, close the port (synchronously). */
  teardown(device: XenbusDevice, why: string): void;
  /** Trouble after the device connected, for the console. */
  log(message: string): void;
}

const isId = (id: string) => /^[0-9]+$/.test(id);

/** The device ids under device/<kind>, lowest first. */
export async function listDevices(xs: XenstoreConnection, kind: string): Promise<string[]> {
  let ids: string[];
  try {
    ids = await xs.client.directory('device/' + kind);
  } catch (e) {
    return [];
  }
  return ids.filter(isId).sort((a, b) => Number(a) - Number(b));
}

export async function readDevice(xs: XenstoreConnection, kind: string, id: string): Promise<XenbusDevice> {
  const path = 'device/' + kind + '/' + id;
  const backend = await xs.client.read(path + '/backend');
  const backendId = Number(await xs.client.read(path + '/backend-id'));
  if (!(backendId >= 0 && backendId < 0x7ff0)) throw new DeviceError(path, 'bad backend-id');
  return { path, id, backend, backendId };
}

/**
 * Connects one device and follows it: resolves once it is Connected; later
 * backend changes run `teardown` (and answer Closing with Closed). The
 * backend's state is read whenever its watch fires and fed to the state
 * machine in order, one event's actions finished before the next event.
 */
export function connectFrontend(xs: XenstoreConnection, device: XenbusDevice, hooks: FrontendHooks): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let front = newFrontend(hooks.publishedState);
    /** The promise is settled: resolved once connected, or rejected (and the attempt over). */
    let settled = false;
    let watch: Watch | null = null;
    let watching = true;
    const events: FrontEvent[] = [];
    let running = false;

    const unwatch = async (w: Watch) => {
      try { await w.unwatch(); } catch (e) { /* gone with the device */ }
    };
    const stopWatching = () => {
      watching = false;
      if (watch) void unwatch(watch);
    };
    /** The attempt failed: nothing more happens here (a device that comes back is a new attempt). */
    const fail = (e: unknown) => {
      settled = true;
      front = { phase: 'closed', state: front.state, publishAs: front.publishAs };
      events.length = 0;
      stopWatching();
      reject(e);
    };

    const act = async (a: FrontAction): Promise<void> => {
      switch (a.kind) {
        case 'write-state':
          await xs.client.write(device.path + '/state', String(a.state));
          return;
        case 'publish':
          await xs.client.transaction(async (tx) => {
            await hooks.publish(tx, device);
            await tx.write(device.path + '/state', String(a.state));
          });
          return;
        case 'connected':
          await hooks.connected(device);
          return;
        case 'teardown':
          hooks.teardown(device, a.why);
          return;
        case 'fail':
          throw new DeviceError(device.path, a.why);
      }
    };

    /** Steps the machine through the queued events, finishing each step's actions before the next. */
    const run = async () => {
      running = true;
      while (events.length > 0) {
        const step = frontendStep(front, events.shift() as FrontEvent);
        front = step.front;
        for (let i = 0; i < step.actions.length; i++) {
          const a = step.actions[i];
          try {
            await act(a);
          } catch (e) {
            if (!settled) fail(e);
            // Writing Closed fails when the toolstack removed the device already.
            else if (a.kind !== 'write-state') hooks.log(device.path + ': ' + a.kind + ': ' + (e as Error).message);
          }
          if (front.phase === 'closed' && !watching) break;
        }
        if (!settled && front.phase === 'connected') { settled = true; resolve(); }
        if (front.phase === 'closed' && watching) stopWatching();
      }
      running = false;
    };
    const feed = (ev: FrontEvent) => {
      if (front.phase === 'closed') return;
      events.push(ev);
      if (!running) void run();
    };

    const readBackend = async () => {
      let ev: FrontEvent;
      try {
        ev = { kind: 'backend', state: parseXenbusState(await xs.client.read(device.backend + '/state')) };
      } catch (e) {
        ev = { kind: 'backend-gone' };
      }
      feed(ev);
    };
    const follow = async () => {
      try {
        const w = await xs.client.watch(device.backend + '/state', () => { void readBackend(); });
        if (watching) watch = w;
        else void unwatch(w);
      } catch (e) {
        if (!settled) fail(e);
      }
    };

    feed({ kind: 'start' });
    void follow();
  });
}

/**
 * Calls `appeared(id)` for every device id under device/<kind> not seen
 * connected before, now and whenever the toolstack adds one.
 */
export function watchDevices(xs: XenstoreConnection, kind: string, appeared: (id: string) => void): Promise<Watch> {
  return xs.client.watch('device/' + kind, async () => {
    const ids = await listDevices(xs, kind);
    for (let i = 0; i < ids.length; i++) appeared(ids[i]);
  });
}
