/*
 * TCP segments on the wire (RFC 9293 §3.1): parse and serialise over plain
 * Uint8Arrays. The parser checks every length against the bytes it was given
 * and reports problems as values, so a hostile segment can only be dropped,
 * never throw. Options understood: EOL, NOP, MSS (RFC 9293 §3.7.1), window
 * scale (RFC 7323 §2), SACK-permitted (RFC 2018, parsed only), SACK blocks
 * (skipped), timestamps (RFC 7323 §3, parsed only); unknown options are
 * skipped by their length.
 */
import { finishChecksum, pseudoHeaderSum, sumBytes } from '../../lib/checksum';
import { PROTO_TCP } from '../types';

export const FLAG_FIN = 0x01;
export const FLAG_SYN = 0x02;
export const FLAG_RST = 0x04;
export const FLAG_PSH = 0x08;
export const FLAG_ACK = 0x10;
export const FLAG_URG = 0x20;
export const FLAG_ECE = 0x40;
export const FLAG_CWR = 0x80;

export const HEADER_BYTES = 20;
/** The data offset is 4 bits of 32-bit words: at most 60 bytes of header. */
export const MAX_HEADER_BYTES = 60;

const OPTION_EOL = 0;
const OPTION_NOP = 1;
const OPTION_MSS = 2;
const OPTION_WINDOW_SCALE = 3;
const OPTION_SACK_PERMITTED = 4;
const OPTION_TIMESTAMPS = 8;

/** RFC 7323 §2.3: a shift above 14 is used as 14. */
export const MAX_WINDOW_SCALE = 14;

/** A parsed segment. Option fields are flat (no nested objects per packet). */
export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** Byte 13 of the header: FIN, SYN, RST, PSH, ACK, URG, ECE, CWR. */
  flags: number;
  /** The raw 16-bit window field (scaling is the connection's business). */
  window: number;
  urgent: number;
  /** MSS option value; 0 when absent. */
  mss: number;
  /** Window-scale shift as sent (not clamped); −1 when absent. */
  windowScale: number;
  sackPermitted: boolean;
  hasTimestamp: boolean;
  timestampValue: number;
  timestampEcho: number;
  /** A view into the bytes given to parseSegment: copy what you keep. */
  payload: Uint8Array;
}

export type ParseError = 'truncated' | 'bad-offset' | 'bad-option' | 'bad-checksum';

export type ParseResult = { ok: true; segment: TcpSegment } | { ok: false; error: ParseError };

function read16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

function read32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function write16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

function write32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/** The TCP checksum over the IPv4 pseudo-header and the whole segment (RFC 9293 §3.1). */
export function segmentChecksumOk(bytes: Uint8Array, src: number, dst: number): boolean {
  const sum = sumBytes(bytes, 0, bytes.length, pseudoHeaderSum(src, dst, PROTO_TCP, bytes.length));
  return finishChecksum(sum) === 0;
}

/**
 * Parses one segment. With `verifyChecksum` (the default) a segment whose
 * checksum does not match the pseudo-header of src/dst is rejected.
 */
export function parseSegment(bytes: Uint8Array, src: number, dst: number, verifyChecksum = true): ParseResult {
  const segment = emptySegment();
  const error = parseSegmentInto(bytes, src, dst, segment, verifyChecksum);
  return error ? { ok: false, error: error } : { ok: true, segment: segment };
}

/** A segment object to parse into (parseSegmentInto overwrites every field). */
export function emptySegment(): TcpSegment {
  return {
    srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, urgent: 0, mss: 0, windowScale: -1,
    sackPermitted: false, hasTimestamp: false, timestampValue: 0, timestampEcho: 0, payload: EMPTY,
  };
}

/**
 * parseSegment into a segment object the caller reuses (the receive path
 * parses every segment into one, allocating nothing but the payload view);
 * null when the segment is good. `into` may be partly overwritten on error.
 */
export function parseSegmentInto(bytes: Uint8Array, src: number, dst: number, into: TcpSegment, verifyChecksum = true): ParseError | null {
  const length = bytes.length;
  if (length < HEADER_BYTES) return 'truncated';
  const headerBytes = (bytes[12] >>> 4) * 4;
  if (headerBytes < HEADER_BYTES) return 'bad-offset';
  if (headerBytes > length) return 'truncated';
  if (verifyChecksum && !segmentChecksumOk(bytes, src, dst)) return 'bad-checksum';
  // Read inline: a call costs Duktape more than the shifts it would save writing.
  into.srcPort = (bytes[0] << 8) | bytes[1];
  into.dstPort = (bytes[2] << 8) | bytes[3];
  into.seq = ((bytes[4] << 24) | (bytes[5] << 16) | (bytes[6] << 8) | bytes[7]) >>> 0;
  into.ack = ((bytes[8] << 24) | (bytes[9] << 16) | (bytes[10] << 8) | bytes[11]) >>> 0;
  into.flags = bytes[13];
  into.window = (bytes[14] << 8) | bytes[15];
  into.urgent = (bytes[18] << 8) | bytes[19];
  into.mss = 0;
  into.windowScale = -1;
  into.sackPermitted = false;
  into.hasTimestamp = false;
  into.timestampValue = 0;
  into.timestampEcho = 0;
  into.payload = bytes.subarray(headerBytes, length);
  if (headerBytes > HEADER_BYTES && !parseOptions(bytes, HEADER_BYTES, headerBytes, into)) return 'bad-option';
  return null;
}

const EMPTY = /* @__PURE__ */ new Uint8Array(0);

