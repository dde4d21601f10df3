/*
 * The request target (RFC 9112 §3.2): which of the four forms it is, its
 * path and query, and percent-decoding (RFC 3986 §2.1) of path segments
 * and query parameters.
 */
import { fromUtf8 } from './bytes';
import { HttpError } from './errors';

export type TargetForm = 'origin' | 'absolute' | 'asterisk';

export interface Target {
  form: TargetForm;
  /** The path, still percent-encoded ("*" for the asterisk form). */
  path: string;
  /** What follows "?", without it ("" when none). */
  query: string;
  /** The absolute form's authority (it overrides Host), else null. */
  authority: string | null;
}

const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.\-]*):\/\/([^\/?#]*)(.*)$/;

/**
 * Splits a request target already checked to be visible ASCII. Throws
 * HttpError(400) for a fragment, an asterisk outside OPTIONS, a scheme
 * other than http(s), userinfo, or anything that is no target form.
 * (CONNECT's authority form is refused before this, with 501.)
 */
export function parseTarget(method: string, target: string): Target {
  if (target.indexOf('#') >= 0) throw new HttpError(400, 'fragment in the request target');
  if (target === '*') {
    if (method !== 'OPTIONS') throw new HttpError(400, 'asterisk target outside OPTIONS');
    return { form: 'asterisk', path: '*', query: '', authority: null };
  }
  let rest = target;
  let authority: string | null = null;
  let form: TargetForm = 'origin';
  if (target.charAt(0) !== '/') {
    const m = ABSOLUTE.exec(target);
    if (!m) throw new HttpError(400, 'bad request target');
    const scheme = m[1].toLowerCase();
    if (scheme !== 'http' && scheme !== 'https') throw new HttpError(400, 'scheme is not http');
    if (m[2].indexOf('@') >= 0) throw new HttpError(400, 'userinfo in the request target');
    authority = m[2];
    rest = m[3];
    form = 'absolute';
    if (rest === '' || rest.charAt(0) === '?') rest = '/' + rest;
  }
  const q = rest.indexOf('?');
  return { form: form, path: q < 0 ? rest : rest.slice(0, q), query: q < 0 ? '' : rest.slice(q + 1), authority: authority };
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Percent-decodes `s` (and "+" as space when `plusIsSpace`, as in form
 * data) and reads the octets as UTF-8. Null for a malformed escape or
 * octets that are not UTF-8.
 */
export function percentDecode(s: string, plusIsSpace?: boolean): string | null {
  if (s.indexOf('%') < 0 && !(plusIsSpace && s.indexOf('+') >= 0)) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hi = i + 2 < s.length ? hexDigit(s.charCodeAt(i + 1)) : -1;
      const lo = hi >= 0 ? hexDigit(s.charCodeAt(i + 2)) : -1;
      if (lo < 0) return null;
      bytes.push(hi * 16 + lo);
      i += 2;
    } else if (c === 0x2b && plusIsSpace) {
      bytes.push(0x20);
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      return null; // targets are ASCII; anything wider did not come from one
    }
  }
  return fromUtf8(new Uint8Array(bytes));
}

/** The query's name=value pairs in order, decoded; pairs that do not decode are skipped. */
export function parseQueryList(query: string): [string, string][] {
  const out: [string, string][] = [];
  if (query === '') return out;
  const pairs = query.split('&');
  for (let i = 0; i < pairs.length; i++) {
    if (pairs[i] === '') continue;
    const eq = pairs[i].indexOf('=');
    const name = percentDecode(eq < 0 ? pairs[i] : pairs[i].slice(0, eq), true);
    const value = percentDecode(eq < 0 ? '' : pairs[i].slice(eq + 1), true);
    if (name !== null && value !== null) out.push([name, value]);
  }
  return out;
}

/** The query as an object of each name's first value (no prototype, so "__proto__" is a plain key). */
export function parseQuery(query: string): { [name: string]: string } {
  const out = Object.create(null) as { [name: string]: string };
  const list = parseQueryList(query);
  for (let i = 0; i < list.length; i++) {
    if (!Object.prototype.hasOwnProperty.call(out, list[i][0])) out[list[i][0]] = list[i][1];
  }
  return out;
}
