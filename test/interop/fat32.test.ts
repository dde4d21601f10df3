/*
 * Our FAT32 against dosfstools and mtools, on sparse volume files through
 * the node file-block driver: volumes made by `mkfs.fat -F 32` (every
 * cluster size from 512 B to 32 KB, and 32 GB) and filled by mtools are read
 * and changed by ours; what ours writes, mtools lists and copies out byte
 * for byte, and `fsck.fat -n` finds clean. Volumes our mkfs makes pass the
 * same checks.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, truncateSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileBlock } from '../../drivers/node/file-block';
import { fsck, mkfs, mount } from '../../store/fat32/index';
import { fsckFat, haveTools, mcopyIn, mcopyOut, mkfsFat, mmd, mtoolsTree, pattern } from '../../store/testing/fat32-tools';

const dir = mkdtempSync(join(tmpdir(), 'nymote-fat32-interop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MiB = 1 << 20;
const tools = haveTools();

function sparse(name: string, bytes: number): string {
  const path = join(dir, name);
  closeSync(openSync(path, 'w'));
  truncateSync(path, bytes);
  return path;
}

/** Files mtools puts on a volume before ours sees it. */
function fillWithMtools(image: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  expect(mmd(image, '/From Linux').code).toBe(0);
  expect(mmd(image, '/From Linux/nested dir').code).toBe(0);
  const put = (path: string, data: Uint8Array) => {
    const host = join(dir, 'host-file');
    writeFileSync(host, data);
    const r = mcopyIn(image, host, path);
    expect(r.code, r.out).toBe(0);
    files.set(path, Buffer.from(data));
  };
  put('/README.TXT', pattern(1000, 1));
  put('/From Linux/a long name written by mtools.bin', pattern(70_000, 2));
  put('/From Linux/nested dir/deep.dat', pattern(5, 3));
  put('/From Linux/empty', new Uint8Array(0));
  put('/Ünïcödé name.txt', pattern(333, 4));
  return files;
}

async function ourSide(image: string, theirs: Map<string, Buffer>): Promise<Map<string, Buffer>> {
  const dev = await openFileBlock(image);
  const vol = await mount(dev);
  for (const [p, data] of theirs) expect(Buffer.from(await vol.readFile(p)).equals(data), p).toBe(true);
  const ours = new Map<string, Buffer>();
  const write = async (p: string, data: Uint8Array) => { await vol.writeFile(p, data); ours.set(p, Buffer.from(data)); };
  await vol.mkdir('/Written by nymote');
  await write('/Written by nymote/a file with a long name (1).bin', pattern(200_000, 10));
  await write('/Written by nymote/short.txt', pattern(17, 11));
  await write('/From Linux/nested dir/added by us.dat', pattern(65_536, 12));
  await vol.appendFile('/README.TXT', pattern(3000, 13));
  ours.set('/README.TXT', Buffer.concat([theirs.get('/README.TXT') as Buffer, Buffer.from(pattern(3000, 13))]));
  await vol.rename('/From Linux/a long name written by mtools.bin', '/Written by nymote/moved from linux.bin');
  ours.set('/Written by nymote/moved from linux.bin', theirs.get('/From Linux/a long name written by mtools.bin') as Buffer);
  await vol.unlink('/From Linux/empty');
  ours.set('/From Linux/nested dir/deep.dat', theirs.get('/From Linux/nested dir/deep.dat') as Buffer);
  ours.set('/Ünïcödé name.txt', theirs.get('/Ünïcödé name.txt') as Buffer);
  await vol.unmount();
  expect((await fsck(dev)).problems).toEqual([]);
  await dev.close();
  return ours;
}

function theirSide(image: string, files: Map<string, Buffer>, dirs: string[]): void {
  const r = fsckFat(image);
  expect(r.code, r.out).toBe(0);
  const want = [...files.keys(), ...dirs.map((d) => d + '/')].sort();
  expect(mtoolsTree(image)).toEqual(want);
  for (const [p, data] of files) expect(mcopyOut(image, p).equals(data), p).toBe(true);
}

