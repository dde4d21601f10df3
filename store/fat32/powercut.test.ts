/*
 * Power cuts: a workload of every kind of operation, each epoch ending in
 * flush(), replayed on a device that stops after its Nth write, for every
 * N. After each cut the volume is mounted again (which repairs it) and:
 * - the tree equals the state of the last completed flush, or the state
 *   after some operation of the epoch under way (each operation is all or
 *   nothing, and files untouched since the last flush are byte-exact);
 * - recovery met only the damage the write ordering allows for;
 * - fsck.fat -n and our fsck find nothing.
 * A second pass models a drive that reorders writes between barriers: at
 * the cut a random part of the writes since the last flush lands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRamBlock } from '../../drivers/memory/ram-block';
import { mkfs, mount, recoveries } from './index';
import { fsck } from './fsck';
import { CutBlock, ImageFile, fsckFat, haveTools, prng } from '../testing/fat32-tools';
import { readTree, record, runEpoch, same, workload, type Recording, type State } from '../testing/fat32-workload';

const dir = mkdtempSync(join(tmpdir(), 'nymote-powercut-'));
let rec: Recording;
let image: ImageFile;
const tools = haveTools();

beforeAll(async () => {
  const ram = createRamBlock(34 << 20);
  await mkfs(ram, { label: 'POWERCUT', clock: { now: () => Date.UTC(2024, 0, 1) } });
  rec = await record(ram.bytes, workload());
  image = new ImageFile(join(dir, 'cut.img'), ram.bytes);
});

afterAll(() => {
  image?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Cuts epoch k after its j-th write, then mounts (recovering) and checks. */
async function checkCut(k: number, j: number, reorderSeed?: number): Promise<void> {
  const snapshot = rec.snapshots[k];
  const dev = new CutBlock(rec.base, reorderSeed === undefined ? { limit: j } : { limit: j, reorder: true, random: prng(reorderSeed) }, snapshot);
  await runEpoch(dev, rec.epochs[k]);
  const after = new CutBlock(rec.base, {}, dev.overlay);
  const v = await mount(after);
  const log = recoveries.get(v);
  const tree = await readTree(v);
  const where = `epoch ${k} (${rec.epochs[k].map((o) => o.what).join('; ')}) cut after its write ${j} of ${rec.writes[k]}` +
    (reorderSeed === undefined ? '' : ' (reordered, seed ' + reorderSeed + ')');
  expect(log?.remaining ?? [], where).toEqual([]);
  // Allowed per path: its state at the last flush, or after any operation of the epoch.
  const allowed = rec.states[k];
  const find = (s: State, key: string) => { for (const [p, val] of s) if (p.toUpperCase() === key) return val; return undefined; };
  const show = (x: Uint8Array | 'dir' | undefined) => (x === undefined ? 'missing' : x === 'dir' ? 'a directory' : x.length + ' bytes');
  const paths = new Set<string>();
  for (const s of allowed) for (const p of s.keys()) paths.add(p.toUpperCase());
  for (const p of tree.keys()) paths.add(p.toUpperCase());
  for (const key of paths) {
    const actual = find(tree, key);
    if (!allowed.some((s) => same(find(s, key), actual))) {
      expect.fail(`${where}: ${key} is ${show(actual)}, allowed: ${allowed.map((s) => show(find(s, key))).join(' | ')}`);
    }
  }
  if (allowed.length === 2) {
    // A single operation: the whole tree is as before it or as after it.
    const whole = allowed.some((s) => s.size === tree.size && [...s].every(([p, val]) => same(val, find(tree, p.toUpperCase()))));
    expect(whole, where + ': the tree is neither before nor after the operation').toBe(true);
  }
  await v.unmount();
  const ours = await fsck(new CutBlock(rec.base, {}, after.overlay));
  expect(ours.problems, where).toEqual([]);
  if (tools) {
    image.show(after.overlay);
    const r = fsckFat(image.path);
    expect(r.code, where + '\n' + r.out).toBe(0);
  }
}

describe('power cut at every write', () => {
  it('leaves a volume that mounts clean with every flushed file intact', async () => {
    const total = rec.writes.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(1000);
    for (let k = 0; k < rec.epochs.length; k++) {
      for (let j = 1; j <= rec.writes[k]; j++) await checkCut(k, j);
    }
  }, 240_000);

  it('survives a drive that reorders writes between barriers', async () => {
    const random = prng(7);
    for (let i = 0; i < 400; i++) {
      const k = Math.floor(random() * rec.epochs.length);
      const j = 1 + Math.floor(random() * rec.writes[k]);
      await checkCut(k, j, i + 1);
    }
  }, 240_000);
});
