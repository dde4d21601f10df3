import { describe, expect, it } from 'vitest';
import { DeviceError } from '../../interfaces';
import { fakeIO, fakeXenIO, until, type FakeXenOptions } from '../../testing/fake-io';
import { addPvDevice, type FakePvDevice, type FakeXenstored } from '../../testing/fake-xenstored';
import { XS_UNWATCH, XS_WRITE, decodeWrite, fromUtf8 } from '../xenstore/wire';
import { xenIO } from '../xen-io';
import { openPvDevice, xenstore } from './pv-device';
import { XenbusState } from './state';
import { connectFrontend, listDevices, readDevice, watchDevices, type FrontendHooks, type XenbusDevice } from './xenbus';

function setup(options: FakeXenOptions = {}) {
  const env = fakeXenIO(options);
  const xio = xenIO(env.io, 'test');
  const xs = xenstore(xio, 'test');
  return { ...env, store: env.xenstored as FakeXenstored, xio, xs };
}

/** A backend that goes InitWait, then Connected once the frontend says `connectOn`, and Closed after the frontend's Closed. */
function backend(store: FakeXenstored, dev: FakePvDevice, connectOn: string, initial = '2') {
  store.poke(dev.backend + '/state', initial);
  store.observe(dev.frontend + '/state', () => {
    const front = store.read(dev.frontend + '/state');
    const back = store.read(dev.backend + '/state');
    if (front === connectOn && back === '2') store.poke(dev.backend + '/state', '4');
    if (front === '6' && back === '5') store.poke(dev.backend + '/state', '6');
  });
}

/** Hooks that publish a ring-ref and record what they are asked to do. */
function recorder(store: FakeXenstored, publishedState: XenbusState) {
  const calls: string[] = [];
  const hooks: FrontendHooks = {
    publishedState,
    publish: async (tx, d) => { calls.push('publish'); await tx.write(d.path + '/ring-ref', '42'); },
    connected: async (d) => { calls.push('connected (we say ' + store.read('/local/domain/1/' + d.path + '/state') + ')'); },
    teardown: (_d, why) => { calls.push('teardown: ' + why); },
    log: (m) => { calls.push('log: ' + m); },
  };
  return { calls, hooks };
}

/** The guest's writes, as "path=value [in tx]". */
function writes(store: FakeXenstored): string[] {
  return store.log.filter((m) => m.type === XS_WRITE).map((m) => {
    const w = decodeWrite(m.payload)!;
    return w.path + '=' + fromUtf8(w.value) + (m.txId ? ' [tx]' : '');
  });
}

async function device(s: ReturnType<typeof setup>, id = 0): Promise<XenbusDevice> {
  return readDevice(s.xs, 'vif', String(id));
}

describe('the xenstore connection', { timeout: 15_000 }, () => {
  it('is one per kernel, on the domain xenstore port, holding the event loop only while asked to', () => {
    const s = setup({ xenstorePort: 3 });
    expect(xenstore(xenIO(s.io, 'other'), 'other')).toBe(s.xs);
    expect(xenstore(setup().xio, 'x')).not.toBe(s.xs);
    expect(s.io.registered()).toEqual([3]);
    expect(s.xen.channels.get(3)!.unmasked).toBe(true);
    expect(s.io.refed(3)).toBe(false);
    s.xs.hold(); s.xs.hold();
    expect(s.io.refed(3)).toBe(true);
    s.xs.release();
    expect(s.io.refed(3)).toBe(true);
    s.xs.release();
    expect(s.io.refed(3)).toBe(false);
  });

  it('carries requests through the ring and the event channel', async () => {
    const s = setup();
    s.store.poke('/local/domain/1/name', 'guest');
    expect(await s.xs.client.read('name')).toBe('guest');
    await s.xs.client.write('data/x', 'y');
    expect(s.store.read('/local/domain/1/data/x')).toBe('y');
  });
});

