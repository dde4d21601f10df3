/* The generated codecs: round trips for random types and values, schema hashes, refusals. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Reader, Writer } from '../binary';
import type { RecordCodec } from '../codec';
import { RecordsError } from '../errors';
import { codecFor, generateCodecSource } from '../testing/codec-for';

function roundTrip<T>(codec: RecordCodec<T>, value: T): T {
  const w = new Writer(8);
  codec.encode(w, value);
  const r = new Reader(w.finish());
  const back = codec.decode(r);
  r.done();
  return back;
}

/* ---- random record types: a description, its TS text, and values of it ---- */

type Desc =
  | { k: 'string' } | { k: 'number' } | { k: 'boolean' } | { k: 'bytes' } | { k: 'date' }
  | { k: 'lits'; values: (string | number)[] }
  | { k: 'nullable'; of: Desc }
  | { k: 'array'; of: Desc }
  | { k: 'map'; of: Desc }
  | { k: 'tuple'; items: Desc[] }
  | { k: 'object'; props: { name: string; optional: boolean; t: Desc }[] };

const NAMES = ['a', 'b', 'name', 'x y', '0', 'default', 'constructor', 'kind', 'é'];

const descArb: fc.Arbitrary<Desc> = fc.letrec<{ desc: Desc; object: Desc }>((tie) => ({
  desc: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<Desc>({ k: 'string' }, { k: 'number' }, { k: 'boolean' }, { k: 'bytes' }, { k: 'date' }),
    fc.uniqueArray(fc.oneof(fc.constantFrom('red', 'green', 'a"b', ''), fc.integer({ min: -3, max: 3 })), { minLength: 1, maxLength: 4 }).map((values): Desc => ({ k: 'lits', values })),
    tie('desc').map((of): Desc => ({ k: 'nullable', of })),
    tie('desc').map((of): Desc => ({ k: 'array', of })),
    tie('desc').map((of): Desc => ({ k: 'map', of })),
    fc.array(tie('desc'), { minLength: 1, maxLength: 3 }).map((items): Desc => ({ k: 'tuple', items })),
    tie('object'),
  ),
  object: fc.uniqueArray(fc.record({ name: fc.constantFrom(...NAMES), optional: fc.boolean(), t: tie('desc') }), { selector: (p) => p.name, maxLength: 4 })
    .map((props): Desc => ({ k: 'object', props })),
})).desc;

function tsText(d: Desc): string {
  switch (d.k) {
    case 'lits': return d.values.map((v) => JSON.stringify(v)).join(' | ');
    case 'nullable': return '(' + tsText(d.of) + ') | null';
    case 'array': return '(' + tsText(d.of) + ')[]';
    case 'map': return 'Record<string, ' + tsText(d.of) + '>';
    case 'tuple': return '[' + d.items.map(tsText).join(', ') + ']';
    case 'object': return '{ ' + d.props.map((p) => JSON.stringify(p.name) + (p.optional ? '?: ' : ': ') + tsText(p.t) + ';').join(' ') + ' }';
    case 'bytes': return 'Uint8Array';
    case 'date': return 'Date';
    default: return d.k;
  }
}

function valueArb(d: Desc): fc.Arbitrary<unknown> {
  switch (d.k) {
    case 'string': return fc.string({ unit: 'binary', maxLength: 12 });
    case 'number': return fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-0, 2 ** 53));
    case 'boolean': return fc.boolean();
    case 'bytes': return fc.uint8Array({ maxLength: 8 });
    case 'date': return fc.oneof(fc.date({ noInvalidDate: true }), fc.constant(new Date(NaN)));
    case 'lits': return fc.constantFrom(...d.values);
    case 'nullable': return fc.option(valueArb(d.of), { nil: null });
    case 'array': return fc.array(valueArb(d.of), { maxLength: 3 });
    case 'map': return fc.dictionary(fc.string({ maxLength: 4 }), valueArb(d.of), { maxKeys: 3 });
    case 'tuple': return fc.tuple(...d.items.map(valueArb));
    case 'object': {
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const p of d.props) model[p.name] = valueArb(p.t);
      return fc.record(model, { requiredKeys: d.props.filter((p) => !p.optional).map((p) => p.name) });
    }
  }
}

