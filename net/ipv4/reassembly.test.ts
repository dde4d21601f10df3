import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_REASSEMBLY_LIMITS, Reassembler, type Fragment } from './reassembly';

function datagram(n: number): Uint8Array {
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) d[i] = (i * 7 + 3) & 0xff;
  return d;
}

/** Fragments of `data` cut at multiples of `step` bytes. */
function cut(data: Uint8Array, step: number, id = 1): Fragment[] {
  const out: Fragment[] = [];
  for (let off = 0; off < data.length; off += step) {
    const end = Math.min(off + step, data.length);
    out.push({ src: 1, dst: 2, protocol: 17, id, offset: off, moreFragments: end < data.length, data: data.subarray(off, end) });
  }
  return out;
}

describe('IPv4 reassembly', () => {
  it('reassembles in order', () => {
    const r = new Reassembler();
    const data = datagram(3000);
    const frags = cut(data, 1480);
    expect(r.add(frags[0], 0)).toBe('held');
    expect(r.add(frags[1], 0)).toBe('held');
    expect(Array.from(r.add(frags[2], 0) as Uint8Array)).toEqual(Array.from(data));
    expect(r.size()).toBe(0);
    expect(r.bytesHeld()).toBe(0);
  });

  it('reassembles any order, with exact duplicates ignored', () => {
    fc.assert(fc.property(
      fc.integer({ min: 9, max: 9000 }), fc.integer({ min: 9, max: 200 }).map((n) => n * 8), fc.array(fc.nat(), { maxLength: 6 }), fc.infiniteStream(fc.nat()), // ≤ 125 pieces
      (len, step, dups, order) => {
        const data = datagram(len);
        const frags = cut(data, step);
        fc.pre(frags.length >= 2); // a single piece is an atomic datagram, not a fragment
        for (const d of dups) frags.push(frags[d % frags.length]);
        // Shuffle with the stream.
        const it = order[Symbol.iterator]();
        for (let i = frags.length - 1; i > 0; i--) { const j = (it.next().value as number) % (i + 1); [frags[i], frags[j]] = [frags[j], frags[i]]; }
        const r = new Reassembler();
        let done: Uint8Array | undefined;
        for (const f of frags) {
          const out = r.add(f, 0);
          if (out instanceof Uint8Array) { expect(Buffer.compare(out, data)).toBe(0); done = done || out; }
          else expect(['held', 'duplicate', 'discarded']).toContain(out);
        }
        // Duplicates arriving after completion may form the datagram again (as a duplicated packet would).
        expect(done && Buffer.compare(done, data)).toBe(0);
      }), { numRuns: 200 });
  });

  it('drops the whole datagram on overlap, including fragments still to come (RFC 5722)', () => {
    const r = new Reassembler();
    const frags = cut(datagram(64), 16);
    expect(r.add(frags[0], 0)).toBe('held');
    expect(r.add({ ...frags[1], offset: 8 }, 0)).toBe('overlap');
    expect(r.bytesHeld()).toBe(0);
    expect(r.add(frags[1], 0)).toBe('discarded');
    expect(r.add(frags[2], 0)).toBe('discarded');
    expect(r.add(frags[3], 0)).toBe('discarded');
  });

  it('drops on inconsistent ends and data past the end', () => {
    const r = new Reassembler();
    const frags = cut(datagram(64), 16, 5);
    r.add(frags[3], 0); // last: total 64
    expect(r.add({ ...frags[1], id: 5, offset: 56, data: new Uint8Array(16) }, 0)).toBe('overlap');
    const r2 = new Reassembler();
    r2.add(frags[3], 0);
    expect(r2.add({ ...frags[3], offset: 64 }, 0)).toBe('overlap');
  });

  it('refuses fragments that would make a datagram over 65535 bytes', () => {
    const r = new Reassembler();
    expect(r.add({ src: 1, dst: 2, protocol: 1, id: 9, offset: 65528, moreFragments: false, data: new Uint8Array(100) }, 0)).toBe('too-big');
    expect(r.add({ src: 1, dst: 2, protocol: 1, id: 9, offset: 0, moreFragments: true, data: new Uint8Array(8) }, 0)).toBe('discarded');
  });

  it('refuses non-final fragments that are not a multiple of 8 bytes', () => {
    const r = new Reassembler();
    expect(r.add({ src: 1, dst: 2, protocol: 1, id: 9, offset: 0, moreFragments: true, data: new Uint8Array(10) }, 0)).toBe('bad-length');
  });

  it('limits concurrent datagrams and bytes held', () => {
    const r = new Reassembler({ ...DEFAULT_REASSEMBLY_LIMITS, maxDatagrams: 2, maxBytes: 100 });
    expect(r.add({ src: 1, dst: 2, protocol: 1, id: 1, offset: 0, moreFragments: true, data: new Uint8Array(40) }, 0)).toBe('held');
    expect(r.add({ src: 1, dst: 2, protocol: 1, id: 2, offset: 0, moreFragments: true, data: new Uint8Array(40) }, 0)).toBe('held');
    expect(r.add({ src: 1, dst: 2, protocol: 1, id: 3, offset: 0, moreFragments: true, data: new Uint8Array(8) }, 0)).toBe('limit');
    expect(r.add({ src: 1, dst: 2, protocol: 1, id: 2, offset: 40, moreFragments: true, data: new Uint8Array(40) }, 0)).toBe('limit');
    expect(r.bytesHeld()).toBe(40);
    // The dropped datagram's slot is reused for a new one.
    expect(r.add({ src: 1, dst: 2, protocol: 1, id: 3, offset: 0, moreFragments: true, data: new Uint8Array(8) }, 0)).toBe('held');
  });

  it('limits the pieces of one datagram', () => {
    const r = new Reassembler({ ...DEFAULT_REASSEMBLY_LIMITS, maxFragments: 4 });
    const frags = cut(datagram(80), 8);
    for (let i = 0; i < 4; i++) expect(r.add(frags[i], 0)).toBe('held');
    expect(r.add(frags[4], 0)).toBe('limit');
    expect(r.bytesHeld()).toBe(0);
  });

  it('times out incomplete datagrams after 30 s, counted once each', () => {
    const r = new Reassembler();
    r.add({ src: 1, dst: 2, protocol: 1, id: 1, offset: 0, moreFragments: true, data: new Uint8Array(8) }, 1000);
    r.add({ src: 1, dst: 2, protocol: 1, id: 2, offset: 0, moreFragments: true, data: new Uint8Array(8) }, 2000);
    expect(r.nextDeadline()).toBe(31000);
    expect(r.expire(30999)).toBe(0);
    expect(r.expire(31000)).toBe(1);
    expect(r.nextDeadline()).toBe(32000);
    expect(r.expire(40000)).toBe(1);
    expect(r.size()).toBe(0);
    expect(r.bytesHeld()).toBe(0);
  });

  it('keeps datagrams apart by source, destination, protocol and id', () => {
    const r = new Reassembler();
    const a = cut(datagram(32), 16, 1);
    const b = cut(datagram(32), 16, 1).map((f) => ({ ...f, protocol: 6 }));
    expect(r.add(a[0], 0)).toBe('held');
    expect(r.add(b[1], 0)).toBe('held');
    expect(r.add(a[1], 0)).toBeInstanceOf(Uint8Array);
    expect(r.add(b[0], 0)).toBeInstanceOf(Uint8Array);
  });

  it('never throws and never holds more than its limits on arbitrary fragments', () => {
    const limits = { ...DEFAULT_REASSEMBLY_LIMITS, maxDatagrams: 4, maxBytes: 4096 };
    fc.assert(fc.property(fc.array(fc.record({
      id: fc.integer({ min: 0, max: 5 }), offset: fc.integer({ min: 0, max: 0x1fff }).map((n) => n * 8), moreFragments: fc.boolean(),
      len: fc.integer({ min: 0, max: 2000 }), at: fc.integer({ min: 0, max: 100000 }),
    }), { maxLength: 60 }), (list) => {
      const r = new Reassembler(limits);
      let now = 0;
      for (const f of list) {
        now += f.at;
        r.expire(now);
        r.add({ src: 1, dst: 2, protocol: 17, id: f.id, offset: f.offset, moreFragments: f.moreFragments, data: new Uint8Array(f.len) }, now);
        expect(r.size()).toBeLessThanOrEqual(4);
        expect(r.bytesHeld()).toBeLessThanOrEqual(4096);
        expect(r.bytesHeld()).toBeGreaterThanOrEqual(0);
      }
    }));
  });
});