/** Reads options in [start, end); false when an option's length is impossible. */
function parseOptions(b: Uint8Array, start: number, end: number, into: TcpSegment): boolean {
  let at = start;
  while (at < end) {
    const kind = b[at];
    if (kind === OPTION_EOL) return true;
    if (kind === OPTION_NOP) { at++; continue; }
    if (at + 1 >= end) return false;
    const len = b[at + 1];
    if (len < 2 || at + len > end) return false;
    switch (kind) {
      case OPTION_MSS:
        if (len !== 4) return false;
        into.mss = read16(b, at + 2);
        break;
      case OPTION_WINDOW_SCALE:
        if (len !== 3) return false;
        into.windowScale = b[at + 2];
        break;
      case OPTION_SACK_PERMITTED:
        if (len !== 2) return false;
        into.sackPermitted = true;
        break;
      case OPTION_TIMESTAMPS:
        if (len !== 10) return false;
        into.hasTimestamp = true;
        into.timestampValue = read32(b, at + 2);
        into.timestampEcho = read32(b, at + 6);
        break;
      default:
        break; // SACK blocks (5) and anything unknown: skipped by length
    }
    at += len;
  }
  return true;
}

/** What serialisation needs; options are written only when given. */
export interface SegmentFields {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  urgent?: number;
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  timestamp?: { value: number; echo: number };
}

function optionBytes(f: SegmentFields): number {
  let n = 0;
  if (f.mss !== undefined) n += 4;
  if (f.windowScale !== undefined) n += 3;
  if (f.sackPermitted) n += 2;
  if (f.timestamp) n += 10;
  return (n + 3) & ~3;
}

/** The header length serialising `f` gives: 20 bytes, its options, padding to a word. */
export function segmentHeaderLength(f: SegmentFields): number {
  return HEADER_BYTES + optionBytes(f);
}

/**
 * Writes the header and options of `f` at `at` of `b` (checksum zero);
 * returns the header length. The payload goes after it; then
 * finishSegmentAt. Split this way so outgoing data is copied only once,
 * into the frame that leaves (IpSender.frame).
 */
export function writeSegmentHeader(b: Uint8Array, at: number, f: SegmentFields): number {
  const headerBytes = segmentHeaderLength(f);
  write16(b, at, f.srcPort);
  write16(b, at + 2, f.dstPort);
  write32(b, at + 4, f.seq);
  write32(b, at + 8, f.ack);
  b[at + 12] = (headerBytes / 4) << 4;
  b[at + 13] = f.flags & 0xff;
  write16(b, at + 14, f.window);
  b[at + 16] = 0;
  b[at + 17] = 0;
  write16(b, at + 18, f.urgent || 0);
  if (headerBytes === HEADER_BYTES) return headerBytes;
  let o = at + HEADER_BYTES;
  if (f.mss !== undefined) {
    b[o] = OPTION_MSS; b[o + 1] = 4; write16(b, o + 2, f.mss); o += 4;
  }
  if (f.windowScale !== undefined) {
    b[o] = OPTION_WINDOW_SCALE; b[o + 1] = 3; b[o + 2] = f.windowScale; o += 3;
  }
  if (f.sackPermitted) {
    b[o] = OPTION_SACK_PERMITTED; b[o + 1] = 2; o += 2;
  }
  if (f.timestamp) {
    b[o] = OPTION_TIMESTAMPS; b[o + 1] = 10; write32(b, o + 2, f.timestamp.value); write32(b, o + 6, f.timestamp.echo); o += 10;
  }
  // The options end on a word boundary; the padding is EOL (zero bytes).
  while (o < at + headerBytes) b[o++] = OPTION_EOL;
  return headerBytes;
}

/**
 * Writes the header (checksum zero) into a fresh buffer with room for
 * `payloadLength` bytes after it. Fill the payload at `payloadOffset`, then
 * call finishSegment.
 */
export function buildSegment(f: SegmentFields, payloadLength: number): { bytes: Uint8Array; payloadOffset: number } {
  const b = new Uint8Array(segmentHeaderLength(f) + payloadLength);
  return { bytes: b, payloadOffset: writeSegmentHeader(b, 0, f) };
}

/** Computes and stores the checksum over the pseudo-header and the segment. */
export function finishSegment(bytes: Uint8Array, src: number, dst: number): Uint8Array {
  finishSegmentAt(bytes, 0, bytes.length, src, dst);
  return bytes;
}

/** finishSegment for the `length`-byte segment at `at` of `b`. */
export function finishSegmentAt(b: Uint8Array, at: number, length: number, src: number, dst: number): void {
  b[at + 16] = 0;
  b[at + 17] = 0;
  const sum = sumBytes(b, at, at + length, pseudoHeaderSum(src, dst, PROTO_TCP, length));
  write16(b, at + 16, finishChecksum(sum));
}

/** Header, options and a copy of `payload` in one fresh buffer, checksummed. */
export function serialiseSegment(f: SegmentFields, payload: Uint8Array | null, src: number, dst: number): Uint8Array {
  const length = payload ? payload.length : 0;
  const built = buildSegment(f, length);
  if (payload && length > 0) built.bytes.set(payload, built.payloadOffset);
  return finishSegment(built.bytes, src, dst);
}

/** The sequence space a segment occupies: data plus one each for SYN and FIN. */
export function segmentLength(s: TcpSegment): number {
  return s.payload.length + (s.flags & FLAG_SYN ? 1 : 0) + (s.flags & FLAG_FIN ? 1 : 0);
}
