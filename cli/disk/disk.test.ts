/* `nymote disk …` functions on real volume files. */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors';
import { diskCreate, diskFsck, diskGet, diskLs, diskMkdir, diskPut, diskRepair, diskRm, parseSize } from './index';
import { fsckFat, haveTools, mcopyOut } from '../../store/testing/fat32-tools';

const dir = mkdtempSync(join(tmpdir(), 'nymote-disk-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function userError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('no error');
}

describe('nymote disk', () => {
  it('parses sizes', () => {
    expect(parseSize('64M')).toBe(64 << 20);
    expect(parseSize('1.5GiB')).toBe(1.5 * 2 ** 30);
    expect(parseSize('100MB')).toBe(100e6);
    expect(parseSize('4096')).toBe(4096);
    expect(() => parseSize('12 parsecs')).toThrow(UserError);
  });

  it('creates, fills, lists, copies out, removes and checks a volume', async () => {
    const vol = join(dir, 'data.img');
    expect(await diskCreate(vol, '300M', { label: 'data', clusterSize: '4K' })).toMatch(/FAT32, 300 MiB, \d+ clusters of 4.0 KiB, label DATA/);
    expect(await userError(diskCreate(vol, '300M'))).toMatch(/already exists/);
    if (haveTools()) expect(fsckFat(vol).code).toBe(0);

    const host = join(dir, 'host');
    mkdirSync(join(host, 'site', 'css'), { recursive: true });
    writeFileSync(join(host, 'site', 'index.html'), '<h1>hello</h1>');
    writeFileSync(join(host, 'site', 'css', 'Main Style.css'), 'body { color: red }');
    const big = Buffer.alloc(5 * 1024 * 1024 + 17, 7);
    writeFileSync(join(host, 'big.bin'), big);

    expect(await diskPut(vol, join(host, 'site'))).toMatch(/^2 files, .* -> .*data\.img:\/site$/);
    expect(await diskPut(vol, join(host, 'big.bin'), '/blobs/')).toMatch(/blobs\/big\.bin/);
    await diskMkdir(vol, '/a/b/c', { parents: true });
    expect(await userError(diskMkdir(vol, '/a'))).toMatch(/\/a: already exists/);

    const ls = await diskLs(vol, '/');
    expect(ls).toMatch(/<dir> .* site\//);
    expect(ls).toMatch(/<dir> .* blobs\//);
    expect(ls).toMatch(/3 entries; .* free of .*/);
    expect(await diskLs(vol, '/site/css')).toMatch(/^ +19 .* Main Style\.css$/m);

    const out = join(dir, 'out');
    mkdirSync(out);
    await diskGet(vol, '/site', out);
    expect(readFileSync(join(out, 'site', 'css', 'Main Style.css'), 'utf8')).toBe('body { color: red }');
    await diskGet(vol, '/blobs/big.bin', join(out, 'big.copy'));
    expect(readFileSync(join(out, 'big.copy')).equals(big)).toBe(true);
    if (haveTools()) expect(mcopyOut(vol, '/site/index.html').toString()).toBe('<h1>hello</h1>');

    expect(await userError(diskRm(vol, '/site'))).toMatch(/\/site: directory not empty/);
    expect(await diskRm(vol, '/site', { recursive: true })).toBe('removed 4 entries');
    expect(await userError(diskLs(vol, '/site'))).toMatch(/\/site: no such file or directory/);

    const check = await diskFsck(vol);
    expect(check.ok).toBe(true);
    expect(check.text).toMatch(/clean; 1 files, 5 directories/);
    expect(await diskRepair(vol)).toMatch(/clean, nothing to repair/);
    if (haveTools()) expect(fsckFat(vol).code).toBe(0);
  });

  it('says clearly what is wrong with a volume file', async () => {
    const notFat = join(dir, 'zeros.img');
    writeFileSync(notFat, Buffer.alloc(1 << 20));
    expect(await userError(diskLs(notFat))).toMatch(/zeros\.img: not a FAT32 volume: bad boot signature/);
    expect(await userError(diskFsck(notFat))).toMatch(/zeros\.img: not a FAT32 volume/);
    expect(await userError(diskLs(join(dir, 'missing.img')))).toMatch(/missing\.img: no such volume file/);
    expect(await userError(diskCreate(join(dir, 'tiny.img'), '10M'))).toMatch(/too small for FAT32/);
    expect(existsSync(join(dir, 'tiny.img'))).toBe(false);
    expect(await userError(diskCreate(join(dir, 'odd.img'), '64M', { clusterSize: '3K' }))).toMatch(/bad cluster size/);
    const vol = join(dir, 'small.img');
    await diskCreate(vol, '40M');
    expect(await userError(diskPut(vol, join(dir, 'nope.txt')))).toMatch(/nope\.txt: no such file/);
    expect(await userError(diskGet(vol, '/nothing', dir))).toMatch(/\/nothing: no such file or directory/);
  });

  it('reports damage and repairs what a power cut leaves', async () => {
    const vol = join(dir, 'dirty.img');
    await diskCreate(vol, '40M');
    const img = readFileSync(vol);
    img.writeUInt32LE(0x07ffffff, 32 * 512 + 4); // FAT[1]: not cleanly unmounted
    writeFileSync(vol, img);
    const check = await diskFsck(vol);
    expect(check.ok).toBe(false);
    expect(check.text).toMatch(/repairable at mount: .*not cleanly unmounted/);
    expect(await diskRepair(vol)).toMatch(/not cleanly unmounted/);
    expect((await diskFsck(vol)).ok).toBe(true);
  });
});

describe('the nymote disk command', () => {
  it('runs as a user types it, with exit codes', async () => {
    const { nymote } = await import('../../test/helpers');
    const dir = mkdtempSync(join(tmpdir(), 'nymote-disk-cli-'));
    try {
      const volume = join(dir, 'data.img');
      writeFileSync(join(dir, 'index.html'), '<h1>hi</h1>\n');
      expect(nymote(['disk', 'create', volume, '40M', '--label', 'SITE']).code).toBe(0);
      expect(nymote(['disk', 'put', volume, join(dir, 'index.html'), '/www/Index Page.html']).code).toBe(0);
      const ls = nymote(['disk', 'ls', volume, '/www']);
      expect(ls.stdout).toMatch(/12 .* Index Page\.html/);
      const fsck = nymote(['disk', 'fsck', volume]);
      expect(fsck.stdout).toContain('clean');
      expect(fsck.code).toBe(0);
      const bad = nymote(['disk', 'ls', join(dir, 'index.html')]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/nymote: .*index\.html: not a FAT32 volume/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
