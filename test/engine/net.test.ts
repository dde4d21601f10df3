/* Our TCP/IP stack inside Duktape (unix board): two stacks over the in-memory switch. */
import { expect, it } from 'vitest';
import { buildApp, fixture, runImage } from '../helpers';

it('moves 1 MB each way between two stacks through loss, reordering and duplication, in Duktape', async () => {
  const { dir, manifest } = await buildApp(fixture('net-switch'));
  const r = runImage(dir, manifest, ['--bytes', String(1 << 20)], 120_000);
  expect(r.stderr).toBe('');
  expect(r.stdout.split('\n')).toEqual([
    'a->b intact, b->a intact',
    'faults: lost true, reordered true, duplicated true',
    'errors: none',
    '',
  ]);
  expect(r.code).toBe(0);
}, 150_000);
