/*
 * What a handler sees and returns, and the helpers apps build responses
 * with. A request's body arrives whole (within the server's limit); a
 * response's body is bytes, a string (sent as UTF-8), or a stream pulled
 * chunk by chunk so large files never sit in memory whole.
 */
import type { Endpoint } from '../../net/types';
import { fromUtf8 } from './bytes';
import { HttpError } from './errors';
import type { HeaderList } from './fields';
import { reasonPhrase } from './serialise';

export interface Request {
  readonly method: string;
  /** The request target as received ("/a%20b?x=1"). */
  readonly target: string;
  readonly version: 'HTTP/1.0' | 'HTTP/1.1';
  /** The target's path, still percent-encoded, so "%2F" stays apart from "/" ("*" for OPTIONS *). */
  readonly path: string;
  /** Query parameters decoded, the first value of each name (parseQueryList has them all). */
  readonly query: { [name: string]: string };
  /** The raw query, without "?" ("" when none). */
  readonly queryString: string;
  /** The absolute-form authority, else the Host field. */
  readonly host: string;
  readonly headers: HeaderList;
  readonly body: Uint8Array;
  readonly remote: Endpoint;
  readonly local: Endpoint;
  /** The router's `:name` captures, decoded (empty outside a router). */
  params: { [name: string]: string };
}

/** Response header fields; an array value sends one line per element (Set-Cookie). */
export interface ResponseHeaders { [name: string]: string | number | string[] }

/**
 * A body produced piecewise. `chunks()` resolves to the next piece, or null
 * at the end. With `length` the response carries Content-Length and the
 * pieces must add up to it exactly; without, it is sent chunked (HTTP/1.1)
 * or delimited by closing the connection (HTTP/1.0). `close()`, when given,
 * is called once the server stops pulling, whether or not it reached the end.
 */
export interface BodyStream {
  length?: number;
  chunks(): Promise<Uint8Array | null>;
  close?(): void;
}

export interface Response {
  status: number;
  headers?: ResponseHeaders;
  body?: Uint8Array | string | BodyStream;
}

export type Handler = (req: Request) => Response | Promise<Response>;

export function text(body: string, status?: number, headers?: ResponseHeaders): Response {
  return withType({ status: status || 200, body: body }, 'text/plain; charset=utf-8', headers);
}

export function json(value: unknown, status?: number, headers?: ResponseHeaders): Response {
  return withType({ status: status || 200, body: JSON.stringify(value) }, 'application/json', headers);
}

function withType(r: Response, type: string, headers?: ResponseHeaders): Response {
  const h: ResponseHeaders = { 'Content-Type': type };
  if (headers) for (const k in headers) if (Object.prototype.hasOwnProperty.call(headers, k)) h[k] = headers[k];
  r.headers = h;
  return r;
}

/** A small text response for an error status: "404 Not Found" and, when given, why. */
export function errorResponse(status: number, reason?: string, headers?: ResponseHeaders): Response {
  const phrase = reasonPhrase(status);
  return text(status + (phrase ? ' ' + phrase : '') + (reason ? ': ' + reason : '') + '\n', status, headers);
}

/** The body as UTF-8 text; throws HttpError(400) when it is not UTF-8. */
export function readText(req: Request): string {
  const s = fromUtf8(req.body);
  if (s === null) throw new HttpError(400, 'body is not UTF-8');
  return s;
}

/** The body parsed as JSON; throws HttpError(400) when it is not (the server answers 400). */
export function readJson(req: Request): unknown {
  const s = readText(req);
  try {
    return JSON.parse(s);
  } catch (e) {
    throw new HttpError(400, 'body is not JSON');
  }
}
