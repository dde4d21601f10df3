/*
 * Tunables of the TCP layer: what callers may set (TcpLimits) and the
 * resolved values every connection reads (TcpConfig).
 */

export interface KeepAliveSettings {
  /** Idle time before the first probe. */
  idleMs: number;
  /** Time between unanswered probes. */
  intervalMs: number;
  /** Unanswered probes before the connection fails with 'timeout'. */
  probes: number;
}

export interface TcpLimits {
  /** Connection objects in every state, TIME-WAIT included (default 128). */
  maxConnections?: number;
  /** Half-open (SYN-RECEIVED) connections from listeners (default 32); further SYNs are dropped. */
  maxHalfOpen?: number;
  /** Per-connection send buffer: written, not yet acknowledged bytes (default 64 KiB). */
  sendBufferBytes?: number;
  /** Per-connection receive buffer: unread plus out-of-order bytes (default 64 KiB). */
  receiveBufferBytes?: number;
  /** Out-of-order fragments kept per connection (default 64). */
  maxOutOfOrderSegments?: number;
  /** Maximum segment lifetime; TIME-WAIT lasts 2 × MSL (default 30 s). */
  mslMs?: number;
  /** RFC 6298 initial RTO (default 1 s), lower bound (default 200 ms) and upper bound (default 60 s). */
  initialRtoMs?: number;
  minRtoMs?: number;
  maxRtoMs?: number;
  /** Retransmissions of data/FIN before the connection fails with 'timeout' (default 8). */
  maxRetransmits?: number;
  /** Retransmissions of a SYN or SYN-ACK before giving up (default 5). */
  maxSynRetransmits?: number;
  /** Delayed-ACK timer (default 40 ms; RFC 9293 §3.8.6.3 allows up to 500 ms). */
  delayedAckMs?: number;
  /** How long FIN-WAIT-2 waits for the peer's FIN (default 60 s). */
  finWait2TimeoutMs?: number;
  /** RFC 5961 §7: challenge ACKs sent per second, whole instance (default 100). */
  challengeAcksPerSecond?: number;
  /** Keep-alive for every connection; off unless given (flows can turn it on one by one). */
  keepAlive?: KeepAliveSettings;
}

export interface TcpConfig {
  /** Our MSS: the IP layer's max payload minus the 20-byte TCP header. */
  mss: number;
  maxConnections: number;
  maxHalfOpen: number;
  sendBufferBytes: number;
  receiveBufferBytes: number;
  maxOutOfOrderSegments: number;
  mslMs: number;
  initialRtoMs: number;
  minRtoMs: number;
  maxRtoMs: number;
  maxRetransmits: number;
  maxSynRetransmits: number;
  delayedAckMs: number;
  finWait2TimeoutMs: number;
  challengeAcksPerSecond: number;
  /** The shift we offer (RFC 7323 §2.3) so receiveBufferBytes fits a window field. */
  windowShift: number;
  keepAlive: KeepAliveSettings | null;
}

export const DEFAULT_KEEPALIVE: KeepAliveSettings = { idleMs: 7_200_000, intervalMs: 75_000, probes: 9 };

/** The smallest shift for which 65535 << shift covers `bytes`, at most 14. */
export function windowShiftFor(bytes: number): number {
  let shift = 0;
  while (shift < 14 && 65535 * (1 << shift) < bytes) shift++;
  return shift;
}

function pick(value: number | undefined, fallback: number, min: number): number {
  if (value === undefined || value !== value) return fallback;
  return value < min ? min : Math.floor(value);
}

export function resolveConfig(limits: TcpLimits | undefined, maxPayload: number): TcpConfig {
  const l = limits || {};
  const receiveBufferBytes = pick(l.receiveBufferBytes, 65536, 1);
  // MSS = MTU − 40 on the wire; at least the 536 every host must accept (RFC 9293 §3.7.1).
  const mss = Math.max(maxPayload - 20, 536);
  return {
    mss: mss,
    maxConnections: pick(l.maxConnections, 128, 1),
    maxHalfOpen: pick(l.maxHalfOpen, 32, 1),
    sendBufferBytes: pick(l.sendBufferBytes, 65536, 1),
    receiveBufferBytes: receiveBufferBytes,
    maxOutOfOrderSegments: pick(l.maxOutOfOrderSegments, 64, 0),
    mslMs: pick(l.mslMs, 30_000, 0),
    initialRtoMs: pick(l.initialRtoMs, 1000, 1),
    minRtoMs: pick(l.minRtoMs, 200, 1),
    maxRtoMs: pick(l.maxRtoMs, 60_000, 1),
    maxRetransmits: pick(l.maxRetransmits, 8, 0),
    maxSynRetransmits: pick(l.maxSynRetransmits, 5, 0),
    delayedAckMs: pick(l.delayedAckMs, 40, 1),
    finWait2TimeoutMs: pick(l.finWait2TimeoutMs, 60_000, 0),
    challengeAcksPerSecond: pick(l.challengeAcksPerSecond, 100, 0),
    windowShift: windowShiftFor(receiveBufferBytes),
    keepAlive: l.keepAlive ? { idleMs: l.keepAlive.idleMs, intervalMs: l.keepAlive.intervalMs, probes: l.keepAlive.probes } : null,
  };
}
