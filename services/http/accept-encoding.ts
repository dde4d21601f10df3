/*
 * Accept-Encoding (RFC 9110 §12.5.3): whether gzip is acceptable. Without
 * the field we send no coding (clients that send none mostly cannot decode
 * one); "gzip;q=0" refuses it; "*" covers gzip when gzip is not named.
 */
import { splitList } from './fields';

/** A weight's value, or -1 when it is malformed (RFC 9110 §12.4.2: 0 to 1, three decimals at most). */
function weight(params: string[]): number {
  for (let i = 0; i < params.length; i++) {
    const p = params[i].replace(/^[ \t]+|[ \t]+$/g, '');
    const eq = p.indexOf('=');
    if (eq < 0 || p.slice(0, eq).replace(/[ \t]+$/, '').toLowerCase() !== 'q') continue;
    const v = p.slice(eq + 1).replace(/^[ \t]+/, '');
    if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(v)) return -1;
    return parseFloat(v);
  }
  return 1;
}

export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  const items = splitList(header);
  let gzip = -1;
  let star = -1;
  for (let i = 0; i < items.length; i++) {
    const parts = items[i].split(';');
    const coding = parts[0].replace(/[ \t]+$/, '').toLowerCase();
    const q = weight(parts.slice(1));
    if (q < 0) continue;
    if (coding === 'gzip' || coding === 'x-gzip') gzip = Math.max(gzip, q);
    else if (coding === '*') star = q;
  }
  return gzip >= 0 ? gzip > 0 : star > 0;
}
