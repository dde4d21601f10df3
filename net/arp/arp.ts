/*
 * The ARP adapter: answers requests for our address, learns from what RFC
 * 826 lets it learn, resolves next hops for IPv4 (queueing packets meanwhile)
 * and announces our address (RFC 5227 §2.3) when it is set or changes.
 */
import { createDeadlineTimer } from '../../lib/deadline-timer';
import type { Ipv4Address } from '../address';
import { MAC_BROADCAST } from '../address';
import type { EthernetLayer } from '../ethernet/ethernet';
import { ETH_HEADER_LENGTH, ETH_MIN_FRAME, ETHERTYPE_ARP, ETHERTYPE_IPV4, isGroupMac } from '../ethernet/wire';
import { count, type Counters } from '../../lib/counters';
import { type Scheduler, type TimerHandle } from '../../lib/scheduler';
import { ArpTable, DEFAULT_ARP_LIMITS, type ArpLimits } from './table';
import { ARP_REPLY, ARP_REQUEST, parseArp, writeArp, type ArpPacket } from './wire';

/** RFC 5227 §1.1: ANNOUNCE_NUM and ANNOUNCE_INTERVAL. */
const ANNOUNCE_COUNT = 2;
const ANNOUNCE_INTERVAL_MS = 2000;
const ZERO_MAC = new Uint8Array(6);

export interface ArpLayer {
  /** Takes the payload of one ARP frame. Never throws on bad input. */
  input(payload: Uint8Array): void;
  /**
   * Sends an IPv4 `frame` (first 14 bytes free for the Ethernet header) to
   * `nextHop`'s MAC, resolving it first when needed.
   */
  output(nextHop: Ipv4Address, frame: Uint8Array): void;
  /** Sends gratuitous ARP announcements for our current address. */
  announce(): void;
  /** The cache (for inspection and tests). */
  readonly table: ArpTable;
  stop(): void;
}

export interface ArpOptions {
  ethernet: EthernetLayer;
  scheduler: Scheduler;
  counters: Counters;
  /** Our address now; 0 while we have none (then we answer nothing). */
  localAddress: () => Ipv4Address;
  limits?: Partial<ArpLimits>;
}

export function createArp(options: ArpOptions): ArpLayer {
  const ethernet = options.ethernet;
  const scheduler = options.scheduler;
  const counters = options.counters;
  const limits: ArpLimits = { ...DEFAULT_ARP_LIMITS, ...options.limits };
  const table = new ArpTable(limits);
  const retries = createDeadlineTimer(scheduler, onTimer);
  let announceTimer: TimerHandle | null = null;
  let stopped = false;

  function sendArp(op: number, dstMac: Uint8Array, tha: Uint8Array, spa: Ipv4Address, tpa: Ipv4Address): void {
    const frame = new Uint8Array(ETH_MIN_FRAME);
    const p: ArpPacket = { op: op, sha: ethernet.mac, spa: spa, tha: tha, tpa: tpa };
    writeArp(frame, ETH_HEADER_LENGTH, p);
    ethernet.send(frame, dstMac, ETHERTYPE_ARP);
  }

  function request(target: Ipv4Address): void {
    count(counters, 'arp.request-sent');
    sendArp(ARP_REQUEST, MAC_BROADCAST, ZERO_MAC, options.localAddress(), target);
  }

  function flush(mac: Uint8Array, frames: Uint8Array[] | null): void {
    if (!frames) return;
    for (let i = 0; i < frames.length; i++) ethernet.send(frames[i], mac, ETHERTYPE_IPV4);
  }

  /** Keeps one timer armed for the table's next retry. */
  function schedule(): void {
    retries.arm(table.nextDeadline());
  }

  function onTimer(): void {
    if (stopped) return;
    const due = table.due(scheduler.now());
    for (let i = 0; i < due.retry.length; i++) request(due.retry[i]);
    for (let i = 0; i < due.failed.length; i++) {
      count(counters, 'arp.resolve-failed');
      if (due.failed[i].dropped) count(counters, 'arp.queue-dropped', due.failed[i].dropped);
    }
    schedule();
  }

  function announceOnce(left: number): void {
    announceTimer = null;
    const us = options.localAddress();
    if (stopped || us === 0) return;
    count(counters, 'arp.announce-sent');
    // An announcement is a request with sender = target = our address (RFC 5227 §2.3).
    sendArp(ARP_REQUEST, MAC_BROADCAST, ZERO_MAC, us, us);
    if (left > 1) announceTimer = scheduler.after(ANNOUNCE_INTERVAL_MS, () => { announceOnce(left - 1); });
  }

  return {
    table: table,
    input(payload) {
      if (stopped) return;
      const p = parseArp(payload);
      if (typeof p === 'string') { count(counters, 'arp.' + p); return; }
      // A group address as sender is a forgery or a broken host: never learn it.
      if (isGroupMac(p.sha, 0)) { count(counters, 'arp.bad-sender'); return; }
      const now = scheduler.now();
      const us = options.localAddress();
      if (us !== 0 && p.spa === us) {
        // Someone else claims our address (RFC 5227 §2.4); we keep it, but note it.
        count(counters, 'arp.conflict');
        return;
      }
      const forUs = us !== 0 && p.tpa === us;
      // RFC 826 "packet reception": update an entry we have, add one only
      // when the packet is for us; a 0.0.0.0 sender is a probe (RFC 5227 §2.1.1).
      if (p.spa !== 0 && p.spa !== 0xffffffff) {
        const waiting = table.learn(p.spa, p.sha, now, forUs);
        if (waiting) flush(table.lookup(p.spa, now)!, waiting);
      }
      if (forUs && p.op === ARP_REQUEST) {
        sendArp(ARP_REPLY, p.sha, p.sha, us, p.spa);
      } else if (!forUs && p.op === ARP_REQUEST) {
        count(counters, 'arp.not-for-us');
      }
      schedule();
    },
    output(nextHop, frame) {
      if (stopped) return;
      const now = scheduler.now();
      const mac = table.lookup(nextHop, now);
      if (mac) { ethernet.send(frame, mac, ETHERTYPE_IPV4); return; }
      const r = table.enqueue(nextHop, frame, now);
      if (r === 'request') { request(nextHop); schedule(); }
      else if (r !== 'queued') count(counters, 'arp.' + r);
    },
    announce() {
      if (stopped) return;
      if (announceTimer) announceTimer.cancel();
      announceOnce(ANNOUNCE_COUNT);
    },
    stop() {
      stopped = true;
      retries.stop();
      if (announceTimer) announceTimer.cancel();
      announceTimer = null;
      const dropped = table.clear();
      if (dropped) count(counters, 'arp.queue-dropped', dropped);
    },
  };
}
