/*
 * The TCP layer: demultiplexes segments from IPv4 to connections and
 * listeners, opens connections (listen / connect), answers segments for
 * nobody with RST (RFC 9293 §3.10.7.1), and keeps the instance bounded: a
 * cap on connection objects, a cap on half-open ones (SYNs beyond it are
 * dropped and counted), rate-limited challenge ACKs (RFC 5961 §7).
 */
import { FlowError, PROTO_TCP } from '../types';
import { count } from '../../lib/counters';
import type { IpSender, TcpApi, TransportInput } from '../types';
import type { Counters } from '../../lib/counters';
import type { RandomSource } from '../../lib/random';
import type { Scheduler } from '../../lib/scheduler';
import type { Ipv4Address } from '../address';
import { resolveConfig } from './config';
import type { TcpConfig, TcpLimits } from './config';
import { Connection } from './connection';
import type { ConnectionEnvironment } from './connection';
import { ConnectionFlow } from './flow';
import type { TcpFlow } from './flow';
import { seqAdd, seqGt } from './seq';
import { emptySegment, FLAG_ACK, FLAG_RST, FLAG_SYN, parseSegmentInto, segmentLength, serialiseSegment } from './wire';
import type { TcpSegment } from './wire';

export interface TcpOptions {
  ip: IpSender;
  scheduler: Scheduler;
  random: RandomSource;
  limits?: TcpLimits;
  /** Where drops and events are counted ("tcp.bad-checksum": 3); a fresh object when absent. */
  counters?: Counters;
}

export interface ConnectOptions {
  /** A fixed local port instead of a random ephemeral one (e.g. for a simultaneous open). */
  localPort?: number;
}

export interface Tcp extends TcpApi {
  /** For IPv4: one TCP segment from src to dst. Never throws; bad segments are counted and dropped. */
  readonly input: TransportInput;
  listen(port: number, onConnection: (flow: TcpFlow) => void): () => void;
  connect(address: Ipv4Address, port: number, options?: ConnectOptions): Promise<TcpFlow>;
  /** Connection objects held now (every state but CLOSED, TIME-WAIT included). */
  connections(): number;
  /** Half-open connections from listeners (SYN-RECEIVED). */
  halfOpen(): number;
  /**
   * Ends everything: listeners go, connections are reset (RST where the
   * peer knows them; their flows fail with 'aborted'), timers stop, and
   * later input is ignored. For the stack's shutdown.
   */
  stop(): void;
  readonly counters: Counters;
  readonly config: TcpConfig;
}

/** RFC 6335 dynamic ports. */
const EPHEMERAL_FIRST = 49152;
const EPHEMERAL_COUNT = 65536 - EPHEMERAL_FIRST;

interface Listener {
  onConnection: (flow: TcpFlow) => void;
}

