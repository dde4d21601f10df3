/*
 * The transport adapter with fake UDP/TCP APIs: framing under any
 * segmentation, pipelined answers in order, the idle timeout, the
 * connection cap and the AXFR allow list. (Real clients: apps/dns/interop.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Endpoint, type Flow, type TcpApi, type UdpApi } from '../../net/types';
import { type Scheduler } from '../../lib/scheduler';
import { createAuthority } from './authority';
import { RCODE } from './constants';
import { parseName } from './name';
import { createResponder } from './responder';
import { serveDns } from './server';
import { FrameReader, frame } from './tcp-frames';
import { decodeMessage, encodeMessage } from './wire';
import { parseZone } from './zone';

const zone = parseZone(readFileSync(fileURLToPath(new URL('./fixtures/authority.zone', import.meta.url)), 'utf8'), { file: 'authority.zone' });
const q = (name: string, type: number, id = 1) => encodeMessage({
  id, qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, z: false, ad: false, cd: false, rcode: 0,
  questions: [{ name: parseName(name), type, class: 1 }], answers: [], authority: [], additional: [], edns: null,
});

describe('TCP framing (RFC 1035 §4.2.2)', () => {
  it('yields the same messages however the stream is cut', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 10 }), (messages, cuts) => {
      const stream = Buffer.concat(messages.map((m) => Buffer.from(frame(m))));
      const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
      const reader = new FrameReader();
      const got: Uint8Array[] = [];
      let at = 0;
      for (const p of [...points, stream.length]) { got.push(...reader.push(new Uint8Array(stream.subarray(at, p)))); at = p; }
      expect(got.map((g) => Array.from(g))).toEqual(messages.map((m) => Array.from(m)));
      expect(reader.buffered).toBe(0);
    }));
  });
});

/** A fake flow: the test pushes reads; writes are recorded. */
function fakeFlow(address: number) {
  const reads: ((v: Uint8Array | null) => void)[] = [];
  const queued: (Uint8Array | null)[] = [];
  const written: Uint8Array[] = [];
  const state = { closed: false, aborted: false };
  const flow: Flow = {
    local: { address: 1, port: 53 }, remote: { address, port: 40000 },
    read: () => queued.length ? Promise.resolve(queued.shift()!) : new Promise((r) => reads.push(r)),
    write: (d) => { written.push(d.slice()); return Promise.resolve(); },
    close: () => { state.closed = true; const r = reads.shift(); if (r) r(null); return Promise.resolve(); },
    abort: () => { state.aborted = true; },
  };
  const feed = (d: Uint8Array | null) => { const r = reads.shift(); if (r) r(d); else queued.push(d); };
  return { flow, feed, written, state };
}

function harness() {
  let onFlow: (f: Flow) => void = () => undefined;
  let onDatagram: (d: Uint8Array, from: Endpoint, to: Endpoint) => void = () => undefined;
  const sent: Uint8Array[] = [];
  const timers: { at: number; fn: () => void; live: boolean }[] = [];
  let now = 0;
  const scheduler: Scheduler = { now: () => now, after: (ms, fn) => { const t = { at: now + ms, fn, live: true }; timers.push(t); return { cancel: () => { t.live = false; } }; } };
  const tcp: TcpApi = { listen: (_p, f) => { onFlow = f; return () => undefined; }, connect: () => Promise.reject(new Error('no')) };
  const udp: UdpApi = { bind: (_p, f) => { onDatagram = f; return () => undefined; }, send: (_to, d) => { sent.push(d); } };
  const server = serveDns({ udp, tcp }, createResponder(createAuthority([zone])), { port: 53, scheduler, maxConnections: 2, idleTimeoutMs: 1000, axfrAllow: [0x0a000001] });
  const advance = (ms: number) => { now += ms; for (const t of timers) if (t.live && t.at <= now) { t.live = false; t.fn(); } };
  return { server, sent, advance, connect: (f: Flow) => onFlow(f), datagram: (d: Uint8Array) => onDatagram(d, { address: 2, port: 999 }, { address: 1, port: 53 }) };
}
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('serveDns', () => {
  it('answers UDP, and drops what is not a query without throwing', () => {
    const h = harness();
    h.datagram(q('www.example.com.', 1));
    h.datagram(new Uint8Array([1, 2, 3]));
    expect(h.sent).toHaveLength(1);
    expect(decodeMessage(h.sent[0]).answers).toHaveLength(2);
    expect(h.server.counters['dns.short']).toBe(1);
  });
  it('answers pipelined TCP queries in order, framed, then closes after the idle timeout', async () => {
    const h = harness();
    const c = fakeFlow(0x0a000002);
    h.connect(c.flow);
    const both = Buffer.concat([Buffer.from(frame(q('www.example.com.', 1, 7))), Buffer.from(frame(q('nothere.example.com.', 1, 8)))]);
    c.feed(new Uint8Array(both.subarray(0, 5)));
    c.feed(new Uint8Array(both.subarray(5)));
    await settle(); await settle();
    const frames = new FrameReader().push(new Uint8Array(Buffer.concat(c.written)));
    expect(frames.map((f) => [decodeMessage(f).id, decodeMessage(f).rcode])).toEqual([[7, RCODE.NOERROR], [8, RCODE.NXDOMAIN]]);
    h.advance(999);
    expect(c.state.closed).toBe(false);
    h.advance(1);
    expect(c.state.closed).toBe(true);
    expect(h.server.counters['dns.tcp-idle-closed']).toBe(1);
  });
  it('resets connections past the cap, and transfers zones only to allowed peers', async () => {
    const h = harness();
    const allowed = fakeFlow(0x0a000001);
    const other = fakeFlow(0x0a000002);
    const third = fakeFlow(0x0a000003);
    h.connect(allowed.flow); h.connect(other.flow); h.connect(third.flow);
    expect(third.state.aborted).toBe(true);
    allowed.feed(frame(q('example.com.', 252)));
    other.feed(frame(q('example.com.', 252)));
    await settle(); await settle();
    const axfr = new FrameReader().push(new Uint8Array(Buffer.concat(allowed.written))).map(decodeMessage);
    expect(axfr[0].rcode).toBe(RCODE.NOERROR);
    expect(axfr.flatMap((m) => m.answers).length).toBe(zone.records.length + 1);
    expect(decodeMessage(new FrameReader().push(new Uint8Array(Buffer.concat(other.written)))[0]).rcode).toBe(RCODE.REFUSED);
  });
});
