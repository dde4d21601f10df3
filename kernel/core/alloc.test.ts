/* Builds and runs the C allocator test with several seeds (see alloc_test.c). */
import { expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const core = fileURLToPath(new URL('.', import.meta.url));
const out = join(core, '..', '..', 'build', 'tests');

it('keeps every live block intact and coalesces back to one arena', () => {
  mkdirSync(out, { recursive: true });
  const bin = join(out, 'alloc_test');
  execFileSync('cc', ['-std=gnu11', '-O1', '-g', '-fsanitize=address,undefined', '-I', join(core, '..', 'include'), '-I', join(core, '..', '..', 'build', 'engine'),
    join(core, 'alloc_test.c'), join(core, 'alloc.c'), '-o', bin]);
  for (const seed of [1, 2, 3, 42, 1234]) {
    const r = spawnSync(bin, [String(seed), '100000'], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/^ok: /);
    expect(r.status).toBe(0);
  }
});
