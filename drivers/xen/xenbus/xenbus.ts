/*
 * The front half of a xenbus device (public/io/xenbus.h) over our xenstore
 * client: find the device the toolstack created under device/<kind>/, meet
 * the backend (Initialising -> publish rings -> Connected), and follow the
 * backend afterwards, so a backend that closes (xl network-detach, a
 * backend domain restarting) tears the device down instead of wedging it,
 * and a device that appears again (xl network-attach) is connected anew.
 */
import { DeviceError } from '../../interfaces';
import { XenbusState, parseXenbusState } from './state';
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
  /** Progress and trouble, for the console. */
  log(message: string): void;
}

/** The device ids under device/<kind>, lowest first. */
export async function listDevices(xs: XenstoreConnection, kind: string): Promise<string[]> {
  let ids: string[];
  try {
    ids = await xs.client.directory('device/' + kind);
  } catch (e) {
    return [];
  }
  return ids.filter(function (id) { return /^[0-9]+$/.test(id); }).sort(function (a, b) { return Number(a) - Number(b); });
}

export async function readDevice(xs: XenstoreConnection, kind: string, id: string): Promise<XenbusDevice> {
  const path = 'device/' + kind + '/' + id;
  const backend = await xs.client.read(path + '/backend');
  const backendId = Number(await xs.client.read(path + '/backend-id'));
  if (!(backendId >= 0 && backendId < 0x7ff0)) throw new DeviceError(path, 'bad backend-id');
  return { path, id, backend, backendId };
}

/** Resolves with the backend's state once `accept` takes it (watching backend/state). */
function backendState(xs: XenstoreConnection, device: XenbusDevice, accept: (s: XenbusState) => boolean): Promise<XenbusState> {
  return new Promise<XenbusState>(function (resolve, reject) {
    let watch: Watch | null = null;
    let done = false;
    function check(): void {
      xs.client.read(device.backend + '/state').then(function (text) {
        const state = parseXenbusState(text);
        if (done || !accept(state)) return;
        done = true;
        if (watch) watch.unwatch().catch(function () { /* gone with the device */ });
        resolve(state);
      }, function () { /* not there yet: the watch fires when it is */ });
    }
    xs.client.watch(device.backend + '/state', check).then(function (w) {
      watch = w;
      if (done) w.unwatch().catch(function () { /* ignore */ });
    }, reject);
  });
}

function setState(xs: XenstoreConnection, device: XenbusDevice, state: XenbusState): Promise<void> {
  return xs.client.write(device.path + '/state', String(state));
}

/**
 * Connects one device and follows it: resolves once it is Connected; later
 * backend changes run `teardown` (and answer Closing with Closed).
 */
export async function connectFrontend(xs: XenstoreConnection, device: XenbusDevice, hooks: FrontendHooks): Promise<void> {
  const S = XenbusState;
  await setState(xs, device, S.Initialising);
  const seen = await backendState(xs, device, function (s) { return s === S.InitWait || s === S.Initialised || s === S.Connected || s >= S.Closing; });
  if (seen >= S.Closing) throw new DeviceError(device.path, 'the backend is closing');
  await xs.client.transaction(async function (tx) {
    await hooks.publish(tx, device);
    await tx.write(device.path + '/state', String(hooks.publishedState));
  });
  const state = await backendState(xs, device, function (s) { return s === S.Connected || s >= S.Closing; });
  if (state !== S.Connected) {
    hooks.teardown(device, 'the backend closed while connecting');
    throw new DeviceError(device.path, 'the backend closed while connecting');
  }
  await hooks.connected(device);
  if (hooks.publishedState !== S.Connected) await setState(xs, device, S.Connected);
  followBackend(xs, device, hooks);
}

function followBackend(xs: XenstoreConnection, device: XenbusDevice, hooks: FrontendHooks): void {
  const S = XenbusState;
  let down = false;
  let watch: Watch | null = null;
  function changed(): void {
    xs.client.read(device.backend + '/state').then(function (text) {
      const state = parseXenbusState(text);
      if (down || (state !== S.Closing && state !== S.Closed && state !== S.Unknown)) return;
      down = true;
      hooks.teardown(device, 'the backend is ' + (state === S.Closing ? 'closing' : 'closed'));
      // Closing answered with Closed lets the toolstack finish removing the device.
      setState(xs, device, S.Closed).catch(function () { /* the toolstack removed it already */ });
      if (watch) watch.unwatch().catch(function () { /* ignore */ });
    }, function () {
      // backend/state is gone: the toolstack removed the backend.
      if (down) return;
      down = true;
      hooks.teardown(device, 'the backend is gone');
      if (watch) watch.unwatch().catch(function () { /* ignore */ });
    });
  }
  xs.client.watch(device.backend + '/state', changed).then(function (w) {
    watch = w;
    if (down) w.unwatch().catch(function () { /* ignore */ });
  }, function (e: Error) { hooks.log(device.path + ': cannot watch the backend: ' + e.message); });
}

/**
 * Calls `appeared(id)` for every device id under device/<kind> not seen
 * connected before, now and whenever the toolstack adds one.
 */
export function watchDevices(xs: XenstoreConnection, kind: string, appeared: (id: string) => void): Promise<Watch> {
  return xs.client.watch('device/' + kind, function () {
    listDevices(xs, kind).then(function (ids) { for (let i = 0; i < ids.length; i++) appeared(ids[i]); });
  });
}
