/*
 * The network an app asks for: the whole stack (Ethernet … TCP) on one of
 * its Netifs, configured from the boot arguments (DESIGN.md §7: --ipv4
 * A.B.C.D/N and --gateway, else DHCP), on the runtime's timers and
 * entropy. The same call works in an image and under Node.
 */
import type { Netif } from '../drivers/interfaces';
import { parseBootArgs } from '../kernel/runtime/bootargs';
import { createStack, stackConfigFromArgs, type Stack } from './stack';
import { createTcp, type Tcp } from './tcp/tcp';
import type { TcpLimits } from './tcp/config';
import { systemScheduler } from './types';

export interface NetworkOptions {
  /** Sent to the DHCP server as the host name (option 12). */
  hostname?: string;
  tcp?: TcpLimits;
  /** Told about errors the stack caught and counted (a UDP handler that threw, say). */
  onError?: (where: string, error: unknown) => void;
}

export type Network = Stack<Tcp> & { readonly tcp: Tcp };

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
  return stack as Network;
}
