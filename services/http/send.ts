/*
 * A handler's Response on the wire: checked first (a bad status or header
 * becomes a 500 before anything is sent), then framed by the server
 * (RFC 9112 §6): Content-Length when the length is known, chunked when not
 * (HTTP/1.1), or the end of the connection (HTTP/1.0). The app's own
 * framing fields are dropped; "Connection: close" from the app is honoured.
 */
import type { Flow } from '../../net/types';
import type { Scheduler } from '../../lib/scheduler';
import { concat, utf8 } from './bytes';
import { encodeChunk, LAST_CHUNK } from './chunked';
import { writeWithin } from './flow-io';
import { splitList, type HeaderField } from './fields';
import type { BodyStream, Response } from './message';
import { PreparedResponse, wireBytes, type WireForm } from './prepared';
import { fieldProblem, serialiseResponseHead } from './serialise';

export interface CheckedResponse {
  status: number;
  fields: HeaderField[];
  /** The body when it is bytes (empty when there is none). */
  bytes: Uint8Array;
  stream: BodyStream | null;
  /** The app asked for the connection to close after this response. */
  close: boolean;
  /** Its octets, prepared ahead (prepared.ts): written without building the head again. */
  prepared?: WireForm;
}

/** Fields the server writes itself. */
const FRAMING = ['connection', 'content-length', 'transfer-encoding', 'keep-alive'];

function isStream(b: unknown): b is BodyStream {
  return typeof b === 'object' && b !== null && typeof (b as BodyStream).chunks === 'function';
}

/** The response checked and normalised, or a string saying why it cannot be sent. */
export function checkResponse(r: unknown): CheckedResponse | string {
  if (typeof r !== 'object' || r === null) return 'handler returned ' + String(r) + ', not a response';
  if (r instanceof PreparedResponse) {
    const w = r.wire;
    // Checked when prepared; anything a handler changed since is checked below like any response.
    if (r.status === w.status && r.headers === w.headers && r.body === w.body) {
      return { status: w.status, fields: w.fields, bytes: w.body, stream: null, close: false, prepared: w };
    }
  }
  const res = r as Response;
  if (typeof res.status !== 'number' || Math.floor(res.status) !== res.status || res.status < 200 || res.status > 599) {
    return 'bad status ' + String(res.status);
  }
  const fields: HeaderField[] = [];
  let close = false;
  const headers = res.headers || {};
  for (const name in headers) {
    if (!Object.prototype.hasOwnProperty.call(headers, name)) continue;
    const raw = headers[name];
    const values = Array.isArray(raw) ? raw : [raw];
    const lower = name.toLowerCase();
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'string' && typeof v !== 'number') return 'bad value for header ' + name;
      const field = { name: name, value: String(v) };
      const problem = fieldProblem(field);
      if (problem) return problem;
      if (lower === 'connection') {
        const tokens = splitList(field.value);
        for (let j = 0; j < tokens.length; j++) if (tokens[j].toLowerCase() === 'close') close = true;
      }
      if (FRAMING.indexOf(lower) < 0) fields.push(field);
    }
  }
  const body = res.body;
  let bytes: Uint8Array = new Uint8Array(0);
  let stream: BodyStream | null = null;
  if (typeof body === 'string') bytes = utf8(body);
  else if (body instanceof Uint8Array) bytes = body;
  else if (isStream(body)) {
    const n = body.length;
    if (n !== undefined && !(typeof n === 'number' && n >= 0 && Math.floor(n) === n)) return 'bad stream length ' + String(n);
    stream = body;
  } else if (body !== undefined && body !== null) return 'bad body';
  return { status: res.status, fields: fields, bytes: bytes, stream: stream, close: close };
}

export interface SendContext {
  flow: Flow;
  scheduler: Scheduler;
  /** Longest a single write may wait for the peer to read. */
  sendTimeoutMs: number;
  /** The request's method (HEAD gets the headers only) and version (no chunked for 1.0). */
  method: string;
  version: 'HTTP/1.0' | 'HTTP/1.1';
  /** Whether the request lets the connection stay open. */
  keepAlive: boolean;
  /** The Date field's value. */
  date: string;
}

export interface SendResult {
  /** False when the response could not be sent whole: the connection must be reset. */
  ok: boolean;
  keepAlive: boolean;
  /** Body octets sent (framing excluded). */
  bytes: number;
  /** The stream's failure, when that is why `ok` is false. */
  error?: unknown;
}

/** Bodies up to this size go out in the same write as the head. */
const COALESCE_BYTES = 16384;
/** Larger byte bodies are written in slices of this size. */
const SLICE_BYTES = 65536;

function hasField(fields: HeaderField[], lower: string): boolean {
  for (let i = 0; i < fields.length; i++) if (fields[i].name.toLowerCase() === lower) return true;
  return false;
}

function closeStream(s: BodyStream | null): void {
  if (s && s.close) {
    try { s.close(); } catch (e) { /* the response is over either way */ }
  }
}

