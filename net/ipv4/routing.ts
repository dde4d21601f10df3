/*
 * Where an outgoing IPv4 packet goes next (RFC 1122 §3.3.1): on-link
 * destinations directly, everything else through the default gateway;
 * the limited broadcast and our subnet's broadcast to the Ethernet
 * broadcast address. A pure function of the configuration.
 */
import { prefixMask, sameSubnet, type Ipv4Address } from '../address';

export interface Ipv4Config {
  /** 0 while unconfigured (before DHCP). */
  address: Ipv4Address;
  prefix: number;
  /** 0 when there is none. */
  gateway: Ipv4Address;
}

/** Next-hop kinds that are not an address (addresses are ≥ 0). */
export const HOP_BROADCAST = -1;
export const HOP_MULTICAST = -2;
export const HOP_LOCAL = -3;
export const HOP_NONE = -4;

export function isMulticast(a: Ipv4Address): boolean {
  return a >>> 28 === 14; // 224.0.0.0/4 (RFC 5771)
}

/** Whether `a` is the directed broadcast of our subnet (/31 and /32 have none: RFC 3021). */
export function isSubnetBroadcast(a: Ipv4Address, cfg: Ipv4Config): boolean {
  if (cfg.address === 0 || cfg.prefix > 30) return false;
  const host = ~prefixMask(cfg.prefix) >>> 0;
  return sameSubnet(a, cfg.address, cfg.prefix) && ((a & host) >>> 0) === host;
}

/** The next hop for `dst`: an address to resolve with ARP, or one of the HOP_* kinds. */
export function nextHop(dst: Ipv4Address, cfg: Ipv4Config): number {
  if (dst === 0xffffffff) return HOP_BROADCAST;
  if (isMulticast(dst)) return HOP_MULTICAST;
  if (cfg.address === 0 || dst === 0) return HOP_NONE;
  if (dst === cfg.address) return HOP_LOCAL;
  if (isSubnetBroadcast(dst, cfg)) return HOP_BROADCAST;
  if (sameSubnet(dst, cfg.address, cfg.prefix)) return dst;
  return cfg.gateway !== 0 ? cfg.gateway : HOP_NONE;
}

/** The Ethernet address of an IPv4 multicast group (RFC 1112 §6.4). */
export function multicastMac(group: Ipv4Address): Uint8Array {
  const mac = new Uint8Array(6);
  mac[0] = 0x01; mac[1] = 0x00; mac[2] = 0x5e;
  mac[3] = (group >>> 16) & 0x7f; mac[4] = (group >>> 8) & 0xff; mac[5] = group & 0xff;
  return mac;
}
