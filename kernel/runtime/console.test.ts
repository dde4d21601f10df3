import { expect, it } from 'vitest';
import fc from 'fast-check';
import { format } from 'node:util';
import { format as ours, inspect } from './console';

it('formats like Node for primitives and format strings', () => {
  const primitive = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: false }), fc.boolean(), fc.constant(null), fc.constant(undefined));
  fc.assert(fc.property(fc.array(primitive, { maxLength: 5 }), (args) => {
    expect(ours(args)).toBe(format(...args));
  }));
  const cases: unknown[][] = [
    ['%s is %d years', 'Bob', 42], ['%i%%', 12.7], ['%j', { a: [1, 2] }], ['no args %s'], ['%s', 'a', 'extra', 3],
    [[1, 'two', [3]]], [{ a: 1, 'b-c': 'x', nested: { deep: { deeper: { deepest: 1 } } } }],
    [new Uint8Array([1, 2, 3])], [new Map([['k', 1]])], [new Set([1, 'a'])], [[]], [{}], ['%o', 5],
  ];
  for (const c of cases) expect(ours(c)).toBe(format(...c));
});

it('inspects errors by their stack and marks cycles', () => {
  const e = new Error('x');
  expect(inspect(e)).toBe(e.stack);
  const cyclic: { self?: unknown } = {};
  cyclic.self = cyclic;
  expect(inspect(cyclic)).toContain('[Circular');
});
