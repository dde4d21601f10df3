import { describe, expect, it } from 'vitest';
import { fakeXenIO, until } from '../../testing/fake-io';
import { xenIO } from '../xen-io';
import { allocEventChannel, bindPort } from './event-channel';

describe('event channels', { timeout: 15_000 }, () => {
  it('allocates a port for the backend, delivers its events through the event loop, and notifies it', async () => {
    const { io, xen } = fakeXenIO({ xenstore: false });
    let events = 0;
    const ch = allocEventChannel(xenIO(io, 'test'), 4, () => { events++; });
    expect(xen.channels.get(ch.port)).toEqual({ remoteDom: 4, unmasked: true });
    expect(io.registered()).toEqual([ch.port]);
    xen.raise(ch.port);
    await until(() => events === 1);
    let kicked = 0;
    xen.onNotify(ch.port, () => { kicked++; });
    ch.notify();
    await until(() => kicked === 1);
    ch.registration.unref();
    expect(io.refed(ch.port)).toBe(false);
    ch.close();
    expect(io.registered()).toEqual([]);
    expect(xen.channels.has(ch.port)).toBe(false);
    expect(xen.misuse).toEqual([]);
  });

  it('leaves a port it did not allocate open at close', () => {
    const { io, xen } = fakeXenIO({ xenstorePort: 2 });
    const ch = bindPort(xenIO(io, 'test'), 2, () => undefined, false);
    expect(xen.channels.get(2)!.unmasked).toBe(true);
    ch.close();
    expect(io.registered()).toEqual([]);
    expect(xen.channels.has(2)).toBe(true);
  });
});
