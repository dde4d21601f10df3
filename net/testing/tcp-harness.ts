/*
 * Test helpers: a virtual clock, a seeded PRNG, and a tiny IPv4 "wire"
 * between TCP instances that can lose, reorder and duplicate segments, so
 * whole connections run back to back deterministically and fast
 * (the mirage-tcpip vnetif idea).
 */
import type { IpSender } from '../types';
import type { Counters } from '../../lib/counters';
import type { RandomSource } from '../../lib/random';
import type { Scheduler, TimerHandle } from '../../lib/scheduler';
import { createTcp } from '../tcp/tcp';
import type { Tcp } from '../tcp/tcp';
import type { TcpLimits } from '../tcp/config';
import { parseSegment } from '../tcp/wire';
import type { TcpSegment } from '../tcp/wire';

/** xorshift32: small, fast, seeded. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = (seed >>> 0) || 0x9e3779b9;
  }

  nextU32(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  fill(buf: Uint8Array): void {
    for (let i = 0; i < buf.length; i++) buf[i] = this.nextU32() & 0xff;
  }

  randomSource(): RandomSource {
    return (buf) => { this.fill(buf); };
  }
}

interface Timer {
  at: number;
  order: number;
  fn: () => void;
  cancelled: boolean;
}

/** Lets pending promise callbacks run (setImmediate fires after the microtask queue is empty). */
export function settle(): Promise<void> {
  return new Promise((resolve) => { setImmediate(resolve); });
}

/** A Scheduler whose clock moves only when the test runs it. */
export class VirtualScheduler implements Scheduler {
  private clock = 0;
  private heap: Timer[] = [];
  private order = 0;

  now(): number {
    return this.clock;
  }

  after(ms: number, fn: () => void): TimerHandle {
    const t: Timer = { at: this.clock + (ms > 0 ? ms : 0), order: this.order++, fn: fn, cancelled: false };
    this.push(t);
    return { cancel: function () { t.cancelled = true; } };
  }

  /** Pending (not cancelled) timers. */
  pending(): number {
    let n = 0;
    for (let i = 0; i < this.heap.length; i++) if (!this.heap[i].cancelled) n++;
    return n;
  }

  /**
   * Runs timers in order, letting promise callbacks run after each, until
   * `done()` holds or the clock would pass `limitMs` from now. Returns
   * whether done() held.
   */
  async runUntil(done: () => boolean, limitMs = 600_000): Promise<boolean> {
    const end = this.clock + limitMs;
    await settle();
    for (;;) {
      if (done()) return true;
      const t = this.popDue(end);
      if (!t) {
        if (this.heap.length === 0 || this.pending() === 0) return done();
        this.clock = end;
        return done();
      }
      this.clock = t.at;
      t.fn();
      await settle();
    }
  }

  /** Runs everything due within the next `ms` and leaves the clock there. */
  async advance(ms: number): Promise<void> {
    const end = this.clock + ms;
    await settle();
    for (;;) {
      const t = this.popDue(end);
      if (!t) break;
      this.clock = t.at;
      t.fn();
      await settle();
    }
    this.clock = end;
    await settle();
  }

  /** Waits (in virtual time) for a promise; throws if it is still pending after limitMs. */
  async await<T>(promise: Promise<T>, limitMs = 600_000): Promise<T> {
    let settled = false;
    let value: T | undefined;
    let error: unknown;
    let failed = false;
    const watch = async (): Promise<void> => {
      try { value = await promise; } catch (e) { failed = true; error = e; }
      settled = true;
    };
    void watch();
    const ok = await this.runUntil(() => settled, limitMs);
    if (!ok) throw new Error('still pending after ' + limitMs + ' virtual ms');
    if (failed) throw error;
    return value as T;
  }

  private popDue(end: number): Timer | null {
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > end) return null;
      this.pop();
      if (!top.cancelled) return top;
    }
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i], h[parent])) break;
      const tmp = h[i]; h[i] = h[parent]; h[parent] = tmp;
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l], h[m])) m = l;
      if (r < h.length && this.less(h[r], h[m])) m = r;
      if (m === i) break;
      const tmp = h[i]; h[i] = h[m]; h[m] = tmp;
      i = m;
    }
  }
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
    if (c.loss > 0 && this.rng.next() < c.loss) return;
    this.deliver(src, dst, bytes);
    if (c.duplicate > 0 && this.rng.next() < c.duplicate) this.deliver(src, dst, bytes);
  }

  private deliver(src: number, dst: number, bytes: Uint8Array): void {
    const host = this.hosts.get(dst);
    if (!host) return; // nobody there: a black hole
    const c = this.conditions;
    let delay = c.latencyMs;
    if (c.reorder > 0 && this.rng.next() < c.reorder) delay += this.rng.next() * c.reorderMs;
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