describe('generated codecs', () => {
  it('round-trip random values of random record types', () => {
    fc.assert(fc.property(descArb, fc.infiniteStream(fc.nat()), (desc, seeds) => {
      const codec = codecFor<unknown>('type R = ' + tsText(desc) + ';', 'R');
      fc.assert(fc.property(valueArb(desc), (value) => {
        expect(roundTrip(codec, value)).toEqual(value);
      }), { numRuns: 25, seed: seeds.next().value });
    }), { numRuns: 40 });
  });

  const CONTACT = `
    interface Address { city: string; zip?: number }
    enum Level { Low, High }
    enum Colour { Red = 'red', Blue = 'blue' }
    type Mail = string & { readonly __brand: 'Mail' };
    interface Contact {
      mail: Mail; name: string; phone?: string; tags: readonly string[]; level: Level; colour?: Colour;
      born: Date; photo?: Uint8Array; address: Address; extra: Record<string, number | null>;
      pair: [string, number?]; shape: { t: 'c'; r: number } | { t: 's'; side: number } | null;
      maybe: string | undefined; flag: boolean | 'unknown'; big: number;
    }`;

  it('round-trips a type with every supported kind of field', () => {
    const codec = codecFor<Record<string, unknown>>(CONTACT, 'Contact');
    const value = {
      mail: 'ada@example.org', name: 'Ada', tags: ['x', ''], level: 1, colour: 'blue', born: new Date(-5e11),
      photo: new Uint8Array([0, 255]), address: { city: 'Cambridge' }, extra: { a: 1.5, b: null, __proto__x: 3 },
      pair: ['p'], shape: { t: 's', side: 2 }, maybe: undefined, flag: 'unknown', big: 2 ** 53 + 2,
    };
    expect(roundTrip(codec, value)).toEqual(value);
    expect(roundTrip(codec, { ...value, shape: null, pair: ['q', 3], flag: false, phone: '☎' })).toEqual({ ...value, shape: null, pair: ['q', 3], flag: false, phone: '☎' });
  });

  it('keeps a "__proto__" map key as data', () => {
    const codec = codecFor<{ m: Record<string, number> }>('interface R { m: Record<string, number> }', 'R');
    const m = JSON.parse('{"__proto__": 5, "a": 1}') as Record<string, number>;
    const back = roundTrip(codec, { m });
    expect(Object.keys(back.m)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(back.m)).toBe(Object.prototype);
  });

  it('handles recursive types', () => {
    const codec = codecFor<unknown>('interface Tree { label: string; children: Tree[]; parent?: Tree }', 'Tree');
    const leaf = { label: 'leaf', children: [] };
    const tree = { label: 'root', children: [leaf, { label: 'mid', children: [leaf], parent: { label: 'p', children: [] } }] };
    expect(roundTrip(codec, tree)).toEqual(tree);
    expect(generateCodecSource('interface Tree { label: string; children: Tree[] }', 'Tree').schema).toBe('{"children":@1[];"label":string}');
  });

  it('hashes the structure: not names, declaration order or union order', () => {
    const hash = (src: string, name: string) => generateCodecSource(src, name).hash;
    const base = hash('interface A { x: string; y: "a" | "b" | 1 }', 'A');
    expect(hash('interface B { y: 1 | "b" | "a"; x: string }', 'B')).toBe(base);
    expect(hash('type C = { x: string; y: "a" | "b" | 1 }', 'C')).toBe(base);
    expect(hash('interface A { x: string; y: "a" | "b" | 2 }', 'A')).not.toBe(base);
    expect(hash('interface A { x: string; y?: "a" | "b" | 1 }', 'A')).not.toBe(base);
    expect(hash('interface A { x: number; y: "a" | "b" | 1 }', 'A')).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
  });

  it('encodes compactly', () => {
    const codec = codecFor<unknown>('interface P { id: number; name: string; ok: boolean; kind: "a" | "b" }', 'P');
    const w = new Writer();
    codec.encode(w, { id: 7, name: 'abc', ok: true, kind: 'b' });
    expect(w.pos).toBe(1 + 1 + 4 + 1);
  });

  it('refuses values that do not match the type, naming the field', () => {
    const codec = codecFor<unknown>(CONTACT, 'Contact');
    const good = { mail: 'm', name: 'n', tags: [], level: 0, born: new Date(0), address: { city: 'c' }, extra: {}, pair: ['p'], shape: null, maybe: undefined, flag: true, big: 1 };
    const fails = (patch: Record<string, unknown>) => {
      try {
        codec.encode(new Writer(), { ...good, ...patch });
      } catch (e) {
        expect(e).toBeInstanceOf(RecordsError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(fails({})).toBe('no error');
    expect(fails({ level: 2 })).toBe('Contact.level: expected 0|1, got 2');
    expect(fails({ shape: { t: 'x', r: 1 } })).toMatch(/^Contact\.shape: expected .* got an object$/);
    expect(fails({ address: { city: 5 } })).toBe('expected a string, got 5');
    expect(fails({ pair: ['a', 1, 2] })).toMatch(/^Contact\.pair: expected a tuple of 1 to 2, got an array/);
    expect(fails({ tags: 'x' })).toBe('Contact.tags: expected an array, got "x"');
  });
});

describe('types records cannot hold', () => {
  const refusal = (src: string, name = 'R') => {
    try {
      generateCodecSource(src, name);
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };

  it('refuses functions, methods, classes, bigint, symbols and any, naming the field', () => {
    expect(refusal('interface R { id: string; callback: () => void }')).toBe('R.callback is a function; records hold data only');
    expect(refusal('interface R { id: string; greet(): string }')).toBe('R.greet is a method; records hold data only');
    expect(refusal('class K { x = 1; f() { return 1; } } interface R { k: K }')).toMatch(/^R\.k is an instance of class K; records hold plain data/);
    expect(refusal('interface R { n: { deep: bigint } }')).toMatch(/^R\.n\.deep is a bigint/);
    expect(refusal('interface R { s: symbol }')).toBe('R.s is a symbol; records hold data only');
    expect(refusal('interface R { a: any }')).toBe('R.a has type any; records need a concrete type');
    expect(refusal('interface R { u: unknown[] }')).toBe('R.u[] has type unknown; records need a concrete type');
    expect(refusal('interface R { m: Map<string, number> }')).toBe('R.m is a Map; use an array of entries or Record<string, X>');
    expect(refusal('interface R { f: Float32Array }')).toMatch(/^R\.f is a Float32Array/);
    expect(refusal('interface R { p: Promise<number> }')).toMatch(/^R\.p is a Promise/);
  });

  it('refuses unions it could not tell apart when decoding', () => {
    expect(refusal('interface R { s: { a: number } | { b: string } }')).toMatch(/^R\.s is a union of object types without a discriminant/);
    expect(refusal('interface R { s: { k: "x"; a: number } | { k: "x"; b: string } }')).toMatch(/without a discriminant/);
    expect(refusal('interface R { s: { k: "x"; a: number } | { k: "y"; b: string } }')).toBe('accepted');
    expect(refusal('interface R { s: string[] | number[] }')).toMatch(/^R\.s is a union of several array types/);
    expect(refusal('interface R { s: Record<string, number> | { a: 1 } }')).toMatch(/one of them a Record/);
  });

  it('refuses odd object shapes', () => {
    expect(refusal('interface R { a: string; [k: string]: string }')).toMatch(/^R has both properties and an index signature/);
    expect(refusal('interface R { m: { [i: number]: string } }')).toMatch(/^R\.m has a number index signature/);
    expect(refusal('interface R { t: [string, ...number[]] }')).toMatch(/^R\.t is a tuple with a rest element/);
  });
});
