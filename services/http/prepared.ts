/*
 * A response serialised ahead of time (files.ts makes one per cached
 * file): its fields checked and turned into octets once, so answering it
 * is the Date and the framing fields patched around copies of those
 * octets. In Duktape every JS operation costs about a thousand
 * instructions, and checking, ordering and encoding a head char by char
 * cost half a million per request (bench/http.ts --core-only --micro head).
 * The bytes written are exactly what send.ts writes for the same Response.
 */
import { fromLatin1 } from './bytes';
import type { HeaderField } from './fields';
import type { Response, ResponseHeaders } from './message';
import { fieldProblem, reasonPhrase } from './serialise';

/** Fields the server writes itself, never taken from a prepared response's headers. */
const FRAMING: { [lower: string]: boolean } = { 'connection': true, 'content-length': true, 'transfer-encoding': true, 'keep-alive': true, 'date': true };

/** What a prepared response carries on the wire; shared by every response made from it. */
export interface WireForm {
  readonly status: number;
  /** Frozen: a handler that wants other fields makes a new object, which send.ts then checks as usual. */
  readonly headers: ResponseHeaders;
  readonly body: Uint8Array;
  readonly fields: HeaderField[];
  /** "HTTP/1.1 200 OK\r\nDate: " */
  readonly start: Uint8Array;
  /** "\r\n" + the fields + "Content-Length: n\r\n", then per framing variant the rest of the head. */
  readonly middle: Uint8Array;
}

/** A response whose octets were prepared by prepareWire; send.ts writes it without checking its fields again. */
export class PreparedResponse implements Response {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Uint8Array;
  readonly wire: WireForm;

  constructor(wire: WireForm) {
    this.status = wire.status;
    this.headers = wire.headers;
    this.body = wire.body;
    this.wire = wire;
  }
}

/** The wire form of a status, fields and a byte body; null when a field could not be sent as is (send.ts then answers as it always did). */
export function prepareWire(status: number, headers: ResponseHeaders, body: Uint8Array): WireForm | null {
  if (status < 200 || status === 204 || status === 304 || status > 599) return null;
  const fields: HeaderField[] = [];
  let text = '\r\n';
  for (const name in headers) {
    if (!Object.prototype.hasOwnProperty.call(headers, name)) continue;
    const value = headers[name];
    if (typeof value !== 'string' || FRAMING[name.toLowerCase()]) return null;
    const field = { name: name, value: value };
    if (fieldProblem(field) !== null) return null;
    fields.push(field);
    text += name + ': ' + value + '\r\n';
  }
  const middle = fromLatin1(text + 'Content-Length: ' + body.length + '\r\n');
  if (middle === null) return null;
  return {
    status: status, headers: Object.freeze(headers), body: body, fields: fields,
    start: fromLatin1('HTTP/1.1 ' + status + ' ' + reasonPhrase(status) + '\r\nDate: ') as Uint8Array,
    middle: middle,
  };
}

const CLOSE = fromLatin1('Connection: close\r\n\r\n') as Uint8Array;
const KEEP_ALIVE = fromLatin1('Connection: keep-alive\r\n\r\n') as Uint8Array;
const END = fromLatin1('\r\n') as Uint8Array;

let lastDate = '';
let lastDateBytes: Uint8Array = new Uint8Array(0);

/**
 * The whole response in one buffer: head (Date `date`, the framing
 * `connection` asks for) and, unless `headOnly`, the body. A fresh buffer
 * each time: the flow may hold on to what it was given until it is acknowledged.
 */
export function wireBytes(w: WireForm, date: string, connection: 'close' | 'keep-alive' | null, headOnly: boolean): Uint8Array {
  if (date !== lastDate) {
    lastDateBytes = fromLatin1(date) || new Uint8Array(0);
    lastDate = date;
  }
  const tail = connection === null ? END : connection === 'close' ? CLOSE : KEEP_ALIVE;
  const headLength = w.start.length + lastDateBytes.length + w.middle.length + tail.length;
  const out = new Uint8Array(headLength + (headOnly ? 0 : w.body.length));
  let at = 0;
  out.set(w.start, at); at += w.start.length;
  out.set(lastDateBytes, at); at += lastDateBytes.length;
  out.set(w.middle, at); at += w.middle.length;
  out.set(tail, at); at += tail.length;
  if (!headOnly) out.set(w.body, at);
  return out;
}
