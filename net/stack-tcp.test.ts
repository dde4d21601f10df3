/*
 * Whole stacks with TCP over the in-memory switch (issue 6's acceptance):
 * a 20 MB bulk transfer through 2 % loss, reordering and duplication
 * arrives intact, both directions at once; a connection storm stays within
 * the caps and the stack keeps serving.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createSwitch, seededRandom } from '../drivers/testing/switch';
import { parseIpv4, type Ipv4Address } from './address';
import { createStack, type Stack } from './stack';
import { createTcp, type Tcp } from './tcp/tcp';
import type { TcpLimits } from './tcp/config';
import { createTestClock, type TestClock } from '../lib/testing/virtual-clock';
import type { Flow } from './types';
import type { RandomSource } from '../lib/random';

const ip = (t: string): Ipv4Address => parseIpv4(t)!;
const A = ip('10.1.0.2');
const B = ip('10.1.0.3');

function randomSource(seed: number): RandomSource {
  const r = seededRandom(seed);
  return (buf) => { for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(r() * 256); };
}

type TcpStack = Stack<Tcp> & { tcp: Tcp };

function stacks(faults: { loss?: number; reorder?: number; duplicate?: number; seed?: number }, limits?: TcpLimits, limitsA: TcpLimits | undefined = limits) {
  const clock = createTestClock();
  const sw = createSwitch({ scheduler: clock, delayMs: 1, ...faults });
  const make = (address: Ipv4Address, seed: number, limits: TcpLimits | undefined) => createStack<Tcp>({
    netif: sw.port(), scheduler: clock, random: randomSource(seed), ipv4: { address, prefix: 24 },
    tcp: (ipSender, env) => createTcp({ ip: ipSender, scheduler: env.scheduler, random: env.random, counters: env.counters, limits }),
  }) as TcpStack;
  return { clock, sw, a: make(A, 11, limitsA), b: make(B, 12, limits) };
}

/** Writes `total` bytes of a seeded stream in chunks and half-closes; the stream's sha256. */
async function sendStream(flow: Flow, total: number, seed: number): Promise<string> {
  const hash = createHash('sha256');
  const random = randomSource(seed);
  for (let sent = 0; sent < total;) {
    const chunk = new Uint8Array(Math.min(32768, total - sent));
    random(chunk);
    hash.update(chunk);
    await flow.write(chunk);
    sent += chunk.length;
  }
  await flow.close();
  return hash.digest('hex');
}

/** Reads to the end of stream; the sha256 and length of what arrived. */
async function receiveStream(flow: Flow): Promise<{ sha: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for (;;) {
    const data = await flow.read();
    if (data === null) return { sha: hash.digest('hex'), bytes };
    hash.update(data);
    bytes += data.length;
  }
}

async function run<T>(clock: TestClock, p: Promise<T>, limitMs: number): Promise<T> {
  return clock.until(p, limitMs);
}

describe('TCP between two of our stacks over the switch', () => {
  it('moves 20 MB each way at once through 2 % loss, reordering and duplication, byte-exact', async () => {
    const { clock, sw, a, b } = stacks({ loss: 0.02, reorder: 0.02, duplicate: 0.02, seed: 7 }, { receiveBufferBytes: 256 << 10, sendBufferBytes: 256 << 10 });
    const MB20 = 20 << 20;
    const accepted = new Promise<Flow>((resolve) => b.tcp.listen(80, resolve));
    const client = await run(clock, a.tcp.connect(B, 80), 30_000);
    const server = await run(clock, accepted, 1000);
    const transfer = Promise.all([
      sendStream(client, MB20, 1), receiveStream(server),
      sendStream(server, MB20, 2), receiveStream(client),
    ]);
    const [sentAB, gotAB, sentBA, gotBA] = await run(clock, transfer, 3_600_000);
    expect(gotAB).toEqual({ sha: sentAB, bytes: MB20 });
    expect(gotBA).toEqual({ sha: sentBA, bytes: MB20 });
    // the faults were real, and the stacks recovered from them
    expect(sw.counters.lost).toBeGreaterThan(500);
    expect(sw.counters.reordered).toBeGreaterThan(500);
    expect(sw.counters.duplicated).toBeGreaterThan(500);
    for (const s of [a, b]) for (const k of Object.keys(s.counters)) expect(k).not.toMatch(/error/);
  }, 120_000);

  it('keeps a connection storm within the caps, and still serves', async () => {
    const { clock, sw, a, b } = stacks({}, { maxConnections: 64, maxHalfOpen: 16 }, { maxConnections: 1000 });
    let served = 0;
    b.tcp.listen(7, (flow) => {
      served++;
      (async () => { for (let d = await flow.read(); d; d = await flow.read()) await flow.write(d); await flow.close(); })().catch(() => {});
    });
    // the server's connection count, seen at every frame on the wire
    let peak = 0;
    let peakHalfOpen = 0;
    sw.monitor(() => { peak = Math.max(peak, b.tcp.connections()); peakHalfOpen = Math.max(peakHalfOpen, b.tcp.halfOpen()); });
    // 500 clients at once, each holding its connection open
    const attempts: Promise<Flow | null>[] = [];
    for (let i = 0; i < 500; i++) attempts.push(a.tcp.connect(B, 7).then((f) => f, () => null));
    const flows = await run(clock, Promise.all(attempts), 600_000);
    const opened = flows.filter((f): f is Flow => f !== null);
    expect(peak).toBeLessThanOrEqual(64);
    expect(peakHalfOpen).toBeLessThanOrEqual(16);
    expect(b.counters['tcp.syn-backlog-full'] ?? 0).toBeGreaterThan(0);
    expect(opened.length).toBeGreaterThan(0);
    // the storm ends; a new client then gets its echo
    for (const f of opened) f.abort();
    await clock.advance(1000);
    const flow = await run(clock, a.tcp.connect(B, 7), 60_000);
    const back = receiveStream(flow);
    await run(clock, flow.write(new TextEncoder().encode('after the storm')), 1000);
    await run(clock, flow.close(), 60_000);
    expect((await run(clock, back, 60_000)).bytes).toBe('after the storm'.length);
    expect(served).toBeGreaterThan(1);
  }, 120_000);
});
