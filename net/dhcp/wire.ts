/*
 * DHCP messages (RFC 2131 §2, the BOOTP layout of RFC 951) and their
 * options (RFC 2132): a 236-byte fixed part, the magic cookie, then
 * type-length-value options. Parsing honours option overload (RFC 2132
 * §9.3: options continued in the `file` and `sname` fields) and joins
 * repeated options (RFC 3396); building splits long ones the same way.
 */
import { readIpv4, writeIpv4, type Ipv4Address } from '../address';

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;

/** Message types (option 53, RFC 2132 §9.6). */
export const DHCPDISCOVER = 1;
export const DHCPOFFER = 2;
export const DHCPREQUEST = 3;
export const DHCPDECLINE = 4;
export const DHCPACK = 5;
export const DHCPNAK = 6;
export const DHCPRELEASE = 7;
export const DHCPINFORM = 8;

/** Option codes (RFC 2132). */
export const OPT_PAD = 0;
export const OPT_SUBNET_MASK = 1;
export const OPT_ROUTER = 3;
export const OPT_DNS = 6;
export const OPT_HOSTNAME = 12;
export const OPT_REQUESTED_IP = 50;
export const OPT_LEASE_TIME = 51;
export const OPT_OVERLOAD = 52;
export const OPT_MESSAGE_TYPE = 53;
export const OPT_SERVER_ID = 54;
export const OPT_PARAMETER_LIST = 55;
export const OPT_MESSAGE = 56;
export const OPT_RENEWAL_TIME = 58;
export const OPT_REBINDING_TIME = 59;
export const OPT_CLIENT_ID = 61;
export const OPT_END = 255;

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
/** The broadcast bit of `flags` (RFC 2131 §2, figure 2). */
export const FLAG_BROADCAST = 0x8000;

const FIXED_LENGTH = 236;
const COOKIE_AT = FIXED_LENGTH;
const OPTIONS_AT = FIXED_LENGTH + 4;
const SNAME_AT = 44;
const FILE_AT = 108;
/** RFC 1542 §3.2.1: some relays drop BOOTP messages under 300 bytes. */
const MIN_MESSAGE = 300;
const COOKIE = [99, 130, 83, 99];

/** Options by code; each value is the (joined) option data. */
export interface DhcpOptions { [code: number]: Uint8Array }

export interface DhcpMessage {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: Ipv4Address;
  yiaddr: Ipv4Address;
  siaddr: Ipv4Address;
  giaddr: Ipv4Address;
  /** Client hardware address field (16 bytes; Ethernet uses the first 6). */
  chaddr: Uint8Array;
  options: DhcpOptions;
}

export type DhcpParseError = 'short' | 'bad-op' | 'bad-cookie' | 'bad-options';

/** Parses options in [start, end) into `into`; false when an option runs past the end. */
function parseOptions(buf: Uint8Array, start: number, end: number, into: DhcpOptions): boolean {
  let i = start;
  while (i < end) {
    const code = buf[i];
    if (code === OPT_PAD) { i++; continue; }
    if (code === OPT_END) return true;
    if (i + 1 >= end) return false;
    const len = buf[i + 1];
    if (i + 2 + len > end) return false;
    const data = buf.subarray(i + 2, i + 2 + len);
    const before = into[code];
    if (before) {
      // RFC 3396 §6: repeated instances are concatenated in order.
      const joined = new Uint8Array(before.length + data.length);
      joined.set(before);
      joined.set(data, before.length);
      into[code] = joined;
    } else {
      into[code] = data;
    }
    i += 2 + len;
  }
  return true; // a missing END is tolerated
}

/** Reads a DHCP message, or names what is wrong with it. Never throws. Option data are views into `buf`. */
export function parseDhcp(buf: Uint8Array): DhcpMessage | DhcpParseError {
  if (buf.length < OPTIONS_AT) return 'short';
  const op = buf[0];
  if (op !== BOOTREQUEST && op !== BOOTREPLY) return 'bad-op';
  for (let i = 0; i < 4; i++) if (buf[COOKIE_AT + i] !== COOKIE[i]) return 'bad-cookie';
  const options: DhcpOptions = {};
  if (!parseOptions(buf, OPTIONS_AT, buf.length, options)) return 'bad-options';
  const overload = options[OPT_OVERLOAD];
  if (overload && overload.length === 1) {
    // RFC 2131 §4.1: `file` is read before `sname`.
    if ((overload[0] & 1) && !parseOptions(buf, FILE_AT, FILE_AT + 128, options)) return 'bad-options';
    if ((overload[0] & 2) && !parseOptions(buf, SNAME_AT, SNAME_AT + 64, options)) return 'bad-options';
  }
  return {
    op: op,
    htype: buf[1],
    hlen: buf[2],
    hops: buf[3],
    xid: readIpv4(buf, 4),
    secs: (buf[8] << 8) | buf[9],
    flags: (buf[10] << 8) | buf[11],
    ciaddr: readIpv4(buf, 12),
    yiaddr: readIpv4(buf, 16),
    siaddr: readIpv4(buf, 20),
    giaddr: readIpv4(buf, 24),
    chaddr: buf.subarray(28, 44),
    options: options,
  };
}

