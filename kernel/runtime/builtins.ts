/*
 * ES2015+ built-in methods Duktape 2.7 lacks (measured: see DESIGN.md §5),
 * defined only where missing, non-enumerable like the real ones. Typed
 * arrays get the Array-like methods they share with Array.
 */
type AnyArray = { length: number; [i: number]: unknown };
type Callback = (value: unknown, index: number, array: AnyArray) => unknown;

function define(target: object, name: string | symbol, value: unknown): void {
  if ((target as Record<string | symbol, unknown>)[name as string] !== undefined) return;
  Object.defineProperty(target, name, { value: value, writable: true, configurable: true, enumerable: false });
}

function toInteger(v: unknown): number {
  const n = Number(v);
  if (n !== n) return 0;
  if (n === Infinity || n === -Infinity) return n;
  return n < 0 ? Math.ceil(n) : Math.floor(n);
}

/** A relative index (negative counts from the end) clamped to [0, len]. */
function relative(v: unknown, len: number, dflt: number): number {
  if (v === undefined) return dflt;
  const n = toInteger(v);
  return n < 0 ? Math.max(len + n, 0) : Math.min(n, len);
}

function callable(fn: unknown): Callback {
  if (typeof fn !== 'function') throw new TypeError(String(fn) + ' is not a function');
  return fn as Callback;
}

function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

function makeIterator<T>(next: () => IteratorResult<T>): IterableIterator<T> {
  const it = { next: next } as IterableIterator<T>;
  (it as unknown as Record<symbol, unknown>)[Symbol.iterator] = function () { return it; };
  return it;
}

function indexIterator<T>(a: AnyArray, pick: (i: number) => T): IterableIterator<T> {
  let i = 0;
  let done = false;
  return makeIterator(() => {
    if (!done && i < a.length) return { value: pick(i++), done: false };
    done = true;
    return { value: undefined as unknown as T, done: true };
  });
}

/* ---- shared by Array.prototype and typed arrays ---- */

const shared = {
  find(this: AnyArray, fn: unknown, thisArg?: unknown): unknown {
    const f = callable(fn);
    for (let i = 0; i < this.length; i++) if (f.call(thisArg, this[i], i, this)) return this[i];
    return undefined;
  },
  findIndex(this: AnyArray, fn: unknown, thisArg?: unknown): number {
    const f = callable(fn);
    for (let i = 0; i < this.length; i++) if (f.call(thisArg, this[i], i, this)) return i;
    return -1;
  },
  includes(this: AnyArray, value: unknown, from?: unknown): boolean {
    for (let i = relative(from, this.length, 0); i < this.length; i++) if (sameValueZero(this[i], value)) return true;
    return false;
  },
  fill(this: AnyArray, value: unknown, start?: unknown, end?: unknown): AnyArray {
    const len = this.length;
    for (let i = relative(start, len, 0), e = relative(end, len, len); i < e; i++) this[i] = value;
    return this;
  },
  copyWithin(this: AnyArray, target: unknown, start: unknown, end?: unknown): AnyArray {
    const len = this.length;
    let to = relative(target, len, 0);
    let from = relative(start, len, 0);
    const last = relative(end, len, len);
    let count = Math.min(last - from, len - to);
    if (from < to && to < from + count) {
      for (from += count - 1, to += count - 1; count > 0; count--) this[to--] = this[from--];
    } else {
      for (; count > 0; count--) this[to++] = this[from++];
    }
    return this;
  },
  keys(this: AnyArray): IterableIterator<number> { return indexIterator(this, (i) => i); },
  values(this: AnyArray): IterableIterator<unknown> { return indexIterator(this, (i) => this[i]); },
  entries(this: AnyArray): IterableIterator<[number, unknown]> { return indexIterator(this, (i): [number, unknown] => [i, this[i]]); },
};

/* ---- typed-array-only ---- */

type TypedCtor = { new (n: number | ArrayLike<number>): AnyArray; prototype: object; BYTES_PER_ELEMENT: number };

function speciesNew(a: AnyArray, n: number): AnyArray {
  return new ((a as unknown as { constructor: TypedCtor }).constructor)(n);
}

