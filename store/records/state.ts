/*
 * What a store knows in memory: for each collection, each key's durable
 * location in the log and the writes still on their way to it, plus the
 * secondary indexes of what readers see. The journal calls in here to
 * replay the log at open and to ask which entries are live when it cleans.
 *
 * Two views of a key: *durable* (the last entry for it that reached the
 * disk: pos, or -1 for none) and *visible* (the newest save/delete called,
 * durable or not). Readers see the visible one; cleaning keeps the durable
 * one, so that a power cut can only lose writes that were never
 * acknowledged, never older acknowledged ones.
 */
import { RecordsError } from './errors';
import {
  CATALOG, DELETE, FRAME_SIZE, PUT, decodeCatalog, parseEntry,
  type CatalogInfo, type IndexValues, type Key,
} from './format';
import type { JournalHooks } from './journal';

/** One write not yet durable. */
export interface Op {
  /** Per-slot order: a later op supersedes an earlier one. */
  n: number;
  put: boolean;
  payload: Uint8Array;
  /** Where the codec's bytes start in payload. */
  valueStart: number;
  index: IndexValues | null;
}

export interface Slot {
  key: Key;
  /** Durable entry's position in the store (bytes), or -1. */
  pos: number;
  len: number;
  valueStart: number;
  /** Index values of the durable value (may lack indexes added since it was written). */
  index: IndexValues | null;
  /** n of the op that made the durable state. */
  durableN: number;
  pending: Op[];
}

/** Index name -> value (typed string) -> { value, keys: slot key -> key }. */
type IndexMap = Map<string, { value: Key; keys: Map<string, Key> }>;

/** Strings that name a key or an index value, typed: "s…" or "n…". */
export function keyId(k: Key): string {
  return typeof k === 'string' ? 's' + k : 'n' + (k === 0 ? 0 : k);
}

