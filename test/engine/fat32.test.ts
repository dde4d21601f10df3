/*
 * The FAT32 store inside Duktape (unix board, drivers/unix/file-block.ts):
 * on a volume made by mkfs.fat and filled by mtools, the fixture writes
 * long-named files and directories; mtools then reads them byte for byte
 * and fsck.fat finds the volume clean. A volume cut off mid-flush (made
 * here in Node) is repaired by the mount inside Duktape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, fixture, runImage } from '../helpers';
import { createRamBlock } from '../../drivers/memory/ram-block';
import { mkfs } from '../../store/fat32/index';
import { CutBlock, fsckFat, haveTools, mcopyIn, mcopyOut, mkfsFat, mtoolsTree } from '../../store/testing/fat32-tools';
import { record, runEpoch, workload } from '../../store/testing/fat32-workload';
import { pattern, WRITTEN } from '../fixtures/fat32-disk/pattern';

const dir = mkdtempSync(join(tmpdir(), 'nymote-fat32-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let built: Awaited<ReturnType<typeof buildApp>>;
beforeAll(async () => { built = await buildApp(fixture('fat32-disk')); }, 300_000);

describe.skipIf(!haveTools())('FAT32 in Duktape', () => {
  it('writes a volume made by mkfs.fat that mtools and fsck.fat accept', () => {
    const image = join(dir, 'engine.img');
    closeSync(openSync(image, 'w'));
    truncateSync(image, 40 << 20);
    expect(mkfsFat(image, ['-n', 'ENGINE']).code).toBe(0);
    const host = join(dir, 'from-mtools');
    writeFileSync(host, pattern(10_000, 99));
    expect(mcopyIn(image, host, '/from mtools.bin').code).toBe(0);

    const r = runImage(built.dir, built.manifest, ['--disk', image], 120_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('read from mtools: 10000 bytes, intact');
    expect(r.stdout).toContain('handle: 65536 bytes, chunk 5 intact');
    expect(r.stdout).toContain('rmdir: ENOTEMPTY');
    expect(r.stdout).toContain('statfs: 512 byte clusters, label ENGINE');
    expect(r.stdout).toContain('unmounted');

    const f = fsckFat(image);
    expect(f.code, f.out).toBe(0);
    for (const [path, length, seed] of WRITTEN) {
      const at = path === '/SHORT.TXT' ? '/Nymote Engine/renamed short.txt' : path;
      expect(mcopyOut(image, at).equals(Buffer.from(pattern(length, seed))), at).toBe(true);
    }
    const appended = Buffer.concat([Buffer.from(pattern(10_000, 99)), Buffer.from('appended in duktape')]);
    expect(mcopyOut(image, '/from mtools.bin').equals(appended)).toBe(true);
    expect(mtoolsTree(image)).toEqual([
      '/Nymote Engine/', '/Nymote Engine/A file with a rather long name.bin', '/Nymote Engine/deeper/',
      '/Nymote Engine/deeper/empty.dat', '/Nymote Engine/deeper/Ünïcødé ☃ name.txt', '/Nymote Engine/renamed short.txt',
      '/Nymote Engine/streamed.bin', '/from mtools.bin',
    ].sort());
  }, 180_000);

  it('repairs a volume cut off mid-flush when it mounts', async () => {
    const ram = createRamBlock(34 << 20);
    await mkfs(ram, { label: 'CUT' });
    const epochs = workload();
    const rec = await record(ram.bytes, epochs.slice(0, 24));
    // The rename over /victim.txt, cut between its two steps (new entry written, old ones not yet gone).
    const k = epochs.findIndex((ops) => ops[0].what === 'rename /docs/README.md -> /victim.txt');
    const cutAt = Math.floor(rec.writes[k] / 2);
    const dev = new CutBlock(rec.base, { limit: cutAt }, rec.snapshots[k]);
    expect(await runEpoch(dev, epochs[k])).toBe(false);
    const image = join(dir, 'cut.img');
    writeFileSync(image, dev.image());
    expect(fsckFat(image).code).not.toBe(0); // dirty, as the cut left it

    const r = runImage(built.dir, built.manifest, ['--disk', image, '--mode', 'list'], 120_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/recovered: .*dirty.*; renames \d; remaining 0/);
    const f = fsckFat(image);
    expect(f.code, f.out).toBe(0);
    expect(r.stdout).toMatch(/\/victim\.txt (16|5000)\n/);
    expect(r.stdout).not.toContain('README.md 5000\n/victim.txt 16');
  }, 180_000);
});