describe.skipIf(!tools)('volumes made by mkfs.fat', () => {
  const sizes: [number, number][] = [[512, 40], [1024, 80], [2048, 160], [4096, 300], [8192, 600], [16384, 1100], [32768, 2200]];
  for (const [cluster, mib] of sizes) {
    it(`are read and written with ${cluster}-byte clusters`, async () => {
      const image = sparse(`mkfs-${cluster}.img`, mib * MiB);
      const r = mkfsFat(image, ['-s', String(cluster / 512), '-n', 'THEIRS']);
      expect(r.code, r.out).toBe(0);
      const theirs = fillWithMtools(image);
      const ours = await ourSide(image, theirs);
      theirSide(image, ours, ['/From Linux', '/From Linux/nested dir', '/Written by nymote']);
      const dev = await openFileBlock(image, { readOnly: true });
      const vol = await mount(dev);
      expect((await vol.statfs()).clusterSize).toBe(cluster);
      await dev.close();
    }, 60_000);
  }

  it('with 4096-byte sectors, and with a single FAT', async () => {
    for (const [name, args] of [['sector4k', ['-S', '4096', '-s', '1']], ['onefat', ['-f', '1']]] as const) {
      const image = sparse(`mkfs-${name}.img`, 300 * MiB);
      const r = mkfsFat(image, [...args]);
      expect(r.code, r.out).toBe(0);
      const theirs = fillWithMtools(image);
      const ours = await ourSide(image, theirs);
      theirSide(image, ours, ['/From Linux', '/From Linux/nested dir', '/Written by nymote']);
    }
  }, 60_000);

  it('a 32 GB sparse volume', async () => {
    const image = sparse('mkfs-32g.img', 32 * 1024 * MiB);
    expect(mkfsFat(image, ['-n', 'BIG']).code).toBe(0);
    const dev = await openFileBlock(image);
    const vol = await mount(dev);
    const st = await vol.statfs();
    expect(st.totalClusters * st.clusterSize).toBeGreaterThan(31 * 1024 * MiB);
    await vol.mkdir('/big dir');
    await vol.writeFile('/big dir/some data.bin', pattern(3 * MiB, 5));
    await vol.writeFile('/BIG.TXT', pattern(100, 6));
    const free = (await vol.statfs()).freeClusters;
    await vol.unmount();
    await dev.close();
    const r = fsckFat(image);
    expect(r.code, r.out).toBe(0);
    expect(mcopyOut(image, '/big dir/some data.bin').equals(Buffer.from(pattern(3 * MiB, 5)))).toBe(true);
    const ro = await openFileBlock(image, { readOnly: true });
    const again = await mount(ro);
    expect((await again.statfs()).freeClusters).toBe(free);
    await ro.close();
  }, 60_000);
});

describe.skipIf(!tools)('volumes made by our mkfs', () => {
  it('choose the cluster size mkfs.fat chooses', async () => {
    for (const mib of [40, 260, 261, 8200, 16500, 33 * 1024]) {
      const theirs = sparse(`size-${mib}-theirs.img`, mib * MiB);
      expect(mkfsFat(theirs, []).code).toBe(0);
      const t = await openFileBlock(theirs, { readOnly: true });
      const tv = await mount(t);
      const want = (await tv.statfs()).clusterSize;
      await t.close();
      const ours = sparse(`size-${mib}-ours.img`, mib * MiB);
      const o = await openFileBlock(ours);
      const g = await mkfs(o);
      await o.close();
      expect(g.clusterBytes, `${mib} MiB`).toBe(want);
      expect(fsckFat(ours).code).toBe(0);
      rmSync(theirs);
      rmSync(ours);
    }
  }, 60_000);

  for (const [cluster, mib] of [[512, 34], [4096, 300], [32768, 2200]] as const) {
    it(`pass fsck.fat and take files from mtools (${cluster}-byte clusters)`, async () => {
      const image = sparse(`ours-${cluster}.img`, mib * MiB);
      const dev = await openFileBlock(image);
      await mkfs(dev, { label: 'Ours', sectorsPerCluster: cluster / 512 });
      await dev.close();
      let r = fsckFat(image);
      expect(r.code, r.out).toBe(0);
      expect(mtoolsTree(image)).toEqual([]);
      const theirs = fillWithMtools(image);
      const ours = await ourSide(image, theirs);
      theirSide(image, ours, ['/From Linux', '/From Linux/nested dir', '/Written by nymote']);
      r = fsckFat(image);
      expect(r.code, r.out).toBe(0);
    }, 60_000);
  }

  it('a 32 GB sparse volume, with the cluster size chosen like mkfs.fat', async () => {
    const image = sparse('ours-32g.img', 32 * 1024 * MiB);
    const dev = await openFileBlock(image);
    const g = await mkfs(dev, { label: 'BIG' });
    expect(g.clusterBytes).toBe(16384);
    const vol = await mount(dev);
    await vol.writeFile('/x.bin', pattern(1 * MiB, 9));
    await vol.unmount();
    await dev.close();
    const r = fsckFat(image);
    expect(r.code, r.out).toBe(0);
    expect(mcopyOut(image, '/x.bin').equals(Buffer.from(pattern(1 * MiB, 9)))).toBe(true);
  }, 60_000);
});