export function compareKeys(a: Key, b: Key): number {
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export class CollectionState {
  info: CatalogInfo | null = null;
  readonly slots = new Map<string, Slot>();
  visibleCount = 0;
  /** The indexes readers query, once a typed collection opened them. */
  indexes: Map<string, IndexMap> | null = null;
  private nextN = 1;

  constructor(readonly id: number, public name: string) {}

  slot(key: Key, create: boolean): Slot | undefined {
    const id = keyId(key);
    let s = this.slots.get(id);
    if (!s && create) {
      s = { key: key, pos: -1, len: 0, valueStart: 0, index: null, durableN: 0, pending: [] };
      this.slots.set(id, s);
    }
    return s;
  }

  newOp(put: boolean, payload: Uint8Array, valueStart: number, index: IndexValues | null): Op {
    return { n: this.nextN++, put: put, payload: payload, valueStart: valueStart, index: index };
  }

  /** Whether readers see a value for the slot, and its index values. */
  visible(s: Slot): { exists: boolean; index: IndexValues | null } {
    if (s.pending.length) {
      const last = s.pending[s.pending.length - 1];
      return { exists: last.put, index: last.put ? last.index : null };
    }
    return { exists: s.pos >= 0, index: s.pos >= 0 ? s.index : null };
  }

  /** Runs `change` on the slot and keeps the count and indexes in step with what readers see. */
  changeVisible(s: Slot, change: () => void): void {
    const before = this.visible(s);
    change();
    const after = this.visible(s);
    this.visibleCount += (after.exists ? 1 : 0) - (before.exists ? 1 : 0);
    if (this.indexes) {
      const id = keyId(s.key);
      if (before.index) this.unindex(id, before.index);
      if (after.index) this.indexKey(id, s.key, after.index);
    }
    this.dropIfEmpty(s);
  }

  dropIfEmpty(s: Slot): void {
    if (s.pos < 0 && !s.pending.length) this.slots.delete(keyId(s.key));
  }

  indexKey(id: string, key: Key, values: IndexValues): void {
    const indexes = this.indexes as Map<string, IndexMap>;
    indexes.forEach((map, name) => {
      if (!Object.prototype.hasOwnProperty.call(values, name)) return;
      const v = values[name];
      const vid = keyId(v);
      let bucket = map.get(vid);
      if (!bucket) {
        bucket = { value: v, keys: new Map<string, Key>() };
        map.set(vid, bucket);
      }
      bucket.keys.set(id, key);
    });
  }

  unindex(id: string, values: IndexValues): void {
    const indexes = this.indexes as Map<string, IndexMap>;
    indexes.forEach((map, name) => {
      if (!Object.prototype.hasOwnProperty.call(values, name)) return;
      const vid = keyId(values[name]);
      const bucket = map.get(vid);
      if (!bucket) return;
      bucket.keys.delete(id);
      if (!bucket.keys.size) map.delete(vid);
    });
  }

  /**
   * Starts indexing by `names`; returns the slots whose index values for
   * them are unknown (written before an index existed): the caller decodes
   * those values and calls indexKey.
   */
  openIndexes(names: readonly string[]): Slot[] {
    const indexes = new Map<string, IndexMap>();
    for (let i = 0; i < names.length; i++) indexes.set(names[i], new Map());
    this.indexes = indexes;
    const unknown: Slot[] = [];
    this.slots.forEach((s, id) => {
      const v = this.visible(s);
      if (!v.exists) return;
      const values = v.index || {};
      for (let i = 0; i < names.length; i++) {
        if (!Object.prototype.hasOwnProperty.call(values, names[i])) {
          // Written without this index: it may hold a value for it or not.
          unknown.push(s);
          break;
        }
      }
      this.indexKey(id, s.key, values);
    });
    return unknown;
  }
}

export class StoreState {
  readonly byId = new Map<number, CollectionState>();
  readonly byName = new Map<string, CollectionState>();
  /** The catalog: collection name -> its catalog entry, as a collection of its own (id 0). */
  readonly catalog = new CollectionState(0, '');
  private live = 0;

  nextCollectionId(): number {
    let max = 0;
    this.byId.forEach((_c, id) => { if (id > max) max = id; });
    return max + 1;
  }

  private collection(id: number): CollectionState {
    let c = this.byId.get(id);
    if (!c) {
      // An entry may come before its catalog entry once cleaning has copied that one forward.
      c = new CollectionState(id, '');
      this.byId.set(id, c);
    }
    return c;
  }

  addCollection(info: CatalogInfo, name: string): CollectionState {
    const c = this.collection(info.id);
    c.info = info;
    c.name = name;
    this.byName.set(name, c);
    return c;
  }

  /** The durable state of a slot became `op` at `pos`. */
  commit(c: CollectionState, s: Slot, op: Op, pos: number): void {
    const i = s.pending.indexOf(op);
    if (i >= 0) s.pending.splice(i, 1);
    if (op.n > s.durableN) {
      if (s.pos >= 0) this.live -= FRAME_SIZE + s.len;
      if (op.put) {
        s.pos = pos;
        s.len = op.payload.length;
        s.valueStart = op.valueStart;
        s.index = op.index;
        this.live += FRAME_SIZE + s.len;
      } else {
        s.pos = -1;
        s.index = null;
      }
      s.durableN = op.n;
    }
    c.dropIfEmpty(s);
  }

  /** A write that will never be durable (it failed): readers see the previous state again. */
  revert(c: CollectionState, s: Slot, op: Op): void {
    c.changeVisible(s, () => {
      const i = s.pending.indexOf(op);
      if (i >= 0) s.pending.splice(i, 1);
    });
  }

  liveBytes(): number {
    return this.live;
  }

  /** Checks what replay built: every collection with entries has a catalog entry. */
  finishReplay(): void {
    this.byId.forEach((c, id) => {
      if (!c.info && c.slots.size) throw new RecordsError('ECORRUPT', 'the log has entries for collection ' + id + ' but no catalog entry for it');
      if (!c.info) this.byId.delete(id);
    });
  }

  private entrySlot(payload: Uint8Array): { c: CollectionState; s: Slot | undefined; kind: number; index: IndexValues | null; valueStart: number } {
    const e = parseEntry(payload);
    const c = e.kind === CATALOG ? this.catalog : this.collection(e.collection);
    return { c: c, s: c.slot(e.key, false), kind: e.kind, index: e.index, valueStart: e.valueStart };
  }

  hooks(): JournalHooks {
    return {
      replay: (payload, pos) => {
        const e = parseEntry(payload);
        if (e.kind === CATALOG) {
          const info = decodeCatalog(payload, e.valueStart);
          const s = this.catalog.slot(e.key, true) as Slot;
          this.replaceDurable(s, pos, payload.length, e.valueStart, null);
          this.catalog.visibleCount = this.catalog.slots.size;
          this.addCollection(info, e.key as string);
          return;
        }
        const c = this.collection(e.collection);
        const s = c.slot(e.key, true) as Slot;
        const existed = s.pos >= 0;
        if (e.kind === PUT) {
          this.replaceDurable(s, pos, payload.length, e.valueStart, e.index);
          if (!existed) c.visibleCount++;
        } else if (e.kind === DELETE) {
          if (existed) {
            this.live -= FRAME_SIZE + s.len;
            c.visibleCount--;
          }
          s.pos = -1;
          c.dropIfEmpty(s);
        }
      },
      isLive: (payload, pos) => {
        const e = this.entrySlot(payload);
        return e.kind !== DELETE && !!e.s && e.s.pos === pos;
      },
      moved: (payload, from, to) => {
        const e = this.entrySlot(payload);
        if (e.s && e.s.pos === from) e.s.pos = to;
      },
      liveBytes: () => {
        return this.live;
      },
    };
  }

  private replaceDurable(s: Slot, pos: number, len: number, valueStart: number, index: IndexValues | null): void {
    if (s.pos >= 0) this.live -= FRAME_SIZE + s.len;
    s.pos = pos;
    s.len = len;
    s.valueStart = valueStart;
    s.index = index;
    this.live += FRAME_SIZE + len;
  }
}
