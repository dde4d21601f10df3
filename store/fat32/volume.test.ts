/* The volume API on a RAM block: contents, names, errors, handles, accounting. */
import { describe, expect, it } from 'vitest';
import { createRamBlock } from '../../drivers/memory/ram-block';
import { FsError, fsck, mkfs, mount, type Volume } from './index';
import { pattern } from '../testing/fat32-tools';

const MiB = 1 << 20;
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

async function fresh(opts: { size?: number; clock?: { now(): number }; sectorsPerCluster?: number; bytesPerSector?: number } = {}) {
  const dev = createRamBlock(opts.size ?? 34 * MiB);
  await mkfs(dev, { label: 'TEST', clock: opts.clock, sectorsPerCluster: opts.sectorsPerCluster, bytesPerSector: opts.bytesPerSector });
  const vol = await mount(dev, { clock: opts.clock });
  return { dev, vol };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FsError);
    return (e as FsError).code;
  }
  return 'no error';
}

async function clean(dev: ReturnType<typeof createRamBlock>, vol: Volume): Promise<void> {
  await vol.unmount();
  const r = await fsck(dev);
  expect(r.problems).toEqual([]);
}

describe('files', () => {
  it('round-trips contents of every awkward size', async () => {
    const { dev, vol } = await fresh();
    const sizes = [0, 1, 511, 512, 513, 1024, 4095, 4096, 4097, 100_000, 3 * MiB + 7];
    for (const n of sizes) await vol.writeFile('/f' + n, pattern(n, n));
    for (const n of sizes) expect(Buffer.from(await vol.readFile('/f' + n)).equals(Buffer.from(pattern(n, n)))).toBe(true);
    const vol2 = await (async () => { await vol.unmount(); return mount(dev); })();
    for (const n of sizes) expect((await vol2.stat('/f' + n)).size).toBe(n);
    expect(Buffer.from(await vol2.readFile('/f100000')).equals(Buffer.from(pattern(100_000, 100_000)))).toBe(true);
    await clean(dev, vol2);
  });

  it('replaces, appends and truncates', async () => {
    const { dev, vol } = await fresh();
    await vol.writeFile('/a.txt', enc('hello'));
    await vol.appendFile('/a.txt', enc(', world'));
    expect(dec(await vol.readFile('/a.txt'))).toBe('hello, world');
    await vol.writeFile('/a.txt', enc('new'));
    expect(dec(await vol.readFile('/a.txt'))).toBe('new');
    await vol.truncate('/a.txt', 1);
    expect(dec(await vol.readFile('/a.txt'))).toBe('n');
    await vol.truncate('/a.txt', 2000);
    const grown = await vol.readFile('/a.txt');
    expect(grown.length).toBe(2000);
    expect(grown[0]).toBe(110);
    expect(grown.subarray(1).every((b) => b === 0)).toBe(true);
    await vol.appendFile('/new.log', enc('created by append'));
    expect(dec(await vol.readFile('/new.log'))).toBe('created by append');
    // Shrink and regrow in one epoch (the FAT relink case), then check.
    await vol.writeFile('/b.bin', pattern(5000, 1));
    await vol.flush();
    await vol.truncate('/b.bin', 600);
    await vol.appendFile('/b.bin', pattern(3000, 2));
    const b = await vol.readFile('/b.bin');
    expect(Buffer.from(b.subarray(0, 600)).equals(Buffer.from(pattern(5000, 1).subarray(0, 600)))).toBe(true);
    expect(Buffer.from(b.subarray(600)).equals(Buffer.from(pattern(3000, 2)))).toBe(true);
    await clean(dev, vol);
  });

  it('reads ranges without a handle (readRange), short at the end, and refuses a directory', async () => {
    const { dev, vol } = await fresh({ sectorsPerCluster: 1 });
    const data = pattern(70_000, 7);
    await vol.mkdir('/site');
    await vol.writeFile('/site/photo.png', data);
    for (const [offset, length] of [[0, 16384], [16384, 16384], [65536, 16384], [1, 511], [69_999, 10], [70_000, 5]]) {
      const buf = new Uint8Array(length);
      const n = await vol.readRange('/site/photo.png', offset, buf);
      expect(n).toBe(Math.max(0, Math.min(length, data.length - offset)));
      expect(buf.subarray(0, n)).toEqual(data.subarray(offset, offset + n));
    }
    expect(await code(vol.readRange('/site', 0, new Uint8Array(8)))).toBe('EISDIR');
    expect(await code(vol.readRange('/site/none.png', 0, new Uint8Array(8)))).toBe('ENOENT');
    await clean(dev, vol);
  });

  it('streams through a FileHandle', async () => {
    const { dev, vol } = await fresh();
    const h = await vol.open('/big.bin', { create: true });
    const chunk = 64 * 1024 + 3;
    for (let i = 0; i < 40; i++) expect(await h.write(i * chunk, pattern(chunk, i))).toBe(chunk);
    expect(h.size()).toBe(40 * chunk);
    await h.write(10, enc('PATCH'));
    await h.write(40 * chunk + 1000, enc('tail')); // a gap that reads as zeros
    const buf = new Uint8Array(chunk);
    expect(await h.read(5 * chunk, buf)).toBe(chunk);
    expect(Buffer.from(buf).equals(Buffer.from(pattern(chunk, 5)))).toBe(true);
    const end = new Uint8Array(2000);
    expect(await h.read(40 * chunk, end)).toBe(1004);
    expect(end.subarray(0, 1000).every((x) => x === 0)).toBe(true);
    expect(dec(end.subarray(1000, 1004))).toBe('tail');
    expect(await h.read(h.size(), buf)).toBe(0);
    const head = new Uint8Array(20);
    await h.read(0, head);
    expect(dec(head.subarray(10, 15))).toBe('PATCH');
    await h.truncate(100);
    expect(h.size()).toBe(100);
    await h.close();
    expect(await code(h.read(0, head))).toBe('EBADF');
    expect((await vol.stat('/big.bin')).size).toBe(100);
    // Two handles share one file; deleting it ends them.
    const h1 = await vol.open('/shared', { create: true });
    const h2 = await vol.open('/shared');
    await h1.write(0, enc('abc'));
    expect(h2.size()).toBe(3);
    await vol.writeFile('/shared', enc('replaced'));
    const got = new Uint8Array(8);
    expect(await h2.read(0, got)).toBe(8);
    expect(dec(got)).toBe('replaced');
    await vol.unlink('/shared');
    expect(await code(h1.write(0, enc('x')))).toBe('ENOENT');
    await h1.close();
    await h2.close();
    const t = await vol.open('/big.bin', { truncate: true });
    expect(t.size()).toBe(0);
    await t.close();
    await clean(dev, vol);
  });
});

