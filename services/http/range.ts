/*
 * Byte ranges (RFC 9110 §14): one range is served as 206; a request for
 * several is answered with the whole representation (a server may ignore
 * Range, §14.2), which spares us multipart/byteranges. A field we cannot
 * parse, or another unit, is ignored likewise.
 */

export type RangeResult =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const FULL: RangeResult = { kind: 'full' };

function num(digits: string): number {
  return digits.replace(/^0+(?=\d)/, '').length > 15 ? Infinity : parseInt(digits, 10);
}

/** The range of a `size`-byte representation that `header` asks for ("bytes=0-9", "bytes=5-", "bytes=-3"). */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return FULL;
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase() !== 'bytes') return FULL;
  const specs = header.slice(eq + 1).split(',');
  let found: string | null = null;
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i].replace(/^[ \t]+|[ \t]+$/g, '');
    if (s === '') continue;
    if (found !== null) return FULL; // several ranges: the whole thing
    found = s;
  }
  if (found === null) return FULL;
  let m = /^(\d+)-(\d*)$/.exec(found);
  if (m) {
    const start = num(m[1]);
    const last = m[2] === '' ? Infinity : num(m[2]);
    if (last < start) return FULL; // invalid: ignored
    if (start >= size) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: start, end: Math.min(last, size - 1) };
  }
  m = /^-(\d+)$/.exec(found);
  if (m) {
    const n = num(m[1]);
    if (n === 0) return { kind: 'unsatisfiable' };
    if (size === 0) return FULL; // satisfiable (§14.1.3), but there is no byte to name in a 206
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  return FULL;
}
