/*
 * IPv4 and IPv6 addresses as text, for A and AAAA rdata: dotted quads, and
 * RFC 4291 §2.2 text in (RFC 5952 form on output: lowercase, the longest run
 * of two or more zero groups as "::", the first run on a tie).
 */
import { DnsSyntaxError } from './errors';

export function formatIpv4Bytes(b: Uint8Array): string {
  return b[0] + '.' + b[1] + '.' + b[2] + '.' + b[3];
}

export function parseIpv4Bytes(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4) throw new DnsSyntaxError('not an IPv4 address: ' + text);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^[0-9]{1,3}$/.test(parts[i])) throw new DnsSyntaxError('not an IPv4 address: ' + text);
    const v = parseInt(parts[i], 10);
    if (v > 255) throw new DnsSyntaxError('not an IPv4 address: ' + text);
    out[i] = v;
  }
  return out;
}

export function formatIpv6Bytes(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  const hex = (from: number, to: number): string => {
    const parts: string[] = [];
    for (let i = from; i < to; i++) parts.push(groups[i].toString(16));
    return parts.join(':');
  };
  if (bestStart < 0) return hex(0, 8);
  return hex(0, bestStart) + '::' + hex(bestStart + bestLength, 8);
}

export function parseIpv6Bytes(text: string): Uint8Array {
  const bad = (): DnsSyntaxError => new DnsSyntaxError('not an IPv6 address: ' + text);
  let head = text;
  let tail = '';
  const gap = text.indexOf('::');
  if (gap >= 0) {
    head = text.slice(0, gap);
    tail = text.slice(gap + 2);
    if (tail.indexOf('::') >= 0) throw bad();
  }
  const words = (part: string): number[] => {
    if (part === '') return [];
    const pieces = part.split(':');
    const out: number[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      if (i === pieces.length - 1 && p.indexOf('.') >= 0) {
        const v4 = parseIpv4Bytes(p);
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        throw bad();
      }
    }
    return out;
  };
  let before: number[];
  let after: number[];
  try {
    before = words(head);
    after = words(tail);
  } catch (e) {
    throw bad();
  }
  // An embedded IPv4 address may only end the address.
  if (gap >= 0 && head.indexOf('.') >= 0) throw bad();
  const total = before.length + after.length;
  if (gap >= 0 ? total > 7 : total !== 8) throw bad();
  const all = before.slice();
  for (let i = total; i < 8; i++) all.push(0);
  for (let i = 0; i < after.length; i++) all.push(after[i]);
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) { out[i * 2] = all[i] >>> 8; out[i * 2 + 1] = all[i] & 0xff; }
  return out;
}
