/*
 * Damaged volumes: every kind of damage gives a clear FsError('ECORRUPT')
 * (or a report from fsck) and nothing hangs or crashes: every chain walk is
 * bounded by the cluster count.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRamBlock, type RamBlock } from '../../drivers/memory/ram-block';
import { parseBootSector, type Geometry } from './bpb';
import { FsError, fsck, mkfs, mount, recoveries } from './index';
import { pattern } from '../testing/fat32-tools';

const MiB = 1 << 20;
const enc = (s: string) => new TextEncoder().encode(s);

async function volumeWith(files: [string, Uint8Array][], dirs: string[] = []): Promise<{ dev: RamBlock; g: Geometry }> {
  const dev = createRamBlock(34 * MiB);
  await mkfs(dev, { label: 'BROKEN' });
  const vol = await mount(dev);
  for (const d of dirs) await vol.mkdir(d);
  for (const [p, data] of files) await vol.writeFile(p, data);
  await vol.unmount();
  return { dev, g: parseBootSector(dev.bytes.subarray(0, 512)) };
}

const fatAt = (g: Geometry, c: number, copy = 0) => (g.reservedSectors + copy * g.fatSectors) * g.bytesPerSector + c * 4;
function setFat(dev: RamBlock, g: Geometry, c: number, v: number): void {
  for (let copy = 0; copy < g.numFats; copy++) new DataView(dev.bytes.buffer).setUint32(fatAt(g, c, copy), v, true);
}
const clusterAt = (g: Geometry, c: number) => (g.dataStart + (c - 2) * g.sectorsPerCluster) * g.bytesPerSector;

/** Byte offset of the short entry named name11 in the directory cluster `dir`. */
function entryOffset(dev: RamBlock, g: Geometry, dir: number, name11: string): number {
  const base = clusterAt(g, dir);
  for (let o = base; o < base + g.clusterBytes; o += 32) {
    if (String.fromCharCode(...dev.bytes.subarray(o, o + 11)) === name11) return o;
  }
  throw new Error('no entry ' + name11);
}
const firstCluster = (dev: RamBlock, o: number) => (dev.bytes[o + 20] | (dev.bytes[o + 21] << 8)) * 65536 + (dev.bytes[o + 26] | (dev.bytes[o + 27] << 8));

async function corruption(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FsError);
    expect((e as FsError).code).toBe('ECORRUPT');
    return (e as FsError).message;
  }
  throw new Error('no error');
}

