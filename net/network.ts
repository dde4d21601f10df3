/*
 * The network an app asks for: the whole stack (Ethernet … TCP) on one of
 * its Netifs, configured from the boot arguments (DESIGN.md §7: --ipv4
 * A.B.C.D/N and --gateway, else DHCP), on the runtime's timers and
 * entropy. The same call works in an image and under Node.
 */
import type { HostSockets, Netif } from '../drivers/interfaces';
import { parseBootArgs } from '../kernel/runtime/bootargs';
import { createStack, stackConfigFromArgs, type Stack } from './stack';
import type { DhcpLease } from './dhcp/client';
import { createTcp, type Tcp } from './tcp/tcp';
import type { TcpLimits } from './tcp/config';
import { systemScheduler, type Counters, type TcpApi, type UdpApi } from './types';

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

export function network(netif: Netif, args: readonly string[], options: NetworkOptions = {}): Network {
  if (netif.hostSockets) return hostNetwork(netif.hostSockets);
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
    listening: function () { return Promise.resolve(); },
    stop: function () { stack.stop(); },
  };
}

function hostNetwork(host: HostSockets): Network {
  const address = host.address;
  return {
    mac: new Uint8Array(6),
    mtu: 65535,
    ipv4: { address: function () { return address; }, prefix: function () { return 32; }, gateway: function () { return 0; }, dns: function () { return []; } },
    udp: host.udp,
    tcp: host.tcp,
    icmp: { ping: function () { return Promise.reject(new Error('ping: the node board has no ICMP sockets')); } },
    ready: Promise.resolve(),
    listening: host.listening,
    lease: function () { return undefined; },
    counters: {},
    stop: function () { /* the host's sockets close with the process */ },
  };
}
