/* TextEncoder/TextDecoder against Node's (WHATWG) on random input. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NymoteTextDecoder, NymoteTextEncoder } from './text';

const anyString = fc.string({ unit: 'binary', maxLength: 64 }); // includes lone surrogates
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  // mostly-valid UTF-8 with damage, where the maximal-subpart rule matters
  fc.tuple(fc.string({ unit: 'binary', maxLength: 24 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
    .map(([s, hits]) => {
      const b = new TextEncoder().encode(s);
      for (const [at, v] of hits) if (b.length) b[at % b.length] = v;
      return b.subarray(0, Math.max(0, b.length - (hits.length % 3)));
    }),
);

describe('TextEncoder', () => {
  it('encodes like Node, lone surrogates as U+FFFD', () => {
    fc.assert(fc.property(anyString, (s) => {
      expect(Array.from(new NymoteTextEncoder().encode(s))).toEqual(Array.from(new TextEncoder().encode(s)));
    }));
  });

  it('encodeInto stops before a character that does not fit', () => {
    fc.assert(fc.property(anyString, fc.integer({ min: 0, max: 40 }), (s, room) => {
      const a = new Uint8Array(room);
      const b = new Uint8Array(room);
      expect(new NymoteTextEncoder().encodeInto(s, a)).toEqual(new TextEncoder().encodeInto(s, b));
      expect(Array.from(a)).toEqual(Array.from(b));
    }));
  });
});

describe('TextDecoder', () => {
  it('decodes like Node, replacing maximal ill-formed subparts', () => {
    fc.assert(fc.property(bytes, fc.boolean(), (b, ignoreBOM) => {
      expect(new NymoteTextDecoder('utf-8', { ignoreBOM }).decode(b)).toBe(new TextDecoder('utf-8', { ignoreBOM }).decode(b));
    }), { numRuns: 500 });
  });

  it('fatal mode throws exactly when Node does', () => {
    fc.assert(fc.property(bytes, (b) => {
      let native: string | Error;
      try { native = new TextDecoder('utf-8', { fatal: true }).decode(b); } catch (e) { native = e as Error; }
      if (native instanceof Error) expect(() => new NymoteTextDecoder('utf-8', { fatal: true }).decode(b)).toThrow(TypeError);
      else expect(new NymoteTextDecoder('utf-8', { fatal: true }).decode(b)).toBe(native);
    }), { numRuns: 500 });
  });

  it('streams: a sequence split across calls decodes as a whole', () => {
    fc.assert(fc.property(anyString, fc.nat(), (s, cut) => {
      const b = new TextEncoder().encode(s);
      const at = b.length ? cut % (b.length + 1) : 0;
      const d = new NymoteTextDecoder();
      const text = d.decode(b.subarray(0, at), { stream: true }) + d.decode(b.subarray(at));
      expect(text).toBe(new TextDecoder().decode(b));
    }));
  });

  it('accepts ArrayBuffer, typed arrays and DataView; refuses unknown encodings', () => {
    const b = new TextEncoder().encode('héllo');
    const d = new NymoteTextDecoder();
    expect(d.decode(b.buffer as ArrayBuffer)).toBe('héllo');
    expect(d.decode(new DataView(b.buffer, 1, 2))).toBe('é');
    expect(d.decode()).toBe('');
    expect(() => new NymoteTextDecoder('latin1')).toThrow(RangeError);
  });
});
