/*
 * Ethernet II framing (RFC 894 carries IPv4 in it): destination MAC, source
 * MAC, EtherType, payload. The NIC adds and strips the FCS, so a minimum
 * frame here is 64 − 4 = 60 bytes, padded with zeros (IEEE 802.3 §3.2.8).
 */
import { MAC_BROADCAST, macEquals } from '../address';

export const ETH_HEADER_LENGTH = 14;
export const ETH_MIN_FRAME = 60;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
/** Below this the 16-bit field is an IEEE 802.3 length (LLC frame), not a type. */
export const ETHERTYPE_MIN = 0x0600;

export interface EthernetFrame {
  /** Views into the frame, valid as long as the frame is. */
  dst: Uint8Array;
  src: Uint8Array;
  ethertype: number;
  payload: Uint8Array;
}

/** Splits a received frame; 'short' when it cannot hold a header. Never throws. */
export function parseEthernet(frame: Uint8Array): EthernetFrame | 'short' {
  if (frame.length < ETH_HEADER_LENGTH) return 'short';
  return {
    dst: frame.subarray(0, 6),
    src: frame.subarray(6, 12),
    ethertype: (frame[12] << 8) | frame[13],
    payload: frame.subarray(ETH_HEADER_LENGTH),
  };
}

/** Writes the 14-byte header at the start of `frame`. */
export function writeEthernetHeader(frame: Uint8Array, dst: Uint8Array, src: Uint8Array, ethertype: number): void {
  frame.set(dst.subarray(0, 6), 0);
  frame.set(src.subarray(0, 6), 6);
  frame[12] = (ethertype >>> 8) & 0xff;
  frame[13] = ethertype & 0xff;
}

/** A new frame holding header + payload, zero-padded to the minimum size. */
export function buildEthernet(dst: Uint8Array, src: Uint8Array, ethertype: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(Math.max(ETH_MIN_FRAME, ETH_HEADER_LENGTH + payload.length));
  writeEthernetHeader(frame, dst, src, ethertype);
  frame.set(payload, ETH_HEADER_LENGTH);
  return frame;
}

/** The group bit (IEEE 802 §8.2): broadcast and multicast addresses have it. */
export function isGroupMac(mac: Uint8Array, at = 0): boolean {
  return (mac[at] & 1) === 1;
}

export function isBroadcastMac(mac: Uint8Array, at = 0): boolean {
  return macEquals(mac, at, MAC_BROADCAST);
}
