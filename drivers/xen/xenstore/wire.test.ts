import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MessageParser, XENSTORE_PAYLOAD_MAX, XS_ERROR, XS_READ, XS_WRITE, decodeString, decodeStrings, decodeWrite,
  encodeMessage, encodeStrings, encodeWrite, type XsMessage,
} from './wire';

const message = fc.record({
  type: fc.integer({ min: 0, max: 22 }),
  reqId: fc.integer({ min: 0, max: 0xffffffff }),
  txId: fc.integer({ min: 0, max: 0xffffffff }),
  payload: fc.uint8Array({ maxLength: 300 }),
});

function concat(list: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const b of list) n += b.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const b of list) { out.set(b, o); o += b.length; }
  return out;
}

describe('xenstore wire', () => {
  it('encodes the header little-endian', () => {
    const b = encodeMessage({ type: XS_READ, reqId: 0x01020304, txId: 7, payload: encodeStrings(['/a']) })!;
    expect(Array.from(b.subarray(0, 16))).toEqual([2, 0, 0, 0, 4, 3, 2, 1, 7, 0, 0, 0, 3, 0, 0, 0]);
    expect(Array.from(b.subarray(16))).toEqual([0x2f, 0x61, 0]);
  });

  it('refuses payloads over XENSTORE_PAYLOAD_MAX', () => {
    expect(encodeMessage({ type: XS_WRITE, reqId: 1, txId: 0, payload: new Uint8Array(XENSTORE_PAYLOAD_MAX + 1) })).toBeNull();
    expect(encodeMessage({ type: XS_WRITE, reqId: 1, txId: 0, payload: new Uint8Array(XENSTORE_PAYLOAD_MAX) })).not.toBeNull();
  });

  it('payload codecs', () => {
    expect(decodeStrings(encodeStrings(['a', 'bc', '']))).toEqual(['a', 'bc', '']);
    expect(decodeStrings(new Uint8Array(0))).toEqual([]);
    expect(decodeString(encodeStrings(['ENOENT']))).toBe('ENOENT');
    const w = encodeWrite('/x/y', 'välue');
    expect(w[w.length - 1]).not.toBe(0);
    const d = decodeWrite(w)!;
    expect(d.path).toBe('/x/y');
    expect(new TextDecoder().decode(d.value)).toBe('välue');
    expect(decodeWrite(new Uint8Array([0x61]))).toBeNull();
    fc.assert(fc.property(fc.array(fc.string({ unit: 'grapheme' }).filter((s) => s.indexOf('\0') < 0)), (ss) => {
      expect(decodeStrings(encodeStrings(ss))).toEqual(ss);
    }));
  });

  it('round-trips messages', () => {
    fc.assert(fc.property(message, (m) => {
      const r = new MessageParser().feed(encodeMessage(m)!);
      expect(r.error).toBeUndefined();
      expect(r.messages).toEqual([m]);
    }));
  });

  it('parses a stream identically however it is chunked', () => {
    fc.assert(fc.property(fc.array(message, { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }), (ms, cuts) => {
      const stream = concat(ms.map((m) => encodeMessage(m)!));
      const p = new MessageParser();
      const got: XsMessage[] = [];
      let at = 0;
      let k = 0;
      while (at < stream.length) {
        const n = cuts[k++ % cuts.length];
        const r = p.feed(stream.subarray(at, at + n));
        expect(r.error).toBeUndefined();
        got.push(...r.messages);
        at += n;
      }
      expect(got).toEqual(ms);
    }));
  });

  it('reports an oversized length as a sticky error, never throws', () => {
    const bad = new Uint8Array(16);
    new DataView(bad.buffer).setUint32(12, XENSTORE_PAYLOAD_MAX + 1, true);
    const p = new MessageParser();
    const good = encodeMessage({ type: XS_ERROR, reqId: 3, txId: 0, payload: encodeStrings(['EIO']) })!;
    const r = p.feed(concat([good, bad]));
    expect(r.messages.length).toBe(1);
    expect(r.error).toMatch(/4097/);
    expect(p.feed(good).error).toBeDefined();
    expect(p.feed(good).messages).toEqual([]);
  });

  it('never throws on random bytes', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (chunks) => {
      const p = new MessageParser();
      for (const c of chunks) {
        const r = p.feed(c);
        for (const m of r.messages) expect(m.payload.length).toBeLessThanOrEqual(XENSTORE_PAYLOAD_MAX);
      }
    }));
  });
});