describe('names and directories', () => {
  it('keeps long names (UTF-16) and finds them in any case', async () => {
    const { dev, vol } = await fresh();
    const names = ['Readme.md', 'lower.txt', 'UPPER.TXT', 'a name with spaces.tar.gz', 'Ünïcødé – ☃ file.txt', '.hidden', 'x'.repeat(255), 'résumé (final) [v2].pdf', 'emoji 😀.txt'];
    for (const n of names) await vol.writeFile('/' + n, enc(n));
    const listed = (await vol.readdir('/')).map((e) => e.name).sort();
    expect(listed).toEqual([...names].sort());
    for (const n of names) expect(dec(await vol.readFile('/' + n.toUpperCase()))).toBe(n);
    expect((await vol.stat('/readme.MD')).name).toBe('Readme.md');
    // The 8.3 alias finds the file too (as on Windows).
    const st = await vol.stat('/a name with spaces.tar.gz');
    expect(st.shortName).toMatch(/^ANAMEW~\d\.GZ$/);
    expect(dec(await vol.readFile('/' + st.shortName))).toBe('a name with spaces.tar.gz');
    await clean(dev, vol);
  });

  it('generates distinct short names for colliding long names', async () => {
    const { dev, vol } = await fresh();
    for (let i = 0; i < 30; i++) await vol.writeFile(`/Long File Name ${i}.text`, enc(String(i)));
    const shorts = new Set<string>();
    for (let i = 0; i < 30; i++) shorts.add((await vol.stat(`/Long File Name ${i}.text`)).shortName);
    expect(shorts.size).toBe(30);
    expect(shorts.has('LONGFI~1.TEX')).toBe(true);
    expect(shorts.has('LONGF~10.TEX')).toBe(true);
    await clean(dev, vol);
  });

  it('nests directories, grows them and removes them', async () => {
    const { dev, vol } = await fresh();
    await vol.mkdir('/a');
    await vol.mkdir('/a/b');
    await vol.mkdir('/a/b/c');
    for (let i = 0; i < 300; i++) await vol.writeFile(`/a/b/file number ${i} with a long name.dat`, pattern(i, i));
    expect((await vol.readdir('/a/b')).length).toBe(301);
    for (let i = 0; i < 300; i += 37) expect(Buffer.from(await vol.readFile(`/a/b/file number ${i} with a long name.dat`)).equals(Buffer.from(pattern(i, i)))).toBe(true);
    expect(await code(vol.rmdir('/a/b'))).toBe('ENOTEMPTY');
    for (let i = 0; i < 300; i++) await vol.unlink(`/a/b/file number ${i} with a long name.dat`);
    await vol.rmdir('/a/b/c');
    await vol.rmdir('/a/b');
    expect(await vol.readdir('/a')).toEqual([]);
    await clean(dev, vol);
  });

  it('renames files and directories, atomically replacing files', async () => {
    const { dev, vol } = await fresh();
    await vol.mkdir('/src');
    await vol.mkdir('/dst');
    await vol.writeFile('/src/one.txt', enc('one'));
    await vol.writeFile('/dst/target.txt', enc('old target'));
    await vol.rename('/src/one.txt', '/dst/target.txt');
    expect(dec(await vol.readFile('/dst/target.txt'))).toBe('one');
    expect(await code(vol.stat('/src/one.txt'))).toBe('ENOENT');
    await vol.rename('/dst/target.txt', '/dst/TARGET.TXT'); // a change of case
    expect((await vol.readdir('/dst')).map((e) => e.name)).toEqual(['TARGET.TXT']);
    await vol.writeFile('/src/inner.txt', enc('inner'));
    await vol.rename('/src', '/dst/moved');
    expect(dec(await vol.readFile('/dst/moved/inner.txt'))).toBe('inner');
    expect(await code(vol.rename('/dst', '/dst/moved/into-itself'))).toBe('EINVAL');
    await vol.mkdir('/empty');
    await vol.rename('/dst/moved', '/empty'); // over an empty directory
    expect(dec(await vol.readFile('/empty/inner.txt'))).toBe('inner');
    await vol.mkdir('/full');
    await vol.writeFile('/full/x', enc('x'));
    expect(await code(vol.rename('/empty', '/full'))).toBe('ENOTEMPTY');
    expect(await code(vol.rename('/empty', '/dst/TARGET.TXT'))).toBe('ENOTDIR');
    expect(await code(vol.rename('/dst/TARGET.TXT', '/full'))).toBe('EISDIR');
    // In one directory sector: rewritten in place, the replaced empty directory freed.
    await vol.mkdir('/e1');
    await vol.writeFile('/e1/kept', enc('kept'));
    await vol.mkdir('/e2');
    await vol.rename('/e1', '/e2');
    expect(dec(await vol.readFile('/e2/kept'))).toBe('kept');
    expect((await vol.readdir('/')).map((e) => e.name).sort()).toEqual(['dst', 'e2', 'empty', 'full']);
    await clean(dev, vol);
  });

  it('reports errors with codes', async () => {
    const { dev, vol } = await fresh();
    await vol.writeFile('/file', enc('f'));
    await vol.mkdir('/dir');
    expect(await code(vol.readFile('/missing'))).toBe('ENOENT');
    expect(await code(vol.readFile('/missing/x'))).toBe('ENOENT');
    expect(await code(vol.readFile('/file/x'))).toBe('ENOTDIR');
    expect(await code(vol.readFile('/dir'))).toBe('EISDIR');
    expect(await code(vol.unlink('/dir'))).toBe('EISDIR');
    expect(await code(vol.rmdir('/file'))).toBe('ENOTDIR');
    expect(await code(vol.rmdir('/'))).toBe('EINVAL');
    expect(await code(vol.mkdir('/dir'))).toBe('EEXIST');
    expect(await code(vol.mkdir('/FILE'))).toBe('EEXIST');
    expect(await code(vol.writeFile('/a*b', enc('')))).toBe('EINVAL');
    expect(await code(vol.writeFile('/trailing.', enc('')))).toBe('EINVAL');
    expect(await code(vol.writeFile('/' + 'n'.repeat(256), enc('')))).toBe('ENAMETOOLONG');
    expect(await code(vol.open('/nope'))).toBe('ENOENT');
    expect(await code(vol.truncate('/file', -1))).toBe('EINVAL');
    await clean(dev, vol);
    expect(await code(vol.readFile('/file'))).toBe('EINVAL'); // unmounted
  });
});

