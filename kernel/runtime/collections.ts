/*
 * Map, Set, WeakMap and WeakSet for engines without them (Duktape).
 *
 * Map/Set keep entries in a doubly linked list in insertion order. Deleting
 * unlinks an entry but leaves its own links, so a live iterator standing on
 * it walks back to the nearest live predecessor and goes on from there; this
 * gives the spec's iteration semantics (deleted entries skipped, entries
 * added during iteration visited). Lookup is O(1) through an index keyed by
 * type + value for primitives and by a hidden id stamped on objects.
 */

interface Entry<K, V> { key: K; value: V; prev: Entry<K, V> | null; next: Entry<K, V> | null; removed: boolean }

const ID = '__nymote_id__';
let nextObjectId = 1;

function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** A string naming key's identity, or null when only a scan can find it. */
function indexKey(key: unknown): string | null {
  switch (typeof key) {
    case 'string': return 's' + key;
    case 'number': return key !== key ? 'NaN' : 'n' + (key === 0 ? 0 : key); // SameValueZero
    case 'boolean': return key ? 'T' : 'F';
    case 'undefined': return 'u';
    case 'symbol': return null;
  }
  if (key === null) return 'l';
  const o = key as object;
  if (hasOwn(o, ID)) return 'o' + (o as Record<string, number>)[ID];
  if (!Object.isExtensible(o)) return null;
  Object.defineProperty(o, ID, { value: nextObjectId++, enumerable: false, configurable: false, writable: false });
  return 'o' + (o as Record<string, number>)[ID];
}

function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

function makeIterator<T>(next: () => IteratorResult<T>, tag: string): IterableIterator<T> {
  const it = { next: next } as IterableIterator<T>;
  if (typeof Symbol === 'function') {
    (it as unknown as Record<symbol, unknown>)[Symbol.iterator] = function () { return it; };
    if (Symbol.toStringTag) (it as unknown as Record<symbol, unknown>)[Symbol.toStringTag] = tag;
  }
  return it;
}

/** Calls fn for each value of an iterable (arrays need no Symbol.iterator). */
export function forEachOfIterable(iterable: unknown, fn: (value: unknown) => void): void {
  if (iterable === undefined || iterable === null) return;
  if (Array.isArray(iterable)) {
    for (let i = 0; i < iterable.length; i++) fn(iterable[i]);
    return;
  }
  const method = typeof Symbol === 'function' ? (iterable as Record<symbol, unknown>)[Symbol.iterator] : undefined;
  if (typeof method !== 'function') throw new TypeError(typeof iterable + ' is not iterable');
  const it = method.call(iterable) as Iterator<unknown>;
  for (let step = it.next(); !step.done; step = it.next()) {
    try {
      fn(step.value);
    } catch (e) {
      if (typeof it.return === 'function') { try { it.return(); } catch (_ignored) { /* first error wins */ } }
      throw e;
    }
  }
}

export class NymoteMap<K, V> {
  private first: Entry<K, V> | null = null;
  private last: Entry<K, V> | null = null;
  private index: { [k: string]: Entry<K, V> } = Object.create(null);
  /** Entries whose keys cannot be indexed (symbols, frozen objects). */
  private unindexed: Entry<K, V>[] = [];
  private count = 0;

  constructor(entries?: Iterable<readonly [K, V]> | null) {
    forEachOfIterable(entries, (entry) => {
      if (typeof entry !== 'object' || entry === null) throw new TypeError('Iterator value ' + String(entry) + ' is not an entry object');
      this.set((entry as [K, V])[0], (entry as [K, V])[1]);
    });
  }

  get size(): number { return this.count; }

  private find(key: K): Entry<K, V> | undefined {
    const k = indexKey(key);
    if (k !== null) return this.index[k];
    for (let i = 0; i < this.unindexed.length; i++) if (sameValueZero(this.unindexed[i].key, key)) return this.unindexed[i];
    return undefined;
  }

  get(key: K): V | undefined {
    const e = this.find(key);
    return e ? e.value : undefined;
  }

  has(key: K): boolean {
    return this.find(key) !== undefined;
  }

  set(key: K, value: V): this {
    const found = this.find(key);
    if (found) { found.value = value; return this; }
    const e: Entry<K, V> = { key: (key === 0 ? 0 : key) as K, value: value, prev: this.last, next: null, removed: false };
    if (this.last) this.last.next = e; else this.first = e;
    this.last = e;
    const k = indexKey(key);
    if (k !== null) this.index[k] = e; else this.unindexed.push(e);
    this.count++;
    return this;
  }

  delete(key: K): boolean {
    const e = this.find(key);
    if (!e) return false;
    const k = indexKey(key);
    if (k !== null) delete this.index[k];
    else this.unindexed.splice(this.unindexed.indexOf(e), 1);
    this.unlink(e);
    return true;
  }

  clear(): void {
    for (let e = this.first; e; e = e.next) e.removed = true;
    this.first = this.last = null;
    this.index = Object.create(null);
    this.unindexed = [];
    this.count = 0;
  }

  private unlink(e: Entry<K, V>): void {
    e.removed = true;
    if (e.prev) e.prev.next = e.next; else this.first = e.next;
    if (e.next) e.next.prev = e.prev; else this.last = e.prev;
    this.count--;
  }

  /** The live entry after `e` (null: before the first). */
  private after(e: Entry<K, V> | null): Entry<K, V> | null {
    while (e && e.removed) e = e.prev;
    return e ? e.next : this.first;
  }

  forEach(fn: (value: V, key: K, map: this) => void, thisArg?: unknown): void {
    if (typeof fn !== 'function') throw new TypeError(String(fn) + ' is not a function');
    for (let e = this.after(null); e; e = this.after(e)) fn.call(thisArg, e.value, e.key, this);
  }