export function createTcp(options: TcpOptions): Tcp {
  const ip = options.ip;
  const scheduler = options.scheduler;
  const random = options.random;
  const counters: Counters = options.counters || {};
  const config = resolveConfig(options.limits, ip.maxPayload);

  const table = new Map<string, Connection>();
  const listeners = new Map<number, Listener>();
  let halfOpenCount = 0;
  /**
   * The connection the last segment was for: a bulk transfer's segments
   * find theirs without building the table's string key (four numbers
   * formatted per segment). Only ever a connection in the table.
   */
  let lastConnection: Connection | null = null;
  let stopped = false;

  const randomBytes = new Uint8Array(16);
  function randomU32(): number {
    random(randomBytes);
    return ((randomBytes[0] << 24) | (randomBytes[1] << 16) | (randomBytes[2] << 8) | randomBytes[3]) >>> 0;
  }
  // RFC 6528: ISN = M + F(4-tuple, secret); M ticks every 4 µs.
  const secret = [randomU32(), randomU32(), randomU32(), randomU32()];
  function initialSequenceNumber(localAddress: number, localPort: number, remoteAddress: number, remotePort: number): number {
    let h = mix(secret[0], localAddress);
    h = mix(h, remoteAddress ^ secret[1]);
    h = mix(h, (((localPort << 16) | remotePort) ^ secret[2]) >>> 0);
    h = mix(h, secret[3]);
    return (Math.floor(scheduler.now() * 250) + h) >>> 0;
  }

  // RFC 5961 §7: challenge ACKs, at most challengeAcksPerSecond per second.
  let challengeWindowStart = -Infinity;
  let challengeCount = 0;

  const env: ConnectionEnvironment = {
    scheduler: scheduler,
    config: config,
    counters: counters,
    segmentOffset: ip.transportOffset,
    frame: function (length) { return ip.frame(length); },
    sendFrame: function (src, dst, frame, length) {
      ip.sendFrame(dst, PROTO_TCP, frame, length, src);
    },
    allowChallengeAck: function () {
      const now = scheduler.now();
      if (now - challengeWindowStart >= 1000) {
        challengeWindowStart = now;
        challengeCount = 0;
      }
      if (challengeCount >= config.challengeAcksPerSecond) return false;
      challengeCount++;
      return true;
    },
    established: function (conn) {
      if (conn.countsAsHalfOpen) {
        conn.countsAsHalfOpen = false;
        halfOpenCount--;
      }
      if (!conn.passive) return;
      const listener = listeners.get(conn.localPort);
      if (!listener) {
        // The listener went away while the handshake ran.
        conn.abort();
        return;
      }
      const flow = new ConnectionFlow(conn, config.keepAlive);
      conn.events = flow;
      // Hand over at the end of this job: the application never runs inside input().
      // (queueMicrotask: the turn Promise.resolve().then() gave, without its two promises.)
      queueMicrotask(() => {
        try {
          listener.onConnection(flow);
        } catch (_e) {
          count(counters, 'tcp.callback-error');
        }
      });
    },
    closed: function (conn) {
      if (conn.countsAsHalfOpen) {
        conn.countsAsHalfOpen = false;
        halfOpenCount--;
      }
      if (lastConnection === conn) lastConnection = null;
      const key = connectionKey(conn.localAddress, conn.localPort, conn.remoteAddress, conn.remotePort);
      if (table.get(key) === conn) table.delete(key);
    },
  };

  function sendSegment(src: number, dst: number, fields: Parameters<typeof serialiseSegment>[0]): void {
    ip.send(dst, PROTO_TCP, serialiseSegment(fields, null, src, dst), src);
  }

  /** RFC 9293 §3.10.7.1: the reply to a segment for no connection. */
  function resetForUnknown(src: number, dst: number, seg: TcpSegment): void {
    if (seg.flags & FLAG_RST) return;
    count(counters, 'tcp.reset-sent');
    if (seg.flags & FLAG_ACK) {
      sendSegment(dst, src, { srcPort: seg.dstPort, dstPort: seg.srcPort, seq: seg.ack, ack: 0, flags: FLAG_RST, window: 0 });
    } else {
      sendSegment(dst, src, {
        srcPort: seg.dstPort, dstPort: seg.srcPort, seq: 0,
        ack: seqAdd(seg.seq, segmentLength(seg)), flags: FLAG_RST | FLAG_ACK, window: 0,
      });
    }
  }

  /** Makes room for one more connection object, reclaiming the oldest TIME-WAIT if need be. */
  function roomForConnection(): boolean {
    if (table.size < config.maxConnections) return true;
    let oldest: Connection | null = null;
    table.forEach((conn) => {
      if (conn.state === 'TIME-WAIT' && (!oldest || conn.timeWaitSince < oldest.timeWaitSince)) oldest = conn;
    });
    if (!oldest) return false;
    count(counters, 'tcp.time-wait-reclaimed');
    (oldest as Connection).forget();
    return table.size < config.maxConnections;
  }

  /** RFC 9293 §3.10.7.2: a segment for a listening port. */
  function listenArrives(src: number, dst: number, seg: TcpSegment): void {
    const flags = seg.flags;
    if (flags & FLAG_RST) return;
    if (flags & FLAG_ACK) {
      resetForUnknown(src, dst, seg);
      return;
    }
    if (!(flags & FLAG_SYN)) return;
    if (halfOpenCount >= config.maxHalfOpen) {
      count(counters, 'tcp.syn-backlog-full');
      return;
    }
    if (!roomForConnection()) {
      count(counters, 'tcp.connection-limit');
      return;
    }
    const conn = new Connection(env, dst, seg.dstPort, src, seg.srcPort,
      initialSequenceNumber(dst, seg.dstPort, src, seg.srcPort), true);
    conn.countsAsHalfOpen = true;
    halfOpenCount++;
    table.set(connectionKey(dst, seg.dstPort, src, seg.srcPort), conn);
    conn.acceptSyn(seg);
  }

  /** Every received segment is parsed into this one object: nothing keeps a segment past its input(). */
  const seg = emptySegment();
  function input(src: Ipv4Address, dst: Ipv4Address, payload: Uint8Array): void {
    if (stopped) return;
    try {
      // RFC 9293 §3.10.7.2 / RFC 1122 §4.2.3.10: nothing to or from broadcast or multicast.
      if (!unicast(src) || !unicast(dst)) {
        count(counters, 'tcp.bad-address');
        return;
      }
      const error = parseSegmentInto(payload, src, dst, seg);
      if (error) {
        count(counters, 'tcp.' + error);
        return;
      }
      if (seg.srcPort === 0 || seg.dstPort === 0) {
        count(counters, 'tcp.bad-port');
        return;
      }
      let conn = lastConnection;
      if (!conn || conn.remotePort !== seg.srcPort || conn.localPort !== seg.dstPort
        || conn.remoteAddress !== src || conn.localAddress !== dst) {
        conn = table.get(connectionKey(dst, seg.dstPort, src, seg.srcPort)) || null;
        if (conn) lastConnection = conn;
      }
      if (conn) {
        // RFC 9293 §3.10.7.4 (TIME-WAIT) / RFC 6191 spirit: a new SYN beyond
        // the old connection's sequence space may start a new incarnation.
        if (conn.state === 'TIME-WAIT' && (seg.flags & (FLAG_SYN | FLAG_ACK | FLAG_RST)) === FLAG_SYN
          && seqGt(seg.seq, conn.rcvNxt) && listeners.has(seg.dstPort)) {
          count(counters, 'tcp.time-wait-reused');
          conn.forget();
          listenArrives(src, dst, seg);
          return;
        }
        conn.segmentArrives(seg);
        return;
      }
      if (listeners.has(seg.dstPort)) {
        listenArrives(src, dst, seg);
        return;
      }
      count(counters, 'tcp.no-listener');
      resetForUnknown(src, dst, seg);
    } catch (_e) {
      count(counters, 'tcp.internal-error');
    }
  }

  function listen(port: number, onConnection: (flow: TcpFlow) => void): () => void {
    if (!(port > 0 && port < 65536 && port === Math.floor(port))) throw new RangeError('bad TCP port ' + port);
    if (stopped) throw new Error('TCP is stopped');
    if (listeners.has(port)) throw new Error('TCP port ' + port + ' is already listening');
    const listener: Listener = { onConnection: onConnection };
    listeners.set(port, listener);
    return function () {
      if (listeners.get(port) === listener) listeners.delete(port);
    };
  }

  function pickEphemeralPort(local: number, remote: number, remotePort: number): number {
    const start = randomU32() % EPHEMERAL_COUNT;
    for (let i = 0; i < EPHEMERAL_COUNT; i++) {
      const port = EPHEMERAL_FIRST + ((start + i) % EPHEMERAL_COUNT);
      if (!listeners.has(port) && !table.has(connectionKey(local, port, remote, remotePort))) return port;
    }
    return 0;
  }

  function connect(address: Ipv4Address, port: number, opts?: ConnectOptions): Promise<TcpFlow> {
    if (stopped) return Promise.reject(new FlowError('closed', 'TCP is stopped'));
    const local = ip.localAddress();
    if (!local) return Promise.reject(new FlowError('refused', 'no local IPv4 address yet'));
    if (!unicast(address) || !(port > 0 && port < 65536)) {
      return Promise.reject(new FlowError('refused', 'not a unicast endpoint'));
    }
    if (!roomForConnection()) {
      count(counters, 'tcp.connection-limit');
      return Promise.reject(new FlowError('limit', 'too many connections'));
    }
    let localPort = opts && opts.localPort ? opts.localPort : 0;
    if (localPort) {
      if (table.has(connectionKey(local, localPort, address, port))) {
        return Promise.reject(new FlowError('limit', 'that connection exists already'));
      }
    } else {
      localPort = pickEphemeralPort(local, address, port);
      if (!localPort) return Promise.reject(new FlowError('limit', 'no free ephemeral port'));
    }
    const conn = new Connection(env, local, localPort, address, port,
      initialSequenceNumber(local, localPort, address, port), false);
    const flow = new ConnectionFlow(conn, config.keepAlive);
    conn.events = flow;
    table.set(connectionKey(local, localPort, address, port), conn);
    const opened = new Promise<TcpFlow>((resolve, reject) => {
      flow.onOpen = function (error) {
        if (error) reject(error);
        else resolve(flow);
      };
    });
    conn.openActive();
    return opened;
  }

  function stop(): void {
    if (stopped) return;
    stopped = true;
    listeners.clear();
    const all: Connection[] = [];
    table.forEach((conn) => { all.push(conn); });
    for (let i = 0; i < all.length; i++) {
      // TIME-WAIT connections have already ended for their users.
      if (all[i].state === 'TIME-WAIT') all[i].forget();
      else all[i].abort();
    }
  }

  return {
    input: input,
    stop: stop,
    listen: listen,
    connect: connect,
    connections: function () { return table.size; },
    halfOpen: function () { return halfOpenCount; },
    counters: counters,
    config: config,
  };
}

function connectionKey(localAddress: number, localPort: number, remoteAddress: number, remotePort: number): string {
  return remoteAddress + ':' + remotePort + '>' + localAddress + ':' + localPort;
}

function unicast(address: number): boolean {
  return address !== 0 && address !== 0xffffffff && (address >>> 28) !== 14;
}

/** Multiplies modulo 2^32 without Math.imul (not every engine we run on has it). */
function mul32(a: number, b: number): number {
  const low = (a & 0xffff) * b;
  const high = (((a >>> 16) * b) & 0xffff) * 65536;
  return (low + high) >>> 0;
}

/** One round of a 32-bit avalanche mix (the murmur3 finaliser) over h ^ v. */
function mix(h: number, v: number): number {
  h = (h ^ v) >>> 0;
  h = mul32(h ^ (h >>> 16), 0x85ebca6b);
  h = mul32(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
