/*
 * A whole IPv4 host stack on one Netif: Ethernet, ARP, IPv4, ICMP, UDP,
 * and DHCP when no static address is given. Transports plug in through
 * `registerTransport` and send through `ip` (TCP does exactly that).
 *
 * Nothing a received frame contains makes the stack throw: each drop is
 * counted in `counters` ("eth.short", "ipv4.bad-checksum", "udp.no-port", …).
 */
import type { Netif } from '../drivers/interfaces';
import { formatIpv4, parseCidr, parseIpv4, prefixMask, sameSubnet, type Ipv4Address } from './address';
import { createArp, type ArpLayer } from './arp/arp';
import type { ArpLimits } from './arp/table';
import type { DhcpTiming } from './dhcp/client';
import { createDhcp, type DhcpLayer, type DhcpLease } from './dhcp/dhcp';
import { createEthernet } from './ethernet/ethernet';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4 } from './ethernet/wire';
import { createIcmp, type PingOptions } from './icmp/icmp';
import { createIpv4 } from './ipv4/ipv4';
import type { ReassemblyLimits } from './ipv4/reassembly';
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP, type IpSender, type TransportInput, type UdpApi } from './types';
import { count, type Counters } from '../lib/counters';
import { type RandomSource } from '../lib/random';
import { type Scheduler } from '../lib/scheduler';
import { createUdp } from './udp/udp';

export interface StaticIpv4 { address: Ipv4Address; prefix: number }

/** What a transport plugged in with `tcp` gets besides the IP sender. */
export interface TransportEnv {
  scheduler: Scheduler;
  random: RandomSource;
  counters: Counters;
}

/** A transport built by the stack: its receive side is registered for PROTO_TCP. */
export interface PluggedTransport {
  input: TransportInput;
  stop?: () => void;
}

export interface StackOptions<T extends PluggedTransport = PluggedTransport> {
  netif: Netif;
  scheduler: Scheduler;
  random: RandomSource;
  /** A static address; without it the stack asks DHCP. */
  ipv4?: StaticIpv4;
  /** The default gateway for a static address (must be on its subnet). */
  gateway?: Ipv4Address;
  /** Use DHCP; defaults to true exactly when no `ipv4` is given. */
  dhcp?: boolean;
  /** Sent as DHCP option 12. */
  hostname?: string;
  /** Builds TCP over the stack's IP sender (registered for protocol 6). */
  tcp?: (ip: IpSender, env: TransportEnv) => T;
  /** Tuning, mostly for tests. */
  limits?: { arp?: Partial<ArpLimits>; reassembly?: Partial<ReassemblyLimits>; dhcp?: Partial<DhcpTiming> };
  /** Told about exceptions the stack catches (a UDP handler throwing, say); they are counted either way. */
  onError?: (where: string, error: unknown) => void;
}

export interface Stack<T extends PluggedTransport = PluggedTransport> {
  readonly mac: Uint8Array;
  readonly mtu: number;
  readonly ipv4: {
    /** 0 while none is configured. */
    address(): Ipv4Address;
    prefix(): number;
    /** 0 when there is none. */
    gateway(): Ipv4Address;
    /** DNS servers offered by DHCP (empty with a static address). */
    dns(): Ipv4Address[];
  };
  readonly udp: UdpApi;
  readonly icmp: { ping(dst: Ipv4Address, options?: PingOptions): Promise<number> };
  /** What `options.tcp` built, if given. */
  readonly tcp: T | undefined;
  /** Resolves once an address is configured (at once for a static one). */
  readonly ready: Promise<void>;
  readonly counters: Counters;
  /** The sender transports use; `localAddress()` follows DHCP. */
  readonly ip: IpSender;
  /** Routes received packets of `protocol` to `input`; throws if it already has one. Returns a remover. */
  registerTransport(protocol: number, input: TransportInput): () => void;
  /** The DHCP lease, when DHCP is in use and bound. */
  lease(): DhcpLease | undefined;
  /** Stops timers, DHCP and delivery; frames arriving later are ignored. */
  stop(): void;
}

function validateStatic(ipv4: StaticIpv4, gateway: Ipv4Address | undefined): void {
  if (!(ipv4.prefix >= 0 && ipv4.prefix <= 32 && Math.floor(ipv4.prefix) === ipv4.prefix)) {
    throw new Error('stack: bad prefix length ' + ipv4.prefix + ' (0-32)');
  }
  if (ipv4.address === 0 || ipv4.address === 0xffffffff) throw new Error('stack: ' + formatIpv4(ipv4.address) + ' is not a host address');
  if (gateway !== undefined && gateway !== 0 && !sameSubnet(gateway, ipv4.address, ipv4.prefix)) {
    throw new Error('stack: gateway ' + formatIpv4(gateway) + ' is not on ' + formatIpv4(ipv4.address) + '/' + ipv4.prefix);
  }
}

