/*
 * The Promises/A+ compliance suite (npm promises-aplus-tests 2.x, all 872
 * tests, files unchanged) run inside Duktape against the runtime's Promise.
 */
import { expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { expectAplusPassed } from '../expectations';
import { buildApp, runImage, REPO } from '../helpers';

it('passes Promises/A+ inside the engine', async () => {
  const suite = join(dirname(createRequire(import.meta.url).resolve('promises-aplus-tests')), 'tests');
  const files = readdirSync(suite).filter((f) => f.endsWith('.js')).sort();
  expect(files.length).toBeGreaterThanOrEqual(13);
  const { dir, manifest } = await buildApp(join(REPO, 'test', 'fixtures', 'aplus'));
  const r = runImage(dir, manifest, ['--suite', suite, '--files', files.join(',')], 600_000);
  expectAplusPassed(r);
}, 600_000);
