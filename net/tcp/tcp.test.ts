/*
 * Two TCP instances back to back over the test wire, scenarios named after
 * the RFC behaviour they check.
 */
import { describe, expect, it } from 'vitest';
import { FlowError } from '../types';
import type { TcpFlow } from './flow';
import { fnv1a, ip4, Prng, readAll, TestNetwork } from '../testing/tcp-harness';
import type { TestHost } from '../testing/tcp-harness';
import type { TcpLimits } from './config';
import { FLAG_ACK, FLAG_FIN, FLAG_RST, FLAG_SYN, segmentLength, serialiseSegment } from './wire';
import type { TcpSegment } from './wire';

const A = ip4(10, 0, 0, 1);
const B = ip4(10, 0, 0, 2);
const PORT = 80;

function pair(seed = 1, limitsA?: TcpLimits, limitsB?: TcpLimits): { net: TestNetwork; a: TestHost; b: TestHost } {
  const net = new TestNetwork(seed);
  return { net: net, a: net.addHost(A, limitsA), b: net.addHost(B, limitsB) };
}

/** Opens one connection a → b:PORT; returns both ends. */
async function open(net: TestNetwork, a: TestHost, b: TestHost, port = PORT): Promise<{ client: TcpFlow; server: TcpFlow }> {
  const accepted: TcpFlow[] = [];
  b.tcp.listen(port, (flow) => { accepted.push(flow); });
  const client = await net.scheduler.await(a.tcp.connect(B, port));
  await net.scheduler.runUntil(() => accepted.length > 0, 10_000);
  expect(accepted.length).toBe(1);
  return { client: client, server: accepted[0] };
}

function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  new Prng(seed).fill(out);
  return out;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/** −1 when equal, else the first index that differs (deep equality on megabytes is slow). */
function firstDifference(x: Uint8Array, y: Uint8Array): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return i;
  return x.length === y.length ? -1 : n;
}

async function expectFlowError(p: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown = null;
  try { await p; } catch (e) { caught = e; }
  expect(caught).toBeInstanceOf(FlowError);
  expect((caught as FlowError).code).toBe(code);
}

/** Runs the virtual clock until the promise settles, returning the error it rejects with (or null). */
async function errorOf(net: TestNetwork, p: Promise<unknown>, limitMs = 600_000): Promise<FlowError | null> {
  try {
    await net.scheduler.await(p, limitMs);
    return null;
  } catch (e) {
    return e as FlowError;
  }
}

describe('RFC 9293 §3.5 connection establishment', () => {
  it('three-way handshake: SYN, SYN-ACK, ACK with MSS and window scale', async () => {
    const { net, a, b } = pair(1, undefined, { receiveBufferBytes: 256 * 1024 });
    net.record = true;
    const { client, server } = await open(net, a, b);
    expect(client.state).toBe('ESTABLISHED');
    expect(server.state).toBe('ESTABLISHED');
    const syn = a.sent[0].segment;
    expect(syn.flags).toBe(FLAG_SYN);
    expect(syn.mss).toBe(1460);
    expect(syn.windowScale).toBe(1); // 64 KiB default buffer
    const synAck = b.sent[0].segment;
    expect(synAck.flags).toBe(FLAG_SYN | FLAG_ACK);
    expect(synAck.ack).toBe((syn.seq + 1) >>> 0);
    expect(synAck.windowScale).toBe(3); // 256 KiB fits 65535 << 3
    const ack = a.sent[1].segment;
    expect(ack.flags).toBe(FLAG_ACK);
    expect(ack.seq).toBe((syn.seq + 1) >>> 0);
    expect(ack.ack).toBe((synAck.seq + 1) >>> 0);
    expect(client.local).toEqual({ address: A, port: client.local.port });
    expect(client.local.port).toBeGreaterThanOrEqual(49152);
    expect(server.remote).toEqual(client.local);
    expect(a.tcp.connections()).toBe(1);
    expect(b.tcp.connections()).toBe(1);
    expect(b.tcp.halfOpen()).toBe(0);
  });

  it('simultaneous open (Figure 8): both ends SYN, both reach ESTABLISHED', async () => {
    const { net, a, b } = pair(2);
    net.record = true;
    const ca = a.tcp.connect(B, 5000, { localPort: 6000 });
    const cb = b.tcp.connect(A, 6000, { localPort: 5000 });
    const fa = await net.scheduler.await(ca, 30_000);
    const fb = await net.scheduler.await(cb, 30_000);
    expect(fa.state).toBe('ESTABLISHED');
    expect(fb.state).toBe('ESTABLISHED');
    // Both sent a bare SYN first, then a SYN-ACK.
    expect(a.sent[0].segment.flags).toBe(FLAG_SYN);
    expect(a.sent.some((e) => e.segment.flags === (FLAG_SYN | FLAG_ACK))).toBe(true);
    await fa.write(new TextEncoder().encode('ping'));
    const got = await net.scheduler.await(fb.read());
    expect(new TextDecoder().decode(got!)).toBe('ping');
  });

  it('RST to a closed port (RFC 9293 §3.10.7.1): connect rejects with refused', async () => {
    const { net, a, b } = pair(3);
    await expectFlowError(net.scheduler.await(a.tcp.connect(B, 81)), 'refused');
    expect(b.counters['tcp.no-listener']).toBe(1);
    expect(a.tcp.connections()).toBe(0);
  });

  it('a segment with ACK to a port nobody listens on gets RST with SEQ = SEG.ACK', async () => {
    const { net, b } = pair(4);
    net.record = true;
    net.inject(A, B, serialiseSegment({ srcPort: 1234, dstPort: 99, seq: 77, ack: 5555, flags: FLAG_ACK, window: 100 }, new Uint8Array(3), A, B));
    await net.scheduler.advance(10);
    expect(b.sent.length).toBe(1);
    expect(b.sent[0].segment.flags).toBe(FLAG_RST);
    expect(b.sent[0].segment.seq).toBe(5555);
    net.inject(A, B, serialiseSegment({ srcPort: 1234, dstPort: 99, seq: 77, ack: 0, flags: FLAG_FIN, window: 100 }, new Uint8Array(3), A, B));
    await net.scheduler.advance(10);
    expect(b.sent[1].segment.flags).toBe(FLAG_RST | FLAG_ACK);
    expect(b.sent[1].segment.ack).toBe(77 + 3 + 1);
    // A RST is never answered.
    net.inject(A, B, serialiseSegment({ srcPort: 1234, dstPort: 99, seq: 77, ack: 0, flags: FLAG_RST, window: 0 }, null, A, B));
    await net.scheduler.advance(10);
    expect(b.sent.length).toBe(2);
  });

  it('SYN retransmission backs off exponentially and connect gives up with timeout (RFC 6298 §5)', async () => {
    const { net, a } = pair(5, { maxSynRetransmits: 4 });
    net.record = true;
    const dark = ip4(10, 0, 0, 99); // nobody there
    const err = await errorOf(net, a.tcp.connect(dark, 80));
    expect(err).toBeInstanceOf(FlowError);
    expect(err!.code).toBe('timeout');
    const times = a.sent.filter((e) => e.segment.flags === FLAG_SYN).map((e) => e.time);
    expect(times.length).toBe(5);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps).toEqual([1000, 2000, 4000, 8000]); // initial RTO 1 s, doubled on each expiry
    expect(a.tcp.connections()).toBe(0);
  });
});

