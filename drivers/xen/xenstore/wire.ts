/*
 * The xenstore wire protocol (Xen's public io/xs_wire.h): a 16-byte
 * little-endian header { type, req_id, tx_id, len } followed by `len` bytes
 * of payload (at most XENSTORE_PAYLOAD_MAX). Payloads are NUL-terminated
 * strings joined, except XS_WRITE (path\0value, the value not terminated)
 * and XS_READ's answer (the raw value). XS_ERROR carries an errno name.
 *
 * Pure: no I/O, nothing thrown at input from the peer. ES5-friendly (runs in
 * Duktape): no BigInt, no TypedArray slice/fill/from; subarray/set and loops.
 */

/** enum xsd_sockmsg_type. 20 was XS_RESTRICT (withdrawn). */
export const XS_CONTROL = 0;
export const XS_DEBUG = 0;
export const XS_DIRECTORY = 1;
export const XS_READ = 2;
export const XS_GET_PERMS = 3;
export const XS_WATCH = 4;
export const XS_UNWATCH = 5;
export const XS_TRANSACTION_START = 6;
export const XS_TRANSACTION_END = 7;
export const XS_INTRODUCE = 8;
export const XS_RELEASE = 9;
export const XS_GET_DOMAIN_PATH = 10;
export const XS_WRITE = 11;
export const XS_MKDIR = 12;
export const XS_RM = 13;
export const XS_SET_PERMS = 14;
export const XS_WATCH_EVENT = 15;
export const XS_ERROR = 16;
export const XS_IS_DOMAIN_INTRODUCED = 17;
export const XS_RESUME = 18;
export const XS_SET_TARGET = 19;
export const XS_RESET_WATCHES = 21;
export const XS_DIRECTORY_PART = 22;

export const XS_HEADER_SIZE = 16;
/** XENSTORE_PAYLOAD_MAX */
export const XENSTORE_PAYLOAD_MAX = 4096;
/** XENSTORE_ABS_PATH_MAX / XENSTORE_REL_PATH_MAX */
export const XENSTORE_ABS_PATH_MAX = 3072;
export const XENSTORE_REL_PATH_MAX = 2048;

/** The errno names xenstored answers with (xsd_errors). */
export const XS_ERRORS = [
  'EINVAL', 'EACCES', 'EEXIST', 'EISDIR', 'ENOENT', 'ENOMEM', 'ENOSPC', 'EIO',
  'ENOTEMPTY', 'ENOSYS', 'EROFS', 'EBUSY', 'EAGAIN', 'EISCONN', 'E2BIG', 'EPERM',
];

export interface XsMessage {
  type: number;
  reqId: number;
  txId: number;
  payload: Uint8Array;
}

/** Encodes one message; null when the payload is over XENSTORE_PAYLOAD_MAX. */
export function encodeMessage(msg: XsMessage): Uint8Array | null {
  const len = msg.payload.length;
  if (len > XENSTORE_PAYLOAD_MAX) return null;
  const out = new Uint8Array(XS_HEADER_SIZE + len);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setUint32(0, msg.type >>> 0, true);
  dv.setUint32(4, msg.reqId >>> 0, true);
  dv.setUint32(8, msg.txId >>> 0, true);
  dv.setUint32(12, len, true);
  out.set(msg.payload, XS_HEADER_SIZE);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (let i = 0; i < parts.length; i++) n += parts[i].length;
  const out = new Uint8Array(n);
  let o = 0;
  for (let i = 0; i < parts.length; i++) { out.set(parts[i], o); o += parts[i].length; }
  return out;
}

const NUL = new Uint8Array(1);

/** "a\0b\0…": every string NUL-terminated (requests such as XS_WATCH, XS_RM, XS_READ). */
export function encodeStrings(strings: readonly string[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < strings.length; i++) { parts.push(utf8(strings[i])); parts.push(NUL); }
  return concat(parts);
}

/** XS_WRITE's payload: path\0value, the value not terminated. */
export function encodeWrite(path: string, value: string | Uint8Array): Uint8Array {
  return concat([utf8(path), NUL, typeof value === 'string' ? utf8(value) : value]);
}

/**
 * Splits a payload at NULs: "a\0b\0" → ["a", "b"]; an unterminated tail is
 * kept as a last string ("a\0b" → ["a", "b"]); "" → [].
 */
export function decodeStrings(payload: Uint8Array): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < payload.length; i++) {
    if (payload[i] === 0) { out.push(fromUtf8(payload.subarray(start, i))); start = i + 1; }
  }
  if (start < payload.length) out.push(fromUtf8(payload.subarray(start)));
  return out;
}

/** The first string of a payload (up to its first NUL, or all of it). */
export function decodeString(payload: Uint8Array): string {
  let end = 0;
  while (end < payload.length && payload[end] !== 0) end++;
  return fromUtf8(payload.subarray(0, end));
}

/** Splits XS_WRITE's payload into path and value; null without a NUL. */
export function decodeWrite(payload: Uint8Array): { path: string; value: Uint8Array } | null {
  for (let i = 0; i < payload.length; i++) {
    if (payload[i] === 0) return { path: fromUtf8(payload.subarray(0, i)), value: copy(payload.subarray(i + 1)) };
  }
  return null;
}

export function copy(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
}

export interface ParseResult {
  messages: XsMessage[];
  /** Set once the stream is broken (a header with len > XENSTORE_PAYLOAD_MAX); sticky. */
  error?: string;
}

/**
 * Incremental parser: feed arbitrary chunks, get whole messages (payloads
 * copied, so a chunk may be a view of a shared page). After a protocol
 * error the stream cannot be resynchronised: every later feed reports it.
 */
export class MessageParser {
  private readonly header = new Uint8Array(XS_HEADER_SIZE);
  private headerFill = 0;
  private current: XsMessage | null = null;
  private payloadFill = 0;
  private broken: string | undefined;

  get error(): string | undefined { return this.broken; }

  feed(chunk: Uint8Array): ParseResult {
    const messages: XsMessage[] = [];
    if (this.broken !== undefined) return { messages, error: this.broken };
    let i = 0;
    while (i < chunk.length) {
      if (this.current === null) {
        const take = Math.min(XS_HEADER_SIZE - this.headerFill, chunk.length - i);
        this.header.set(chunk.subarray(i, i + take), this.headerFill);
        this.headerFill += take;
        i += take;
        if (this.headerFill < XS_HEADER_SIZE) break;
        this.headerFill = 0;
        const dv = new DataView(this.header.buffer, this.header.byteOffset, XS_HEADER_SIZE);
        const len = dv.getUint32(12, true);
        if (len > XENSTORE_PAYLOAD_MAX) {
          this.broken = 'payload length ' + len + ' over ' + XENSTORE_PAYLOAD_MAX;
          return { messages, error: this.broken };
        }
        this.current = { type: dv.getUint32(0, true), reqId: dv.getUint32(4, true), txId: dv.getUint32(8, true), payload: new Uint8Array(len) };
        this.payloadFill = 0;
      } else {
        const cur = this.current;
        const take = Math.min(cur.payload.length - this.payloadFill, chunk.length - i);
        cur.payload.set(chunk.subarray(i, i + take), this.payloadFill);
        this.payloadFill += take;
        i += take;
      }
      if (this.current !== null && this.payloadFill === this.current.payload.length) {
        messages.push(this.current);
        this.current = null;
      }
    }
    return { messages };
  }
}
