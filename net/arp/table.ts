/*
 * The ARP cache as a pure state machine (no I/O; every call takes `now`).
 *
 * An entry is either resolved (a MAC, valid until it expires) or incomplete
 * (requests sent, packets waiting). Incomplete entries are retried every
 * `retryIntervalMs` (RFC 1122 §2.3.2.1: at most one request a second per
 * destination) and fail after `maxTries` requests; their waiting packets are
 * then dropped. RFC 1122 §2.3.2.2 asks to keep at least the latest packet per
 * destination; we keep up to `maxQueuePerDestination` (enough for one
 * fragmented datagram) and `maxQueuedPackets` over all entries.
 */
import type { Ipv4Address } from '../address';

export interface ArpLimits {
  /** Most entries kept (resolved and incomplete together). */
  maxEntries: number;
  /** How long a resolved entry stays valid. */
  resolvedTtlMs: number;
  /** Time between two requests for an unresolved address. */
  retryIntervalMs: number;
  /** Requests sent before giving up on an address. */
  maxTries: number;
  maxQueuePerDestination: number;
  maxQueuedPackets: number;
}

export const DEFAULT_ARP_LIMITS: ArpLimits = {
  maxEntries: 256,
  resolvedTtlMs: 20 * 60 * 1000,
  retryIntervalMs: 1000,
  maxTries: 3,
  maxQueuePerDestination: 32,
  maxQueuedPackets: 128,
};

interface Entry {
  /** Null while incomplete. */
  mac: Uint8Array | null;
  expiresAt: number;
  tries: number;
  nextRetryAt: number;
  queue: Uint8Array[];
}

/**
 * What `enqueue` did: 'request' (new entry, send a request now), 'queued'
 * (a request is already out), 'queue-full' or 'table-full' (packet dropped).
 */
export type EnqueueResult = 'request' | 'queued' | 'queue-full' | 'table-full';

export interface ArpDue {
  /** Addresses to send another request for. */
  retry: Ipv4Address[];
  /** Addresses given up on, with how many packets were dropped with them. */
  failed: { address: Ipv4Address; dropped: number }[];
}

export class ArpTable {
  private readonly entries = new Map<Ipv4Address, Entry>();
  private queued = 0;
  private incomplete = 0;

  constructor(private readonly limits: ArpLimits = DEFAULT_ARP_LIMITS) {}

  /** The MAC of a resolved, unexpired entry. */
  lookup(address: Ipv4Address, now: number): Uint8Array | undefined {
    const e = this.entries.get(address);
    if (!e || !e.mac) return undefined;
    if (e.expiresAt <= now) { this.entries.delete(address); return undefined; }
    return e.mac;
  }

  /** Holds `packet` until `address` resolves. */
  enqueue(address: Ipv4Address, packet: Uint8Array, now: number): EnqueueResult {
    let e = this.entries.get(address);
    if (e && e.mac) {
      // Resolved but expired (callers look up first): resolve it afresh.
      this.entries.delete(address);
      e = undefined;
    }
    if (!e) {
      if (!this.makeRoom(now)) return 'table-full';
      if (this.queued >= this.limits.maxQueuedPackets) return 'queue-full';
      e = { mac: null, expiresAt: 0, tries: 1, nextRetryAt: now + this.limits.retryIntervalMs, queue: [packet] };
      this.entries.set(address, e);
      this.incomplete++;
      this.queued++;
      return 'request';
    }
    if (e.queue.length >= this.limits.maxQueuePerDestination || this.queued >= this.limits.maxQueuedPackets) return 'queue-full';
    e.queue.push(packet);
    this.queued++;
    return 'queued';
  }

  /**
   * Records address → mac. With `create` false only an existing entry is
   * updated (RFC 826's merge step). Returns the packets that were waiting
   * (to send now), or null when nothing was recorded.
   */
  learn(address: Ipv4Address, mac: Uint8Array, now: number, create: boolean): Uint8Array[] | null {
    let e = this.entries.get(address);
    if (!e) {
      if (!create || !this.makeRoom(now)) return null;
      e = { mac: null, expiresAt: 0, tries: 0, nextRetryAt: 0, queue: [] };
      this.entries.set(address, e);
    } else if (!e.mac) {
      this.incomplete--;
    }
    const copy = e.mac && e.mac.length === 6 ? e.mac : new Uint8Array(6);
    copy.set(mac.subarray(0, 6));
    e.mac = copy;
    e.expiresAt = now + this.limits.resolvedTtlMs;
    e.tries = 0;
    const waiting = e.queue;
    e.queue = [];
    this.queued -= waiting.length;
    return waiting;
  }

  /** Retries and failures due at `now`; call when `nextDeadline()` has passed. */
  due(now: number): ArpDue {
    const out: ArpDue = { retry: [], failed: [] };
    if (!this.incomplete) return out;
    const limits = this.limits;
    this.entries.forEach((e, address) => {
      if (e.mac || e.nextRetryAt > now) return;
      if (e.tries >= limits.maxTries) {
        this.entries.delete(address);
        this.incomplete--;
        this.queued -= e.queue.length;
        out.failed.push({ address: address, dropped: e.queue.length });
        return;
      }
      e.tries++;
      e.nextRetryAt = now + limits.retryIntervalMs;
      out.retry.push(address);
    });
    return out;
  }

  /** When `due` next has work; undefined when nothing is being resolved. */
  nextDeadline(): number | undefined {
    if (!this.incomplete) return undefined;
    let at = Infinity;
    this.entries.forEach((e) => { if (!e.mac && e.nextRetryAt < at) at = e.nextRetryAt; });
    return at === Infinity ? undefined : at;
  }

  size(): number { return this.entries.size; }

  /** Packets waiting for resolution over all entries. */
  queuedPackets(): number { return this.queued; }

  /** Forgets everything (waiting packets included); returns how many packets were dropped. */
  clear(): number {
    const dropped = this.queued;
    this.entries.clear();
    this.queued = 0;
    this.incomplete = 0;
    return dropped;
  }

  /** Frees a slot for a new entry: expired ones first, then the resolved one closest to expiry. */
  private makeRoom(now: number): boolean {
    if (this.entries.size < this.limits.maxEntries) return true;
    const entries = this.entries;
    let victim: Ipv4Address | undefined;
    let victimExpiry = Infinity;
    entries.forEach((e, address) => {
      if (!e.mac) return;
      if (e.expiresAt <= now) { entries.delete(address); return; }
      if (e.expiresAt < victimExpiry) { victimExpiry = e.expiresAt; victim = address; }
    });
    if (entries.size < this.limits.maxEntries) return true;
    if (victim === undefined) return false;
    entries.delete(victim);
    return true;
  }
}
