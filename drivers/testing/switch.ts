/*
 * An in-memory Ethernet switch for tests and the node board: each port is a
 * Netif. It learns which MAC sits behind which port (unknown, broadcast and
 * multicast destinations are flooded) and can lose, duplicate and reorder
 * frames with a seeded PRNG, so a failing run can be replayed exactly.
 *
 * Split-phase like every driver: write() copies the frame, resolves
 * asynchronously, and frames arrive through the Scheduler (never inside
 * write()), so it runs under a test's virtual clock as under real timers.
 */
import { DeviceError, type Netif } from '../interfaces';
import type { Scheduler } from '../../lib/scheduler';
import { seededRandom } from '../../lib/random';
import { packetFate } from '../../lib/testing/lossy-link';

export { seededRandom };

export interface SwitchFaults {
  /** Probability that a frame to one port is lost. */
  loss: number;
  /** Probability that a frame is held back (by up to `reorderWindowMs`) so later ones overtake it. */
  reorder: number;
  /** Probability that a frame arrives twice. */
  duplicate: number;
}

export interface SwitchOptions extends Partial<SwitchFaults> {
  scheduler: Scheduler;
  /** A uniform [0, 1) generator for the faults; a PRNG seeded with `seed` unless given. */
  random?: () => number;
  /** Seed of the built-in PRNG (default 1). */
  seed?: number;
  /** Delay of every frame in ms (default 0: next turn of the scheduler). */
  delayMs?: number;
  /** The most a reordered frame is held back, in ms (default 5). */
  reorderWindowMs?: number;
  /** MTU of every port (default 1500). */
  mtu?: number;
  /** Learn MAC → port (default true); false floods every frame, like a hub. */
  learning?: boolean;
}

export interface SwitchPort extends Netif {
  readonly index: number;
  /** Unplugs the port: frames to it are dropped, writes from it reject. */
  disconnect(): void;
  readonly connected: boolean;
}

export interface SwitchCounters {
  /** Frames written into the switch. */
  frames: number;
  /** Frames handed to a port's listener (duplicates included). */
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Frames sent to every port because the destination was unknown. */
  flooded: number;
  /** Frames that reached a port with no listener or a disconnected one. */
  unheard: number;
  /** Writes refused (too short, over the MTU, port disconnected). */
  refused: number;
}

export interface Switch {
  /** A new port; its MAC is `mac` or a locally administered one (02:00:00:00:xx:xx). */
  port(mac?: Uint8Array): SwitchPort;
  readonly counters: SwitchCounters;
  /** Changes the fault probabilities from now on. */
  setFaults(faults: Partial<SwitchFaults>): void;
  /** Sees every frame written into the switch (a copy), with the index of the port it came from. */
  monitor(fn: (frame: Uint8Array, fromPort: number) => void): () => void;
}


function macKey(frame: Uint8Array, at: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (frame[at + i] < 16 ? '0' : '') + frame[at + i].toString(16);
  return s;
}

interface PortState {
  index: number;
  mac: Uint8Array;
  listener: ((frame: Uint8Array) => void) | null;
  connected: boolean;
}

export function createSwitch(options: SwitchOptions): Switch {
  const scheduler = options.scheduler;
  const random = options.random || seededRandom(options.seed === undefined ? 1 : options.seed);
  const faults: SwitchFaults = { loss: options.loss || 0, reorder: options.reorder || 0, duplicate: options.duplicate || 0 };
  const delayMs = options.delayMs || 0;
  const reorderWindowMs = options.reorderWindowMs === undefined ? 5 : options.reorderWindowMs;
  const mtu = options.mtu || 1500;
  const learning = options.learning !== false;
  const ports: PortState[] = [];
  const table = new Map<string, PortState>();
  const monitors: ((frame: Uint8Array, fromPort: number) => void)[] = [];
  const counters: SwitchCounters = { frames: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, flooded: 0, unheard: 0, refused: 0 };

  function deliverLater(to: PortState, frame: Uint8Array): void {
    const fate = packetFate(random, faults, { delayMs, reorderWindowMs });
    if (fate.lost) counters.lost++;
    if (fate.duplicated) counters.duplicated++;
    counters.reordered += fate.reordered;
    for (const delay of fate.delays) {
      const own = frame.slice();
      scheduler.after(delay, () => {
        if (!to.connected || !to.listener) { counters.unheard++; return; }
        counters.delivered++;
        to.listener(own);
      });
    }
  }

  function forward(from: PortState, frame: Uint8Array): void {
    counters.frames++;
    for (let i = 0; i < monitors.length; i++) monitors[i](frame.slice(), from.index);
    if (learning && (frame[6] & 1) === 0) table.set(macKey(frame, 6), from);
    const group = (frame[0] & 1) === 1;
    const known = !group && learning ? table.get(macKey(frame, 0)) : undefined;
    if (known) {
      if (known !== from && known.connected) deliverLater(known, frame);
      else if (known !== from) counters.unheard++;
      return;
    }
    if (!group) counters.flooded++;
    for (let i = 0; i < ports.length; i++) if (ports[i] !== from && ports[i].connected) deliverLater(ports[i], frame);
  }

  return {
    counters: counters,
    setFaults(f) {
      if (f.loss !== undefined) faults.loss = f.loss;
      if (f.reorder !== undefined) faults.reorder = f.reorder;
      if (f.duplicate !== undefined) faults.duplicate = f.duplicate;
    },
    monitor(fn) {
      monitors.push(fn);
      return function () { const i = monitors.indexOf(fn); if (i >= 0) monitors.splice(i, 1); };
    },
    port(mac) {
      const index = ports.length;
      let own = mac;
      if (!own) {
        own = new Uint8Array([0x02, 0, 0, 0, ((index + 1) >>> 8) & 0xff, (index + 1) & 0xff]);
      } else if (own.length !== 6) {
        throw new Error('switch: a MAC address has 6 bytes, got ' + own.length);
      }
      const state: PortState = { index: index, mac: own.slice(), listener: null, connected: true };
      ports.push(state);
      const name = 'switch port ' + index;
      return {
        index: index,
        mac: state.mac,
        mtu: mtu,
        get connected() { return state.connected; },
        disconnect() {
          state.connected = false;
          table.forEach((p, key) => { if (p === state) table.delete(key); });
        },
        write(frame) {
          if (!state.connected) { counters.refused++; return Promise.reject(new DeviceError(name, 'port disconnected', 'ENETDOWN')); }
          if (frame.length < 14 || frame.length > 14 + mtu) {
            counters.refused++;
            return Promise.reject(new DeviceError(name, 'frame of ' + frame.length + ' bytes (14 to ' + (14 + mtu) + ')', 'EMSGSIZE'));
          }
          forward(state, frame.slice());
          return Promise.resolve();
        },
        listen(onFrame) {
          state.listener = onFrame;
        },
      };
    },
  };
}
