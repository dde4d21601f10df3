/*
 * ICMP messages (RFC 792): type, code, checksum over the whole message,
 * four type-specific bytes, then data. Echo request/reply put an
 * identifier and a sequence number in those four bytes.
 */
import { checksum } from '../../lib/checksum';

export const ICMP_HEADER_LENGTH = 8;
export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACHABLE = 3;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_TIME_EXCEEDED = 11;

export interface IcmpMessage {
  type: number;
  code: number;
  /** The four bytes after the checksum (echo: identifier, sequence). */
  rest: number;
  /** A view of what follows the header. */
  body: Uint8Array;
}

export type IcmpParseError = 'short' | 'bad-checksum';

/** Reads and checks a message, or names what is wrong with it. Never throws. */
export function parseIcmp(buf: Uint8Array): IcmpMessage | IcmpParseError {
  if (buf.length < ICMP_HEADER_LENGTH) return 'short';
  if (checksum(buf) !== 0) return 'bad-checksum';
  return {
    type: buf[0],
    code: buf[1],
    rest: ((buf[4] << 24) | (buf[5] << 16) | (buf[6] << 8) | buf[7]) >>> 0,
    body: buf.subarray(ICMP_HEADER_LENGTH),
  };
}

export function echoId(m: IcmpMessage): number { return m.rest >>> 16; }
export function echoSequence(m: IcmpMessage): number { return m.rest & 0xffff; }

/** A new message with its checksum set. */
export function buildIcmp(type: number, code: number, rest: number, body: Uint8Array): Uint8Array {
  const buf = new Uint8Array(ICMP_HEADER_LENGTH + body.length);
  buf[0] = type & 0xff;
  buf[1] = code & 0xff;
  buf[4] = (rest >>> 24) & 0xff; buf[5] = (rest >>> 16) & 0xff; buf[6] = (rest >>> 8) & 0xff; buf[7] = rest & 0xff;
  buf.set(body, ICMP_HEADER_LENGTH);
  const sum = checksum(buf);
  buf[2] = sum >>> 8;
  buf[3] = sum & 0xff;
  return buf;
}

export function buildEcho(type: number, id: number, sequence: number, data: Uint8Array): Uint8Array {
  return buildIcmp(type, 0, (((id & 0xffff) << 16) | (sequence & 0xffff)) >>> 0, data);
}
