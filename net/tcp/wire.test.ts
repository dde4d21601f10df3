import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildSegment, emptySegment, finishSegmentAt, FLAG_ACK, FLAG_FIN, FLAG_PSH, FLAG_RST, FLAG_SYN, finishSegment, parseSegment, parseSegmentInto, segmentChecksumOk,
  segmentHeaderLength, segmentLength, serialiseSegment, writeSegmentHeader,
} from './wire';
import type { SegmentFields } from './wire';

const SRC = 0x0a000001;
const DST = 0x0a000002;

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

const fieldsArb: fc.Arbitrary<SegmentFields> = fc.record({
  srcPort: u16,
  dstPort: u16,
  seq: u32,
  ack: u32,
  flags: fc.integer({ min: 0, max: 0xff }),
  window: u16,
  urgent: u16,
  mss: fc.option(u16, { nil: undefined }),
  windowScale: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
  sackPermitted: fc.boolean(),
  timestamp: fc.option(fc.record({ value: u32, echo: u32 }), { nil: undefined }),
});

describe('TCP segment wire format (RFC 9293 §3.1)', () => {
  it('writes a segment in place at any offset of a frame with stale bytes: the same bytes serialiseSegment makes', () => {
    fc.assert(fc.property(fieldsArb, fc.uint8Array({ maxLength: 100 }), fc.nat(40), fc.integer({ min: 0, max: 255 }), (f, payload, at, junk) => {
      const length = segmentHeaderLength(f) + payload.length;
      const frame = new Uint8Array(at + length + 3).fill(junk);
      const headerBytes = writeSegmentHeader(frame, at, f);
      frame.set(payload, at + headerBytes);
      finishSegmentAt(frame, at, length, SRC, DST);
      expect(Array.from(frame.subarray(at, at + length))).toEqual(Array.from(serialiseSegment(f, payload, SRC, DST)));
      expect(Array.from(frame.subarray(0, at)).every((b) => b === junk)).toBe(true);
      expect(Array.from(frame.subarray(at + length)).every((b) => b === junk)).toBe(true);
    }));
  });

  it('parsing into a reused segment object gives what a fresh parse gives, whatever was parsed into it before', () => {
    fc.assert(fc.property(fieldsArb, fieldsArb, fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (f1, f2, p1, p2) => {
      const into = emptySegment();
      expect(parseSegmentInto(serialiseSegment(f1, p1, SRC, DST), SRC, DST, into)).toBe(null);
      const second = serialiseSegment(f2, p2, SRC, DST);
      expect(parseSegmentInto(second, SRC, DST, into)).toBe(null);
      expect(into).toEqual((parseSegment(second, SRC, DST) as { segment: unknown }).segment);
    }));
  });

  it('serialise → parse round-trips every field, option and byte', () => {
    fc.assert(fc.property(fieldsArb, fc.uint8Array({ maxLength: 300 }), (f, payload) => {
      const bytes = serialiseSegment(f, payload, SRC, DST);
      const r = parseSegment(bytes, SRC, DST);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const s = r.segment;
      expect([s.srcPort, s.dstPort, s.seq, s.ack, s.flags, s.window, s.urgent])
        .toEqual([f.srcPort, f.dstPort, f.seq, f.ack, f.flags, f.window, f.urgent]);
      expect(s.mss).toBe(f.mss === undefined ? 0 : f.mss);
      expect(s.windowScale).toBe(f.windowScale === undefined ? -1 : f.windowScale);
      expect(s.sackPermitted).toBe(!!f.sackPermitted);
      expect(s.hasTimestamp).toBe(!!f.timestamp);
      if (f.timestamp) expect([s.timestampValue, s.timestampEcho]).toEqual([f.timestamp.value, f.timestamp.echo]);
      expect(Array.from(s.payload)).toEqual(Array.from(payload));
      expect((bytes.length - payload.length) % 4).toBe(0);
    }));
  });

  it('rejects a bad checksum, and one computed for other addresses', () => {
    const bytes = serialiseSegment({ srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: FLAG_ACK, window: 5 }, new Uint8Array([1, 2, 3]), SRC, DST);
    expect(segmentChecksumOk(bytes, SRC, DST)).toBe(true);
    expect(parseSegment(bytes, SRC, DST + 1)).toEqual({ ok: false, error: 'bad-checksum' });
    bytes[bytes.length - 1] ^= 0x40;
    expect(parseSegment(bytes, SRC, DST)).toEqual({ ok: false, error: 'bad-checksum' });
    expect(parseSegment(bytes, SRC, DST, false).ok).toBe(true);
  });

  it('reports truncation, impossible data offsets and overrunning options as values', () => {
    const ok = serialiseSegment({ srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: FLAG_SYN, window: 5, mss: 1460 }, null, SRC, DST);
    expect(parseSegment(ok.subarray(0, 19), SRC, DST)).toEqual({ ok: false, error: 'truncated' });
    const lowOffset = ok.slice();
    lowOffset[12] = 4 << 4;
    expect(parseSegment(finishSegment(lowOffset, SRC, DST), SRC, DST)).toEqual({ ok: false, error: 'bad-offset' });
    const highOffset = ok.slice();
    highOffset[12] = 15 << 4;
    expect(parseSegment(finishSegment(highOffset, SRC, DST), SRC, DST)).toEqual({ ok: false, error: 'truncated' });
    const overrun = ok.slice();
    overrun[21] = 40; // MSS option claiming 40 bytes inside a 24-byte header
    expect(parseSegment(finishSegment(overrun, SRC, DST), SRC, DST)).toEqual({ ok: false, error: 'bad-option' });
    const zeroLength = ok.slice();
    zeroLength[20] = 99;
    zeroLength[21] = 0;
    expect(parseSegment(finishSegment(zeroLength, SRC, DST), SRC, DST)).toEqual({ ok: false, error: 'bad-option' });
    const wrongMssLength = ok.slice();
    wrongMssLength[21] = 3;
    expect(parseSegment(finishSegment(wrongMssLength, SRC, DST), SRC, DST)).toEqual({ ok: false, error: 'bad-option' });
  });

  it('skips NOPs, unknown and SACK options, and stops at EOL', () => {
    const built = buildSegment({ srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: FLAG_SYN, window: 0, mss: 1, timestamp: { value: 1, echo: 2 } }, 0);
    const b = built.bytes; // 20 + 16 option bytes
    b[20] = 1; b[21] = 1; // NOP NOP
    b[22] = 5; b[23] = 10; // SACK block of 8 bytes (one block), skipped by length
    b[32] = 2; b[33] = 4; b[34] = 0x05; b[35] = 0xb4; // MSS 1460
    const r = parseSegment(finishSegment(b, SRC, DST), SRC, DST);
    expect(r.ok && r.segment.mss).toBe(1460);
    b[20] = 0; // EOL first: nothing after it is read
    const r2 = parseSegment(finishSegment(b, SRC, DST), SRC, DST);
    expect(r2.ok && r2.segment.mss).toBe(0);
  });

  it('counts SYN and FIN in the sequence space', () => {
    const s = parseSegment(serialiseSegment({ srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: FLAG_SYN | FLAG_FIN | FLAG_PSH, window: 0 }, new Uint8Array(7), SRC, DST), SRC, DST);
    expect(s.ok && segmentLength(s.segment)).toBe(9);
    const r = parseSegment(serialiseSegment({ srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: FLAG_RST, window: 0 }, null, SRC, DST), SRC, DST);
    expect(r.ok && segmentLength(r.segment)).toBe(0);
  });

  it('never throws on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (bytes, check) => {
      const r = parseSegment(bytes, SRC, DST, check);
      expect(typeof r.ok).toBe('boolean');
    }), { numRuns: 3000 });
  });

  it('never throws on mutated valid segments (checksum fixed up so the parser looks inside)', () => {
    fc.assert(fc.property(
      fieldsArb,
      fc.uint8Array({ maxLength: 40 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      fc.nat(),
      (f, payload, edits, cut) => {
        const bytes = serialiseSegment(f, payload, SRC, DST).slice();
        for (const [at, v] of edits) bytes[at % bytes.length] = v;
        const truncated = bytes.subarray(0, cut % (bytes.length + 1));
        if (truncated.length >= 18) finishSegment(truncated, SRC, DST);
        const r = parseSegment(truncated, SRC, DST);
        if (r.ok) {
          expect(r.segment.payload.length).toBeLessThanOrEqual(truncated.length - 20);
        } else {
          expect(['truncated', 'bad-offset', 'bad-option', 'bad-checksum']).toContain(r.error);
        }
      },
    ), { numRuns: 3000 });
  });
});
