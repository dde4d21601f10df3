/*
 * The DHCP client adapter: binds UDP port 68, feeds received messages and
 * timer ticks to the pure client, sends what it asks to send, and reports
 * leases gained and lost to the stack.
 */
import { type UdpApi } from '../types';
import { count, type Counters } from '../../lib/counters';
import { type RandomSource } from '../../lib/random';
import { type Scheduler, type TimerHandle } from '../../lib/scheduler';
import { DhcpClient, type DhcpEffects, type DhcpLease, type DhcpState, type DhcpTiming } from './client';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, parseDhcp } from './wire';

export type { DhcpLease, DhcpState } from './client';

export interface DhcpLayer {
  start(): void;
  stop(): void;
  state(): DhcpState;
  lease(): DhcpLease | undefined;
}

export interface DhcpAdapterOptions {
  udp: UdpApi;
  scheduler: Scheduler;
  random: RandomSource;
  counters: Counters;
  mac: Uint8Array;
  hostname?: string;
  timing?: Partial<DhcpTiming>;
  /** A lease was granted or renewed (maybe with a new address). */
  onLease: (lease: DhcpLease) => void;
  /** The lease is gone: stop using its address. */
  onLost: () => void;
}

export function createDhcp(options: DhcpAdapterOptions): DhcpLayer {
  const scheduler = options.scheduler;
  const counters = options.counters;
  const word = new Uint8Array(4);
  const client = new DhcpClient({
    mac: options.mac,
    hostname: options.hostname,
    timing: options.timing,
    random32: function () {
      options.random(word);
      return ((word[0] << 24) | (word[1] << 16) | (word[2] << 8) | word[3]) >>> 0;
    },
  });
  let timer: TimerHandle | null = null;
  let unbind: (() => void) | null = null;

  function apply(e: DhcpEffects): void {
    if (e.ignored) count(counters, e.ignored);
    if (e.lost) { count(counters, 'dhcp.lease-lost'); options.onLost(); }
    if (e.bound) { count(counters, 'dhcp.bound'); options.onLease(e.bound); }
    if (e.send) options.udp.send({ address: e.send.to, port: DHCP_SERVER_PORT }, e.send.message, DHCP_CLIENT_PORT);
    arm();
  }

  function arm(): void {
    if (timer) { timer.cancel(); timer = null; }
    const at = client.deadline();
    if (at === undefined || client.state() === 'stopped') return;
    timer = scheduler.after(Math.max(0, at - scheduler.now()), () => {
      timer = null;
      apply(client.tick(scheduler.now()));
    });
  }

  return {
    start() {
      if (unbind) return;
      unbind = options.udp.bind(DHCP_CLIENT_PORT, (data) => {
        const m = parseDhcp(data);
        if (typeof m === 'string') { count(counters, 'dhcp.' + m); return; }
        apply(client.receive(m, scheduler.now()));
      });
      apply(client.start(scheduler.now()));
    },
    stop() {
      client.stop();
      if (timer) { timer.cancel(); timer = null; }
      if (unbind) { unbind(); unbind = null; }
    },
    state() { return client.state(); },
    lease() { return client.lease(); },
  };
}