describe('RFC 9293 §3.8 data transfer', () => {
  it('carries data both ways, in order, byte-exact', async () => {
    const { net, a, b } = pair(6);
    const { client, server } = await open(net, a, b);
    const request = pattern(5000, 1);
    const response = pattern(70_000, 2);
    await net.scheduler.await(client.write(request));
    const gotRequest: Uint8Array[] = [];
    let n = 0;
    while (n < request.length) {
      const c = (await net.scheduler.await(server.read()))!;
      gotRequest.push(c);
      n += c.length;
    }
    expect(concat(gotRequest)).toEqual(request);
    const w = server.write(response);
    const reading = readAll(client);
    await net.scheduler.await(w);
    await net.scheduler.await(server.close());
    const got = await net.scheduler.await(reading);
    expect(firstDifference(got, response)).toBe(-1);
  });

  it('bulk transfer of 2 MB through 2 % loss, reordering and duplication arrives intact (RFC 5681, RFC 6582)', async () => {
    const { net, a, b } = pair(7);
    net.conditions = { latencyMs: 5, loss: 0.02, duplicate: 0.02, reorder: 0.05, reorderMs: 8 };
    const { client, server } = await open(net, a, b);
    const data = pattern(2 * 1024 * 1024, 3);
    const reading = readAll(server);
    const sending = (async () => {
      for (let at = 0; at < data.length; at += 100_000) await client.write(data.subarray(at, at + 100_000));
      await client.close();
    })();
    const got = await net.scheduler.await(reading, 3_600_000);
    await net.scheduler.await(sending, 600_000);
    expect(got.length).toBe(data.length);
    expect(fnv1a(got)).toBe(fnv1a(data));
    expect(firstDifference(got, data)).toBe(-1);
    // Loss was repaired by fast retransmit as well as timeouts.
    expect(a.counters['tcp.fast-retransmit'] || 0).toBeGreaterThan(0);
    expect(b.counters['tcp.out-of-order'] || 0).toBeGreaterThan(0);
  }, 30_000);
});