describe('volume', () => {
  it('stamps times from the clock', async () => {
    let now = Date.UTC(2031, 4, 6, 7, 8, 10, 990);
    const { dev, vol } = await fresh({ clock: { now: () => now } });
    await vol.writeFile('/t', enc('x'));
    now += 3600_000;
    await vol.appendFile('/t', enc('y'));
    const st = await vol.stat('/t');
    expect(st.created).toBe(Date.UTC(2031, 4, 6, 7, 8, 10, 990));
    expect(st.modified).toBe(Date.UTC(2031, 4, 6, 8, 8, 10));
    expect((await vol.readdir('/'))[0].modified).toBe(st.modified);
    await clean(dev, vol);
  });

  it('counts free clusters and keeps the count in FSInfo', async () => {
    const { dev, vol } = await fresh();
    const before = await vol.statfs();
    expect(before.label).toBe('TEST');
    expect(before.clusterSize).toBe(512);
    await vol.writeFile('/x', new Uint8Array(512 * 10));
    expect((await vol.statfs()).freeClusters).toBe(before.freeClusters - 10);
    await vol.unmount();
    const again = await mount(dev);
    expect((await again.statfs()).freeClusters).toBe(before.freeClusters - 10);
    await again.unlink('/x');
    expect((await again.statfs()).freeClusters).toBe(before.freeClusters);
    await clean(dev, again);
  });

  it('fills up with ENOSPC and recovers space', async () => {
    const { dev, vol } = await fresh();
    const free = (await vol.statfs()).freeClusters;
    await vol.writeFile('/fill', new Uint8Array((free - 4) * 512));
    expect(await code(vol.writeFile('/more', new Uint8Array(512 * 10)))).toBe('ENOSPC');
    expect(await code(vol.appendFile('/fill', new Uint8Array(512 * 10)))).toBe('ENOSPC');
    // Replacing needs room for both copies until the swap: ENOSPC, the old content stays.
    expect(await code(vol.writeFile('/fill', new Uint8Array(512 * 8)))).toBe('ENOSPC');
    expect((await vol.stat('/fill')).size).toBe((free - 4) * 512);
    await vol.unlink('/fill');
    await vol.writeFile('/more', new Uint8Array(512 * 10));
    await clean(dev, vol);
  });

  it('refuses to write a read-only device', async () => {
    const { dev, vol } = await fresh();
    await vol.writeFile('/r', enc('r'));
    await vol.unmount();
    const ro = await mount(createRamBlock(dev.bytes, { readOnly: true }));
    expect(dec(await ro.readFile('/r'))).toBe('r');
    expect(await code(ro.writeFile('/w', enc('w')))).toBe('EROFS');
    expect(await code(ro.mkdir('/d'))).toBe('EROFS');
  });

  it('works with sectors larger than the device\'s', async () => {
    for (const [bps, size] of [[4096, 280 * MiB], [2048, 140 * MiB]]) {
      const { dev, vol } = await fresh({ size, bytesPerSector: bps, sectorsPerCluster: 1 });
      expect(vol.geometry.bytesPerSector).toBe(bps);
      await vol.mkdir('/d');
      await vol.writeFile('/d/f.bin', pattern(100_000, bps));
      expect(Buffer.from(await vol.readFile('/d/f.bin')).equals(Buffer.from(pattern(100_000, bps)))).toBe(true);
      await clean(dev, vol);
    }
  });
});
