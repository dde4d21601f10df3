/*
 * Writing messages: status lines and reason phrases (RFC 9110 §15), field
 * sections (RFC 9112 §5), and whole requests (for clients and tests).
 * Framing headers are the server's business (send.ts); this file only
 * turns lines into octets.
 */
import { concat, fromLatin1 } from './bytes';
import { encodeChunk, LAST_CHUNK } from './chunked';
import { isToken, isValidFieldValue, type HeaderField } from './fields';

const REASONS: { [status: number]: string } = {
  100: 'Continue', 101: 'Switching Protocols',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content',
  205: 'Reset Content', 206: 'Partial Content',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
  307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone', 411: 'Length Required',
  412: 'Precondition Failed', 413: 'Content Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable', 417: 'Expectation Failed', 421: 'Misdirected Request', 422: 'Unprocessable Content',
  426: 'Upgrade Required', 428: 'Precondition Required', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Timeout', 505: 'HTTP Version Not Supported',
};

/** The RFC 9110 reason phrase, or "" for a code it does not name (the status line keeps its space). */
export function reasonPhrase(status: number): string {
  return Object.prototype.hasOwnProperty.call(REASONS, status) ? REASONS[status] : '';
}

/** Why a field cannot be sent (a name that is no token, CR/LF/NUL or a char past Latin-1 in the value), or null. */
export function fieldProblem(field: HeaderField): string | null {
  if (!isToken(field.name)) return 'bad header name ' + JSON.stringify(field.name);
  if (!isValidFieldValue(field.value)) return 'bad value for header ' + field.name;
  return null;
}

/** A start line and fields, each line ending in CRLF, then the empty line. Fields must pass fieldProblem. */
export function serialiseHead(startLine: string, fields: HeaderField[]): Uint8Array {
  let text = startLine + '\r\n';
  for (let i = 0; i < fields.length; i++) text += fields[i].name + ': ' + fields[i].value + '\r\n';
  const bytes = fromLatin1(text + '\r\n');
  if (bytes === null) throw new Error('serialiseHead: a line has a char past Latin-1');
  return bytes;
}

/** "HTTP/1.1 404 Not Found" and the fields: we answer as HTTP/1.1 whatever the request's minor version (RFC 9110 §6.2). */
export function serialiseResponseHead(status: number, fields: HeaderField[], reason?: string): Uint8Array {
  return serialiseHead('HTTP/1.1 ' + status + ' ' + (reason === undefined ? reasonPhrase(status) : reason), fields);
}

export interface OutgoingRequest {
  method: string;
  target: string;
  /** Default "HTTP/1.1". */
  version?: string;
  headers: HeaderField[];
  /** Sent as is after the head: the caller writes the Content-Length field. */
  body?: Uint8Array;
  /** Sent chunked, one chunk each (empty ones skipped): the caller writes "Transfer-Encoding: chunked". */
  chunks?: Uint8Array[];
}

/** A request's octets, for clients and tests. */
export function serialiseRequest(r: OutgoingRequest): Uint8Array {
  const parts = [serialiseHead(r.method + ' ' + r.target + ' ' + (r.version || 'HTTP/1.1'), r.headers)];
  if (r.body) parts.push(r.body);
  if (r.chunks) {
    for (let i = 0; i < r.chunks.length; i++) parts.push(encodeChunk(r.chunks[i]));
    parts.push(LAST_CHUNK);
  }
  return concat(parts);
}