describe('RFC 9293 §3.6 closing', () => {
  it('FIN both ways: the closer passes FIN-WAIT-1/2 and TIME-WAIT, which expires after 2 MSL', async () => {
    const { net, a, b } = pair(8, { mslMs: 1000 });
    const { client, server } = await open(net, a, b);
    const closing = client.close();
    expect(await net.scheduler.await(server.read())).toBeNull();
    expect(server.state).toBe('CLOSE-WAIT');
    await net.scheduler.await(closing);
    expect(client.state).toBe('FIN-WAIT-2');
    await net.scheduler.await(server.close());
    await net.scheduler.runUntil(() => client.state === 'TIME-WAIT', 1000);
    expect(client.state).toBe('TIME-WAIT');
    expect(server.state).toBe('CLOSED');
    expect(b.tcp.connections()).toBe(0);
    expect(a.tcp.connections()).toBe(1);
    await net.scheduler.advance(1900);
    expect(a.tcp.connections()).toBe(1);
    await net.scheduler.advance(200);
    expect(client.state).toBe('CLOSED');
    expect(a.tcp.connections()).toBe(0);
    expect(await client.read()).toBeNull();
  });

  it('half close: the peer keeps sending after our FIN, and we keep reading', async () => {
    const { net, a, b } = pair(9);
    const { client, server } = await open(net, a, b);
    await net.scheduler.await(client.write(new TextEncoder().encode('request')));
    await net.scheduler.await(client.close());
    const req = await readAll(server).then((x) => x);
    void req;
    const body = pattern(200_000, 4);
    const reading = readAll(client);
    await net.scheduler.await(server.write(body));
    await net.scheduler.await(server.close());
    const got = await net.scheduler.await(reading);
    expect(firstDifference(got, body)).toBe(-1);
    await expectFlowError(client.write(new Uint8Array(1)), 'closed');
  });

  it('simultaneous close: both in CLOSING, then TIME-WAIT', async () => {
    const { net, a, b } = pair(10, { mslMs: 500 }, { mslMs: 500 });
    net.record = true;
    const { client, server } = await open(net, a, b);
    const c1 = client.close();
    const c2 = server.close();
    await net.scheduler.await(Promise.all([c1, c2]));
    await net.scheduler.runUntil(() => client.state === 'TIME-WAIT' && server.state === 'TIME-WAIT', 1000);
    expect(client.state).toBe('TIME-WAIT');
    expect(server.state).toBe('TIME-WAIT');
    await net.scheduler.advance(1100);
    expect(a.tcp.connections() + b.tcp.connections()).toBe(0);
  });

  it('abort sends RST: the peer read rejects with reset', async () => {
    const { net, a, b } = pair(11);
    const { client, server } = await open(net, a, b);
    const pending = server.read();
    client.abort();
    await expectFlowError(net.scheduler.await(pending), 'reset');
    await expectFlowError(client.read(), 'aborted');
    await expectFlowError(server.write(new Uint8Array(1)), 'reset');
    expect(a.tcp.connections() + b.tcp.connections()).toBe(0);
  });
});

/** The last segment `host` sent, i.e. the peer's view of its SND.NXT/RCV.NXT once things are quiet. */
function lastSent(host: TestHost): TcpSegment {
  return host.sent[host.sent.length - 1].segment;
}

/** The sequence number after a segment: its sender's SND.NXT once it was sent. */
function nextSeq(s: TcpSegment): number {
  return (s.seq + segmentLength(s)) >>> 0;
}

