/*
 * A typed collection: values of one TS type, saved under a key field and
 * found by key or by indexed fields. Values go through the codec the build
 * generated for the type; nothing here looks at types at run time.
 */
import { Reader, Writer } from './binary';
import type { RecordCodec } from './codec';
import { RecordsError } from './errors';
import { beginPut, encodeDelete, type IndexValues, type Key } from './format';
import type { Journal } from './journal';
import { compareKeys, keyId, type CollectionState, type Op, type Slot, type StoreState } from './state';

/** Fields of T whose type is string or number (not optional): what can be a key. */
export type KeyField<T> = { [P in keyof T]-?: T[P] extends string | number ? P : never }[keyof T] & string;
/** Fields of T whose type is string or number, optional or not: what can be indexed. */
export type IndexField<T> = { [P in keyof T]-?: NonNullable<T[P]> extends string | number ? P : never }[keyof T] & string;
/** The type of T's key (the union of its string and number fields' types). */
export type KeyOf<T> = T[KeyField<T>] & Key;

export interface RecordsOptions<T> {
  /** The field that identifies a record: save() replaces the record with the same key. */
  key: KeyField<T>;
  /** Fields to find records by with query(). */
  index?: readonly IndexField<T>[];
}

/** Records whose indexed field equals a value, lies in [min, max], or starts with a prefix. */
export type Query<T> = {
  [P in IndexField<T>]: {
    index: P;
    equals?: NonNullable<T[P]>;
    min?: NonNullable<T[P]>;
    max?: NonNullable<T[P]>;
    prefix?: string;
  };
}[IndexField<T>];

export interface Collection<T> {
  readonly name: string;
  /** Stores value under its key; resolves once it is durable. */
  save(value: T): Promise<void>;
  /** The value stored under key, or undefined. */
  get(key: KeyOf<T>): Promise<T | undefined>;
  has(key: KeyOf<T>): boolean;
  /** Removes the value under key; resolves (true if there was one) once that is durable. */
  delete(key: KeyOf<T>): Promise<boolean>;
  /** Values matching the query, ordered by the indexed field, then by key. */
  query(q: Query<T>): Promise<T[]>;
  /** Every value, ordered by key. */
  all(): Promise<T[]>;
  /** Every key, ordered. */
  keys(): KeyOf<T>[];
  count(): number;
}

export interface CollectionContext {
  state: StoreState;
  journal: Journal;
  /**
   * Runs append() now if the collection's catalog entry is durable, else
   * once it is, in call order: no entry may reach the log ahead of it.
   */
  whenRegistered(append: () => Promise<void>): Promise<void>;
  /** Throws if the store is closed or failed. */
  check(): void;
}

function isKey(v: unknown): v is Key {
  return typeof v === 'string' || (typeof v === 'number' && v === v);
}

export class TypedCollection<T> implements Collection<T> {
  readonly name: string;
  private readonly writer = new Writer(256);
  private ready: Promise<void>;

  constructor(
    private readonly ctx: CollectionContext,
    private readonly c: CollectionState,
    private readonly codec: RecordCodec<T>,
    private readonly keyField: string,
    private readonly indexNames: readonly string[],
  ) {
    this.name = c.name;
    this.ready = this.buildIndexes(c.openIndexes(indexNames));
    // Queries report a failure here; an app that never queries must not die of it.
    this.ready.then(undefined, function () {});
  }

  /** Decodes the records written before one of our indexes existed, to index them. */
  private buildIndexes(unknown: Slot[]): Promise<void> {
    const self = this;
    let i = 0;
    function next(): Promise<void> {
      while (i < unknown.length && (unknown[i].pending.length || unknown[i].pos < 0)) i++;
      if (i >= unknown.length) return Promise.resolve();
      const s = unknown[i++];
      const pos = s.pos;
      return self.readDurable(s).then(function (value) {
        // Skip it if a write came meanwhile: that write's index values are in already.
        if (value !== undefined && !s.pending.length && s.pos === pos) {
          const values = self.indexValues(value);
          s.index = values;
          if (values) self.c.indexKey(keyId(s.key), s.key, values);
        }
        return next();
      });
    }
    return next();
  }

  private indexValues(value: T): IndexValues | null {
    let values: IndexValues | null = null;
    for (let i = 0; i < this.indexNames.length; i++) {
      const v = (value as Record<string, unknown>)[this.indexNames[i]];
      if (isKey(v)) {
        if (!values) values = {};
        values[this.indexNames[i]] = v;
      }
    }
    return values;
  }

  private keyOf(value: T): Key {
    const k = value === null || typeof value !== 'object' ? undefined : (value as Record<string, unknown>)[this.keyField];
    if (!isKey(k)) {
      throw new RecordsError('ETYPE', this.name + ': the key field ' + this.keyField + ' must be a string or a number (not NaN), got ' + (k === undefined ? 'undefined' : String(k)));
    }
    return k;
  }

  private checkKey(key: unknown): Key {
    if (!isKey(key)) throw new RecordsError('EINVAL', this.name + ': a key is a string or a number (not NaN), got ' + String(key));
    return key;
  }

  private write(s: Slot, op: Op): Promise<void> {
    const ctx = this.ctx;
    const c = this.c;
    c.changeVisible(s, function () { s.pending.push(op); });
    function append(): Promise<void> {
      return ctx.journal.append(op.payload, function (pos) { ctx.state.commit(c, s, op, pos); });
    }
    return ctx.whenRegistered(append).then(undefined, function (e) {
      ctx.state.revert(c, s, op);
      throw e;
    });
  }