const typed = {
  indexOf(this: AnyArray, value: unknown, from?: unknown): number {
    for (let i = relative(from, this.length, 0); i < this.length; i++) if (this[i] === value) return i;
    return -1;
  },
  lastIndexOf(this: AnyArray, value: unknown, from?: unknown): number {
    let i = arguments.length > 1 ? toInteger(from) : this.length - 1;
    if (i < 0) i += this.length;
    for (i = Math.min(i, this.length - 1); i >= 0; i--) if (this[i] === value) return i;
    return -1;
  },
  forEach(this: AnyArray, fn: unknown, thisArg?: unknown): void {
    const f = callable(fn);
    for (let i = 0; i < this.length; i++) f.call(thisArg, this[i], i, this);
  },
  map(this: AnyArray, fn: unknown, thisArg?: unknown): AnyArray {
    const f = callable(fn);
    const out = speciesNew(this, this.length);
    for (let i = 0; i < this.length; i++) out[i] = f.call(thisArg, this[i], i, this);
    return out;
  },
  filter(this: AnyArray, fn: unknown, thisArg?: unknown): AnyArray {
    const f = callable(fn);
    const kept: unknown[] = [];
    for (let i = 0; i < this.length; i++) if (f.call(thisArg, this[i], i, this)) kept.push(this[i]);
    const out = speciesNew(this, kept.length);
    for (let i = 0; i < kept.length; i++) out[i] = kept[i];
    return out;
  },
  reduce(this: AnyArray, fn: unknown, initial?: unknown): unknown {
    const f = callable(fn) as unknown as (acc: unknown, v: unknown, i: number, a: AnyArray) => unknown;
    let i = 0;
    let acc = initial;
    if (arguments.length < 2) {
      if (!this.length) throw new TypeError('Reduce of empty array with no initial value');
      acc = this[i++];
    }
    for (; i < this.length; i++) acc = f(acc, this[i], i, this);
    return acc;
  },
  reduceRight(this: AnyArray, fn: unknown, initial?: unknown): unknown {
    const f = callable(fn) as unknown as (acc: unknown, v: unknown, i: number, a: AnyArray) => unknown;
    let i = this.length - 1;
    let acc = initial;
    if (arguments.length < 2) {
      if (!this.length) throw new TypeError('Reduce of empty array with no initial value');
      acc = this[i--];
    }
    for (; i >= 0; i--) acc = f(acc, this[i], i, this);
    return acc;
  },
  join(this: AnyArray, sep?: unknown): string {
    const s = sep === undefined ? ',' : String(sep);
    let out = '';
    for (let i = 0; i < this.length; i++) out += (i ? s : '') + String(this[i]);
    return out;
  },
  every(this: AnyArray, fn: unknown, thisArg?: unknown): boolean {
    const f = callable(fn);
    for (let i = 0; i < this.length; i++) if (!f.call(thisArg, this[i], i, this)) return false;
    return true;
  },
  some(this: AnyArray, fn: unknown, thisArg?: unknown): boolean {
    const f = callable(fn);
    for (let i = 0; i < this.length; i++) if (f.call(thisArg, this[i], i, this)) return true;
    return false;
  },
  reverse(this: AnyArray): AnyArray {
    for (let i = 0, j = this.length - 1; i < j; i++, j--) { const t = this[i]; this[i] = this[j]; this[j] = t; }
    return this;
  },
  sort(this: AnyArray, compare?: unknown): AnyArray {
    const copy: unknown[] = [];
    for (let i = 0; i < this.length; i++) copy.push(this[i]);
    const numeric = (a: unknown, b: unknown): number => {
      const x = a as number;
      const y = b as number;
      if (x !== x) return y !== y ? 0 : 1;
      if (y !== y) return -1;
      if (x < y) return -1;
      if (x > y) return 1;
      return x === 0 && y === 0 ? (1 / x < 0 ? (1 / y < 0 ? 0 : -1) : 1 / y < 0 ? 1 : 0) : 0;
    };
    if (compare !== undefined) callable(compare);
    copy.sort(compare === undefined ? numeric : (a, b) => {
      const r = Number((compare as (a: unknown, b: unknown) => unknown)(a, b));
      return r !== r ? 0 : r;
    });
    for (let i = 0; i < copy.length; i++) this[i] = copy[i];
    return this;
  },
  slice(this: AnyArray, start?: unknown, end?: unknown): AnyArray {
    const len = this.length;
    const from = relative(start, len, 0);
    const to = relative(end, len, len);
    const out = speciesNew(this, Math.max(to - from, 0));
    for (let i = from; i < to; i++) out[i - from] = this[i];
    return out;
  },
};

/* ---- Array statics and the rest ---- */

function arrayFrom(this: unknown, items: unknown, mapFn?: unknown, thisArg?: unknown): unknown {
  if (items === null || items === undefined) throw new TypeError(String(items) + ' is not iterable');
  const map = mapFn === undefined ? null : callable(mapFn);
  const values: unknown[] = [];
  const iter = (items as Record<symbol, unknown>)[Symbol.iterator];
  if (typeof iter === 'function') {
    const it = iter.call(items) as Iterator<unknown>;
    for (let step = it.next(); !step.done; step = it.next()) values.push(step.value);
  } else {
    const like = Object(items) as AnyArray;
    const len = Math.max(Math.min(toInteger(like.length), 9007199254740991), 0);
    for (let i = 0; i < len; i++) values.push(like[i]);
  }
  if (map) for (let i = 0; i < values.length; i++) values[i] = map.call(thisArg, values[i], i, values);
  const C = this as TypedCtor | undefined;
  if (typeof C === 'function' && C !== (Array as unknown)) {
    const out = new C(values.length);
    for (let i = 0; i < values.length; i++) out[i] = values[i];
    return out;
  }
  return values;
}

