/*
 * Text encodings that presentation format uses for binary rdata fields:
 * base64 (RFC 4648 §4; DNSKEY, RRSIG), hex (DS digests, RFC 3597 `\#`),
 * and the RRSIG time form YYYYMMDDHHmmSS (RFC 4034 §3.2). Plain loops: the
 * engine has no atob/btoa or Buffer.
 */
import { DnsSyntaxError } from './errors';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    s += BASE64.charAt(n >>> 18) + BASE64.charAt((n >>> 12) & 63) + BASE64.charAt((n >>> 6) & 63) + BASE64.charAt(n & 63);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    s += BASE64.charAt(n >>> 18) + BASE64.charAt((n >>> 12) & 63) + '==';
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    s += BASE64.charAt(n >>> 18) + BASE64.charAt((n >>> 12) & 63) + BASE64.charAt((n >>> 6) & 63) + '=';
  }
  return s;
}

/** Strict base64: a multiple of 4 characters, padding only at the end, zero spare bits. */
export function fromBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new DnsSyntaxError('base64 of a length that is not a multiple of 4');
  let pad = 0;
  if (text.length > 0 && text.charAt(text.length - 1) === '=') pad = text.charAt(text.length - 2) === '=' ? 2 : 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text.charAt(i + j);
      let v = BASE64.indexOf(c);
      if (c === '=' && i + 4 === text.length && j >= 4 - pad) v = 0;
      else if (v < 0) throw new DnsSyntaxError('"' + c + '" in base64');
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = n >>> 16;
    if (o < out.length) out[o++] = (n >>> 8) & 0xff;
    else if (pad === 2 && (n & 0xffff) !== 0) throw new DnsSyntaxError('base64 with spare bits set');
    if (o < out.length) out[o++] = n & 0xff;
    else if (pad === 1 && (n & 0xff) !== 0) throw new DnsSyntaxError('base64 with spare bits set');
  }
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s.toUpperCase();
}

export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0) throw new DnsSyntaxError('hex with an odd number of digits');
  if (!/^[0-9a-fA-F]*$/.test(text)) throw new DnsSyntaxError('not hex: "' + text + '"');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
  return out;
}

function two(n: number): string {
  return (n < 10 ? '0' : '') + n;
}

/** RRSIG times as YYYYMMDDHHmmSS in UTC; the 32-bit value read as seconds after 1970. */
export function formatRrsigTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return d.getUTCFullYear() + two(d.getUTCMonth() + 1) + two(d.getUTCDate()) + two(d.getUTCHours()) + two(d.getUTCMinutes()) + two(d.getUTCSeconds());
}

/**
 * YYYYMMDDHHmmSS or a plain number of seconds. Any year is taken modulo 2^32
 * seconds (RFC 4034 §3.2): BIND writes times by serial arithmetic around the
 * present, so a time after 2106 comes out as a year before 1970.
 */
export function parseRrsigTime(text: string): number {
  if (/^[0-9]{14}$/.test(text)) {
    const n = (from: number, to: number): number => parseInt(text.slice(from, to), 10);
    const year = n(0, 4), month = n(4, 6), day = n(6, 8), hour = n(8, 10), minute = n(10, 12), second = n(12, 14);
    const d = new Date(0);
    d.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years 0-99 as 1900-1999
    d.setUTCHours(hour, minute, second, 0);
    if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
      throw new DnsSyntaxError('not a time: ' + text);
    }
    const seconds = Math.floor(d.getTime() / 1000) % 0x100000000;
    return seconds < 0 ? seconds + 0x100000000 : seconds;
  }
  if (/^[0-9]{1,10}$/.test(text)) {
    const v = parseInt(text, 10);
    if (v <= 0xffffffff) return v;
  }
  throw new DnsSyntaxError('not a time (YYYYMMDDHHmmSS or seconds): ' + text);
}
