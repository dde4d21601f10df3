/*
 * TTLs and other durations in master files: a number of seconds, or BIND's
 * unit form ("1h30m", "2w", units s m h d w in either case). RFC 2181 §8
 * caps TTLs at 2^31 - 1.
 */
import { DnsSyntaxError } from './errors';

export const MAX_TTL = 0x7fffffff;

const UNIT_SECONDS: { [unit: string]: number } = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** True when the token looks like a TTL (so it is not a class or a type). */
export function looksLikeDuration(text: string): boolean {
  return /^[0-9]/.test(text);
}

export function parseDuration(text: string, max: number): number {
  let total = 0;
  if (/^[0-9]+$/.test(text)) total = parseInt(text, 10);
  else {
    if (!/^([0-9]+[smhdwSMHDW])+$/.test(text)) throw new DnsSyntaxError('not a TTL: "' + text + '"');
    const parts = text.match(/[0-9]+[a-zA-Z]/g) as string[];
    for (let i = 0; i < parts.length; i++) {
      const unit = parts[i].charAt(parts[i].length - 1).toLowerCase();
      total += parseInt(parts[i].slice(0, -1), 10) * UNIT_SECONDS[unit];
    }
  }
  if (total > max) throw new DnsSyntaxError('"' + text + '" is more than ' + max + ' seconds');
  return total;
}