describe('RFC 5961 blind in-window attacks', () => {
  async function established(seed: number, limitsB?: TcpLimits) {
    const { net, a, b } = pair(seed, undefined, limitsB);
    net.record = true;
    const { client, server } = await open(net, a, b);
    await net.scheduler.await(client.write(new TextEncoder().encode('hello')));
    await net.scheduler.await(server.read());
    await net.scheduler.advance(500); // delayed ACKs out, all quiet
    // The server's RCV.NXT is the client's SND.NXT, and vice versa.
    return { net, a, b, client, server, rcvNxt: nextSeq(lastSent(a)), serverSndNxt: nextSeq(lastSent(b)), clientPort: client.local.port };
  }

  function forged(net: TestNetwork, port: number, seq: number, flags: number, ack = 0): void {
    net.inject(A, B, serialiseSegment({ srcPort: port, dstPort: PORT, seq: seq >>> 0, ack: ack >>> 0, flags: flags, window: 1000 }, null, A, B));
  }

  it('§4.2: an in-window SYN gets a challenge ACK, the connection survives', async () => {
    const s = await established(20);
    const before = s.b.sent.length;
    forged(s.net, s.clientPort, s.rcvNxt + 100, FLAG_SYN);
    await s.net.scheduler.advance(50);
    const replies = s.b.sent.slice(before).map((e) => e.segment);
    expect(replies.length).toBe(1);
    expect(replies[0].flags).toBe(FLAG_ACK);
    expect(replies[0].seq).toBe(s.serverSndNxt);
    expect(replies[0].ack).toBe(s.rcvNxt);
    expect(s.b.counters['tcp.challenge-ack']).toBe(1);
    expect(s.server.state).toBe('ESTABLISHED');
    await s.net.scheduler.await(s.client.write(new TextEncoder().encode('still here')));
    expect(new TextDecoder().decode((await s.net.scheduler.await(s.server.read()))!)).toBe('still here');
  });

  it('§4.2: a SYN far outside the window gets a challenge ACK too, rate limited', async () => {
    const s = await established(24, { challengeAcksPerSecond: 2 });
    const before = s.b.sent.length;
    for (let i = 0; i < 5; i++) forged(s.net, s.clientPort, s.rcvNxt + 0x40000000 + i, FLAG_SYN);
    await s.net.scheduler.advance(50);
    expect(s.b.sent.length - before).toBe(2);
    expect(s.b.counters['tcp.challenge-ack-limited']).toBe(3);
    expect(s.server.state).toBe('ESTABLISHED');
  });

  it('§3.2: an in-window RST that is not exact gets a challenge ACK; out of window is ignored; exact resets', async () => {
    const s = await established(21);
    let before = s.b.sent.length;
    forged(s.net, s.clientPort, s.rcvNxt + 10, FLAG_RST);
    await s.net.scheduler.advance(50);
    expect(s.b.sent.slice(before).map((e) => e.segment.flags)).toEqual([FLAG_ACK]);
    expect(s.b.counters['tcp.challenge-ack']).toBe(1);
    expect(s.server.state).toBe('ESTABLISHED');

    before = s.b.sent.length;
    forged(s.net, s.clientPort, s.rcvNxt + 10_000_000, FLAG_RST);
    forged(s.net, s.clientPort, s.rcvNxt - 1, FLAG_RST);
    await s.net.scheduler.advance(50);
    expect(s.b.sent.length).toBe(before);
    expect(s.server.state).toBe('ESTABLISHED');

    const reading = s.server.read();
    forged(s.net, s.clientPort, s.rcvNxt, FLAG_RST);
    await expectFlowError(s.net.scheduler.await(reading), 'reset');
    expect(s.server.state).toBe('CLOSED');
    expect(s.b.tcp.connections()).toBe(0);
  });

  it('§5.2: an ACK for data never sent is answered, not accepted', async () => {
    const s = await established(22);
    const before = s.b.sent.length;
    forged(s.net, s.clientPort, s.rcvNxt, FLAG_ACK, s.serverSndNxt + 100_000);
    await s.net.scheduler.advance(50);
    expect(s.b.sent.slice(before).map((e) => e.segment.flags)).toEqual([FLAG_ACK]);
    expect(s.server.state).toBe('ESTABLISHED');
  });

  it('§7: challenge ACKs are rate limited', async () => {
    const s = await established(23, { challengeAcksPerSecond: 3 });
    const before = s.b.sent.length;
    for (let i = 0; i < 10; i++) forged(s.net, s.clientPort, s.rcvNxt + 100 + i, FLAG_SYN);
    await s.net.scheduler.advance(50);
    expect(s.b.sent.length - before).toBe(3);
    expect(s.b.counters['tcp.challenge-ack']).toBe(3);
    expect(s.b.counters['tcp.challenge-ack-limited']).toBe(7);
    await s.net.scheduler.advance(1000);
    forged(s.net, s.clientPort, s.rcvNxt + 100, FLAG_SYN);
    await s.net.scheduler.advance(50);
    expect(s.b.counters['tcp.challenge-ack']).toBe(4);
  });
});

describe('RFC 6298 retransmission timer', () => {
  it('backs off exponentially and gives up with timeout', async () => {
    const { net, a, b } = pair(30, { maxRetransmits: 5 });
    net.record = true;
    const { client } = await open(net, a, b);
    net.tap = (p) => p.src !== A; // the path from A goes dark
    const reading = client.read();
    const start = a.sent.length;
    await client.write(pattern(100, 5));
    const err = await errorOf(net, reading);
    expect(err && err.code).toBe('timeout');
    const dataSends = a.sent.slice(start).filter((e) => e.segment.payload.length > 0).map((e) => e.time);
    expect(dataSends.length).toBe(6); // the original and five retransmissions
    const gaps = dataSends.slice(1).map((t, i) => t - dataSends[i]);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBe(2 * gaps[i - 1]);
    expect(gaps[0]).toBeGreaterThanOrEqual(200); // the minimum RTO
    expect(a.counters['tcp.timeout']).toBe(1);
    expect(a.tcp.connections()).toBe(0);
    await expectFlowError(client.write(new Uint8Array(1)), 'timeout');
    await expectFlowError(client.close(), 'timeout');
  });

  it('retransmits a lost segment and the transfer completes', async () => {
    const { net, a, b } = pair(31);
    const { client, server } = await open(net, a, b);
    let dropped = 0;
    net.tap = (_p, s) => !(s && s.payload.length > 0 && dropped++ < 1);
    const reading = readAll(server);
    await client.write(pattern(1000, 6));
    const closing = client.close();
    const got = await net.scheduler.await(reading);
    await net.scheduler.await(closing);
    expect(got.length).toBe(1000);
    expect(a.counters['tcp.retransmit-timeout']).toBe(1);
  });
});

