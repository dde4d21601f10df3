/* Devices on the unix board, driven from inside Duktape. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, lineOf, nymote, runImage, REPO, TEST_IMAGES } from '../helpers';

describe('file-backed block device', () => {
  it('reads, writes and flushes sectors of a host file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nymote-disk-'));
    const disk = join(dir, 'disk.img');
    const sectors = Array.from({ length: 4 }, (_, i) => Buffer.alloc(512, 65 + i));
    writeFileSync(disk, Buffer.concat(sectors));
    const built = await buildApp(join(REPO, 'test', 'fixtures', 'disk'));
    const r = runImage(built.dir, built.manifest, ['--disk', disk]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('sectors 4 of 512 bytes, read-only false');
    expect(r.stdout).toContain('first bytes: AAAAAAAAAAAAAAAA');
    expect(r.stdout).toContain('out of range: data: sector 4 out of range (4 sectors)');
    expect(readFileSync(disk)).toEqual(Buffer.concat([...sectors].reverse()));
    expect(r.code).toBe(0);
  });

  it('fails clearly without a disk or with a missing file', async () => {
    const built = await buildApp(join(REPO, 'test', 'fixtures', 'disk'));
    const none = runImage(built.dir, built.manifest);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('data: no disk image given: pass --disk PATH');
    const missing = runImage(built.dir, built.manifest, ['--disk', '/nonexistent/disk.img']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No such file or directory');
  });
});

describe('code the engine cannot compile', () => {
  it('fails the build at the source line, not deep inside the builder', () => {
    const r = nymote(['build', 'test/fixtures/bad-es2015', '-q', '-o', TEST_IMAGES]);
    expect(r.code).toBe(1);
    const line = lineOf(join(REPO, 'test', 'fixtures', 'bad-es2015', 'legacy.js'), 'ES2015-ONLY');
    expect(r.stderr).toContain(`Duktape cannot compile the bundle at test/fixtures/bad-es2015/legacy.js:${line}`);
    expect(r.stderr).toContain('SyntaxError');
  });
});
