/* The polyfills against Node's native methods on the same inputs. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { implementations as impl } from './builtins';

const { shared, typed } = impl;
const call = (fn: (...a: never[]) => unknown, self: unknown, ...args: unknown[]) => (fn as (...a: unknown[]) => unknown).apply(self, args);

const index = fc.oneof(fc.integer({ min: -12, max: 12 }), fc.constant(undefined), fc.constant(Infinity), fc.constant(-Infinity), fc.constant(NaN));
const numbers = fc.array(fc.oneof(fc.integer({ min: -300, max: 300 }), fc.double()), { maxLength: 10 });

describe('typed array methods', () => {
  const ctors = [Uint8Array, Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array];
  const ctor = fc.constantFrom(...ctors);

  it('slice and fill match native for every relative index', () => {
    fc.assert(fc.property(ctor, numbers, index, index, fc.integer(), (C, xs, a, b, v) => {
      const mine = new C(xs);
      const native = new C(xs);
      expect(Array.from(call(typed.slice, mine, a, b) as ArrayLike<number>)).toEqual(Array.from(native.slice(a, b)));
      expect(call(typed.slice, mine, a, b)).toBeInstanceOf(C);
      // V8's typed fill mishandles (undefined, NaN/0) bounds; the spec's fill is Array's.
      call(shared.fill, mine, v, a, b);
      const filled = new C(Array.from(native).fill(v, a, b));
      expect(Array.from(mine)).toEqual(Array.from(filled));
    }));
  });

  it('searching, iteration and reduction match native', () => {
    fc.assert(fc.property(ctor, numbers, fc.integer({ min: -5, max: 5 }), index, (C, xs, v, from) => {
      const a = new C(xs);
      expect(call(typed.indexOf, a, v, from)).toBe(a.indexOf(v, from as number));
      expect(call(typed.lastIndexOf, a, v, from)).toBe(a.lastIndexOf(v, from as number));
      expect(call(typed.lastIndexOf, a, v)).toBe(a.lastIndexOf(v));
      expect(call(shared.includes, a, v, from)).toBe(a.includes(v, from as number));
      expect(call(typed.join, a, '-')).toBe(a.join('-'));
      expect(call(typed.join, a)).toBe(a.join());
      const even = (x: number) => x % 2 === 0;
      expect(call(typed.every, a, even)).toBe(a.every(even));
      expect(call(typed.some, a, even)).toBe(a.some(even));
      expect(call(shared.find, a, even)).toBe(a.find(even));
      expect(call(shared.findIndex, a, even)).toBe(a.findIndex(even));
      expect(Array.from(call(typed.map, a, (x: number) => x * 2) as ArrayLike<number>)).toEqual(Array.from(a.map((x) => x * 2)));
      expect(Array.from(call(typed.filter, a, even) as ArrayLike<number>)).toEqual(Array.from(a.filter(even)));
      expect(call(typed.reduce, a, (s: number, x: number) => s + x, 0)).toBe((a as Float64Array).reduce((s, x) => s + x, 0));
      expect(call(typed.reduceRight, a, (s: string, x: number) => s + x, '')).toBe((a as Float64Array).reduceRight((s: string, x) => s + x, ''));
      expect(Array.from(call(shared.entries, a) as Iterable<unknown>)).toEqual(Array.from(a.entries()));
      expect(Array.from(call(typed.sort, new C(xs)) as ArrayLike<number>)).toEqual(Array.from(new C(xs).sort()));
      expect(Array.from(call(typed.reverse, new C(xs)) as ArrayLike<number>)).toEqual(Array.from(new C(xs).reverse()));
    }));
  });

  it('copyWithin matches native', () => {
    fc.assert(fc.property(numbers, index, index, index, (xs, t, s, e) => {
      const mine = new Float64Array(xs);
      const native = new Float64Array(xs);
      call(shared.copyWithin, mine, t, s, e);
      native.copyWithin(t as number, s as number, e as number);
      expect(Array.from(mine)).toEqual(Array.from(native));
    }));
  });

  it('from and of build the receiver type', () => {
    const u = call(impl.arrayFrom, Uint8Array, [1, 2, 300], (x: number) => x + 1) as Uint8Array;
    expect(u).toBeInstanceOf(Uint8Array);
    expect(Array.from(u)).toEqual(Array.from(Uint8Array.from([1, 2, 300], (x) => x + 1)));
    expect(Array.from(call(impl.arrayOf, Int16Array, 1, -2) as Int16Array)).toEqual([1, -2]);
  });
});

describe('Array, String and Object methods', () => {
  it('Array.from takes iterables and array-likes', () => {
    expect(call(impl.arrayFrom, Array, new Set([1, 2]))).toEqual([1, 2]);
    expect(call(impl.arrayFrom, Array, { length: 3, 0: 'a', 2: 'c' })).toEqual(Array.from({ length: 3, 0: 'a', 2: 'c' }));
    expect(call(impl.arrayFrom, Array, 'a😀b')).toEqual(['a', '😀', 'b']);
    expect(() => call(impl.arrayFrom, Array, null)).toThrow(TypeError);
  });

  it('flat matches native at any depth', () => {
    const nested: fc.Arbitrary<unknown[]> = fc.letrec((tie) => ({ arr: fc.array(fc.oneof(fc.integer(), tie('arr')), { maxLength: 4 }) })).arr as fc.Arbitrary<unknown[]>;
    fc.assert(fc.property(nested, fc.integer({ min: 0, max: 4 }), (a, depth) => {
      expect(impl.flatten([], a as never, depth)).toEqual(a.flat(depth));
    }));
  });

  it('padStart/padEnd match native', () => {
    fc.assert(fc.property(fc.string(), fc.integer({ min: -2, max: 30 }), fc.option(fc.string({ maxLength: 3 }), { nil: undefined }), (s, n, f) => {
      expect(impl.pad(s, n, f, true)).toBe(s.padStart(n, f));
      expect(impl.pad(s, n, f, false)).toBe(s.padEnd(n, f));
    }));
  });

  it('strings iterate by code point, like native', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(Array.from(call(impl.stringIterator, s) as Iterable<string>)).toEqual(Array.from(s));
    }));
  });
});