describe('corrupt volumes', () => {
  it('a bad BPB is refused at mount, saying why', async () => {
    const { dev } = await volumeWith([]);
    dev.bytes[510] = 0;
    expect(await corruption(mount(dev))).toMatch(/not a FAT32 volume: bad boot signature/);
    expect(await corruption(fsck(dev))).toMatch(/bad boot signature/);
    const blank = createRamBlock(34 * MiB);
    expect(await corruption(mount(blank))).toMatch(/not a FAT32 volume/);
    const short = createRamBlock(1 * MiB);
    short.bytes.set((await volumeWith([])).dev.bytes.subarray(0, 512));
    expect(await corruption(mount(short))).toMatch(/claims \d+ sectors/);
  });

  it('a loop in a file chain', async () => {
    const { dev, g } = await volumeWith([['/LOOP.BIN', pattern(5000, 1)]]);
    const c = firstCluster(dev, entryOffset(dev, g, g.rootCluster, 'LOOP    BIN'));
    setFat(dev, g, c + 3, c + 1); // the 4th cluster points back to the 2nd
    const vol = await mount(dev);
    expect(await corruption(vol.readFile('/loop.bin'))).toMatch(/loop\.bin|LOOP/i);
    const r = await fsck(dev);
    expect(r.problems.map((p) => p.kind)).toContain('cross-link');
    expect(r.problems.find((p) => p.kind === 'cross-link')?.message).toMatch(/loops back/);
  });

  it('a loop in a directory chain', async () => {
    const { dev, g } = await volumeWith([], ['/D']);
    const d = firstCluster(dev, entryOffset(dev, g, g.rootCluster, 'D          '));
    setFat(dev, g, d, d); // the directory's cluster points to itself
    const vol = await mount(dev);
    expect(await corruption(vol.readdir('/D'))).toMatch(/loops|longer than/);
    expect(await corruption(vol.writeFile('/D/x', enc('x')))).toMatch(/loops|longer than/);
    expect((await fsck(dev)).problems.map((p) => p.kind)).toContain('cross-link');
  });

  it('cross-linked files are reported', async () => {
    const { dev, g } = await volumeWith([['/A.BIN', pattern(3000, 1)], ['/B.BIN', pattern(3000, 2)]]);
    const a = firstCluster(dev, entryOffset(dev, g, g.rootCluster, 'A       BIN'));
    const bo = entryOffset(dev, g, g.rootCluster, 'B       BIN');
    const b = firstCluster(dev, bo);
    setFat(dev, g, b + 1, a + 2); // B's chain joins A's
    const r = await fsck(dev);
    expect(r.ok).toBe(false);
    expect(r.problems.some((p) => p.kind === 'cross-link' && /cross-linked/.test(p.message))).toBe(true);
    expect(r.problems.map((p) => p.kind)).toContain('lost-clusters'); // B's own tail
  });

  it('an out-of-range cluster in a chain, and a chain into a free cluster', async () => {
    const { dev, g } = await volumeWith([['/R.BIN', pattern(3000, 1)], ['/F.BIN', pattern(3000, 2)]]);
    const r = firstCluster(dev, entryOffset(dev, g, g.rootCluster, 'R       BIN'));
    const f = firstCluster(dev, entryOffset(dev, g, g.rootCluster, 'F       BIN'));
    setFat(dev, g, r + 1, 0x0ffffff0);
    setFat(dev, g, f + 2, 0);
    const vol = await mount(dev);
    expect(await corruption(vol.readFile('/r.bin'))).toMatch(/out-of-range cluster 268435440/);
    expect(await corruption(vol.readFile('/f.bin'))).toMatch(/free cluster/);
    const kinds = (await fsck(dev)).problems.map((p) => p.kind);
    expect(kinds).toContain('chain-range');
    expect(kinds).toContain('chain-short');
    // A first cluster out of range.
    const o = entryOffset(dev, g, g.rootCluster, 'R       BIN');
    dev.bytes[o + 21] = 0x7f;
    expect(await corruption((await mount(dev)).readFile('/r.bin'))).toMatch(/out of range/);
  });

  it('a broken long-name chain shows the short name and is reported', async () => {
    const { dev, g } = await volumeWith([['/A Long Name For This File.txt', enc('content')]]);
    const base = clusterAt(g, g.rootCluster);
    // Slot 1 is the LAST long entry (the label sits in slot 0): drop it.
    expect(dev.bytes[base + 32 + 11]).toBe(0x0f);
    dev.bytes[base + 32] = 0xe5;
    const vol = await mount(dev);
    const names = (await vol.readdir('/')).map((e) => e.name);
    expect(names).toEqual(['ALONGN~1.TXT']);
    expect(new TextDecoder().decode(await vol.readFile('/ALONGN~1.TXT'))).toBe('content');
    const r = await fsck(dev);
    expect(r.problems.map((p) => p.kind)).toEqual(['lfn-orphan']);
  });

  it('a directory that contains its ancestor', async () => {
    const { dev, g } = await volumeWith([], ['/A', '/A/B']);
    const a = firstCluster(dev, entryOffset(dev, g, g.rootCluster, 'A          '));
    const bo = entryOffset(dev, g, a, 'B          ');
    dev.bytes[bo + 26] = a & 0xff; // B's entry now points at A
    dev.bytes[bo + 27] = a >> 8;
    const vol = await mount(dev);
    expect((await vol.readdir('/A/B/B/B/B')).map((e) => e.name)).toEqual(['B']); // paths are finite, so this ends
    const kinds = (await fsck(dev)).problems.map((p) => p.kind);
    expect(kinds).toContain('cross-link');
  });

  it('random bytes in the root directory and the FAT never hang or crash', async () => {
    const { dev, g } = await volumeWith([['/a.txt', enc('a')], ['/Some Long Name.dat', pattern(2000, 3)]], ['/dir']);
    const pristine = dev.bytes.slice();
    await fc.assert(fc.asyncProperty(
      fc.uint8Array({ minLength: 512, maxLength: 512 }),
      fc.array(fc.tuple(fc.integer({ min: 2, max: 80 }), fc.oneof(fc.integer({ min: 0, max: 90 }), fc.constantFrom(0x0ffffff7, 0x0fffffff, 0xffffffff, 0x0ffffff0))), { maxLength: 20 }),
      async (root, fats) => {
        dev.bytes.set(pristine);
        dev.bytes.set(root, clusterAt(g, g.rootCluster));
        for (const [c, v] of fats) setFat(dev, g, c, v);
        try {
          const vol = await mount(dev);
          const walk = async (dir: string, depth: number): Promise<void> => {
            if (depth > 3) return;
            for (const e of await vol.readdir(dir)) {
              const p = (dir === '/' ? '' : dir) + '/' + e.name;
              try {
                if (e.isDirectory) await walk(p, depth + 1);
                else await vol.readFile(p);
              } catch (err) {
                if (!(err instanceof FsError)) throw err;
              }
            }
          };
          await walk('/', 0);
          await vol.writeFile('/new file.txt', enc('x')).catch((err) => { if (!(err instanceof FsError)) throw err; });
          await vol.unmount().catch((err) => { if (!(err instanceof FsError)) throw err; });
        } catch (e) {
          if (!(e instanceof FsError)) throw e;
        }
        try {
          await fsck(dev);
        } catch (e) {
          if (!(e instanceof FsError)) throw e;
        }
      }), { numRuns: 80 });
  }, 60_000);

  it('recovery of a dirty, damaged volume repairs what it knows and leaves the rest', async () => {
    const { dev, g } = await volumeWith([['/A.BIN', pattern(3000, 1)], ['/B.BIN', pattern(3000, 2)]]);
    const a = firstCluster(dev, entryOffset(dev, g, g.rootCluster, 'A       BIN'));
    const b = firstCluster(dev, entryOffset(dev, g, g.rootCluster, 'B       BIN'));
    setFat(dev, g, b + 1, a + 1); // cross link
    setFat(dev, g, 1, 0x07ffffff); // clean bit cleared: a power cut, as far as mount can tell
    const vol = await mount(dev);
    const log = recoveries.get(vol);
    expect(log?.remaining.map((p) => p.kind)).toContain('cross-link');
    expect(log?.fixed.map((p) => p.kind)).toContain('lost-clusters');
    await vol.unmount();
    expect((await fsck(dev)).problems.map((p) => p.kind)).toEqual(['cross-link']);
  });
});