describe('RFC 9293 §3.8.6 flow control', () => {
  it('the advertised window shrinks while the application does not read, then zero-window probes (§3.8.6.1) recover lost window updates', async () => {
    const { net, a, b } = pair(40, { sendBufferBytes: 16 * 1024 }, { receiveBufferBytes: 8 * 1024 });
    net.record = true;
    const { client, server } = await open(net, a, b);
    const data = pattern(40_000, 7);
    let written = false;
    client.write(data).then(() => { written = true; });
    await net.scheduler.advance(20_000);
    // The server's window fell to zero, the client probes it.
    const windows = b.sent.map((e) => e.segment.window);
    expect(windows[windows.length - 1]).toBe(0);
    expect(Math.max(...windows)).toBeGreaterThan(0);
    const probes = a.counters['tcp.window-probe'] || 0;
    expect(probes).toBeGreaterThanOrEqual(2);
    expect(written).toBe(false); // 40 KB do not fit 8 KB + 16 KB of buffers
    // Window updates get lost for a while; probing finds the open window.
    let dark = true;
    net.tap = (p) => !(dark && p.src === B);
    net.scheduler.after(3000, () => { dark = false; });
    const reading = readAll(server);
    await net.scheduler.await(client.write(new Uint8Array(0)));
    await net.scheduler.runUntil(() => written, 600_000);
    expect(written).toBe(true);
    await net.scheduler.await(client.close());
    const got = await net.scheduler.await(reading);
    expect(firstDifference(got, data)).toBe(-1);
    expect(a.counters['tcp.window-probe']!).toBeGreaterThan(probes);
  });

  it('backpressure: write() does not resolve while the send buffer is full', async () => {
    const { net, a, b } = pair(41, { sendBufferBytes: 16 * 1024 }, { receiveBufferBytes: 4096 });
    const { client, server } = await open(net, a, b);
    let first = false;
    let second = false;
    client.write(pattern(10_000, 8)).then(() => { first = true; });
    client.write(pattern(30_000, 9)).then(() => { second = true; });
    await net.scheduler.advance(5000);
    expect(first).toBe(true);
    expect(second).toBe(false);
    const reading = readAll(server);
    await net.scheduler.runUntil(() => second, 60_000);
    expect(second).toBe(true);
    await net.scheduler.await(client.close());
    expect((await net.scheduler.await(reading)).length).toBe(40_000);
  });

  it('respects the peer MSS (RFC 9293 §3.7.1)', async () => {
    const net = new TestNetwork(42);
    const a = net.addHost(A);
    const b = net.addHost(B, undefined, 576); // MSS 536
    net.record = true;
    const { client, server } = await open(net, a, b);
    const reading = readAll(server);
    await client.write(pattern(10_000, 10));
    const closing = client.close();
    expect((await net.scheduler.await(reading)).length).toBe(10_000);
    await net.scheduler.await(closing);
    const sizes = a.sent.map((e) => e.segment.payload.length);
    expect(Math.max(...sizes)).toBe(536);
  });

  it('window scaling (RFC 7323): a 256 KiB receive buffer is advertised through shift 3', async () => {
    const { net, a, b } = pair(43, undefined, { receiveBufferBytes: 256 * 1024 });
    net.record = true;
    const { client, server } = await open(net, a, b);
    expect(lastSent(b).flags & FLAG_SYN).toBeTruthy();
    expect(lastSent(b).window).toBe(65535); // never scaled in a SYN
    await client.write(pattern(10, 13));
    await net.scheduler.await(server.read());
    await net.scheduler.advance(100);
    expect(lastSent(b).flags).toBe(FLAG_ACK);
    expect(lastSent(b).window).toBe((256 * 1024) >> 3); // the 10 bytes were read before the delayed ACK
  });

  it('delayed ACK (RFC 9293 §3.8.6.3): one segment waits for the timer, the second is ACKed at once', async () => {
    const { net, a, b } = pair(44);
    net.record = true;
    const { client } = await open(net, a, b);
    await net.scheduler.advance(200);
    let start = b.sent.length;
    await client.write(pattern(100, 11));
    await net.scheduler.advance(200);
    const acks = b.sent.slice(start);
    expect(acks.length).toBe(1);
    const dataAt = a.sent[a.sent.length - 1].time;
    expect(acks[0].time - dataAt).toBe(5 + 40); // latency + the delayed-ACK timer
    start = b.sent.length;
    await client.write(pattern(2920, 12));
    await net.scheduler.advance(20);
    expect(b.sent.length - start).toBe(1);
  });
});

