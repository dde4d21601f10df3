import { expect, it } from 'vitest';
import fc from 'fast-check';
import { parseBootArgs } from './bootargs';

const key = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const value = fc.stringMatching(/^[A-Za-z0-9./:_][A-Za-z0-9./:_=-]{0,20}$/);

it('reads back --key value, --key=value and bare --flag pairs', () => {
  fc.assert(fc.property(fc.uniqueArray(fc.tuple(key, fc.option(value, { nil: undefined }), fc.boolean()), { selector: (t) => t[0], maxLength: 8 }), (pairs) => {
    const argv: string[] = [];
    for (const [k, v, joined] of pairs) {
      if (v === undefined) argv.push(`--${k}`);
      else if (joined) argv.push(`--${k}=${v}`);
      else argv.push(`--${k}`, v);
    }
    const parsed = parseBootArgs(argv);
    expect(parsed.all).toEqual(argv);
    for (const [k, v] of pairs) expect(parsed.options[k]).toBe(v ?? 'true');
    expect(Object.keys(parsed.options).length).toBe(pairs.length);
  }));
});

it('keeps positional arguments out of the options', () => {
  expect(parseBootArgs(['serve', '--ipv4', '10.0.0.2/24', '--', 'x']).options).toEqual({ ipv4: '10.0.0.2/24' });
});