describe('openPvDevice', { timeout: 15_000 }, () => {
  it('hands the device its Xen IO and the connection, holding the event loop until it settles', async () => {
    const s = fakeXenIO();
    let during: boolean | undefined;
    const out = await openPvDevice(s.io, 'net', async (xio, xs) => {
      during = s.io.refed(1);
      expect(xio.xen).toBe(s.xen.natives);
      expect(xio.kernel).toBe(s.io.kernel);
      return xs.client.read('/local/domain/0/nothing').catch((e: Error) => e.message);
    });
    expect(during).toBe(true);
    expect(out).toBe('ENOENT');
    expect(s.io.refed(1)).toBe(false);
    await expect(openPvDevice(s.io, 'net', async () => { throw new Error('broken'); })).rejects.toThrow('broken');
    expect(s.io.refed(1)).toBe(false);
  });

  it("fails with code 'absent' in a domain without xenstore, and says why off Xen", async () => {
    const none = fakeXenIO({ xenstore: false });
    const e = await openPvDevice(none.io, 'net', async () => 1).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeviceError);
    expect(e).toMatchObject({ device: 'net', code: 'absent' });
    expect((e as Error).message).toMatch(/net: this domain has no xenstore/);
    expect(none.io.registered()).toEqual([]);
    await expect(openPvDevice(fakeIO(), 'disk', async () => 1)).rejects.toThrow('disk: needs a Xen platform (this is node)');
    const noEvents = fakeXenIO();
    const natives = { ...noEvents.xen.natives, events: false };
    await expect(openPvDevice(fakeIO({ xen: natives }), 'disk', async () => 1)).rejects.toThrow(/no event channels/);
  });
});

describe('xenbus devices', { timeout: 15_000 }, () => {
  it('lists device ids in numeric order and reads where their backend is', async () => {
    const s = setup();
    expect(await listDevices(s.xs, 'vif')).toEqual([]);
    for (const id of [10, 2, 0]) addPvDevice(s.store, { kind: 'vif', id, backendDomid: 3 });
    s.store.poke('/local/domain/1/device/vif/junk', '');
    expect(await listDevices(s.xs, 'vif')).toEqual(['0', '2', '10']);
    expect(await readDevice(s.xs, 'vif', '2')).toEqual({ path: 'device/vif/2', id: '2', backend: '/local/domain/3/backend/vif/1/2', backendId: 3 });
    s.store.poke('/local/domain/1/device/vif/2/backend-id', 'x');
    await expect(readDevice(s.xs, 'vif', '2')).rejects.toThrow('bad backend-id');
  });

  it('tells of every device under device/<kind>, now and when one is added', async () => {
    const s = setup();
    addPvDevice(s.store, { kind: 'vif', id: 0 });
    const seen: string[] = [];
    await watchDevices(s.xs, 'vif', (id) => seen.push(id));
    await until(() => seen.length > 0, 2000, 'the first listing');
    expect(seen).toContain('0');
    addPvDevice(s.store, { kind: 'vif', id: 1 });
    await until(() => seen.includes('1'), 2000, 'the new vif');
  });
});

