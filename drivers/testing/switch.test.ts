import { describe, expect, it } from 'vitest';
import { createSwitch, seededRandom } from './switch';
import { createTestClock } from '../../lib/testing/virtual-clock';
import { systemScheduler } from '../../lib/scheduler';

function frame(dst: number[], src: Uint8Array, tag: number): Uint8Array {
  const f = new Uint8Array(60);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x88; f[13] = 0xb5; // local experimental EtherType
  f[14] = tag;
  return f;
}

const BCAST = [255, 255, 255, 255, 255, 255];

describe('in-memory switch', () => {
  it('delivers asynchronously, never inside write(), to every other port for broadcast', async () => {
    const clock = createTestClock();
    const sw = createSwitch({ scheduler: clock });
    const [p0, p1, p2] = [sw.port(), sw.port(), sw.port()];
    const got: string[] = [];
    p0.listen((f) => got.push('0:' + f[14]));
    p1.listen((f) => got.push('1:' + f[14]));
    p2.listen((f) => got.push('2:' + f[14]));
    const w = p0.write(frame(BCAST, p0.mac, 1));
    expect(got).toEqual([]);
    await w;
    await clock.settle();
    expect(got).toEqual(['1:1', '2:1']);
    expect(p0.mac).not.toEqual(p1.mac);
  });

  it('learns MACs: floods unknown unicast once, then forwards to one port', async () => {
    const clock = createTestClock();
    const sw = createSwitch({ scheduler: clock });
    const [p0, p1, p2] = [sw.port(), sw.port(), sw.port()];
    const got: string[] = [];
    p1.listen((f) => got.push('1:' + f[14]));
    p2.listen((f) => got.push('2:' + f[14]));
    p0.listen(() => {});
    await p0.write(frame(Array.from(p1.mac), p0.mac, 1)); // p1 unknown: flooded
    await p1.write(frame(Array.from(p0.mac), p1.mac, 2)); // p1 learnt now
    await p0.write(frame(Array.from(p1.mac), p0.mac, 3));
    await clock.settle();
    expect(got).toEqual(['1:1', '2:1', '1:3']);
    expect(sw.counters.flooded).toBe(1);
  });

  it('copies frames: the writer may reuse its buffer once write() settles', async () => {
    const clock = createTestClock();
    const sw = createSwitch({ scheduler: clock });
    const [p0, p1] = [sw.port(), sw.port()];
    const got: number[] = [];
    p1.listen((f) => got.push(f[14]));
    const f = frame(BCAST, p0.mac, 7);
    await p0.write(f);
    f[14] = 99;
    await clock.settle();
    expect(got).toEqual([7]);
  });

  it('refuses frames over the MTU or under a header, and writes from a disconnected port', async () => {
    const clock = createTestClock();
    const sw = createSwitch({ scheduler: clock, mtu: 100 });
    const p0 = sw.port();
    await expect(p0.write(new Uint8Array(115))).rejects.toThrow(/115 bytes/);
    await expect(p0.write(new Uint8Array(10))).rejects.toThrow(/10 bytes/);
    p0.disconnect();
    await expect(p0.write(new Uint8Array(60))).rejects.toThrow(/disconnected/);
    expect(sw.counters.refused).toBe(3);
  });

  it('injects loss, duplication and reordering reproducibly from a seed', async () => {
    async function run(seed: number): Promise<number[]> {
      const clock = createTestClock();
      const sw = createSwitch({ scheduler: clock, seed, loss: 0.2, duplicate: 0.2, reorder: 0.3 });
      const [p0, p1] = [sw.port(), sw.port()];
      const got: number[] = [];
      p1.listen((f) => got.push(f[14]));
      for (let i = 0; i < 100; i++) await p0.write(frame(BCAST, p0.mac, i));
      await clock.advance(100);
      const c = sw.counters;
      expect(c.lost).toBeGreaterThan(0);
      expect(c.duplicated).toBeGreaterThan(0);
      expect(c.reordered).toBeGreaterThan(0);
      expect(got.length).toBe(c.delivered);
      expect(c.delivered).toBe(100 - c.lost + c.duplicated);
      return got;
    }
    const a = await run(3);
    expect(await run(3)).toEqual(a);
    expect(await run(4)).not.toEqual(a);
    expect(a.some((v, i) => i > 0 && v < a[i - 1])).toBe(true); // reordered
  });

  it('applies the configured delay and works with the system scheduler', async () => {
    const clock = createTestClock();
    const sw = createSwitch({ scheduler: clock, delayMs: 5 });
    const [p0, p1] = [sw.port(), sw.port()];
    let at = -1;
    p1.listen(() => { at = clock.now(); });
    await p0.write(frame(BCAST, p0.mac, 1));
    await clock.advance(10);
    expect(at).toBe(5);

    const real = createSwitch({ scheduler: systemScheduler() });
    const [r0, r1] = [real.port(), real.port()];
    const got = new Promise<number>((resolve) => r1.listen((f) => resolve(f[14])));
    await r0.write(frame(BCAST, r0.mac, 42));
    expect(await got).toBe(42);
  });

  it('has a uniform-ish seeded PRNG', () => {
    const r = seededRandom(1);
    let sum = 0;
    let inRange = true;
    for (let i = 0; i < 10000; i++) { const v = r(); inRange = inRange && v >= 0 && v < 1; sum += v; }
    expect(inRange).toBe(true);
    expect(Math.abs(sum / 10000 - 0.5)).toBeLessThan(0.02);
  });
});
