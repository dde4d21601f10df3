/*
 * For tests: a page store that loses power. Writes land in a volatile
 * layer (readers see them) and become durable at flush(). At the cut (the
 * Nth write) the machine dies: that write and every later call never
 * complete, and what the medium holds afterwards is the durable layer plus
 * any part of the unflushed writes: whole writes in order with the cut one
 * torn at a sector ('prefix'), or any subset of their sectors ('sectors',
 * as a disk that reorders its cache may leave them).
 */
import { seededRandom as seeded } from '../../lib/random';
import type { PageStore } from '../records/page-store';

export { seeded };

export interface FaultStore extends PageStore {
  /** Writes issued so far. */
  readonly writes: number;
  readonly dead: boolean;
  /** Resolves when the power fails. */
  readonly died: Promise<void>;
  /** The medium after the cut (or now, if no cut happened). */
  persisted(mode: 'prefix' | 'sectors', random: () => number): Uint8Array;
}

const SECTOR = 512;

export function faultStore(pages: number, pageSize: number, cutAt = Infinity, initial?: Uint8Array): FaultStore {
  const durable = new Uint8Array(pages * pageSize);
  if (initial) durable.set(initial.subarray(0, durable.length));
  const current = new Uint8Array(durable);
  let unflushed: { at: number; data: Uint8Array }[] = [];
  let torn: { at: number; data: Uint8Array } | null = null;
  let writes = 0;
  let dead = false;
  let die: () => void = () => {};
  const died = new Promise<void>((resolve) => { die = resolve; });
  const never = new Promise<never>(() => {});

  const store: FaultStore = {
    pageSize: pageSize,
    pages: pages,
    get writes() { return writes; },
    get dead() { return dead; },
    died: died,
    read: async (page, buf) => {
      if (dead) return never;
      await null; // completes on a later turn, as a device does
      buf.set(current.subarray(page * pageSize, page * pageSize + buf.length));
    },
    write: function (page, buf) {
      if (dead) return never;
      const data = new Uint8Array(buf);
      if (writes++ === cutAt) {
        dead = true;
        torn = { at: page * pageSize, data: data };
        die();
        return never;
      }
      current.set(data, page * pageSize);
      unflushed.push({ at: page * pageSize, data: data });
      return Promise.resolve();
    },
    flush: function () {
      if (dead) return never;
      for (let i = 0; i < unflushed.length; i++) durable.set(unflushed[i].data, unflushed[i].at);
      unflushed = [];
      return Promise.resolve();
    },
    persisted: function (mode, random) {
      const out = new Uint8Array(durable);
      const pending = torn ? unflushed.concat([torn]) : unflushed;
      if (mode === 'prefix') {
        for (let i = 0; i < pending.length; i++) {
          const w = pending[i];
          const last = i === pending.length - 1 && torn !== null;
          const sectors = last ? Math.floor(random() * (w.data.length / SECTOR + 1)) : w.data.length / SECTOR;
          out.set(w.data.subarray(0, sectors * SECTOR), w.at);
        }
      } else {
        for (let i = 0; i < pending.length; i++) {
          const w = pending[i];
          for (let s = 0; s < w.data.length; s += SECTOR) if (random() < 0.5) out.set(w.data.subarray(s, s + SECTOR), w.at + s);
        }
      }
      return out;
    },
  };
  return store;
}

