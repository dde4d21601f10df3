/*
 * Domain names (RFC 1035 §3.1, §5.1; RFC 4343 for case). A name is the array
 * of its labels as bytes, root last and left implicit: `[]` is the root.
 * Case is preserved as received; comparison ignores ASCII case only.
 */
import { DnsSyntaxError } from './errors';

export type DnsName = Uint8Array[];

export const MAX_LABEL_LENGTH = 63;
/** Counted on the wire: each label's length byte and bytes, plus the root's 0. */
export const MAX_NAME_LENGTH = 255;

export function nameWireLength(name: DnsName): number {
  let n = 1;
  for (let i = 0; i < name.length; i++) n += 1 + name[i].length;
  return n;
}

function lowerByte(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
}

function labelsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (lowerByte(a[i]) !== lowerByte(b[i])) return false;
  return true;
}

/** Equal ignoring ASCII case (RFC 4343). */
export function namesEqual(a: DnsName, b: DnsName): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!labelsEqual(a[i], b[i])) return false;
  return true;
}

/** True when `name` is `ancestor` or below it (ignoring case). */
export function isSubdomain(name: DnsName, ancestor: DnsName): boolean {
  const skip = name.length - ancestor.length;
  if (skip < 0) return false;
  for (let i = 0; i < ancestor.length; i++) if (!labelsEqual(name[skip + i], ancestor[i])) return false;
  return true;
}

/** A copy with ASCII letters lowered (the canonical form of RFC 4034 §6.2). */
export function lowercaseName(name: DnsName): DnsName {
  const out: DnsName = [];
  for (let i = 0; i < name.length; i++) {
    const label = new Uint8Array(name[i].length);
    for (let j = 0; j < label.length; j++) label[j] = lowerByte(name[i][j]);
    out.push(label);
  }
  return out;
}

/** The labels of `relative` followed by those of `origin`. */
export function concatNames(relative: DnsName, origin: DnsName): DnsName {
  return relative.concat(origin);
}

/* Bytes that presentation format must escape as \X (RFC 1035 §5.1 and what
 * BIND and Knot escape): they would end or change a token otherwise. */
const ESCAPE_AS_CHAR = '.;\\"()@$';

/**
 * Bytes in presentation format: `special` lists the characters to escape as
 * \X; other bytes outside printable ASCII become \DDD (a space too, unless
 * `keepSpace`, as inside quotes).
 */
export function formatLabelBytes(bytes: Uint8Array, special: string, keepSpace?: boolean): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x20 && keepSpace) s += ' ';
    else if (b <= 0x20 || b >= 0x7f) s += '\\' + (b < 10 ? '00' : b < 100 ? '0' : '') + b;
    else {
      const c = String.fromCharCode(b);
      s += special.indexOf(c) >= 0 ? '\\' + c : c;
    }
  }
  return s;
}

/** Presentation format, absolute: `www.example.com.`, the root is `.`. */
export function formatName(name: DnsName): string {
  if (name.length === 0) return '.';
  let s = '';
  for (let i = 0; i < name.length; i++) s += formatLabelBytes(name[i], ESCAPE_AS_CHAR) + '.';
  return s;
}

/** The canonical key of a name: lowercase presentation format, for maps and sets. */
export function nameKey(name: DnsName): string {
  return formatName(lowercaseName(name));
}

/**
 * Appends the bytes of the character at s[i] (decoding `\X` and `\DDD`
 * escapes, and writing other characters as UTF-8) to `out`; returns the
 * index after it and whether it was escaped.
 */
export function readTextByte(s: string, i: number, out: number[]): { next: number; escaped: boolean } {
  const c = s.charCodeAt(i);
  if (c === 0x5c /* \ */) {
    if (i + 1 >= s.length) throw new DnsSyntaxError('a backslash at the end of "' + s + '"');
    const d = s.charCodeAt(i + 1);
    if (d >= 0x30 && d <= 0x39) {
      const digits = s.slice(i + 1, i + 4);
      if (!/^[0-9]{3}$/.test(digits)) throw new DnsSyntaxError('\\DDD needs three digits in "' + s + '"');
      const v = parseInt(digits, 10);
      if (v > 255) throw new DnsSyntaxError('\\' + digits + ' is above 255 in "' + s + '"');
      out.push(v);
      return { next: i + 4, escaped: true };
    }
    return { next: i + 1 + appendUtf8(s, i + 1, out), escaped: true };
  }
  return { next: i + appendUtf8(s, i, out), escaped: false };
}

/** Appends the UTF-8 of the code point at s[i]; returns how many UTF-16 units it took. */
function appendUtf8(s: string, i: number, out: number[]): number {
  let c = s.charCodeAt(i);
  let units = 1;
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
    c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(i + 1) - 0xdc00);
    units = 2;
  } else if (c >= 0xd800 && c <= 0xdfff) {
    c = 0xfffd; // a lone surrogate, as TextEncoder writes it
  }
  if (c < 0x80) out.push(c);
  else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
  else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  return units;
}

export function checkNameLength(name: DnsName): void {
  for (let i = 0; i < name.length; i++) {
    if (name[i].length === 0) throw new DnsSyntaxError('empty label');
    if (name[i].length > MAX_LABEL_LENGTH) throw new DnsSyntaxError('label longer than 63 bytes');
  }
  if (nameWireLength(name) > MAX_NAME_LENGTH) throw new DnsSyntaxError('name longer than 255 bytes');
}

/**
 * Reads a name in presentation format. A name ending in an unescaped dot is
 * absolute; any other is relative to `origin` (absolute when no origin is
 * given). `@` alone is the origin.
 */
export function parseName(text: string, origin?: DnsName): DnsName {
  if (text === '') throw new DnsSyntaxError('empty name');
  if (text === '.') return [];
  if (text === '@') {
    if (!origin) throw new DnsSyntaxError('"@" without an origin');
    return origin.slice();
  }
  const labels: DnsName = [];
  let bytes: number[] = [];
  let absolute = false;
  let i = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) === 0x2e /* . */) {
      if (bytes.length === 0) throw new DnsSyntaxError('empty label in "' + text + '"');
      labels.push(new Uint8Array(bytes));
      bytes = [];
      i++;
      if (i === text.length) absolute = true;
      continue;
    }
    i = readTextByte(text, i, bytes).next;
  }
  if (!absolute) labels.push(new Uint8Array(bytes));
  const name = absolute || !origin ? labels : concatNames(labels, origin);
  try {
    checkNameLength(name);
  } catch (e) {
    throw new DnsSyntaxError((e as DnsSyntaxError).reason + ': "' + text + '"');
  }
  return name;
}
