/*
 * A request path as a file path: percent-decoded segment by segment, "."
 * and empty segments dropped, and anything that could reach outside the
 * served tree, or that a file system might read differently from us,
 * refused: ".." (even when it would stay inside: no resolving to reason
 * about), backslashes, NUL and other controls, and "/" hidden in "%2F".
 * Dot-files are hidden (404) except /.well-known (RFC 8615) unless asked.
 */
import { percentDecode } from './target';

export type FilePath =
  | { ok: true; path: string; segments: string[]; trailingSlash: boolean }
  | { ok: false; status: 400 | 404 };

function bad(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x2f || c === 0x5c) return true;
  }
  return false;
}

export function normalisePath(raw: string, dotfiles?: boolean): FilePath {
  if (raw.charAt(0) !== '/') return { ok: false, status: 400 };
  const parts = raw.split('/');
  const segments: string[] = [];
  for (let i = 1; i < parts.length; i++) {
    if (parts[i].indexOf('\\') >= 0) return { ok: false, status: 400 };
    const seg = percentDecode(parts[i]);
    if (seg === null || bad(seg) || seg === '..') return { ok: false, status: 400 };
    if (seg === '' || seg === '.') continue;
    if (seg.charAt(0) === '.' && !dotfiles && !(segments.length === 0 && seg === '.well-known')) return { ok: false, status: 404 };
    segments.push(seg);
  }
  return { ok: true, path: '/' + segments.join('/'), segments: segments, trailingSlash: segments.length > 0 && raw.charAt(raw.length - 1) === '/' };
}

/** The path percent-encoded again, for a Location field. */
export function encodePath(segments: string[]): string {
  let out = '';
  for (let i = 0; i < segments.length; i++) out += '/' + encodeURIComponent(segments[i]);
  return out || '/';
}
