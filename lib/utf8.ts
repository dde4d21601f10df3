/* UTF-8 arithmetic shared by the runtime's TextEncoder and store/records. */

/**
 * Bytes `s` takes as UTF-8. A lone surrogate takes 3 either way (U+FFFD
 * here, its WTF-8 form in store/records), so both use this.
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
    else n += 3;
  }
  return n;
}