describe('connectFrontend', { timeout: 15_000 }, () => {
  it('netfront: says Initialising, publishes its keys saying Connected in one transaction, and starts when the backend connects', async () => {
    const s = setup();
    const dev = addPvDevice(s.store, { kind: 'vif', id: 0 });
    backend(s.store, dev, '4');
    const { calls, hooks } = recorder(s.store, XenbusState.Connected);
    await connectFrontend(s.xs, await device(s), hooks);
    expect(calls).toEqual(['publish', 'connected (we say 4)']);
    expect(writes(s.store)).toEqual(['device/vif/0/state=1', 'device/vif/0/ring-ref=42 [tx]', 'device/vif/0/state=4 [tx]']);
    expect(s.store.read(dev.frontend + '/ring-ref')).toBe('42');
    expect(s.io.refed(1)).toBe(false);
  });

  it('blkfront: publishes saying Initialised, and says Connected only after starting', async () => {
    const s = setup();
    const dev = addPvDevice(s.store, { kind: 'vif', id: 0 });
    backend(s.store, dev, '3');
    const { calls, hooks } = recorder(s.store, XenbusState.Initialised);
    await connectFrontend(s.xs, await device(s), hooks);
    expect(calls).toEqual(['publish', 'connected (we say 3)']);
    expect(writes(s.store)).toEqual(['device/vif/0/state=1', 'device/vif/0/ring-ref=42 [tx]', 'device/vif/0/state=3 [tx]', 'device/vif/0/state=4']);
  });

  it('waits for a backend that is not ready yet', async () => {
    const s = setup();
    const dev = addPvDevice(s.store, { kind: 'vif', id: 0 });
    s.store.remove(dev.backend + '/state');
    const { calls, hooks } = recorder(s.store, XenbusState.Connected);
    let done = false;
    const connecting = connectFrontend(s.xs, await device(s), hooks).then(() => { done = true; });
    await until(() => s.store.read(dev.frontend + '/state') === '1');
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual([]);
    backend(s.store, dev, '4');
    await connecting;
    expect(done).toBe(true);
  });

  it('follows the backend: its Closing tears the device down once and is answered with Closed, and the watch goes', async () => {
    const s = setup();
    const dev = addPvDevice(s.store, { kind: 'vif', id: 0 });
    backend(s.store, dev, '4');
    const { calls, hooks } = recorder(s.store, XenbusState.Connected);
    await connectFrontend(s.xs, await device(s), hooks);
    s.store.poke(dev.backend + '/state', '5');
    await until(() => s.store.read(dev.backend + '/state') === '6', 2000, 'the backend to close');
    await until(() => s.store.log.some((m) => m.type === XS_UNWATCH), 2000, 'the unwatch');
    expect(s.store.read(dev.frontend + '/state')).toBe('6');
    s.store.poke(dev.backend + '/state', '1');
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual(['publish', 'connected (we say 4)', 'teardown: the backend is closing']);
  });

  it('tears down without a word when the toolstack removes the backend', async () => {
    const s = setup();
    const dev = addPvDevice(s.store, { kind: 'vif', id: 0 });
    backend(s.store, dev, '4');
    const { calls, hooks } = recorder(s.store, XenbusState.Connected);
    await connectFrontend(s.xs, await device(s), hooks);
    s.store.remove(dev.backend);
    await until(() => calls.length === 3, 2000, 'the teardown');
    expect(calls[2]).toBe('teardown: the backend is gone');
    await new Promise((r) => setTimeout(r, 20));
    expect(s.store.read(dev.frontend + '/state')).toBe('4');
  });

  it('fails without publishing when the backend is closing already', async () => {
    const s = setup();
    const dev = addPvDevice(s.store, { kind: 'vif', id: 0 });
    s.store.poke(dev.backend + '/state', '5');
    const { calls, hooks } = recorder(s.store, XenbusState.Connected);
    const e = await connectFrontend(s.xs, await device(s), hooks).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeviceError);
    expect((e as Error).message).toBe('device/vif/0: the backend is closing');
    expect(calls).toEqual([]);
    await until(() => s.store.log.some((m) => m.type === XS_UNWATCH), 2000, 'the unwatch');
  });

  it('tears down and fails when the backend closes after the rings are published', async () => {
    const s = setup();
    const dev = addPvDevice(s.store, { kind: 'vif', id: 0 });
    s.store.poke(dev.backend + '/state', '2');
    s.store.observe(dev.frontend + '/state', () => {
      if (s.store.read(dev.frontend + '/state') === '3') s.store.poke(dev.backend + '/state', '6');
    });
    const { calls, hooks } = recorder(s.store, XenbusState.Initialised);
    await expect(connectFrontend(s.xs, await device(s), hooks)).rejects.toThrow('device/vif/0: the backend closed while connecting');
    expect(calls).toEqual(['publish', 'teardown: the backend closed while connecting']);
  });

  it('fails when starting fails, and when the frontend cannot say Initialising', async () => {
    const s = setup();
    const dev = addPvDevice(s.store, { kind: 'vif', id: 0 });
    backend(s.store, dev, '4');
    const { hooks } = recorder(s.store, XenbusState.Connected);
    await expect(connectFrontend(s.xs, await device(s), { ...hooks, connected: async () => { throw new Error('no rx-copy'); } })).rejects.toThrow('no rx-copy');
    const bad: XenbusDevice = { path: 'bad//path', id: '9', backend: dev.backend, backendId: 0 };
    await expect(connectFrontend(s.xs, bad, hooks)).rejects.toThrow('EINVAL');
  });
});
