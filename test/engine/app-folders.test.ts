/*
 * Every app folder builds from a copy outside the repository (apps import
 * only `nymote`, DESIGN.md §7), and tree-shaking keeps images to what an app
 * uses: hello (console and timers) carries at most 90 KiB of runtime and
 * drivers and no module of net/, store/ or services/. Sizes are
 * deterministic, so these budgets are asserted.
 */
import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nymote, REPO } from '../helpers';
import type { Manifest } from '../../cli/build/index';

const APPS = readdirSync(join(REPO, 'apps'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const where = mkdtempSync(join(tmpdir(), 'nymote-apps-'));

function buildCopy(app: string): Manifest {
  const copy = join(where, 'src', app);
  cpSync(join(REPO, 'apps', app), copy, { recursive: true, filter: (src) => !src.endsWith('.test.ts') });
  const built = nymote(['build', '-q', copy, '-b', 'unix', '-o', join(where, 'images')], where);
  expect(built.stderr).toBe('');
  expect(built.code).toBe(0);
  const m = JSON.parse(readFileSync(join(where, 'images', `${app}-unix`, 'manifest.json'), 'utf8')) as Manifest;
  return m;
}

describe('app folders', () => {
  it.each(APPS)('%s builds from a copy outside the repository', (app) => {
    const m = buildCopy(app);
    expect(m.app).toBe(app);
    // the size report lists every module, and they add up to the bundle's ES5 bytes
    const es5 = m.modules.reduce((sum, mod) => sum + mod.es5, 0);
    expect(es5).toBeGreaterThan(0.9 * (m.sizes.runtime + m.sizes.app));
    expect(readFileSync(join(where, 'images', `${app}-unix`, 'sizes.txt'), 'utf8')).toContain('nymote/sdk/boot.ts');
    // the treemap beside it shows the kernel, the engine and the bytecode, and lists every module
    const html = readFileSync(join(where, 'images', `${app}-unix`, 'sizes.html'), 'utf8');
    for (const part of ['kernel (C)', 'engine (Duktape)', 'bytecode']) expect(html).toContain(`title="${part} — `);
    for (const mod of m.modules) expect(html).toContain(`<td>${mod.module}</td>`);
    // the image carries the bytecode deflated
    expect(m.bytecode.packed).toBeGreaterThan(0);
    expect(m.bytecode.packed).toBeLessThan(0.5 * m.bytecode.bytes);
  }, 300_000);

  it('hello carries at most 90 KiB of runtime and drivers, and nothing of net/, store/ or services/', () => {
    const m = JSON.parse(readFileSync(join(where, 'images', 'hello-unix', 'manifest.json'), 'utf8')) as Manifest;
    expect(m.sizes.runtime).toBeLessThanOrEqual(90 * 1024);
    const names = m.modules.map((mod) => mod.module);
    expect(names.filter((n) => /^nymote\/(net|store|services)\//.test(n))).toEqual([]);
    expect(names.filter((n) => n.startsWith('nymote/drivers/'))).toEqual(['nymote/drivers/console/kernel-console.ts']);
  });

  it('the dns appliance carries the DNS server but no HTTP or records (FAT32 stays: mount repairs what a power cut left)', () => {
    const m = JSON.parse(readFileSync(join(where, 'images', 'dns-unix', 'manifest.json'), 'utf8')) as Manifest;
    const names = m.modules.map((mod) => mod.module);
    expect(names).toContain('nymote/services/dns/server.ts');
    expect(names.filter((n) => /^nymote\/(services\/http|store\/records)\//.test(n))).toEqual([]);
    rmSync(where, { recursive: true, force: true });
  });
});
