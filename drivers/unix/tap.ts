/*
 * A Netif over a Linux tap device (`--tap NAME`). Frames are read when the
 * kernel reports the fd readable; a write goes to the tap at once when
 * nothing waits before it; writes the tap cannot take yet wait in a queue
 * until it is writable again, in order.
 */
import { DeviceError, type DriverFactory, type Netif } from '../interfaces';
import type { EventRegistration } from '../../kernel/runtime/loop';

const MTU = 1500;
const MAX_FRAME = 65536;
/** Frames read per wake-up before the event loop runs again. */
const FRAMES_PER_WAKE = 64;

function parseMac(text: string, device: string): Uint8Array {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) throw new DeviceError(device, 'bad --mac ' + text);
  return new Uint8Array(parts.map((p) => parseInt(p, 16)));
}

function randomMac(kernel: NymoteKernel): Uint8Array {
  const mac = new Uint8Array(6);
  kernel.entropy(mac);
  mac[0] = (mac[0] & 0xfe) | 0x02; // unicast, locally administered
  return mac;
}

export const createTap: DriverFactory<Netif> = (io, { device: name, args }) => {
  const os = io.kernel.unix;
  if (!os) return Promise.reject(new DeviceError(name, 'tap needs the unix platform'));
  const tapName = args.options.tap;
  if (!tapName || tapName === 'true') return Promise.reject(new DeviceError(name, 'no tap device given: pass --tap NAME'));
  let fd: number;
  let mac: Uint8Array;
  try {
    mac = args.options.mac ? parseMac(args.options.mac, name) : randomMac(io.kernel);
    fd = os.tapOpen(tapName);
  } catch (e) {
    return Promise.reject(e instanceof DeviceError ? e : new DeviceError(name, (e as Error).message, (e as { code?: string }).code));
  }
  const rx = new Uint8Array(MAX_FRAME);
  const pending: { frame: Uint8Array; done: (err?: Error) => void }[] = [];
  let writable: EventRegistration | null = null;
  let receiver: EventRegistration | null = null;

  /** Watches the fd; closing the registration also drops the kernel watch. */
  function watch(readable: boolean, handler: () => void): EventRegistration {
    const id = os!.watch(fd, readable, !readable);
    const reg = io.onEvent(id, handler);
    return {
      ref: reg.ref,
      unref: reg.unref,
      close: function () { reg.close(); os!.unwatch(id); },
    };
  }

  function flush(): void {
    while (pending.length) {
      const next = pending[0];
      let n: number;
      try {
        n = os!.write(fd, next.frame);
      } catch (e) {
        pending.shift();
        next.done(new DeviceError(name, (e as Error).message, (e as { code?: string }).code));
        continue;
      }
      if (n < 0) break; // full: wait for writability
      pending.shift();
      next.done();
    }
    if (pending.length && !writable) {
      writable = watch(false, flush);
    } else if (!pending.length && writable) {
      writable.close();
      writable = null;
    }
  }

  // What every write the tap took at once returns: one settled promise, not
  // a promise, two closures and a queue entry per frame (the Ethernet layer
  // recognises a promise it has seen and attaches nothing more to it).
  const written = Promise.resolve();

  const netif: Netif = {
    mac: mac,
    mtu: MTU,
    write: function (frame) {
      if (frame.length < 14 || frame.length > MTU + 18) {
        return Promise.reject(new DeviceError(name, 'frame of ' + frame.length + ' bytes is not a valid Ethernet frame'));
      }
      if (pending.length === 0) {
        let n: number;
        try {
          n = os!.write(fd, frame);
        } catch (e) {
          return Promise.reject(new DeviceError(name, (e as Error).message, (e as { code?: string }).code));
        }
        if (n >= 0) return written;
      }
      return new Promise<void>((resolve, reject) => {
        pending.push({ frame: frame, done: function (err) { if (err) reject(err); else resolve(); } });
        if (pending.length === 1) flush();
      });
    },
    listen: function (onFrame) {
      if (receiver) receiver.close();
      receiver = watch(true, () => {
        // A bounded batch: under a flood the fd never runs dry, and the
        // promise callbacks of what we answered must get their turn (the
        // watch is level-triggered, so the rest comes on the next round).
        for (let i = 0; i < FRAMES_PER_WAKE; i++) {
          const n = os!.read(fd, rx);
          if (n <= 0) return;
          onFrame(rx.subarray(0, n));
        }
      });
    },
  };
  return Promise.resolve(netif);
};
