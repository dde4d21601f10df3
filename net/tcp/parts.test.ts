/* The pure pieces of net/tcp on their own. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seqAdd, seqDiff, seqGeq, seqGt, seqInWindow, seqLeq, seqLt } from './seq';
import { ReassemblyQueue } from './reassembly';
import { SendBuffer } from './send-buffer';
import { ReceiveQueue } from './receive-queue';
import { RtoEstimator } from './rto';
import { initialWindow, NewRenoCongestion } from './congestion';
import { resolveConfig, windowShiftFor } from './config';

describe('sequence arithmetic (RFC 9293 §3.4)', () => {
  it('compares modulo 2^32 across the wrap', () => {
    expect(seqAdd(0xffffffff, 1)).toBe(0);
    expect(seqAdd(5, -10)).toBe(0xfffffffb);
    expect(seqLt(0xfffffff0, 0x10)).toBe(true);
    expect(seqGt(0x10, 0xfffffff0)).toBe(true);
    expect(seqDiff(0x10, 0xfffffff0)).toBe(0x20);
    expect(seqLeq(7, 7) && seqGeq(7, 7)).toBe(true);
    expect(seqInWindow(2, 0xfffffffe, 5)).toBe(true);
    expect(seqInWindow(3, 0xfffffffe, 5)).toBe(false);
  });

  it('a + d is ahead of a by d for any |d| < 2^31', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: -0x7fffffff, max: 0x7fffffff }), (a, d) => {
      const b = seqAdd(a, d);
      expect(seqDiff(b, a)).toBe(d);
      expect(seqGt(b, a)).toBe(d > 0);
      expect(seqLt(b, a)).toBe(d < 0);
    }));
  });
});

describe('out-of-order queue', () => {
  function bytes(from: number, n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = (from + i) & 0xff;
    return b;
  }

  it('reassembles arbitrary overlapping, duplicated, shuffled pieces into the original stream', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(2000), fc.integer({ min: 1, max: 300 })), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (pieces, base) => {
        const q = new ReassemblyQueue(1000);
        const total = 2300;
        let rcvNxt = base;
        const out: number[] = [];
        const deliver = (c: Uint8Array) => { for (const x of c) out.push(x); };
        // Everything arrives out of order first, then the beginning, then the rest in order.
        for (const [at, n] of pieces) {
          const from = 1 + at;
          q.insert(seqAdd(base, from), bytes(from, Math.min(n, total - from)), false, rcvNxt);
        }
        for (let at = 0; at < total; at += 100) {
          const chunk = bytes(at, 100);
          const skip = seqDiff(rcvNxt, seqAdd(base, at));
          if (skip >= 100) continue;
          const fresh = chunk.subarray(Math.max(skip, 0));
          deliver(fresh);
          rcvNxt = seqAdd(rcvNxt, fresh.length);
          rcvNxt = q.pull(rcvNxt, deliver);
        }
        expect(seqDiff(rcvNxt, base)).toBe(total);
        expect(out.length).toBe(total);
        for (let i = 0; i < total; i++) if (out[i] !== (i & 0xff)) throw new Error('byte ' + i);
        expect(q.bytes).toBe(0);
      },
    ), { numRuns: 300 });
  });

  it('is bounded by its fragment count and remembers a FIN', () => {
    const q = new ReassemblyQueue(3);
    expect(q.insert(10, bytes(10, 5), false, 0)).toBe(true);
    expect(q.insert(20, bytes(20, 5), false, 0)).toBe(true);
    expect(q.insert(30, bytes(30, 5), true, 0)).toBe(true);
    expect(q.insert(40, bytes(40, 5), false, 0)).toBe(true); // beyond the FIN: ignored
    expect(q.insert(0 + 2, bytes(2, 3), false, 0)).toBe(false); // no slot left
    expect(q.fragmentCount).toBe(3);
    expect(q.bytes).toBe(15);
    let rcvNxt = q.pull(10, () => undefined);
    expect(rcvNxt).toBe(15);
    expect(q.finReached(35)).toBe(true);
    rcvNxt = q.pull(30, () => undefined); // [20, 25) is stale by now, [30, 35) follows
    expect(rcvNxt).toBe(35);
    expect(q.finReached(rcvNxt)).toBe(true);
  });
});

describe('send buffer', () => {
  it('behaves like a byte queue through appends, acknowledgements and growth', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(
        fc.record({ op: fc.constant('append' as const), n: fc.integer({ min: 0, max: 3000 }) }),
        fc.record({ op: fc.constant('consume' as const), n: fc.integer({ min: 0, max: 3000 }) }),
      ), { maxLength: 60 }),
      (ops) => {
        const buf = new SendBuffer(5000);
        const model: number[] = [];
        let next = 0;
        for (const o of ops) {
          if (o.op === 'append') {
            const data = new Uint8Array(o.n);
            for (let i = 0; i < o.n; i++) data[i] = (next + i) & 0xff;
            const taken = buf.append(data, 0);
            expect(taken).toBe(Math.min(o.n, 5000 - model.length));
            for (let i = 0; i < taken; i++) model.push((next + i) & 0xff);
            next += o.n;
          } else {
            const n = Math.min(o.n, model.length);
            buf.consume(n);
            model.splice(0, n);
          }
          expect(buf.length).toBe(model.length);
          if (model.length > 0) {
            const off = Math.floor(model.length / 3);
            const out = new Uint8Array(model.length - off);
            buf.copyOut(off, out.length, out, 0);
            expect(Array.from(out)).toEqual(model.slice(off));
          }
        }
      },
    ), { numRuns: 200 });
  });

  it('never holds more than its capacity', () => {
    const buf = new SendBuffer(100);
    expect(buf.append(new Uint8Array(150), 0)).toBe(100);
    expect(buf.free).toBe(0);
    expect(buf.append(new Uint8Array(1), 0)).toBe(0);
  });
});

describe('receive queue', () => {
  it('hands bytes out in order and counts unread bytes', () => {
    const q = new ReceiveQueue();
    for (let i = 0; i < 100; i++) q.push(new Uint8Array(i % 2 ? [i, i] : new Uint8Array(700).fill(i)));
    const expected: number[] = [];
    for (let i = 0; i < 100; i++) for (let k = 0; k < (i % 2 ? 2 : 700); k++) expected.push(i);
    expect(q.bytes).toBe(expected.length);
    const out: number[] = [];
    for (let c = q.take(); c; c = q.take()) out.push(...c);
    expect(out).toEqual(expected);
    expect(q.bytes).toBe(0);
  });

  it('merges tiny segments, so a one-byte-per-segment peer cannot make it hold one object per byte', () => {
    const q = new ReceiveQueue();
    for (let i = 0; i < 65536; i++) q.push(new Uint8Array([i & 0xff]));
    let chunks = 0;
    let at = 0;
    for (let c = q.take(); c; c = q.take()) {
      chunks++;
      for (const x of c) if (x !== (at++ & 0xff)) throw new Error("out of order at " + at);
    }
    expect(at).toBe(65536);
    // The first byte alone (nothing was queued), the rest in two 32 KiB blocks.
    expect(chunks).toBe(3);
  });

  it('hands a bulk of full segments out a block at a time, not a segment at a time', () => {
    const q = new ReceiveQueue();
    for (let i = 0; i < 44; i++) q.append(new Uint8Array(1460).fill(i));
    const sizes: number[] = [];
    for (let c = q.take(); c; c = q.take()) sizes.push(c.length);
    expect(sizes).toEqual([1460, 22 * 1460, 21 * 1460]);
  });

  it('property: any mix of appends, owned pushes and takes reads back the bytes in order, each copied from views the caller reuses', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(
        fc.record({ op: fc.constant('append' as const), length: fc.integer({ min: 0, max: 40000 }) }),
        fc.record({ op: fc.constant('push' as const), length: fc.integer({ min: 0, max: 40000 }) }),
        fc.record({ op: fc.constant('take' as const), length: fc.constant(0) }),
      ), { maxLength: 60 }),
      (ops) => {
        const q = new ReceiveQueue();
        const scratch = new Uint8Array(40000);
        let written = 0;
        let read = 0;
        const check = (c: Uint8Array) => {
          for (let i = 0; i < c.length; i++) if (c[i] !== ((read + i) * 7 + 3) % 251) throw new Error('byte ' + (read + i) + ' wrong');
          read += c.length;
        };
        for (const { op, length } of ops) {
          if (op === 'take') {
            const c = q.take();
            if (c) check(c);
            else expect(q.bytes).toBe(0);
          } else {
            const data = op === 'append' ? scratch.subarray(0, length) : new Uint8Array(length);
            for (let i = 0; i < length; i++) data[i] = ((written + i) * 7 + 3) % 251;
            if (op === 'append') q.append(data);
            else q.push(data);
            written += length;
            // The caller reuses its view at once: the queue must have copied.
            if (op === 'append') scratch.fill(0);
          }
          expect(q.bytes).toBe(written - read);
        }
        for (let c = q.take(); c; c = q.take()) check(c);
        expect(read).toBe(written);
      },
    ), { numRuns: 200 });
  });
});

describe('RTO estimator (RFC 6298)', () => {
  it('starts at 1 s, follows samples, doubles on expiry, stays within bounds', () => {
    const r = new RtoEstimator({ initialMs: 1000, minMs: 200, maxMs: 60_000 });
    expect(r.rto).toBe(1000);
    r.sample(100); // SRTT 100, RTTVAR 50: 100 + 200
    expect(r.rto).toBe(300);
    r.sample(100); // RTTVAR 37.5: 100 + 150 → 250
    expect(r.rto).toBe(250);
    r.sample(10);
    expect(r.rto).toBeGreaterThanOrEqual(200);
    for (let i = 0; i < 20; i++) r.backoff();
    expect(r.rto).toBe(60_000);
    r.sample(50); // a fresh sample undoes the backoff
    expect(r.rto).toBeLessThan(1000);
  });

  it('uses 3 s after a lost SYN when no sample exists (§5.7)', () => {
    const r = new RtoEstimator({ initialMs: 1000, minMs: 200, maxMs: 60_000 });
    r.restartAfterSynLoss();
    expect(r.rto).toBe(3000);
  });
});

describe('NewReno congestion control (RFC 5681, RFC 6582, RFC 3042)', () => {
  const MSS = 1000;

  it('grows exponentially in slow start and linearly in congestion avoidance', () => {
    const c = new NewRenoCongestion(MSS, 0);
    expect(c.cwnd).toBe(initialWindow(MSS));
    expect(initialWindow(1460)).toBe(4380);
    c.onNewAck(1000, 1000, 0);
    expect(c.cwnd).toBe(5000);
    c.ssthresh = 5000;
    c.onNewAck(2000, 1000, 0);
    expect(c.cwnd).toBe(5000 + 200);
  });

  it('fast retransmit on the third duplicate ACK, inflation, partial and full ACKs', () => {
    const c = new NewRenoCongestion(MSS, 0);
    c.cwnd = 10_000;
    expect(c.onDuplicateAck(1000, 10_000, 11_000)).toBe('none');
    expect(c.sendWindow()).toBe(11_000); // limited transmit
    expect(c.onDuplicateAck(1000, 10_000, 11_000)).toBe('none');
    expect(c.sendWindow()).toBe(12_000);
    expect(c.onDuplicateAck(1000, 10_000, 11_000)).toBe('fast-retransmit');
    expect(c.ssthresh).toBe(5000);
    expect(c.cwnd).toBe(8000);
    expect(c.onDuplicateAck(1000, 10_000, 11_000)).toBe('inflate');
    expect(c.cwnd).toBe(9000);
    // Partial ACK: still below recover (11 000): retransmit the next hole.
    expect(c.onNewAck(4000, 3000, 7000)).toBe(true);
    expect(c.inRecovery).toBe(true);
    // Full ACK: leave recovery with cwnd deflated to ssthresh at most.
    expect(c.onNewAck(11_000, 7000, 0)).toBe(false);
    expect(c.inRecovery).toBe(false);
    expect(c.cwnd).toBeLessThanOrEqual(5000);
  });

  it('after a timeout, duplicate ACKs below recover do not start another fast retransmit (RFC 6582 §3.2 step 2)', () => {
    const c = new NewRenoCongestion(MSS, 0);
    c.cwnd = 10_000;
    c.onTimeout(10_000, 11_000);
    expect(c.cwnd).toBe(MSS);
    expect(c.ssthresh).toBe(5000);
    for (let i = 0; i < 3; i++) c.onDuplicateAck(2000, 9000, 11_000);
    expect(c.inRecovery).toBe(false);
  });
});

describe('configuration', () => {
  it('offers the smallest window shift that covers the receive buffer (RFC 7323 §2.3)', () => {
    expect(windowShiftFor(65535)).toBe(0);
    expect(windowShiftFor(65536)).toBe(1);
    expect(windowShiftFor(256 * 1024)).toBe(3);
    expect(windowShiftFor(1 << 30)).toBe(14);
    const c = resolveConfig({ receiveBufferBytes: 256 * 1024 }, 1480);
    expect(c.windowShift).toBe(3);
    expect(c.mss).toBe(1460);
    expect(c.keepAlive).toBeNull();
  });
});