describe('limits and hostile input', () => {
  it('a storm of 10 000 SYNs stays within the half-open and connection caps, then drains', async () => {
    const { net, a, b } = pair(50, undefined, { maxHalfOpen: 16, maxConnections: 32, maxSynRetransmits: 3 });
    b.tcp.listen(PORT, () => undefined);
    const rng = new Prng(99);
    let most = 0;
    for (let batch = 0; batch < 100; batch++) {
      for (let i = 0; i < 100; i++) {
        const src = ip4(172, 16, rng.below(256), 1 + rng.below(254));
        const bytes = serialiseSegment({ srcPort: 1024 + rng.below(60000), dstPort: PORT, seq: rng.nextU32(), ack: 0, flags: FLAG_SYN, window: 65535, mss: 1460 }, null, src, B);
        b.tcp.input(src, B, bytes);
        most = Math.max(most, b.tcp.connections());
      }
      await net.scheduler.advance(10);
      most = Math.max(most, b.tcp.connections());
      expect(b.tcp.halfOpen()).toBeLessThanOrEqual(16);
    }
    expect(most).toBeLessThanOrEqual(16);
    expect(b.counters['tcp.syn-backlog-full']).toBe(10_000 - 16);
    await net.scheduler.advance(60_000); // SYN-ACKs given up: 1 + 2 + 4 + 8 s
    expect(b.tcp.connections()).toBe(0);
    expect(b.tcp.halfOpen()).toBe(0);
    const client = await net.scheduler.await(a.tcp.connect(B, PORT));
    expect(client.state).toBe('ESTABLISHED');
  });

  it('the connection cap refuses further connects locally and drops SYNs remotely', async () => {
    const { net, a, b } = pair(51, { maxConnections: 4, maxSynRetransmits: 1 }, { maxConnections: 3 });
    b.tcp.listen(PORT, () => undefined);
    const flows: TcpFlow[] = [];
    for (let i = 0; i < 3; i++) flows.push(await net.scheduler.await(a.tcp.connect(B, PORT)));
    expect(b.tcp.connections()).toBe(3);
    const fourth = await errorOf(net, a.tcp.connect(B, PORT));
    expect(fourth && fourth.code).toBe('timeout');
    expect(b.counters['tcp.connection-limit']).toBeGreaterThan(0);
    const b2 = net.addHost(ip4(10, 0, 0, 3));
    b2.tcp.listen(PORT, () => undefined);
    flows.push(await net.scheduler.await(a.tcp.connect(ip4(10, 0, 0, 3), PORT)));
    await expectFlowError(a.tcp.connect(B, PORT), 'limit');
    expect(a.tcp.connections()).toBe(4);
  });

  it('TIME-WAIT connections are reclaimed when the cap is reached', async () => {
    const { net, a, b } = pair(52, { maxConnections: 1 });
    const { client, server } = await open(net, a, b);
    await net.scheduler.await(Promise.all([client.close(), server.close()]));
    await net.scheduler.runUntil(() => client.state === 'TIME-WAIT', 1000);
    expect(client.state).toBe('TIME-WAIT');
    const again = await net.scheduler.await(a.tcp.connect(B, PORT));
    expect(again.state).toBe('ESTABLISHED');
    expect(a.counters['tcp.time-wait-reclaimed']).toBe(1);
  });

  it('malformed segments are counted, never thrown', async () => {
    const { net, a, b } = pair(53);
    const { client } = await open(net, a, b);
    const rng = new Prng(7);
    expect(() => {
      b.tcp.input(A, B, new Uint8Array(5));
      const good = serialiseSegment({ srcPort: client.local.port, dstPort: PORT, seq: 1, ack: 2, flags: FLAG_ACK, window: 3 }, new Uint8Array(10), A, B);
      const bad = good.slice();
      bad[25] ^= 1;
      b.tcp.input(A, B, bad);
      const offset = good.slice();
      offset[12] = 0x30;
      b.tcp.input(A, B, offset);
      b.tcp.input(A, 0xffffffff, good);
      for (let i = 0; i < 2000; i++) {
        const junk = new Uint8Array(rng.below(80));
        rng.fill(junk);
        b.tcp.input(A, B, junk);
      }
      // Well-formed but arbitrary segments into the live connection.
      for (let i = 0; i < 2000; i++) {
        const payload = new Uint8Array(rng.below(40));
        const seg = serialiseSegment({
          srcPort: client.local.port, dstPort: PORT, seq: rng.nextU32(), ack: rng.nextU32(),
          flags: rng.below(256) & ~FLAG_RST, window: rng.below(65536), mss: rng.below(3) ? undefined : rng.below(65536),
          windowScale: rng.below(3) ? undefined : rng.below(256),
        }, payload, A, B);
        b.tcp.input(A, B, seg);
      }
    }).not.toThrow();
    await net.scheduler.advance(1000);
    expect(b.counters['tcp.truncated']).toBeGreaterThan(0);
    expect(b.counters['tcp.bad-checksum']).toBeGreaterThan(0);
    expect(b.counters['tcp.bad-offset']).toBeGreaterThan(0);
    expect(b.counters['tcp.bad-address']).toBe(1);
    expect(b.counters['tcp.internal-error'] || 0).toBe(0);
    expect(a.counters['tcp.internal-error'] || 0).toBe(0);
  });

  it('an ACK to a listening port is answered with RST (RFC 9293 §3.10.7.2)', async () => {
    const { net, b } = pair(54);
    net.record = true;
    b.tcp.listen(PORT, () => undefined);
    net.inject(A, B, serialiseSegment({ srcPort: 4000, dstPort: PORT, seq: 1, ack: 424242, flags: FLAG_ACK, window: 0 }, null, A, B));
    await net.scheduler.advance(10);
    expect(b.sent.map((e) => [e.segment.flags, e.segment.seq])).toEqual([[FLAG_RST, 424242]]);
    expect(b.tcp.connections()).toBe(0);
  });
});