/** Option codes in the order they are written: the message type first, then ascending. */
function optionOrder(options: DhcpOptions): number[] {
  const codes: number[] = [];
  for (const key in options) {
    const code = Number(key);
    if (code > OPT_PAD && code < OPT_END && options[code]) codes.push(code);
  }
  codes.sort((a, b) => {
    if (a === OPT_MESSAGE_TYPE) return -1;
    if (b === OPT_MESSAGE_TYPE) return 1;
    return a - b;
  });
  return codes;
}

/** A new message; options longer than 255 bytes are split into several instances. */
export function buildDhcp(m: DhcpMessage): Uint8Array {
  const codes = optionOrder(m.options);
  let optionBytes = 1; // END
  for (let i = 0; i < codes.length; i++) {
    const len = m.options[codes[i]].length;
    optionBytes += len === 0 ? 2 : len + 2 * Math.ceil(len / 255);
  }
  const buf = new Uint8Array(Math.max(MIN_MESSAGE, OPTIONS_AT + optionBytes));
  buf[0] = m.op & 0xff; buf[1] = m.htype & 0xff; buf[2] = m.hlen & 0xff; buf[3] = m.hops & 0xff;
  writeIpv4(buf, 4, m.xid >>> 0);
  buf[8] = (m.secs >>> 8) & 0xff; buf[9] = m.secs & 0xff;
  buf[10] = (m.flags >>> 8) & 0xff; buf[11] = m.flags & 0xff;
  writeIpv4(buf, 12, m.ciaddr);
  writeIpv4(buf, 16, m.yiaddr);
  writeIpv4(buf, 20, m.siaddr);
  writeIpv4(buf, 24, m.giaddr);
  buf.set(m.chaddr.subarray(0, 16), 28);
  for (let i = 0; i < 4; i++) buf[COOKIE_AT + i] = COOKIE[i];
  let at = OPTIONS_AT;
  for (let i = 0; i < codes.length; i++) {
    const data = m.options[codes[i]];
    let from = 0;
    do {
      const len = Math.min(255, data.length - from);
      buf[at] = codes[i];
      buf[at + 1] = len;
      buf.set(data.subarray(from, from + len), at + 2);
      at += 2 + len;
      from += len;
    } while (from < data.length);
  }
  buf[at] = OPT_END;
  return buf;
}

/* ---- typed views of option data ---- */

export function optionByte(options: DhcpOptions, code: number): number | undefined {
  const d = options[code];
  return d && d.length >= 1 ? d[0] : undefined;
}

export function optionUint32(options: DhcpOptions, code: number): number | undefined {
  const d = options[code];
  return d && d.length >= 4 ? readIpv4(d, 0) : undefined;
}

export function optionAddress(options: DhcpOptions, code: number): Ipv4Address | undefined {
  return optionUint32(options, code);
}

/** A list of addresses (routers, DNS servers); empty when absent or malformed. */
export function optionAddresses(options: DhcpOptions, code: number): Ipv4Address[] {
  const d = options[code];
  const out: Ipv4Address[] = [];
  if (!d || d.length % 4 !== 0) return out;
  for (let i = 0; i < d.length; i += 4) out.push(readIpv4(d, i));
  return out;
}

export function uint32Option(n: number): Uint8Array {
  const d = new Uint8Array(4);
  writeIpv4(d, 0, n >>> 0);
  return d;
}

export function addressesOption(list: Ipv4Address[]): Uint8Array {
  const d = new Uint8Array(4 * list.length);
  for (let i = 0; i < list.length; i++) writeIpv4(d, 4 * i, list[i]);
  return d;
}

/** ASCII text as option data (host names); other characters become '?'. */
export function asciiOption(text: string): Uint8Array {
  const d = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) { const c = text.charCodeAt(i); d[i] = c < 128 ? c : 63; }
  return d;
}