export function sendResponse(ctx: SendContext, r: CheckedResponse): Promise<SendResult> {
  return r.prepared ? sendPrepared(ctx, r.prepared) : sendChecked(ctx, r);
}

/** A prepared response: one write of head and body, no async frame (one costs more than the rest in Duktape). */
function sendPrepared(ctx: SendContext, w: WireForm): Promise<SendResult> {
  const head = ctx.method === 'HEAD';
  const keep = ctx.keepAlive;
  const data = wireBytes(w, ctx.date, keep ? (ctx.version === 'HTTP/1.0' ? 'keep-alive' : null) : 'close', head);
  // eslint-disable-next-line promise/prefer-await-to-then -- hot path: runs per cached file answered; HOTPATH_PREPARED
  return writeWithin(ctx.flow, data, ctx.scheduler, ctx.sendTimeoutMs).then((ok): SendResult =>
    ok ? { ok: true, keepAlive: keep, bytes: head ? 0 : w.body.length } : { ok: false, keepAlive: false, bytes: 0 });
}

async function sendChecked(ctx: SendContext, r: CheckedResponse): Promise<SendResult> {
  const head = ctx.method === 'HEAD';
  const noContent = r.status === 204 || r.status === 304;
  const fields = r.fields.slice();
  if (!hasField(fields, 'date')) fields.unshift({ name: 'Date', value: ctx.date });
  let keepAlive = ctx.keepAlive && !r.close;
  const length = r.stream ? (r.stream.length === undefined ? -1 : r.stream.length) : r.bytes.length;
  let chunked = false;
  if (!noContent) {
    if (length >= 0) fields.push({ name: 'Content-Length', value: String(length) });
    else if (!head && ctx.version === 'HTTP/1.1') { fields.push({ name: 'Transfer-Encoding', value: 'chunked' }); chunked = true; }
    else if (!head) keepAlive = false; // HTTP/1.0 without a length: the close ends the body
  }
  if (!keepAlive) fields.push({ name: 'Connection', value: 'close' });
  else if (ctx.version === 'HTTP/1.0') fields.push({ name: 'Connection', value: 'keep-alive' });
  const headBytes = serialiseResponseHead(r.status, fields);
  const write = (data: Uint8Array): Promise<boolean> => writeWithin(ctx.flow, data, ctx.scheduler, ctx.sendTimeoutMs);

  if (head || noContent) {
    closeStream(r.stream);
    return { ok: await write(headBytes), keepAlive: keepAlive, bytes: 0 };
  }
  if (!r.stream) {
    const body = r.bytes;
    if (body.length <= COALESCE_BYTES) return { ok: await write(concat([headBytes, body])), keepAlive: keepAlive, bytes: body.length };
    if (!(await write(headBytes))) return { ok: false, keepAlive: false, bytes: 0 };
    for (let at = 0; at < body.length; at += SLICE_BYTES) {
      if (!(await write(body.subarray(at, Math.min(at + SLICE_BYTES, body.length))))) return { ok: false, keepAlive: false, bytes: at };
    }
    return { ok: true, keepAlive: keepAlive, bytes: body.length };
  }
  return sendStream(ctx, r.stream, headBytes, length, chunked, keepAlive, write);
}

async function sendStream(ctx: SendContext, stream: BodyStream, headBytes: Uint8Array, length: number, chunked: boolean,
  keepAlive: boolean, write: (d: Uint8Array) => Promise<boolean>): Promise<SendResult> {
  let sent = 0;
  // A body of known length (a file) takes the head along in its first write:
  // one segment, where two would have the second wait for the peer's delayed
  // ACK under Nagle. A stream of unknown length may be slow to start (events),
  // so its head goes out at once.
  let head: Uint8Array | null = length >= 0 ? headBytes : null;
  try {
    if (head === null && !(await write(headBytes))) return { ok: false, keepAlive: false, bytes: 0 };
    for (;;) {
      const piece = await stream.chunks();
      if (piece === null) break;
      if (!(piece instanceof Uint8Array)) throw new Error('body stream gave ' + String(piece) + ', not bytes');
      if (piece.length === 0) continue;
      if (length >= 0 && sent + piece.length > length) throw new Error('body stream longer than its length ' + length);
      const data = chunked ? encodeChunk(piece) : piece;
      if (!(await write(head ? concat([head, data]) : data))) return { ok: false, keepAlive: false, bytes: sent };
      head = null;
      sent += piece.length;
    }
    if (head && !(await write(head))) return { ok: false, keepAlive: false, bytes: 0 };
    if (length >= 0 && sent !== length) throw new Error('body stream ended at ' + sent + ' of its length ' + length);
    if (chunked && !(await write(LAST_CHUNK))) return { ok: false, keepAlive: false, bytes: sent };
    return { ok: true, keepAlive: keepAlive, bytes: sent };
  } catch (e) {
    return { ok: false, keepAlive: false, bytes: sent, error: e };
  } finally {
    closeStream(stream);
  }
}
