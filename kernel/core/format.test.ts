/* Builds and runs the C test of the engine's formatter with several seeds (see format_test.c). */
import { expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const core = fileURLToPath(new URL('.', import.meta.url));

it('prints long longs as the C library does and passes other formats through', () => {
  const out = mkdtempSync(join(tmpdir(), 'nymote-format-'));
  try {
    const bin = join(out, 'format_test');
    execFileSync('cc', ['-std=gnu11', '-O1', '-g', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined',
      join(core, 'format_test.c'), join(core, 'format.c'), '-o', bin]);
    for (const seed of [1, 2, 3, 42, 1234]) {
      const r = spawnSync(bin, [String(seed), '100000'], { encoding: 'utf8' });
      expect(r.stdout + r.stderr).toMatch(/^ok: /);
      expect(r.status).toBe(0);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
