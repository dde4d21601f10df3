/*
 * IPv4 fragment reassembly (RFC 791 §3.2, RFC 815) as a pure state machine
 * with hard limits, so a flood of fragments costs bounded memory:
 * - at most `maxDatagrams` datagrams in progress, `maxBytes` held, and
 *   `maxFragments` pieces per datagram (tiny fragments cost work, not bytes);
 * - a datagram not complete `timeoutMs` after its first fragment is dropped
 *   (RFC 1122 §3.3.2 suggests 60–120 s; 30 s, like Linux, frees memory sooner);
 * - no datagram beyond 65535 bytes (RFC 791's limit, the "ping of death");
 * - overlapping fragments discard the whole datagram, including fragments
 *   still to come (RFC 5722's rule for IPv6, applied to IPv4: overlaps only
 *   serve to evade filters). Exact duplicates (same offset and length), which
 *   lossy links with retransmission produce, are ignored instead.
 * Fragments are copied (received views live only for one call).
 */
import type { Ipv4Address } from '../address';
import { IPV4_HEADER_LENGTH, IPV4_MAX_LENGTH } from './wire';

export interface ReassemblyLimits {
  maxDatagrams: number;
  maxBytes: number;
  timeoutMs: number;
  /** Pieces one datagram may come in (bounds the work per fragment; 65535 bytes over a 576-byte MTU path is 120). */
  maxFragments: number;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = {
  maxDatagrams: 16,
  maxBytes: 128 * 1024,
  timeoutMs: 30 * 1000,
  maxFragments: 128,
};

/** The largest reassembled payload: 65535 minus the smallest header. */
export const MAX_REASSEMBLED_PAYLOAD = IPV4_MAX_LENGTH - IPV4_HEADER_LENGTH;

/**
 * What happened to a fragment that did not complete a datagram:
 * 'held' (kept, waiting for the rest), 'duplicate' (ignored), 'discarded'
 * (its datagram was already thrown away), or why its datagram was dropped:
 * 'overlap', 'too-big', 'bad-length', 'limit'.
 */
export type FragmentOutcome = 'held' | 'duplicate' | 'discarded' | 'overlap' | 'too-big' | 'bad-length' | 'limit';

interface Piece { offset: number; data: Uint8Array }

interface Datagram {
  deadline: number;
  pieces: Piece[]; // sorted by offset, never overlapping
  bytes: number;
  /** Payload length once the last fragment (MF = 0) is in; −1 before. */
  total: number;
  /** Dropped: later fragments are discarded until the deadline. */
  dead: boolean;
}

export interface Fragment {
  src: Ipv4Address;
  dst: Ipv4Address;
  protocol: number;
  id: number;
  /** In bytes. */
  offset: number;
  moreFragments: boolean;
  data: Uint8Array;
}

export class Reassembler {
  private readonly datagrams = new Map<string, Datagram>();
  private held = 0;

  constructor(private readonly limits: ReassemblyLimits = DEFAULT_REASSEMBLY_LIMITS) {}

  /** Adds a fragment: the whole payload when it completes its datagram, else the outcome. */
  add(f: Fragment, now: number): Uint8Array | FragmentOutcome {
    // RFC 791 §3.2: fragments identify their datagram by source, destination, protocol and id.
    const key = f.src + ':' + f.dst + ':' + f.protocol + ':' + f.id;
    let d = this.datagrams.get(key);
    if (d && d.dead) return 'discarded';
    const end = f.offset + f.data.length;
    let problem: FragmentOutcome | null = null;
    if (f.moreFragments && (f.data.length === 0 || f.data.length % 8 !== 0)) problem = 'bad-length';
    else if (end > MAX_REASSEMBLED_PAYLOAD) problem = 'too-big';
    if (!d) {
      if (!this.makeRoom()) return 'limit';
      d = { deadline: now + this.limits.timeoutMs, pieces: [], bytes: 0, total: -1, dead: false };
      this.datagrams.set(key, d);
    }
    if (problem) return this.kill(d, problem);

    if (!f.moreFragments) {
      // A second, different end, or data already past this end, is an overlap.
      if (d.total >= 0 && d.total !== end) return this.kill(d, 'overlap');
      const last = d.pieces[d.pieces.length - 1];
      if (last && last.offset + last.data.length > end) return this.kill(d, 'overlap');
    } else if (d.total >= 0 && end > d.total) {
      return this.kill(d, 'overlap');
    }

    // Find where the piece goes and check both neighbours.
    const pieces = d.pieces;
    let i = pieces.length;
    while (i > 0 && pieces[i - 1].offset > f.offset) i--;
    const prev = i > 0 ? pieces[i - 1] : null;
    const next = i < pieces.length ? pieces[i] : null;
    if (prev && prev.offset === f.offset && prev.data.length === f.data.length) {
      if (!f.moreFragments) d.total = end;
      return 'duplicate';
    }
    if ((prev && prev.offset + prev.data.length > f.offset) || (next && next.offset < end)) return this.kill(d, 'overlap');
    if (this.held + f.data.length > this.limits.maxBytes || pieces.length >= this.limits.maxFragments) return this.kill(d, 'limit');

    const copy = new Uint8Array(f.data.length);
    copy.set(f.data);
    pieces.splice(i, 0, { offset: f.offset, data: copy });
    d.bytes += copy.length;
    this.held += copy.length;
    if (!f.moreFragments) d.total = end;
    if (d.total < 0 || d.bytes !== d.total) return 'held';

    // No overlaps and every byte inside [0, total): the pieces tile it exactly.
    const payload = new Uint8Array(d.total);
    for (let k = 0; k < pieces.length; k++) payload.set(pieces[k].data, pieces[k].offset);
    this.held -= d.bytes;
    this.datagrams.delete(key);
    return payload;
  }

  /** Drops datagrams past their deadline; returns how many were still incomplete (timeouts). */
  expire(now: number): number {
    let timedOut = 0;
    this.datagrams.forEach((d, key) => {
      if (d.deadline > now) return;
      if (!d.dead) { timedOut++; this.held -= d.bytes; }
      this.datagrams.delete(key);
    });
    return timedOut;
  }

  nextDeadline(): number | undefined {
    let at = Infinity;
    this.datagrams.forEach((d) => { if (d.deadline < at) at = d.deadline; });
    return at === Infinity ? undefined : at;
  }

  /** Datagrams in progress (dropped ones still remembered included). */
  size(): number { return this.datagrams.size; }

  bytesHeld(): number { return this.held; }

  clear(): void {
    this.datagrams.clear();
    this.held = 0;
  }

  private kill(d: Datagram, why: FragmentOutcome): FragmentOutcome {
    this.held -= d.bytes;
    d.pieces = [];
    d.bytes = 0;
    d.dead = true;
    return why;
  }

  /** Room for one more datagram, forgetting the oldest dropped one if need be. */
  private makeRoom(): boolean {
    if (this.datagrams.size < this.limits.maxDatagrams) return true;
    let victim: string | undefined;
    let victimDeadline = Infinity;
    this.datagrams.forEach((d, key) => {
      if (d.dead && d.deadline < victimDeadline) { victimDeadline = d.deadline; victim = key; }
    });
    if (victim === undefined) return false;
    this.datagrams.delete(victim);
    return true;
  }
}