describe('RFC 9293 §3.8.4 keep-alive and idle limits', () => {
  it('is off by default; when on, unanswered probes end the connection with timeout', async () => {
    const { net, a, b } = pair(60);
    net.record = true;
    const { client } = await open(net, a, b);
    await net.scheduler.advance(10_000);
    expect(a.counters['tcp.keepalive-probe'] || 0).toBe(0);
    client.setKeepAlive(true, { idleMs: 1000, intervalMs: 500, probes: 3 });
    await net.scheduler.advance(5000);
    expect(a.counters['tcp.keepalive-probe']).toBeGreaterThanOrEqual(3); // answered: the connection lives
    expect(client.state).toBe('ESTABLISHED');
    net.tap = (p) => p.src !== B;
    const err = await errorOf(net, client.read(), 60_000);
    expect(err && err.code).toBe('timeout');
    expect(a.counters['tcp.keepalive-timeout']).toBe(1);
  });

  it('FIN-WAIT-2 ends when the peer never closes', async () => {
    const { net, a, b } = pair(61, { finWait2TimeoutMs: 2000 });
    const { client } = await open(net, a, b);
    await net.scheduler.await(client.close());
    expect(client.state).toBe('FIN-WAIT-2');
    const err = await errorOf(net, client.read(), 10_000);
    expect(err && err.code).toBe('timeout');
    expect(a.tcp.connections()).toBe(0);
  });
});

describe('RFC 9293 §3.5 handshake under loss', () => {
  it('a lost SYN-ACK: the client resends its SYN and the server answers it again from SYN-RECEIVED', async () => {
    const { net, a, b } = pair(70);
    net.record = true;
    let dropped = false;
    net.tap = (_p, s) => !(s && s.flags === (FLAG_SYN | FLAG_ACK) && !dropped && (dropped = true));
    const { client, server } = await open(net, a, b);
    expect(client.state).toBe('ESTABLISHED');
    expect(server.state).toBe('ESTABLISHED');
    expect(a.sent.filter((e) => e.segment.flags === FLAG_SYN).length).toBe(2);
    // At least the lost one and the answer to the repeated SYN (the server's own timer may add one).
    expect(b.sent.filter((e) => e.segment.flags === (FLAG_SYN | FLAG_ACK)).length).toBeGreaterThanOrEqual(2);
    expect(b.counters['tcp.internal-error'] || 0).toBe(0);
  });

  it('a lost final ACK: the first data segment completes the handshake', async () => {
    const { net, a, b } = pair(71);
    let dropped = false;
    net.tap = (p, s) => !(p.src === A && s && s.flags === FLAG_ACK && s.payload.length === 0 && !dropped && (dropped = true));
    const accepted: TcpFlow[] = [];
    b.tcp.listen(PORT, (f) => accepted.push(f));
    const client = await net.scheduler.await(a.tcp.connect(B, PORT));
    expect(b.tcp.halfOpen()).toBe(1);
    await client.write(new TextEncoder().encode('data completes it'));
    await net.scheduler.runUntil(() => accepted.length > 0, 5000);
    expect(b.tcp.halfOpen()).toBe(0);
    expect(new TextDecoder().decode((await net.scheduler.await(accepted[0].read()))!)).toBe('data completes it');
  });

  it('stopping a listener refuses new connections and keeps existing ones', async () => {
    const { net, a, b } = pair(72);
    const accepted: TcpFlow[] = [];
    const stop = b.tcp.listen(PORT, (f) => accepted.push(f));
    const first = await net.scheduler.await(a.tcp.connect(B, PORT));
    await net.scheduler.runUntil(() => accepted.length > 0, 1000);
    stop();
    await expectFlowError(net.scheduler.await(a.tcp.connect(B, PORT)), 'refused');
    await first.write(new Uint8Array([1, 2, 3]));
    expect(Array.from((await net.scheduler.await(accepted[0].read()))!)).toEqual([1, 2, 3]);
    expect(() => b.tcp.listen(PORT, () => undefined)).not.toThrow();
    expect(() => b.tcp.listen(PORT, () => undefined)).toThrow();
  });

  it('a new SYN for a connection in TIME-WAIT starts a new incarnation (RFC 9293 §3.6.1, RFC 6191)', async () => {
    const { net, a, b } = pair(73);
    const accepted: TcpFlow[] = [];
    b.tcp.listen(PORT, (f) => accepted.push(f));
    const c1 = await net.scheduler.await(a.tcp.connect(B, PORT, { localPort: 40000 }));
    await net.scheduler.runUntil(() => accepted.length === 1, 1000);
    // The server closes first, so the server holds the TIME-WAIT.
    const serverClosed = accepted[0].close();
    expect(await net.scheduler.await(c1.read())).toBeNull();
    await net.scheduler.await(c1.close());
    await net.scheduler.await(serverClosed);
    await net.scheduler.runUntil(() => accepted[0].state === 'TIME-WAIT', 1000);
    expect(accepted[0].state).toBe('TIME-WAIT');
    await net.scheduler.advance(1000);
    const c2 = await net.scheduler.await(a.tcp.connect(B, PORT, { localPort: 40000 }), 5000);
    expect(c2.state).toBe('ESTABLISHED');
    expect(b.counters['tcp.time-wait-reused']).toBe(1);
  });
});