function arrayOf(this: unknown, ...items: unknown[]): unknown {
  return arrayFrom.call(this, items);
}

function flatten(into: unknown[], a: AnyArray, depth: number): unknown[] {
  for (let i = 0; i < a.length; i++) {
    if (!(i in (a as object))) continue;
    const v = a[i];
    if (depth > 0 && Array.isArray(v)) flatten(into, v, depth - 1);
    else into.push(v);
  }
  return into;
}

function pad(s: string, maxLength: unknown, filler: unknown, atStart: boolean): string {
  const target = toInteger(maxLength);
  const fill = filler === undefined ? ' ' : String(filler);
  if (target <= s.length || fill === '') return s;
  let padding = '';
  while (padding.length < target - s.length) padding += fill;
  padding = padding.slice(0, target - s.length);
  return atStart ? padding + s : s + padding;
}

function stringIterator(this: unknown): IterableIterator<string> {
  const s = String(this);
  let i = 0;
  return makeIterator(() => {
    if (i >= s.length) return { value: undefined as unknown as string, done: true };
    const c = s.charCodeAt(i);
    const size = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    const value = s.slice(i, i + size);
    i += size;
    return { value: value, done: false };
  });
}

/** The implementations, for tests that compare them with a native engine's. */
export const implementations = { shared: shared, typed: typed, arrayFrom: arrayFrom, arrayOf: arrayOf, flatten: flatten, pad: pad, stringIterator: stringIterator };

const TYPED_NAMES = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array'];

export function installBuiltins(global: Record<string, unknown>): void {
  if (typeof Symbol === 'function' && !(Symbol as unknown as { asyncIterator?: symbol }).asyncIterator) {
    Object.defineProperty(Symbol, 'asyncIterator', { value: Symbol('Symbol.asyncIterator') });
  }

  define(Array, 'from', arrayFrom);
  define(Array, 'of', arrayOf);
  const ap = Array.prototype;
  for (const name of ['find', 'findIndex', 'includes', 'fill', 'copyWithin', 'keys', 'values', 'entries'] as const) define(ap, name, shared[name]);
  define(ap, 'flat', function (this: AnyArray, depth?: unknown) { return flatten([], this, depth === undefined ? 1 : toInteger(depth)); });
  define(ap, 'flatMap', function (this: AnyArray, fn: unknown, thisArg?: unknown) {
    const f = callable(fn);
    const mapped: unknown[] = [];
    for (let i = 0; i < this.length; i++) mapped.push(f.call(thisArg, this[i], i, this));
    return flatten([], mapped, 1);
  });
  define(ap, Symbol.iterator, (ap as unknown as Record<string, unknown>).values);

  const sp = String.prototype;
  define(sp, 'padStart', function (this: unknown, n: unknown, f?: unknown) { return pad(String(this), n, f, true); });
  define(sp, 'padEnd', function (this: unknown, n: unknown, f?: unknown) { return pad(String(this), n, f, false); });
  define(sp, 'trimStart', function (this: unknown) { return String(this).replace(/^[\s\uFEFF\xA0]+/, ''); });
  define(sp, 'trimEnd', function (this: unknown) { return String(this).replace(/[\s\uFEFF\xA0]+$/, ''); });
  define(sp, Symbol.iterator, stringIterator);

  define(Object, 'entries', (o: object) => { return Object.keys(o).map((k) => { return [k, (o as Record<string, unknown>)[k]]; }); });
  define(Object, 'values', (o: object) => { return Object.keys(o).map((k) => { return (o as Record<string, unknown>)[k]; }); });
  define(Object, 'fromEntries', (entries: unknown) => {
    const out: Record<string, unknown> = {};
    const list = arrayFrom.call(Array, entries) as [string, unknown][];
    for (let i = 0; i < list.length; i++) out[list[i][0]] = list[i][1];
    return out;
  });
  define(Object, 'getOwnPropertyDescriptors', (o: object) => {
    const out: Record<string, PropertyDescriptor | undefined> = {};
    const names = Object.getOwnPropertyNames(o);
    for (let i = 0; i < names.length; i++) out[names[i]] = Object.getOwnPropertyDescriptor(o, names[i]);
    return out;
  });

  for (let t = 0; t < TYPED_NAMES.length; t++) {
    const C = global[TYPED_NAMES[t]] as TypedCtor | undefined;
    if (typeof C !== 'function') continue;
    define(C, 'from', arrayFrom);
    define(C, 'of', arrayOf);
    const p = C.prototype;
    for (const name of ['find', 'findIndex', 'includes', 'fill', 'copyWithin', 'keys', 'values', 'entries'] as const) define(p, name, shared[name]);
    for (const name of Object.keys(typed) as (keyof typeof typed)[]) define(p, name, typed[name]);
    define(p, Symbol.iterator, (p as Record<string, unknown>).values);
  }
}
