/*
 * One access-log line per request, in the Common Log Format with the
 * duration appended:
 *   10.0.0.2 - - [06/Nov/1994:08:49:37 +0000] "GET /index.html HTTP/1.1" 200 1234 3ms
 * Bytes are the body's ("-" when none). The request line is escaped, so a
 * client cannot forge log lines or columns with quotes or control octets.
 */
import { formatIpv4 } from '../../net/address';
import type { Endpoint } from '../../net/types';
import { formatLogDate } from './dates';

export interface LogEntry {
  remote: Endpoint;
  /** Wall-clock ms when the response was done. */
  time: number;
  /** "GET / HTTP/1.1", or null when none was read. */
  requestLine: string | null;
  status: number;
  bytes: number;
  durationMs: number;
}

/** What escape() changes: a request line without it (the usual one) is kept as it is. */
const NEEDS_ESCAPE = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/;

let logSecond = NaN;
let logDate = '';

function escape(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c) out += '\\x' + (c < 16 ? '0' : '') + (c & 0xff).toString(16);
    else out += s.charAt(i);
  }
  return out;
}

export function accessLogLine(e: LogEntry): string {
  // Once per second: the date costs more than the rest of the line in Duktape.
  const second = Math.floor(e.time / 1000);
  if (second !== logSecond) { logDate = formatLogDate(second * 1000); logSecond = second; }
  return formatIpv4(e.remote.address) + ' - - [' + logDate + '] "' + (e.requestLine === null ? '-' : escape(e.requestLine)) +
    '" ' + e.status + ' ' + (e.bytes > 0 ? e.bytes : '-') + ' ' + Math.max(0, Math.round(e.durationMs)) + 'ms';
}
