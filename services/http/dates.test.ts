/* HTTP dates (RFC 9110 §5.6.7): the three forms, calendar edges, and V8's formatter as the oracle. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatHttpDate, formatLogDate, parseHttpDate } from './dates';

const T = Date.UTC(1994, 10, 6, 8, 49, 37);

describe('HTTP dates', () => {
  it('formats IMF-fixdate and the log date', () => {
    expect(formatHttpDate(T)).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(formatHttpDate(T + 999)).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(formatHttpDate(0)).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    expect(formatHttpDate(-1)).toBe('Wed, 31 Dec 1969 23:59:59 GMT');
    expect(formatHttpDate(Date.UTC(2000, 1, 29, 23, 59, 59))).toBe('Tue, 29 Feb 2000 23:59:59 GMT');
    expect(formatLogDate(T)).toBe('06/Nov/1994:08:49:37 +0000');
  });
  it('parses all three forms (RFC 9110 §5.6.7)', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(T);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', Date.UTC(2024, 0, 1))).toBe(T);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(T);
    expect(parseHttpDate('Sun Nov 16 08:49:37 1994')).toBe(T + 10 * 86400000);
    expect(parseHttpDate('sun, 06 NOV 1994 08:49:37 gmt')).toBe(T);
    expect(parseHttpDate('  Sun, 06 Nov 1994 08:49:37 GMT ')).toBe(T);
  });
  it('reads a two-digit year as at most 50 years ahead', () => {
    const now = Date.UTC(2024, 5, 1);
    expect(parseHttpDate('Monday, 01-Jan-74 00:00:00 GMT', now)).toBe(Date.UTC(2074, 0, 1));
    expect(parseHttpDate('Monday, 01-Jan-75 00:00:00 GMT', now)).toBe(Date.UTC(1975, 0, 1));
    expect(parseHttpDate('Monday, 01-Jan-24 00:00:00 GMT', now)).toBe(Date.UTC(2024, 0, 1));
  });
  it('refuses what is not a date', () => {
    for (const s of ['', 'yesterday', 'Sun, 6 Nov 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 08:49:37 UTC', 'Sun, 31 Feb 1994 08:49:37 GMT',
      'Sun, 29 Feb 1900 00:00:00 GMT', 'Sun, 06 Nov 1994 24:00:00 GMT', 'Sun, 06 Nov 1994 08:60:00 GMT', 'Sun, 06 Foo 1994 08:49:37 GMT',
      'Sunday, 06 Nov 1994 08:49:37 GMT', 'Sun, 06 Nov 94 08:49:37 GMT', 'Sun Nov 6 08:49:37 1994', '784111777']) {
      expect([s, parseHttpDate(s)]).toEqual([s, null]);
    }
    expect(parseHttpDate('Tue, 29 Feb 2000 00:00:00 GMT')).toBe(Date.UTC(2000, 1, 29));
  });
  it('formats as V8 does and parses back to the second, across four millennia', () => {
    const range = fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59) });
    fc.assert(fc.property(range, (t) => {
      const s = formatHttpDate(t);
      expect(s).toBe(new Date(t).toUTCString());
      expect(parseHttpDate(s)).toBe(Math.floor(t / 1000) * 1000);
    }), { numRuns: 3000 });
  });
});
