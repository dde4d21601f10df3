/*
 * The network an app asks for (a `network` need): the board chooses what it
 * is, as Mirage chooses stack-direct or host sockets at configure time. On
 * the unix and Xen boards it is our whole stack (Ethernet … TCP) over the
 * board's Netif, configured from the boot arguments (DESIGN.md §7: --ipv4
 * A.B.C.D/N and --gateway, else DHCP; --hostname, else the app's name, for
 * DHCP), on the runtime's timers and entropy; on the node board it is the
 * host's sockets (net/host-sockets).
 */
import type { DriverFactory, Netif } from '../drivers/interfaces';
import { parseBootArgs } from '../lib/bootargs';
import { systemScheduler } from '../lib/scheduler';
import type { Counters } from '../lib/counters';
import { createStack, stackConfigFromArgs, type Stack } from './stack';
import type { DhcpLease } from './dhcp/client';
import { createTcp, type Tcp } from './tcp/tcp';
import type { TcpLimits } from './tcp/config';
import type { TcpApi, UdpApi } from './types';

export interface NetworkOptions {
  /** Sent to the DHCP server as the host name (option 12). */
  hostname?: string;
  tcp?: TcpLimits;
  /** Told about errors the stack caught and counted (a UDP handler that threw, say). */
  onError?: (where: string, error: unknown) => void;
}

/** What an app gets: our stack on the board's NIC, or the host's sockets on the node board. */
export interface Network {
  readonly mac: Uint8Array;
  readonly mtu: number;
  readonly ipv4: Stack['ipv4'];
  readonly udp: UdpApi;
  readonly tcp: TcpApi;
  readonly icmp: Stack['icmp'];
  /** Resolves once an address is configured. */
  readonly ready: Promise<void>;
  /** Resolves once every listen() and bind() so far takes traffic (at once on our stack); rejects with a bind that failed. */
  listening(): Promise<void>;
  /** The DHCP lease, when the address came from DHCP. */
  lease(): DhcpLease | undefined;
  /** Drops counted by reason. */
  readonly counters: Counters;
  stop(): void;
}

/** Our stack on a Netif (tests and fixtures call it on a switch port; boards reach it through stackNetwork). */
export function network(netif: Netif, args: readonly string[], options: NetworkOptions = {}): Network {
  const config = stackConfigFromArgs(parseBootArgs(args.slice()).options);
  const stack = createStack<Tcp>({
    netif,
    scheduler: systemScheduler(),
    random: (buf) => { crypto.getRandomValues(buf); },
    ipv4: config.ipv4,
    gateway: config.gateway,
    dhcp: config.dhcp,
    hostname: options.hostname,
    onError: options.onError,
    tcp: (ip, env) => createTcp({ ip, scheduler: env.scheduler, random: env.random, counters: env.counters, limits: options.tcp }),
  });
  const tcp = stack.tcp as Tcp;
  return {
    mac: stack.mac, mtu: stack.mtu, ipv4: stack.ipv4, udp: stack.udp, tcp: tcp, icmp: stack.icmp,
    ready: stack.ready, counters: stack.counters, lease: stack.lease,
    listening: () => Promise.resolve(),
    stop: () => stack.stop(),
  };
}

/** A board's `network` driver: our stack over the Netif its `netif` driver makes. */
export function stackNetwork(netifDriver: DriverFactory<Netif>): DriverFactory<Network> {
  return async (io, context) => {
    const netif = await netifDriver(io, context);
    const hostname = context.args.options.hostname;
    return network(netif, context.args.all, { hostname: hostname && hostname !== 'true' ? hostname : 'nymote-' + context.app });
  };
}
