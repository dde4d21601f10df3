/*
 * HTTP dates (RFC 9110 §5.6.7) without Date parsing: engines disagree on
 * what Date.parse accepts, so both directions are plain calendar arithmetic
 * on milliseconds since the epoch (proleptic Gregorian, UTC).
 */

import { civilFromDays, DAY_MS, daysFromCivil } from '../../lib/calendar';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

interface Civil { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number }

function civilFromMs(ms: number): Civil {
  const days = Math.floor(ms / DAY_MS);
  const inDay = ms - days * DAY_MS;
  const c = civilFromDays(days);
  return {
    year: c.y,
    month: c.m,
    day: c.d,
    hour: Math.floor(inDay / 3600000),
    minute: Math.floor(inDay / 60000) % 60,
    second: Math.floor(inDay / 1000) % 60,
    weekday: ((days % 7) + 11) % 7, // 1970-01-01 was a Thursday
  };
}

function two(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function four(n: number): string {
  const s = String(n);
  return s.length >= 4 ? s : '0000'.slice(s.length) + s;
}

/** IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (milliseconds dropped). */
export function formatHttpDate(ms: number): string {
  const c = civilFromMs(ms);
  return DAYS[c.weekday] + ', ' + two(c.day) + ' ' + MONTHS[c.month - 1] + ' ' + four(c.year) + ' ' +
    two(c.hour) + ':' + two(c.minute) + ':' + two(c.second) + ' GMT';
}

/** formatHttpDate that works once per second: a server asks for the Date of every response. */
export function httpDateCache(): (ms: number) => string {
  let second = NaN;
  let text = '';
  return (ms: number): string => {
    const s = Math.floor(ms / 1000);
    if (s !== second) { text = formatHttpDate(s * 1000); second = s; }
    return text;
  };
}

/** The access log's date: "06/Nov/1994:08:49:37 +0000" (always UTC). */
export function formatLogDate(ms: number): string {
  const c = civilFromMs(ms);
  return two(c.day) + '/' + MONTHS[c.month - 1] + '/' + four(c.year) + ':' + two(c.hour) + ':' + two(c.minute) + ':' + two(c.second) + ' +0000';
}

const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d\\d):(\\d\\d):(\\d\\d)';
const IMF = new RegExp('^' + WEEKDAY + ', (\\d\\d) ' + MONTH + ' (\\d{4}) ' + TIME + ' GMT$', 'i');
const RFC850 = new RegExp('^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d\\d)-' + MONTH + '-(\\d\\d) ' + TIME + ' GMT$', 'i');
const ASCTIME = new RegExp('^' + WEEKDAY + ' ' + MONTH + ' ([ \\d]\\d) ' + TIME + ' (\\d{4})$', 'i');

function monthIndex(name: string): number {
  const n = name.charAt(0).toUpperCase() + name.slice(1).toLowerCase();
  return MONTHS.indexOf(n) + 1;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function build(y: number, m: number, d: number, hh: number, mm: number, ss: number): number | null {
  if (m < 1 || d < 1 || d > daysInMonth(y, m) || hh > 23 || mm > 59 || ss > 60) return null;
  return daysFromCivil(y, m, d) * DAY_MS + ((hh * 60 + mm) * 60 + ss) * 1000;
}

/**
 * An HTTP date in any of the three forms recipients must accept: IMF-fixdate,
 * RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6
 * 08:49:37 1994"). Names match without case. A two-digit RFC 850 year
 * more than 50 years after `nowMs` is taken as the century before. Null
 * when the text is none of them or names no real date.
 */
export function parseHttpDate(text: string, nowMs?: number): number | null {
  const s = text.replace(/^[ \t]+|[ \t]+$/g, '');
  let m = IMF.exec(s);
  if (m) return build(+m[3], monthIndex(m[2]), +m[1], +m[4], +m[5], +m[6]);
  m = RFC850.exec(s);
  if (m) {
    const nowYear = civilFromMs(nowMs === undefined ? Date.now() : nowMs).year;
    let year = nowYear - (nowYear % 100) + +m[3];
    if (year > nowYear + 50) year -= 100;
    return build(year, monthIndex(m[2]), +m[1], +m[4], +m[5], +m[6]);
  }
  m = ASCTIME.exec(s);
  if (m) return build(+m[6], monthIndex(m[1]), +m[2].replace(' ', ''), +m[3], +m[4], +m[5]);
  return null;
}
