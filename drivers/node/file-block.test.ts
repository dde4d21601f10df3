import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceError } from '../interfaces';
import { createFileBlock, openFileBlock } from './file-block';
import { NO_IO } from '../testing/fake-io';

const dir = mkdtempSync(join(tmpdir(), 'nymote-file-block-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('node file block device', () => {
  it('reads and writes sectors of a host file and flushes', async () => {
    const path = join(dir, 'disk.img');
    writeFileSync(path, Buffer.concat([Buffer.alloc(512, 65), Buffer.alloc(512, 66), Buffer.alloc(100, 67)]));
    const dev = await openFileBlock(path);
    expect(dev.sectors).toBe(2); // the partial tail is not a sector
    expect(dev.readOnly).toBe(false);
    const buf = new Uint8Array(1024);
    await dev.read(0, buf);
    expect(buf[0]).toBe(65);
    expect(buf[512]).toBe(66);
    await dev.write(1, new Uint8Array(512).fill(90));
    await dev.flush();
    await dev.close();
    expect(readFileSync(path)[512]).toBe(90);
    await expect(dev.read(0, buf)).rejects.toThrow(/closed/);
  });

  it('reads a sparse file as zeros', async () => {
    const path = join(dir, 'sparse.img');
    writeFileSync(path, '');
    truncateSync(path, 1 << 30);
    const dev = await openFileBlock(path);
    expect(dev.sectors).toBe((1 << 30) / 512);
    const buf = new Uint8Array(4096).fill(1);
    await dev.read(dev.sectors - 8, buf);
    expect(buf.every((b) => b === 0)).toBe(true);
    await dev.close();
  });

  it('rejects bad requests and writes to a read-only device', async () => {
    const path = join(dir, 'small.img');
    writeFileSync(path, Buffer.alloc(2048));
    const dev = await openFileBlock(path, { readOnly: true, name: 'data' });
    expect(dev.readOnly).toBe(true);
    await expect(dev.read(4, new Uint8Array(512))).rejects.toThrow(/data: sector 4 out of range \(4 sectors\)/);
    await expect(dev.read(0, new Uint8Array(10))).rejects.toThrow(DeviceError);
    await expect(dev.write(0, new Uint8Array(512))).rejects.toThrow(/read-only/);
    await dev.close();
    await expect(openFileBlock(join(dir, 'missing.img'))).rejects.toThrow(/no such file/);
  });

  it('is the node board\'s block driver (--disk PATH)', async () => {
    const path = join(dir, 'driver.img');
    writeFileSync(path, Buffer.alloc(4096));
    const dev = await createFileBlock(NO_IO, { device: 'data', app: 'test', args: { options: { disk: path }, all: ['--disk', path] } });
    expect(dev.sectors).toBe(8);
    await (dev as unknown as { close(): Promise<void> }).close();
    await expect(createFileBlock(NO_IO, { device: 'data', app: 'test', args: { options: {}, all: [] } })).rejects.toThrow(/no disk image given/);
  });
});
