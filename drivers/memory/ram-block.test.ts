import { describe, expect, it } from 'vitest';
import { DeviceError } from '../interfaces';
import { createRamBlock, ramBlockFactory } from './ram-block';
import { NO_IO } from '../testing/fake-io';

describe('RAM block device', () => {
  it('reads and writes sectors of the memory it was given', async () => {
    const mem = new Uint8Array(8 * 512);
    const dev = createRamBlock(mem);
    expect(dev.sectors).toBe(8);
    expect(dev.sectorSize).toBe(512);
    const out = new Uint8Array(1024).fill(0xab);
    await dev.write(3, out);
    expect(mem[3 * 512]).toBe(0xab);
    expect(mem[5 * 512]).toBe(0);
    const back = new Uint8Array(1536);
    await dev.read(2, back);
    expect(back[0]).toBe(0);
    expect(back[512]).toBe(0xab);
    out.fill(0); // the device copied: changing the caller's buffer afterwards changes nothing
    await dev.read(3, back.subarray(0, 512));
    expect(back[0]).toBe(0xab);
    await dev.flush();
  });

  it('completes later, never inside the call', async () => {
    const dev = createRamBlock(4096);
    const buf = new Uint8Array(512).fill(1);
    let done = false;
    const p = dev.write(0, buf).then(() => { done = true; });
    expect(done).toBe(false);
    await p;
    expect(done).toBe(true);
  });

  it('rejects bad requests with DeviceError', async () => {
    const dev = createRamBlock(4096, { name: 'disk0' });
    await expect(dev.read(8, new Uint8Array(512))).rejects.toThrow(DeviceError);
    await expect(dev.read(7, new Uint8Array(1024))).rejects.toThrow(/disk0: sector 7 out of range/);
    await expect(dev.write(0, new Uint8Array(100))).rejects.toThrow(/not a multiple of 512/);
    await expect(dev.read(-1, new Uint8Array(512))).rejects.toThrow(/out of range/);
    const ro = createRamBlock(4096, { readOnly: true });
    await expect(ro.write(0, new Uint8Array(512))).rejects.toThrow(/read-only/);
  });

  it('serves an image as a board driver', async () => {
    const image = new Uint8Array(2048);
    image[0] = 42;
    const dev = await ramBlockFactory(image, { sectorSize: 1024 })(NO_IO, { device: 'data', app: 'test', args: { options: {}, all: [] } });
    expect(dev.sectors).toBe(2);
    const b = new Uint8Array(1024);
    await dev.read(0, b);
    expect(b[0]).toBe(42);
  });
});
