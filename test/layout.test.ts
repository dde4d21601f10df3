/*
 * The layering checker can fail: a tree with one planted violation per rule
 * is flagged rule by rule (the real tree is checked by `make test`'s
 * layering stage with the same config).
 */
import { describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO } from './helpers';

const PROBE = join(REPO, 'build', 'layout-probe');

function plant(files: Record<string, string>): void {
  rmSync(PROBE, { recursive: true, force: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(PROBE, path)), { recursive: true });
    writeFileSync(join(PROBE, path), text);
  }
  cpSync(join(REPO, '.dependency-cruiser.cjs'), join(PROBE, '.dependency-cruiser.cjs'));
  writeFileSync(join(PROBE, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { nymote: ['./sdk/index.ts'] } } }));
}

function violations(): string[] {
  const r = spawnSync(join(REPO, 'node_modules/.bin/depcruise'), ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', 'lib', 'kernel', 'drivers', 'net', 'store', 'services', 'sdk', 'apps'], { cwd: PROBE, encoding: 'utf8' });
  const out = JSON.parse(r.stdout) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return out.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

describe('layering rules (dependency-cruiser)', () => {
  it('flag upward imports, test kits and host code in production, and apps reaching past nymote', () => {
    plant({
      'lib/clock.ts': "import { up } from '../net/stack';\nexport const clock = up;\n",
      'lib/testing/fake.ts': "import { up } from '../../net/stack';\nexport const fake = up;\n",
      'kernel/runtime/loop.ts': "export const loop = 1;\n",
      'drivers/tap.ts': "import { loop } from '../kernel/runtime/loop';\nimport { fake } from '../lib/testing/fake';\nexport const tap = loop + Number(fake);\n",
      'net/stack.ts': "import { tap } from '../drivers/tap';\nexport const up = tap;\n",
      'store/volume.ts': "import { up } from '../net/stack';\nexport const volume = up;\n",
      'services/dns.ts': "import { up } from '../net/stack';\nimport { volume } from '../store/volume';\nimport { main } from '../cli/main';\nexport const dns = up + volume + main;\n",
      'cli/main.ts': "export const main = 1;\n",
      'sdk/index.ts': "import { dns } from '../services/dns';\nexport const api = dns;\n",
      'apps/site/app.ts': "import { api } from 'nymote';\nimport { up } from '../../net/stack';\nimport { other } from '../other/app';\nexport default api + up + other;\n",
      'apps/other/app.ts': "export const other = 1;\n",
    });
    expect(violations()).toEqual([
      'apps-import-only-nymote: apps/site/app.ts -> net/stack.ts',
      'apps-stay-in-their-folder: apps/site/app.ts -> apps/other/app.ts',
      'lib-imports-only-lower-floors: lib/clock.ts -> net/stack.ts',
      'production-never-imports-host-side: services/dns.ts -> cli/main.ts',
      'production-never-imports-testing: drivers/tap.ts -> lib/testing/fake.ts',
      'store-imports-only-lower-floors: store/volume.ts -> net/stack.ts',
    ]);
    rmSync(PROBE, { recursive: true, force: true });
  });
});