describe('a listener that goes away mid-handshake', () => {
  it('resets the half-open connection instead of handing it to nobody', async () => {
    const { net, a, b } = pair(74);
    const stop = b.tcp.listen(PORT, () => undefined);
    const connecting = a.tcp.connect(B, PORT);
    const client = await net.scheduler.await(connecting); // the client is ESTABLISHED, its ACK is on the wire
    stop();
    await expectFlowError(net.scheduler.await(client.read()), 'reset');
    expect(b.tcp.connections()).toBe(0);
  });
});

describe('stopping the whole layer', () => {
  it('resets every connection, stops listening and leaves no timer behind', async () => {
    const { net, a, b } = pair(75, { mslMs: 30_000 });
    const first = await open(net, a, b);
    const second = await net.scheduler.await(a.tcp.connect(B, PORT));
    await net.scheduler.await(Promise.all([first.client.close(), first.server.close()]));
    await net.scheduler.runUntil(() => first.client.state === 'TIME-WAIT', 1000);
    const reading = second.read();
    a.tcp.stop();
    await expectFlowError(net.scheduler.await(reading), 'aborted');
    expect(a.tcp.connections()).toBe(0);
    await net.scheduler.advance(100);
    // The RST reached the peer; what is left there is its own TIME-WAIT (the close crossed).
    expect(b.tcp.connections()).toBe(1);
    b.tcp.stop();
    expect(b.tcp.connections()).toBe(0);
    expect(net.scheduler.pending()).toBe(0);
    await expectFlowError(a.tcp.connect(B, PORT), 'closed');
    a.tcp.input(B, A, new Uint8Array(40)); // ignored, not counted, not thrown
    expect(a.counters['tcp.truncated'] || 0).toBe(0);
  });
});

describe('many connections and random wires', () => {
  it('serves 50 concurrent connections, each echoing its own data', async () => {
    const { net, a, b } = pair(80);
    net.conditions = { latencyMs: 3, loss: 0.01, duplicate: 0.01, reorder: 0.02, reorderMs: 5 };
    b.tcp.listen(7, (flow) => {
      void (async () => {
        for (;;) {
          const chunk = await flow.read();
          if (chunk === null) break;
          await flow.write(chunk);
        }
        await flow.close();
      })();
    });
    const clients = await net.scheduler.await(Promise.all(Array.from({ length: 50 }, () => a.tcp.connect(B, 7))));
    expect(new Set(clients.map((c) => c.local.port)).size).toBe(50);
    const results = clients.map((c, i) => {
      const data = pattern(3000 + i * 100, 100 + i);
      const echoed = readAll(c);
      void c.write(data).then(() => c.close());
      return echoed.then((got) => firstDifference(got, data));
    });
    const diffs = await net.scheduler.await(Promise.all(results));
    expect(diffs.every((d) => d === -1)).toBe(true);
  });

  it('24 seeded runs of random loss, duplication and reordering deliver both directions byte-exact', async () => {
    for (let seed = 1; seed <= 24; seed++) {
      const net = new TestNetwork(1000 + seed);
      const limits: TcpLimits = { sendBufferBytes: [4096, 65536][seed % 2], receiveBufferBytes: [8192, 65536, 262144][seed % 3] };
      const a = net.addHost(A, limits, [1500, 576][seed % 2]);
      const b = net.addHost(B, limits, [1500, 1280, 600][seed % 3]);
      net.conditions = { latencyMs: 1 + (seed % 10), loss: [0, 0.02, 0.05, 0.1][seed % 4], duplicate: 0.03, reorder: 0.1, reorderMs: 10 };
      const { client, server } = await open(net, a, b);
      const up = pattern(60_000 + seed * 997, seed);
      const down = pattern(40_000 + seed * 131, seed + 50);
      const transfers = Promise.all([
        readAll(server), readAll(client),
        (async () => { for (let at = 0; at < up.length; at += 5000) await client.write(up.subarray(at, at + 5000)); await client.close(); })(),
        (async () => { for (let at = 0; at < down.length; at += 3000) await server.write(down.subarray(at, at + 3000)); await server.close(); })(),
      ]);
      const [gotUp, gotDown] = await net.scheduler.await(transfers, 3_600_000);
      expect(firstDifference(gotUp, up)).toBe(-1);
      expect(firstDifference(gotDown, down)).toBe(-1);
      await net.scheduler.advance(120_000);
      expect(a.tcp.connections() + b.tcp.connections()).toBe(0);
      expect((a.counters['tcp.internal-error'] || 0) + (b.counters['tcp.internal-error'] || 0)).toBe(0);
    }
  });
});
