/* Records in a file on our FAT32 volume: durable across remounts, and a plain file to mtools. */
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRamBlock } from '../../drivers/memory/ram-block';
import { mkfs, mount } from '../fat32/index';
import { codecFor } from './testing/codec-for';
import { fatFilePageStore } from './fat32-file';
import { openStore, records } from './index';

interface Reading { sensor: string; room: string; celsius: number; at: Date }
const codec = codecFor<Reading>('interface Reading { sensor: string; room: string; celsius: number; at: Date }', 'Reading');

it('keeps records in a file on the FAT32 volume across remounts; mtools sees the file', async () => {
  const bytes = new Uint8Array(40 << 20);
  const block = createRamBlock(bytes);
  await mkfs(block, { label: 'DATA' });
  let volume = await mount(block);
  await volume.mkdir('/db');
  let store = await openStore(await fatFilePageStore(volume, '/db/Sensor readings.db', 1 << 20));
  let readings = records<Reading>('readings', { key: 'sensor', index: ['room'], store }, codec);
  for (let i = 0; i < 20; i++) {
    await readings.save({ sensor: `s${i}`, room: i % 2 ? 'kitchen' : 'hall', celsius: 18 + i / 10, at: new Date(1_700_000_000_000 + i) });
  }
  await readings.delete('s3');
  await store.close();
  await volume.unmount();

  volume = await mount(block);
  store = await openStore(await fatFilePageStore(volume, '/db/Sensor readings.db', 1 << 20));
  readings = records<Reading>('readings', { key: 'sensor', index: ['room'], store }, codec);
  expect(readings.count()).toBe(19);
  expect(await readings.get('s7')).toEqual({ sensor: 's7', room: 'kitchen', celsius: 18.7, at: new Date(1_700_000_000_007) });
  expect((await readings.query({ index: 'room', equals: 'hall' })).length).toBe(10);
  await store.close();
  await volume.unmount();

  const dir = mkdtempSync(join(tmpdir(), 'nymote-records-fat-'));
  try {
    const image = join(dir, 'data.img');
    writeFileSync(image, bytes);
    const mdir = spawnSync('mdir', ['-i', image, '::/db'], { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
    expect(mdir.stdout).toContain('Sensor readings.db');
    expect(mdir.stdout).toMatch(/1 048 576/);
    const fsck = spawnSync('fsck.fat', ['-n', image], { encoding: 'utf8' });
    expect(fsck.status, fsck.stdout).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
