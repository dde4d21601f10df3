/*
 * FAT timestamps (fatgen103 §6 "Date and Time Formats"): a date word
 * (bits 15-9 years since 1980, 8-5 month 1-12, 4-0 day 1-31), a time word
 * (15-11 hours, 10-5 minutes, 4-0 two-second count) and, for creation
 * times, a tenth byte counting 10 ms units 0-199 that refines the seconds.
 *
 * FAT stores local time and has no zone; an appliance has no zone either,
 * so we store UTC. The conversion is plain arithmetic on days since the
 * epoch (the proleptic Gregorian calendar), not Date, so it behaves the
 * same in every engine.
 */

import { civilFromDays, DAY_MS, daysFromCivil } from '../../lib/calendar';

export interface FatTime { date: number; time: number; tenth: number }

const MIN_MS = daysFromCivil(1980, 1, 1) * DAY_MS;
const MAX_MS = daysFromCivil(2107, 12, 31) * DAY_MS + DAY_MS - 2000;

/** Wall-clock ms to FAT fields, clamped to the representable 1980-01-01 .. 2107-12-31. */
export function toFatTime(ms: number): FatTime {
  let t = ms !== ms ? MIN_MS : Math.floor(ms);
  if (t < MIN_MS) t = MIN_MS;
  if (t > MAX_MS) t = MAX_MS;
  const days = Math.floor(t / DAY_MS);
  const inDay = t - days * DAY_MS;
  const c = civilFromDays(days);
  const secs = Math.floor(inDay / 1000);
  const h = Math.floor(secs / 3600);
  const mi = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  return {
    date: ((c.y - 1980) << 9) | (c.m << 5) | c.d,
    time: (h << 11) | (mi << 5) | (s >> 1),
    tenth: (s & 1) * 100 + Math.floor((inDay % 1000) / 10),
  };
}

/** FAT fields to wall-clock ms; 0 for a zero or invalid date (never set). */
export function fromFatTime(date: number, time: number, tenth = 0): number {
  const y = 1980 + (date >> 9);
  const m = (date >> 5) & 15;
  const d = date & 31;
  if (m < 1 || m > 12 || d < 1) return 0;
  const h = time >> 11;
  const mi = (time >> 5) & 63;
  const s = (time & 31) * 2;
  const extra = tenth >= 0 && tenth <= 199 ? tenth * 10 : 0;
  return daysFromCivil(y, m, d) * DAY_MS + ((h * 60 + mi) * 60 + s) * 1000 + extra;
}
