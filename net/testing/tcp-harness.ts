/*
 * Test helpers over lib's one virtual clock and one seeded PRNG, and a tiny IPv4 "wire"
 * between TCP instances that can lose, reorder and duplicate segments, so
 * whole connections run back to back deterministically and fast
 * (the mirage-tcpip vnetif idea).
 */
import type { IpSender } from '../types';
import type { Counters } from '../../lib/counters';
import { seededRandom, type RandomSource } from '../../lib/random';
import { createTestClock, type TestClock } from '../../lib/testing/virtual-clock';
import { packetFate } from '../../lib/testing/lossy-link';
import type { Scheduler, TimerHandle } from '../../lib/scheduler';
import { createTcp } from '../tcp/tcp';
import type { Tcp } from '../tcp/tcp';
import type { TcpLimits } from '../tcp/config';
import { parseSegment } from '../tcp/wire';
import type { TcpSegment } from '../tcp/wire';

/** The one seeded PRNG (lib/random.ts), with the helpers the TCP tests use. */
export class Prng {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  nextU32(): number {
    return Math.floor(this.random() * 4294967296) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.random();
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.random() * n);
  }

  fill(buf: Uint8Array): void {
    for (let i = 0; i < buf.length; i++) buf[i] = this.nextU32() & 0xff;
  }

  randomSource(): RandomSource {
    return (buf) => { this.fill(buf); };
  }
}

/** Lets pending promise callbacks run (setImmediate fires after the microtask queue is empty). */
export function settle(): Promise<void> {
  return new Promise((resolve) => { setImmediate(resolve); });
}

/** The one virtual clock (lib/testing/virtual-clock.ts), with the names the TCP tests use. */
export class VirtualScheduler implements Scheduler {
  private readonly clock: TestClock = createTestClock();

  now(): number { return this.clock.now(); }

  after(ms: number, fn: () => void): TimerHandle { return this.clock.after(ms, fn); }

  /** Pending (not cancelled) timers. */
  pending(): number { return this.clock.pending(); }

  /** Runs timers in order, letting promise callbacks run after each, until `done()` holds or `limitMs` passes. */
  runUntil(done: () => boolean, limitMs = 600_000): Promise<boolean> { return this.clock.runUntil(done, limitMs); }

  /** Runs everything due within the next `ms` and leaves the clock there. */
  advance(ms: number): Promise<void> { return this.clock.advance(ms); }

  /** Waits (in virtual time) for a promise; throws if it is still pending after limitMs. */
  await<T>(promise: Promise<T>, limitMs = 600_000): Promise<T> { return this.clock.until(promise, limitMs); }
}

/** What happens to segments on the wire. */
export interface WireConditions {
  /** One-way delay. */
  latencyMs: number;
  /** Probability that a segment is lost. */
  loss: number;
  /** Probability that a segment is delivered twice. */
  duplicate: number;
  /** Probability that a segment is held back by up to reorderMs (so later ones overtake it). */
  reorder: number;
  reorderMs: number;
}

export interface Packet {
  time: number;
  src: number;
  dst: number;
  bytes: Uint8Array;
}

/** Decides per packet: true lets it through (before loss/duplication apply). */
export type Tap = (packet: Packet, segment: TcpSegment | null) => boolean;

export interface TestHost {
  address: number;
  tcp: Tcp;
  counters: Counters;
  /** Segments this host sent, parsed (when the network records). */
  sent: { time: number; dst: number; segment: TcpSegment }[];
}

export class TestNetwork {
  readonly scheduler = new VirtualScheduler();
  readonly rng: Prng;
  conditions: WireConditions = { latencyMs: 5, loss: 0, duplicate: 0, reorder: 0, reorderMs: 0 };
  /** Called for every packet sent; return false to drop it. */
  tap: Tap | null = null;
  /** Parse and keep every segment in its sender's `sent` list. */
  record = false;
  readonly hosts = new Map<number, TestHost>();
  delivered = 0;

  constructor(seed = 1) {
    this.rng = new Prng(seed);
  }

  addHost(address: number, limits?: TcpLimits, mtu = 1500): TestHost {
    const counters: Counters = {};
    const sent: TestHost['sent'] = [];
    const ip: IpSender = {
      localAddress: function () { return address; },
      maxPayload: mtu - 20,
      send: (dst, protocol, payload, src) => {
        void protocol;
        this.transmit(src === undefined ? address : src, dst, payload, sent);
      },
      transportOffset: 0,
      frame: (length) => new Uint8Array(length),
      sendFrame: (dst, protocol, frame, length, src) => {
        void protocol;
        this.transmit(src === undefined ? address : src, dst, frame.subarray(0, length), sent);
      },
    };
    const tcp = createTcp({
      ip: ip,
      scheduler: this.scheduler,
      random: new Prng(this.rng.nextU32()).randomSource(),
      limits: limits,
      counters: counters,
    });
    const host: TestHost = { address: address, tcp: tcp, counters: counters, sent: sent };
    this.hosts.set(address, host);
    return host;
  }

  /** Delivers raw bytes to a host's TCP input after the wire latency (no loss applied). */
  inject(src: number, dst: number, bytes: Uint8Array, delayMs = 0): void {
    const host = this.hosts.get(dst);
    if (!host) return;
    this.scheduler.after(delayMs, () => { host.tcp.input(src, dst, bytes); });
  }

  private transmit(src: number, dst: number, bytes: Uint8Array, sentBy: TestHost['sent']): void {
    const now = this.scheduler.now();
    let segment: TcpSegment | null = null;
    if (this.record || this.tap) {
      const parsed = parseSegment(bytes, src, dst);
      segment = parsed.ok ? parsed.segment : null;
      if (this.record && segment) sentBy.push({ time: now, dst: dst, segment: segment });
    }
    if (this.tap && !this.tap({ time: now, src: src, dst: dst, bytes: bytes }, segment)) return;
    const c = this.conditions;
    const fate = packetFate(() => this.rng.next(), c, { delayMs: c.latencyMs, reorderWindowMs: c.reorderMs });
    for (const delay of fate.delays) this.deliver(src, dst, bytes, delay);
  }

  private deliver(src: number, dst: number, bytes: Uint8Array, delay: number): void {
    const host = this.hosts.get(dst);
    if (!host) return; // nobody there: a black hole
    this.scheduler.after(delay, () => {
      this.delivered++;
      host.tcp.input(src, dst, bytes);
    });
  }
}

/** a.b.c.d as a number. */
export function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** Reads a flow to its end, concatenating. */
export async function readAll(flow: { read(): Promise<Uint8Array | null> }): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = await flow.read();
    if (chunk === null) break;
    chunks.push(chunk);
    total += chunk.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** FNV-1a over bytes: enough to compare two large buffers in an assertion message. */
export function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
