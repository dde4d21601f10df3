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
  const length = UDP_HEADER_LENGTH + data.length;
  const buf = new Uint8Array(length);
  buf[0] = (srcPort >>> 8) & 0xff; buf[1] = srcPort & 0xff;
  buf[2] = (dstPort >>> 8) & 0xff; buf[3] = dstPort & 0xff;
  buf[4] = (length >>> 8) & 0xff; buf[5] = length & 0xff;
  buf.set(data, UDP_HEADER_LENGTH);
  const sum = finishChecksum(sumBytes(buf, 0, length, pseudoHeaderSum(src, dst, PROTO_UDP, length))) || 0xffff;
  buf[6] = sum >>> 8;
  buf[7] = sum & 0xff;
  return buf;
}
