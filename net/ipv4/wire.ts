/*
 * The IPv4 header (RFC 791 §3.1): codec and the checks RFC 1122 §3.2.1
 * asks of a host (version, header length, total length, header checksum).
 * Whether options or fragments are acceptable is the caller's decision.
 */
import { readIpv4, writeIpv4, type Ipv4Address } from '../address';
import { checksum } from '../../lib/checksum';

export const IPV4_HEADER_LENGTH = 20;
export const IPV4_MAX_LENGTH = 65535;
export const DEFAULT_TTL = 64;

const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const OFFSET_MASK = 0x1fff;

export interface Ipv4Packet {
  /** Header length in bytes (IHL × 4); more than 20 means options. */
  headerLength: number;
  tos: number;
  totalLength: number;
  id: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** Fragment offset in bytes. */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  src: Ipv4Address;
  dst: Ipv4Address;
  /** The payload: a view up to totalLength (link-layer padding cut off). */
  payload: Uint8Array;
}

export type Ipv4ParseError = 'short' | 'bad-version' | 'bad-ihl' | 'bad-length' | 'bad-checksum';

/** Reads and checks a packet, or names what is wrong with it. Never throws. */
export function parseIpv4Packet(buf: Uint8Array): Ipv4Packet | Ipv4ParseError {
  const packet = emptyIpv4Packet();
  const error = parseIpv4PacketInto(buf, packet);
  return error || packet;
}

/** A packet object to parse into (parseIpv4PacketInto overwrites every field). */
export function emptyIpv4Packet(): Ipv4Packet {
  return {
    headerLength: 0, tos: 0, totalLength: 0, id: 0, dontFragment: false, moreFragments: false,
    fragmentOffset: 0, ttl: 0, protocol: 0, src: 0, dst: 0, payload: EMPTY,
  };
}

/**
 * parseIpv4Packet into a packet object the caller reuses (the receive path
 * allocates nothing per packet but the payload view); null when the packet
 * is good. `into` is left as it was on error.
 */
export function parseIpv4PacketInto(buf: Uint8Array, into: Ipv4Packet): Ipv4ParseError | null {
  if (buf.length < IPV4_HEADER_LENGTH) return 'short';
  if (buf[0] >>> 4 !== 4) return 'bad-version';
  const headerLength = (buf[0] & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LENGTH || headerLength > buf.length) return 'bad-ihl';
  const totalLength = (buf[2] << 8) | buf[3];
  if (totalLength < headerLength || totalLength > buf.length) return 'bad-length';
  if (checksum(buf, 0, headerLength) !== 0) return 'bad-checksum';
  const frag = (buf[6] << 8) | buf[7];
  into.headerLength = headerLength;
  into.tos = buf[1];
  into.totalLength = totalLength;
  into.id = (buf[4] << 8) | buf[5];
  into.dontFragment = (frag & FLAG_DF) !== 0;
  into.moreFragments = (frag & FLAG_MF) !== 0;
  into.fragmentOffset = (frag & OFFSET_MASK) * 8;
  into.ttl = buf[8];
  into.protocol = buf[9];
  into.src = readIpv4(buf, 12);
  into.dst = readIpv4(buf, 16);
  into.payload = buf.subarray(headerLength, totalLength);
  return null;
}

const EMPTY = /* @__PURE__ */ new Uint8Array(0);

export interface Ipv4HeaderFields {
  tos?: number;
  /** Header plus payload, in bytes. */
  totalLength: number;
  id: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** In bytes; a multiple of 8. */
  fragmentOffset?: number;
  ttl?: number;
  protocol: number;
  src: Ipv4Address;
  dst: Ipv4Address;
}

/** Writes an option-less 20-byte header at `at`, checksum included. */
export function writeIpv4Header(buf: Uint8Array, at: number, f: Ipv4HeaderFields): void {
  buf[at] = 0x45;
  buf[at + 1] = (f.tos || 0) & 0xff;
  buf[at + 2] = (f.totalLength >>> 8) & 0xff;
  buf[at + 3] = f.totalLength & 0xff;
  buf[at + 4] = (f.id >>> 8) & 0xff;
  buf[at + 5] = f.id & 0xff;
  const frag = (f.dontFragment ? FLAG_DF : 0) | (f.moreFragments ? FLAG_MF : 0) | (((f.fragmentOffset || 0) / 8) & OFFSET_MASK);
  buf[at + 6] = frag >>> 8;
  buf[at + 7] = frag & 0xff;
  buf[at + 8] = (f.ttl === undefined ? DEFAULT_TTL : f.ttl) & 0xff;
  buf[at + 9] = f.protocol & 0xff;
  buf[at + 10] = 0;
  buf[at + 11] = 0;
  writeIpv4(buf, at + 12, f.src);
  writeIpv4(buf, at + 16, f.dst);
  const sum = checksum(buf, at, at + IPV4_HEADER_LENGTH);
  buf[at + 10] = sum >>> 8;
  buf[at + 11] = sum & 0xff;
}

/** A new packet: header then a copy of `payload`. */
export function buildIpv4Packet(f: Ipv4HeaderFields, payload: Uint8Array): Uint8Array {
  const buf = new Uint8Array(IPV4_HEADER_LENGTH + payload.length);
  writeIpv4Header(buf, 0, { ...f, totalLength: buf.length });
  buf.set(payload, IPV4_HEADER_LENGTH);
  return buf;
}

export function isFragment(p: Ipv4Packet): boolean {
  return p.moreFragments || p.fragmentOffset !== 0;
}
