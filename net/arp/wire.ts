/*
 * ARP packets for IPv4 over Ethernet (RFC 826): hardware type 1, protocol
 * type 0x0800, address lengths 6 and 4, so always 28 bytes (a frame may pad
 * them; trailing bytes are ignored).
 */
import { readIpv4, writeIpv4, type Ipv4Address } from '../address';

export const ARP_LENGTH = 28;
export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
const HTYPE_ETHERNET = 1;
const PTYPE_IPV4 = 0x0800;

export interface ArpPacket {
  op: number;
  /** Sender hardware address (a view into the packet when parsed). */
  sha: Uint8Array;
  spa: Ipv4Address;
  /** Target hardware address (a view into the packet when parsed). */
  tha: Uint8Array;
  tpa: Ipv4Address;
}

export type ArpParseError = 'short' | 'bad-hardware' | 'bad-protocol' | 'bad-op';

/** Reads an ARP packet, or names why it is not one we handle. Never throws. */
export function parseArp(buf: Uint8Array): ArpPacket | ArpParseError {
  if (buf.length < ARP_LENGTH) return 'short';
  if (((buf[0] << 8) | buf[1]) !== HTYPE_ETHERNET || buf[4] !== 6) return 'bad-hardware';
  if (((buf[2] << 8) | buf[3]) !== PTYPE_IPV4 || buf[5] !== 4) return 'bad-protocol';
  const op = (buf[6] << 8) | buf[7];
  if (op !== ARP_REQUEST && op !== ARP_REPLY) return 'bad-op';
  return {
    op: op,
    sha: buf.subarray(8, 14),
    spa: readIpv4(buf, 14),
    tha: buf.subarray(18, 24),
    tpa: readIpv4(buf, 24),
  };
}

/** Writes `p` as 28 bytes at `at` in `buf`. */
export function writeArp(buf: Uint8Array, at: number, p: ArpPacket): void {
  buf[at] = 0; buf[at + 1] = HTYPE_ETHERNET;
  buf[at + 2] = PTYPE_IPV4 >>> 8; buf[at + 3] = PTYPE_IPV4 & 0xff;
  buf[at + 4] = 6; buf[at + 5] = 4;
  buf[at + 6] = (p.op >>> 8) & 0xff; buf[at + 7] = p.op & 0xff;
  buf.set(p.sha.subarray(0, 6), at + 8);
  writeIpv4(buf, at + 14, p.spa);
  buf.set(p.tha.subarray(0, 6), at + 18);
  writeIpv4(buf, at + 24, p.tpa);
}

export function buildArp(p: ArpPacket): Uint8Array {
  const buf = new Uint8Array(ARP_LENGTH);
  writeArp(buf, 0, p);
  return buf;
}
