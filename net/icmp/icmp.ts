/*
 * ICMP over IPv4: answers echo requests (RFC 792; RFC 1122 §3.2.2.6 says a
 * host MUST) and sends its own, resolving each with the round-trip time.
 * Echo requests to a broadcast address are not answered (RFC 1122 §3.2.2.6
 * allows it, and it keeps us out of smurf amplification).
 */
import type { Ipv4Address } from '../address';
import { PROTO_ICMP, type IpSender, type TransportInput } from '../types';
import { count, type Counters } from '../../lib/counters';
import { type RandomSource } from '../../lib/random';
import { type Scheduler, type TimerHandle } from '../../lib/scheduler';
import { buildEcho, echoId, echoSequence, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, parseIcmp } from './wire';

export interface PingOptions {
  /** How long to wait for the reply; 1000 ms unless given. */
  timeoutMs?: number;
  /** Data bytes after the ICMP header; 56 unless given (like ping(8)). */
  size?: number;
}

export interface IcmpLayer {
  input: TransportInput;
  /** Sends one echo request; resolves with the round-trip time in ms, rejects on timeout. */
  ping(dst: Ipv4Address, options?: PingOptions): Promise<number>;
  stop(): void;
}

/** 65535 − 20 (IPv4 header) − 8 (ICMP header). */
const MAX_ECHO_DATA = 65507;

interface Pending { sentAt: number; resolve: (rtt: number) => void; reject: (e: Error) => void; timer: TimerHandle }

export function createIcmp(ip: IpSender, scheduler: Scheduler, random: RandomSource, counters: Counters): IcmpLayer {
  const seed = new Uint8Array(2);
  random(seed);
  const id = (seed[0] << 8) | seed[1];
  let sequence = 0;
  const pending = new Map<number, Pending>();
  let stopped = false;

  return {
    input(src, dst, payload) {
      const m = parseIcmp(payload);
      if (typeof m === 'string') { count(counters, 'icmp.' + m); return; }
      if (m.type === ICMP_ECHO_REQUEST && m.code === 0) {
        if (dst !== ip.localAddress()) { count(counters, 'icmp.broadcast-echo'); return; }
        // The reply carries the request's identifier, sequence and data (RFC 792 "Echo").
        ip.send(src, PROTO_ICMP, buildEcho(ICMP_ECHO_REPLY, echoId(m), echoSequence(m), m.body), dst);
        return;
      }
      if (m.type === ICMP_ECHO_REPLY && m.code === 0 && echoId(m) === id) {
        const p = pending.get(echoSequence(m));
        if (!p) { count(counters, 'icmp.unexpected-reply'); return; }
        pending.delete(echoSequence(m));
        p.timer.cancel();
        p.resolve(scheduler.now() - p.sentAt);
        return;
      }
      count(counters, 'icmp.ignored');
    },

    ping(dst, options) {
      if (stopped) return Promise.reject(new Error('ping: the stack is stopped'));
      const timeoutMs = options && options.timeoutMs !== undefined ? options.timeoutMs : 1000;
      const size = options && options.size !== undefined ? options.size : 56;
      const seq = sequence;
      sequence = (sequence + 1) & 0xffff;
      const data = new Uint8Array(Math.max(0, Math.min(size, MAX_ECHO_DATA)));
      for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
      return new Promise<number>((resolve, reject) => {
        const timer = scheduler.after(timeoutMs, () => {
          pending.delete(seq);
          reject(new Error('ping: no reply within ' + timeoutMs + ' ms'));
        });
        pending.set(seq, { sentAt: scheduler.now(), resolve: resolve, reject: reject, timer: timer });
        ip.send(dst, PROTO_ICMP, buildEcho(ICMP_ECHO_REQUEST, id, seq, data));
      });
    },

    stop() {
      stopped = true;
      pending.forEach((p) => {
        p.timer.cancel();
        p.reject(new Error('ping: the stack stopped'));
      });
      pending.clear();
    },
  };
}
