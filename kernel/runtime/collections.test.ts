/* Map/Set/WeakMap/WeakSet against Node's, driven by random operation sequences. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NymoteMap, NymoteSet, NymoteWeakMap, NymoteWeakSet } from './collections';

const objects = [{}, {}, [], Object.freeze({}), function f() {}];
const key = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, -0, NaN, '1', '', 'a', null, undefined, true, Symbol.for('s')), fc.constantFrom(...objects));
const op = fc.oneof(
  fc.tuple(fc.constant('set' as const), key, fc.integer()),
  fc.tuple(fc.constant('delete' as const), key),
  fc.tuple(fc.constant('clear' as const)),
);

describe('Map', () => {
  it('matches native Map over random operations', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), fc.array(key, { maxLength: 5 }), (ops, probes) => {
      const mine = new NymoteMap<unknown, number>();
      const native = new Map<unknown, number>();
      for (const o of ops) {
        if (o[0] === 'set') { mine.set(o[1], o[2]); native.set(o[1], o[2]); }
        else if (o[0] === 'delete') expect(mine.delete(o[1])).toBe(native.delete(o[1]));
        else { mine.clear(); native.clear(); }
      }
      expect(mine.size).toBe(native.size);
      expect(Array.from(mine.entries())).toEqual(Array.from(native.entries()));
      for (const p of probes) {
        expect(mine.has(p)).toBe(native.has(p));
        expect(mine.get(p)).toBe(native.get(p));
      }
    }));
  });

  it('iterates like native while the map changes underneath', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 8 }), fc.array(op, { maxLength: 12 }), (initial, during) => {
      const run = (m: Map<unknown, number> | NymoteMap<unknown, number>) => {
        for (const k of initial) m.set(k, k);
        const seen: unknown[] = [];
        let step = 0;
        m.forEach((v, k) => {
          seen.push([k, v]);
          const o = during[step++];
          if (!o) return;
          if (o[0] === 'set') m.set(o[1], o[2]);
          else if (o[0] === 'delete') m.delete(o[1]);
          else if (step === 3) m.clear();
        });
        return seen;
      };
      expect(run(new NymoteMap())).toEqual(run(new Map()));
    }));
  });

  it('takes iterables, has Symbol.iterator and a tag', () => {
    const m = new NymoteMap<string, number>([['a', 1], ['b', 2]] as [string, number][]);
    expect(Array.from(m as unknown as Iterable<unknown>)).toEqual([['a', 1], ['b', 2]]);
    expect(Object.prototype.toString.call(m)).toBe('[object Map]');
    const it2 = m.keys();
    expect(it2[Symbol.iterator]()).toBe(it2);
    expect(() => new NymoteMap([1 as never])).toThrow(TypeError);
  });
});

describe('Set', () => {
  it('matches native Set over random operations', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const mine = new NymoteSet<unknown>();
      const native = new Set<unknown>();
      for (const o of ops) {
        if (o[0] === 'set') { mine.add(o[1]); native.add(o[1]); }
        else if (o[0] === 'delete') expect(mine.delete(o[1])).toBe(native.delete(o[1]));
        else { mine.clear(); native.clear(); }
      }
      expect(Array.from(mine.values())).toEqual(Array.from(native.values()));
      expect(mine.size).toBe(native.size);
    }));
  });
});

describe('WeakMap and WeakSet', () => {
  it('hold values per instance, refuse primitive keys', () => {
    const a = new NymoteWeakMap<object, number>();
    const b = new NymoteWeakMap<object, number>();
    const k = {};
    const frozen = Object.freeze({});
    a.set(k, 1).set(frozen, 2);
    expect(a.get(k)).toBe(1);
    expect(a.get(frozen)).toBe(2);
    expect(b.has(k)).toBe(false);
    expect(Object.keys(k)).toEqual([]);
    expect(a.delete(k)).toBe(true);
    expect(a.has(k)).toBe(false);
    expect(() => a.set(1 as never, 1)).toThrow(TypeError);
    expect(a.get(1 as never)).toBeUndefined();
    const s = new NymoteWeakSet([k]);
    expect(s.has(k)).toBe(true);
    expect(() => s.add('x' as never)).toThrow(TypeError);
  });
});
