/* Board assets filled in by `nymote boot`. */
import { expect, it } from 'vitest';
import { dtsEscape, fillTemplate, placeholders } from './template';

it('fills every placeholder, escaped, and leaves other text alone', () => {
  const text = 'a = "${s}"; reg = <0x${addr} ${n}>; $x {y} ${s}';
  expect(placeholders(text)).toEqual(['s', 'addr', 'n']);
  expect(fillTemplate(text, { s: 'say "hi" \\', addr: '50000000', n: 7 }, 'f', dtsEscape))
    .toBe('a = "say \\"hi\\" \\\\"; reg = <0x50000000 7>; $x {y} say \\"hi\\" \\\\');
});

it('fails on a placeholder the boot does not know, naming the asset', () => {
  expect(() => fillTemplate('x = ${gest};', { guest: 1 }, 'board/b/dom0less.dts.in'))
    .toThrow('board/b/dom0less.dts.in: unknown placeholder ${gest} (known: guest)');
});
