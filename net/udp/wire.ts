/*
 * UDP datagrams (RFC 768): ports, length and a checksum over an IPv4
 * pseudo-header, the UDP header and the data. On receive a zero checksum
 * means "none computed"; on send we always compute it, and a result of 0
 * goes on the wire as 0xffff (the same number in one's complement).
 */
import { type Ipv4Address } from '../address';
import { finishChecksum, pseudoHeaderSum, sumBytes } from '../../lib/checksum';
import { PROTO_UDP } from '../types';

export const UDP_HEADER_LENGTH = 8;
/** 65535 − 20 (IPv4 header) − 8 (UDP header). */
export const UDP_MAX_DATA = 65507;

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  /** A view of the data (cut to the UDP length field). */
  data: Uint8Array;
}

export type UdpParseError = 'short' | 'bad-length' | 'bad-checksum';

/** Reads and checks a datagram sent from `src` to `dst`. Never throws. */
export function parseUdp(buf: Uint8Array, src: Ipv4Address, dst: Ipv4Address): UdpDatagram | UdpParseError {
  if (buf.length < UDP_HEADER_LENGTH) return 'short';
  const length = (buf[4] << 8) | buf[5];
  if (length < UDP_HEADER_LENGTH || length > buf.length) return 'bad-length';
  if (((buf[6] << 8) | buf[7]) !== 0) {
    const sum = sumBytes(buf, 0, length, pseudoHeaderSum(src, dst, PROTO_UDP, length));
    if (finishChecksum(sum) !== 0) return 'bad-checksum';
  }
  return {
    srcPort: (buf[0] << 8) | buf[1],
    dstPort: (buf[2] << 8) | buf[3],
    data: buf.subarray(UDP_HEADER_LENGTH, length),
  };
}

/** A new datagram holding a copy of `data`, checksum computed. */
export function buildUdp(src: Ipv4Address, dst: Ipv4Address, srcPort: number, dstPort: number, data: Uint8Array): Uint8Array {
  const buf = new Uint8Array(UDP_HEADER_LENGTH + data.length);
  writeUdp(buf, 0, src, dst, srcPort, dstPort, data);
  return buf;
}

/**
 * Writes the datagram (header, a copy of `data`, checksum) at `at` of `buf`,
 * which has room for UDP_HEADER_LENGTH + data.length bytes there: a frame
 * from IpSender.frame(), so the data is copied once on its way out.
 */
export function writeUdp(buf: Uint8Array, at: number, src: Ipv4Address, dst: Ipv4Address, srcPort: number, dstPort: number, data: Uint8Array): void {
  const length = UDP_HEADER_LENGTH + data.length;
  buf[at] = (srcPort >>> 8) & 0xff; buf[at + 1] = srcPort & 0xff;
  buf[at + 2] = (dstPort >>> 8) & 0xff; buf[at + 3] = dstPort & 0xff;
  buf[at + 4] = (length >>> 8) & 0xff; buf[at + 5] = length & 0xff;
  buf[at + 6] = 0; buf[at + 7] = 0;
  buf.set(data, at + UDP_HEADER_LENGTH);
  const sum = finishChecksum(sumBytes(buf, at, at + length, pseudoHeaderSum(src, dst, PROTO_UDP, length))) || 0xffff;
  buf[at + 6] = sum >>> 8;
  buf[at + 7] = sum & 0xff;
}