export function createStack<T extends PluggedTransport = PluggedTransport>(options: StackOptions<T>): Stack<T> {
  const scheduler = options.scheduler;
  const random = options.random;
  const counters: Counters = {};
  const useDhcp = options.dhcp !== undefined ? options.dhcp : !options.ipv4;
  if (options.ipv4) validateStatic(options.ipv4, options.gateway);
  else if (!useDhcp) throw new Error('stack: no address: give ipv4 or enable dhcp');
  function reportError(where: string, e: unknown): void {
    count(counters, where + '.error');
    if (options.onError) options.onError(where, e);
  }

  const ethernet = createEthernet(options.netif, counters);
  const arp: ArpLayer = createArp({
    ethernet: ethernet, scheduler: scheduler, counters: counters,
    // ARP answers for the address IPv4 holds (ip is built next; this runs later).
    localAddress: function () { return ip.localAddress(); },
    limits: options.limits && options.limits.arp,
  });
  const ip = createIpv4({
    ethernet: ethernet, arp: arp, scheduler: scheduler, random: random, counters: counters,
    reassembly: options.limits && options.limits.reassembly,
  });
  const icmp = createIcmp(ip, scheduler, random, counters);
  const udp = createUdp(ip, counters, (e) => { if (options.onError) options.onError('udp', e); });
  ip.register(PROTO_ICMP, icmp.input);
  ip.register(PROTO_UDP, udp.input);
  ethernet.handle(ETHERTYPE_ARP, arp.input);
  ethernet.handle(ETHERTYPE_IPV4, ip.input);

  let stopped = false;
  let dns: Ipv4Address[] = [];
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => { markReady = resolve; });

  /** Sets the address; announces it (gratuitous ARP) when it changed. */
  function configure(address: Ipv4Address, prefix: number, gateway: Ipv4Address): void {
    const before = ip.localAddress();
    ip.configure({ address: address, prefix: prefix, gateway: gateway });
    if (address !== 0 && address !== before) arp.announce();
    if (address !== 0) markReady();
  }

  let dhcp: DhcpLayer | undefined;
  if (useDhcp) {
    dhcp = createDhcp({
      udp: udp, scheduler: scheduler, random: random, counters: counters, mac: ethernet.mac,
      hostname: options.hostname, timing: options.limits && options.limits.dhcp,
      onLease: function (lease) {
        dns = lease.dns;
        configure(lease.address, lease.prefix, lease.gateway);
      },
      onLost: function () {
        dns = [];
        configure(0, 32, 0);
      },
    });
  }

  let tcp: T | undefined;
  if (options.tcp) {
    tcp = options.tcp(ip, { scheduler: scheduler, random: random, counters: counters });
    ip.register(PROTO_TCP, tcp.input);
  }

  options.netif.listen((frame) => {
    if (stopped) return;
    try {
      ethernet.input(frame);
    } catch (e) {
      // A bug, never bad input: keep the driver's loop alive and make it visible.
      reportError('stack', e);
    }
  });

  if (options.ipv4) configure(options.ipv4.address >>> 0, options.ipv4.prefix, (options.gateway || 0) >>> 0);
  if (dhcp) dhcp.start();

  return {
    mac: ethernet.mac,
    mtu: ethernet.mtu,
    ipv4: {
      address: function () { return ip.localAddress(); },
      prefix: function () { return ip.config().prefix; },
      gateway: function () { return ip.config().gateway; },
      dns: function () { return dns.slice(); },
    },
    udp: udp,
    icmp: { ping: icmp.ping },
    tcp: tcp,
    ready: ready,
    counters: counters,
    ip: ip,
    registerTransport: function (protocol, input) { return ip.register(protocol, input); },
    lease: function () { return dhcp ? dhcp.lease() : undefined; },
    stop() {
      if (stopped) return;
      stopped = true;
      if (dhcp) dhcp.stop();
      if (tcp && tcp.stop) tcp.stop();
      icmp.stop();
      arp.stop();
      ip.stop();
    },
  };
}

export interface StackConfig {
  ipv4?: StaticIpv4;
  gateway?: Ipv4Address;
  dhcp: boolean;
}

/**
 * The network part of the boot arguments (DESIGN.md §7): `--ipv4 A.B.C.D/N`
 * and `--gateway A.B.C.D`, else DHCP. Throws an Error naming the bad value.
 */
export function stackConfigFromArgs(options: { readonly [key: string]: string | undefined }): StackConfig {
  const cidr = options.ipv4;
  const gw = options.gateway;
  if (cidr === undefined) {
    if (gw !== undefined) throw new Error('--gateway ' + gw + ' needs --ipv4 A.B.C.D/N (without --ipv4 the gateway comes from DHCP)');
    return { dhcp: true };
  }
  const parsed = cidr === 'true' ? undefined : parseCidr(cidr);
  if (!parsed) throw new Error('--ipv4 ' + (cidr === 'true' ? '(no value)' : cidr) + ': expected A.B.C.D/N, e.g. 10.0.0.2/24');
  const host = ~prefixMask(parsed.prefix) >>> 0;
  if (parsed.address === 0 || parsed.address === 0xffffffff || parsed.address >>> 28 >= 14 || parsed.address >>> 24 === 127) {
    throw new Error('--ipv4 ' + cidr + ': not a usable host address');
  }
  if (parsed.prefix === 0) throw new Error('--ipv4 ' + cidr + ': a /0 prefix leaves no gateway to use; give the real subnet');
  if (parsed.prefix <= 30 && (((parsed.address & host) >>> 0) === 0 || ((parsed.address & host) >>> 0) === host)) {
    throw new Error('--ipv4 ' + cidr + ': that is the ' + (((parsed.address & host) >>> 0) === 0 ? 'network' : 'broadcast') + ' address of its subnet');
  }
  const config: StackConfig = { ipv4: parsed, dhcp: false };
  if (gw !== undefined) {
    const gateway = gw === 'true' ? undefined : parseIpv4(gw);
    if (gateway === undefined) throw new Error('--gateway ' + (gw === 'true' ? '(no value)' : gw) + ': expected A.B.C.D');
    if (!sameSubnet(gateway, parsed.address, parsed.prefix)) {
      throw new Error('--gateway ' + gw + ' is not on the subnet of --ipv4 ' + cidr);
    }
    if (gateway === parsed.address) throw new Error('--gateway ' + gw + ' is our own address');
    config.gateway = gateway;
  }
  return config;
}