  save(value: T): Promise<void> {
    try {
      this.ctx.check();
      const key = this.keyOf(value);
      const index = this.indexValues(value);
      const w = this.writer;
      w.pos = 0;
      beginPut(w, this.c.id, key, index);
      const valueStart = w.pos;
      try {
        this.codec.encode(w, value);
      } catch (e) {
        if (e instanceof RecordsError) throw new RecordsError(e.code, this.name + '.save(' + JSON.stringify(key) + '): ' + this.codec.type + ': ' + e.message);
        throw e;
      }
      const op = this.c.newOp(true, w.finish(), valueStart, index);
      return this.write(this.c.slot(key, true) as Slot, op);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  delete(key: KeyOf<T>): Promise<boolean> {
    try {
      this.ctx.check();
      const k = this.checkKey(key);
      const s = this.c.slot(k, false);
      if (!s || !this.c.visible(s).exists) return Promise.resolve(false);
      const op = this.c.newOp(false, encodeDelete(this.c.id, k), 0, null);
      return this.write(s, op).then(function () { return true; });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  has(key: KeyOf<T>): boolean {
    const s = isKey(key) ? this.c.slot(key, false) : undefined;
    return !!s && this.c.visible(s).exists;
  }

  get(key: KeyOf<T>): Promise<T | undefined> {
    try {
      this.ctx.check();
      const s = this.c.slot(this.checkKey(key), false);
      return s ? this.readVisible(s) : Promise.resolve(undefined);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private decode(payload: Uint8Array, valueStart: number, key: Key): T {
    try {
      const r = new Reader(payload, valueStart);
      const value = this.codec.decode(r);
      r.done();
      return value;
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new RecordsError('ECORRUPT', this.name + ': the record under ' + JSON.stringify(key) + ' does not decode as ' + this.codec.type + ': ' + why);
    }
  }

  private readVisible(s: Slot, retried?: boolean): Promise<T | undefined> {
    if (s.pending.length) {
      const last = s.pending[s.pending.length - 1];
      return Promise.resolve(last.put ? this.decode(last.payload, last.valueStart, s.key) : undefined);
    }
    return this.readDurable(s, retried);
  }

  private readDurable(s: Slot, retried?: boolean): Promise<T | undefined> {
    if (s.pos < 0) return Promise.resolve(undefined);
    const self = this;
    const pos = s.pos;
    const valueStart = s.valueStart;
    return this.ctx.journal.read(pos, s.len).then(function (payload) {
      return self.decode(payload, valueStart, s.key);
    }, function (e) {
      // Cleaning may have moved the entry while the read was under way.
      if (!retried && s.pos !== pos) return self.readVisible(s, true);
      throw e;
    });
  }

  private sortedSlots(ids: Map<string, Key>): Slot[] {
    const slots: Slot[] = [];
    const c = this.c;
    ids.forEach(function (_k, id) {
      const s = c.slots.get(id);
      if (s && c.visible(s).exists) slots.push(s);
    });
    slots.sort(function (a, b) { return compareKeys(a.key, b.key); });
    return slots;
  }

  private readAll(slots: Slot[]): Promise<T[]> {
    const self = this;
    const out: T[] = [];
    let i = 0;
    // One at a time: a big collection must not have every read in flight at once.
    function next(): Promise<T[]> {
      if (i >= slots.length) return Promise.resolve(out);
      return self.readVisible(slots[i++]).then(function (v) {
        if (v !== undefined) out.push(v);
        return next();
      });
    }
    return next();
  }

  query(q: Query<T>): Promise<T[]> {
    const self = this;
    try {
      this.ctx.check();
      const name = q && (q as { index: string }).index;
      if (this.indexNames.indexOf(name) < 0) {
        throw new RecordsError('EINVAL', this.name + ': no index ' + JSON.stringify(name) + ' (indexes: ' + (this.indexNames.join(', ') || 'none') + ')');
      }
    } catch (e) {
      return Promise.reject(e);
    }
    const { equals, min, max, prefix } = q as { equals?: Key; min?: Key; max?: Key; prefix?: string };
    return this.ready.then(function () {
      const map = (self.c.indexes as Map<string, Map<string, { value: Key; keys: Map<string, Key> }>>).get(q.index) as Map<string, { value: Key; keys: Map<string, Key> }>;
      const buckets: { value: Key; keys: Map<string, Key> }[] = [];
      if (equals !== undefined) {
        const b = map.get(keyId(equals));
        if (b) buckets.push(b);
      } else {
        map.forEach(function (b) {
          const v = b.value;
          if (min !== undefined && (typeof v !== typeof min || v < min)) return;
          if (max !== undefined && (typeof v !== typeof max || v > max)) return;
          if (prefix !== undefined && (typeof v !== 'string' || v.slice(0, prefix.length) !== prefix)) return;
          buckets.push(b);
        });
        buckets.sort(function (a, b) { return compareKeys(a.value, b.value); });
      }
      let slots: Slot[] = [];
      for (let i = 0; i < buckets.length; i++) slots = slots.concat(self.sortedSlots(buckets[i].keys));
      return self.readAll(slots);
    });
  }

  all(): Promise<T[]> {
    try {
      this.ctx.check();
    } catch (e) {
      return Promise.reject(e);
    }
    const ids = new Map<string, Key>();
    this.c.slots.forEach(function (s, id) { ids.set(id, s.key); });
    return this.readAll(this.sortedSlots(ids));
  }

  keys(): KeyOf<T>[] {
    const keys: Key[] = [];
    const c = this.c;
    c.slots.forEach(function (s) { if (c.visible(s).exists) keys.push(s.key); });
    keys.sort(compareKeys);
    return keys as KeyOf<T>[];
  }

  count(): number {
    return this.c.visibleCount;
  }
}
