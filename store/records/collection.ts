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
    this.ready.then(undefined, () => {});
  }

  /** Decodes the records written before one of our indexes existed, to index them. */
  private async buildIndexes(unknown: Slot[]): Promise<void> {
    for (let i = 0; i < unknown.length; i++) {
      const s = unknown[i];
      if (s.pending.length || s.pos < 0) continue;
      const pos = s.pos;
      const value = await this.readDurable(s);
      // Skip it if a write came meanwhile: that write's index values are in already.
      if (value !== undefined && !s.pending.length && s.pos === pos) {
        const values = this.indexValues(value);
        s.index = values;
        if (values) this.c.indexKey(keyId(s.key), s.key, values);
      }
    }
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
    c.changeVisible(s, () => { s.pending.push(op); });
    const append = (): Promise<void> => ctx.journal.append(op.payload, (pos) => { ctx.state.commit(c, s, op, pos); });
    // eslint-disable-next-line promise/prefer-await-to-then -- hot path: runs per record saved or deleted; as an async function it cost 216k more instructions per save in Duktape (+25% for saves in batches of 32)
    return ctx.whenRegistered(append).then(undefined, (e) => {
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

  async delete(key: KeyOf<T>): Promise<boolean> {
    this.ctx.check();
    const k = this.checkKey(key);
    const s = this.c.slot(k, false);
    if (!s || !this.c.visible(s).exists) return false;
    await this.write(s, this.c.newOp(false, encodeDelete(this.c.id, k), 0, null));
    return true;
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
    const pos = s.pos;
    const valueStart = s.valueStart;
    // eslint-disable-next-line promise/prefer-await-to-then -- hot path: runs per record read; as an async function it cost 120k more instructions per get in Duktape
    return this.ctx.journal.read(pos, s.len).then((payload) => this.decode(payload, valueStart, s.key), (e) => {
      // Cleaning may have moved the entry while the read was under way.
      if (!retried && s.pos !== pos) return this.readVisible(s, true);
      throw e;
    });
  }

  private sortedSlots(ids: Map<string, Key>): Slot[] {
    const slots: Slot[] = [];
    const c = this.c;
    ids.forEach((_k, id) => {
      const s = c.slots.get(id);
      if (s && c.visible(s).exists) slots.push(s);
    });
    slots.sort((a, b) => compareKeys(a.key, b.key));
    return slots;
  }

  private async readAll(slots: Slot[]): Promise<T[]> {
    const out: T[] = [];
    // One at a time: a big collection must not have every read in flight at once.
    for (let i = 0; i < slots.length; i++) {
      const v = await this.readVisible(slots[i]);
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  async query(q: Query<T>): Promise<T[]> {
    this.ctx.check();
    const name = q && (q as { index: string }).index;
    if (this.indexNames.indexOf(name) < 0) {
      throw new RecordsError('EINVAL', this.name + ': no index ' + JSON.stringify(name) + ' (indexes: ' + (this.indexNames.join(', ') || 'none') + ')');
    }
    const { equals, min, max, prefix } = q as { equals?: Key; min?: Key; max?: Key; prefix?: string };
    await this.ready;
    const map = (this.c.indexes as Map<string, Map<string, { value: Key; keys: Map<string, Key> }>>).get(q.index) as Map<string, { value: Key; keys: Map<string, Key> }>;
    const buckets: { value: Key; keys: Map<string, Key> }[] = [];
    if (equals !== undefined) {
      const b = map.get(keyId(equals));
      if (b) buckets.push(b);
    } else {
      map.forEach((b) => {
        const v = b.value;
        if (min !== undefined && (typeof v !== typeof min || v < min)) return;
        if (max !== undefined && (typeof v !== typeof max || v > max)) return;
        if (prefix !== undefined && (typeof v !== 'string' || v.slice(0, prefix.length) !== prefix)) return;
        buckets.push(b);
      });
      buckets.sort((a, b) => compareKeys(a.value, b.value));
    }
    let slots: Slot[] = [];
    for (let i = 0; i < buckets.length; i++) slots = slots.concat(this.sortedSlots(buckets[i].keys));
    return this.readAll(slots);
  }

  all(): Promise<T[]> {
    try {
      this.ctx.check();
    } catch (e) {
      return Promise.reject(e);
    }
    const ids = new Map<string, Key>();
    this.c.slots.forEach((s, id) => { ids.set(id, s.key); });
    return this.readAll(this.sortedSlots(ids));
  }

  keys(): KeyOf<T>[] {
    const keys: Key[] = [];
    const c = this.c;
    c.slots.forEach((s) => { if (c.visible(s).exists) keys.push(s.key); });
    keys.sort(compareKeys);
    return keys as KeyOf<T>[];
  }

  count(): number {
    return this.c.visibleCount;
  }
}