  private iterate<T>(pick: (e: Entry<K, V>) => T, tag: string): IterableIterator<T> {
    let at: Entry<K, V> | null = null;
    let done = false;
    return makeIterator(() => {
      if (!done) {
        const e = this.after(at);
        if (e) { at = e; return { value: pick(e), done: false }; }
        done = true;
      }
      return { value: undefined as unknown as T, done: true };
    }, tag);
  }

  keys(): IterableIterator<K> { return this.iterate((e) => { return e.key; }, 'Map Iterator'); }
  values(): IterableIterator<V> { return this.iterate((e) => { return e.value; }, 'Map Iterator'); }
  entries(): IterableIterator<[K, V]> { return this.iterate((e): [K, V] => { return [e.key, e.value]; }, 'Map Iterator'); }
}

export class NymoteSet<T> {
  private map = new NymoteMap<T, T>();

  constructor(values?: Iterable<T> | null) {
    forEachOfIterable(values, (v) => { this.add(v as T); });
  }

  get size(): number { return this.map.size; }
  has(value: T): boolean { return this.map.has(value); }
  add(value: T): this { this.map.set(value, value); return this; }
  delete(value: T): boolean { return this.map.delete(value); }
  clear(): void { this.map.clear(); }
  forEach(fn: (value: T, value2: T, set: this) => void, thisArg?: unknown): void {
    if (typeof fn !== 'function') throw new TypeError(String(fn) + ' is not a function');
    this.map.forEach((v) => { fn.call(thisArg, v, v, this); });
  }
  values(): IterableIterator<T> { return this.map.keys(); }
  keys(): IterableIterator<T> { return this.map.keys(); }
  entries(): IterableIterator<[T, T]> { return this.map.entries(); }
}

let weakId = 0;

function requireObjectKey(key: unknown, what: string): object {
  if ((typeof key !== 'object' || key === null) && typeof key !== 'function') throw new TypeError('Invalid value used ' + what);
  return key as object;
}

/*
 * WeakMap: each instance stores its value on the key object under a hidden
 * per-instance property, so the key keeps the value alive and not the map.
 * Non-extensible keys fall back to a strong list (rare; documented trade-off).
 */
export class NymoteWeakMap<K extends object, V> {
  private readonly slot = '__nymote_wm_' + weakId++;
  private strong: NymoteMap<K, V> | null = null;

  constructor(entries?: Iterable<readonly [K, V]> | null) {
    forEachOfIterable(entries, (entry) => { this.set((entry as [K, V])[0], (entry as [K, V])[1]); });
  }

  private fallback(): NymoteMap<K, V> { return this.strong || (this.strong = new NymoteMap<K, V>()); }

  get(key: K): V | undefined {
    if ((typeof key !== 'object' || key === null) && typeof key !== 'function') return undefined;
    if (hasOwn(key, this.slot)) return (key as unknown as Record<string, V>)[this.slot];
    return this.strong ? this.strong.get(key) : undefined;
  }

  has(key: K): boolean {
    if ((typeof key !== 'object' || key === null) && typeof key !== 'function') return false;
    return hasOwn(key, this.slot) || (!!this.strong && this.strong.has(key));
  }

  set(key: K, value: V): this {
    const k = requireObjectKey(key, 'as weak map key');
    if (hasOwn(k, this.slot)) (k as Record<string, V>)[this.slot] = value;
    else if (Object.isExtensible(k)) Object.defineProperty(k, this.slot, { value: value, writable: true, configurable: true, enumerable: false });
    else this.fallback().set(key, value);
    return this;
  }

  delete(key: K): boolean {
    if ((typeof key !== 'object' || key === null) && typeof key !== 'function') return false;
    if (hasOwn(key, this.slot)) return delete (key as unknown as Record<string, V>)[this.slot];
    return !!this.strong && this.strong.delete(key);
  }
}

export class NymoteWeakSet<T extends object> {
  private map = new NymoteWeakMap<T, true>();
  constructor(values?: Iterable<T> | null) {
    forEachOfIterable(values, (v) => { this.add(v as T); });
  }
  add(value: T): this { requireObjectKey(value, 'in weak set'); this.map.set(value, true); return this; }
  has(value: T): boolean { return this.map.has(value); }
  delete(value: T): boolean { return this.map.delete(value); }
}

function decorate(C: { prototype: object }, tag: string, iteratorMethod: string): void {
  if (typeof Symbol !== 'function') return;
  const proto = C.prototype as Record<string | symbol, unknown>;
  if (iteratorMethod) Object.defineProperty(proto, Symbol.iterator, { value: proto[iteratorMethod], writable: true, configurable: true });
  if (Symbol.toStringTag) Object.defineProperty(proto, Symbol.toStringTag, { value: tag, configurable: true });
}

decorate(NymoteMap, 'Map', 'entries');
decorate(NymoteSet, 'Set', 'values');
decorate(NymoteWeakMap, 'WeakMap', '');
decorate(NymoteWeakSet, 'WeakSet', '');

/** Installs the collections the engine lacks. */
export function install(global: Record<string, unknown>): void {
  const table: [string, unknown][] = [['Map', NymoteMap], ['Set', NymoteSet], ['WeakMap', NymoteWeakMap], ['WeakSet', NymoteWeakSet]];
  for (let i = 0; i < table.length; i++) {
    const name = table[i][0];
    if (typeof global[name] === 'function') continue;
    try { Object.defineProperty(table[i][1], 'name', { value: name, configurable: true }); } catch (_e) { /* fixed name */ }
    Object.defineProperty(global, name, { value: table[i][1], writable: true, configurable: true, enumerable: false });
  }
}
