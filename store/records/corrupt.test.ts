/*
 * Damaged media: whatever bytes are flipped, zeroed or overwritten, opening
 * and reading either give back values that were really saved, cut the log
 * short at the damage, or fail with a RecordsError that says so; never a
 * raw TypeError, never a hang.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { codecFor } from './testing/codec-for';
import { memoryPageStore, openStore, RecordsError, type Collection, type RecordStore } from './index';

interface Item { id: number; text: string; n: number }
const codec = codecFor<Item>('interface Item { id: number; text: string; n: number }', 'Item');
const PAGES = 48;
const PS = 512;

function items(db: RecordStore): Collection<Item> {
  return db.records<Item>('items', { key: 'id', index: ['n'] }, codec);
}

/** A store image after a workload with cleaning, and every value each key ever had. */
async function image(): Promise<{ bytes: Uint8Array; history: Map<number, string[]>; last: Map<number, string> }> {
  const mem = memoryPageStore(PAGES, PS);
  const db = await openStore(mem);
  const c = items(db);
  const history = new Map<number, string[]>();
  const last = new Map<number, string>();
  for (let i = 0; i < 300; i++) {
    const id = (i * 7) % 10;
    const text = 't' + i + '-'.repeat((i * 13) % 150);
    await c.save({ id, text, n: i % 3 });
    history.set(id, (history.get(id) || []).concat([text]));
    last.set(id, text);
    if (i % 17 === 0) {
      await c.delete((i * 3) % 10);
      last.delete((i * 3) % 10);
    }
  }
  await db.close();
  return { bytes: mem.bytes, history, last };
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(what + ' hung')), 2000))]);
}

/** Opens damaged bytes and reads everything; returns how it ended. */
async function probe(bytes: Uint8Array, history: Map<number, string[]>): Promise<'opened' | string> {
  let db: RecordStore;
  try {
    db = await withTimeout(openStore(memoryPageStore(PAGES, PS, bytes)), 'open');
  } catch (e) {
    if (!(e instanceof RecordsError)) throw e;
    expect(['ECORRUPT', 'ENOTSTORE']).toContain(e.code);
    return e.code;
  }
  let c: Collection<Item>;
  try {
    c = items(db);
  } catch (e) {
    if (!(e instanceof RecordsError)) throw e;
    return e.code;
  }
  for (let id = 0; id < 10; id++) {
    try {
      const v = await withTimeout(c.get(id), 'get');
      if (v) expect(history.get(id)).toContain(v.text);
    } catch (e) {
      if (!(e instanceof RecordsError)) throw e;
      expect(e.code).toBe('ECORRUPT');
    }
  }
  try {
    const some = await withTimeout(c.query({ index: 'n', min: 0 }), 'query');
    for (const v of some) expect(history.get(v.id)).toContain(v.text);
  } catch (e) {
    if (!(e instanceof RecordsError)) throw e;
    expect(e.code).toBe('ECORRUPT');
  }
  return 'opened';
}

describe('damaged stores', () => {
  it('never return a value that was not saved, never throw a raw error, never hang', async () => {
    const { bytes, history } = await image();
    const outcomes = new Map<string, number>();
    await fc.assert(fc.asyncProperty(
      fc.oneof(
        fc.array(fc.record({ at: fc.nat(PAGES * PS - 1), bit: fc.nat(7) }), { minLength: 1, maxLength: 4 }).map((flips) => ({ flips, page: -1, fill: 0 })),
        fc.record({ flips: fc.constant([] as { at: number; bit: number }[]), page: fc.nat(PAGES - 1), fill: fc.constantFrom(0, 0xff, -1) }),
      ),
      async (damage) => {
        const copy = new Uint8Array(bytes);
        for (const f of damage.flips) copy[f.at] ^= 1 << f.bit;
        if (damage.page >= 0) {
          for (let i = 0; i < PS; i++) copy[damage.page * PS + i] = damage.fill >= 0 ? damage.fill : (i * 31 + damage.page) & 0xff;
        }
        const outcome = await probe(copy, history);
        outcomes.set(outcome, (outcomes.get(outcome) || 0) + 1);
      }), { numRuns: 400 });
    expect(outcomes.get('opened')).toBeGreaterThan(0);
  });

  it('cuts the log at a damaged commit and keeps everything before it', async () => {
    const mem = memoryPageStore(PAGES, PS);
    const db = await openStore(mem);
    const c = items(db);
    await c.save({ id: 1, text: 'one', n: 0 });
    await c.save({ id: 2, text: 'two', n: 0 });
    const head = db.stats().head;
    await c.save({ id: 3, text: 'three', n: 0 });
    await db.close();
    mem.bytes[head * PS + 40] ^= 0xff; // inside the last commit's body
    const again = items(await openStore(memoryPageStore(PAGES, PS, mem.bytes)));
    expect(await again.get(1)).toEqual({ id: 1, text: 'one', n: 0 });
    expect(await again.get(2)).toEqual({ id: 2, text: 'two', n: 0 });
    expect(await again.get(3)).toBeUndefined();
    await again.save({ id: 3, text: 'again', n: 1 });
    expect(await again.get(3)).toEqual({ id: 3, text: 'again', n: 1 });
  });

  it('falls back to the older superblock, and says when both are gone', async () => {
    const { bytes, last } = await image();
    const gen = (b: Uint8Array, page: number) => new DataView(b.buffer, page * PS).getUint32(16, true);
    const newest = gen(bytes, 0) > gen(bytes, 1) ? 0 : 1;
    const torn = new Uint8Array(bytes);
    torn[newest * PS + 20] ^= 1;
    const outcome = await openStore(memoryPageStore(PAGES, PS, torn)).then(async (db) => {
      const c = items(db);
      for (const [id, text] of last) expect((await c.get(id))?.text).toBe(text);
      return 'all there';
    }, (e: RecordsError) => e.message);
    // The older superblock's log start may have been reused since: then the store says so.
    expect(['all there', 'the newest superblock is damaged and the log the older one names is gone']).toContain(outcome);
    torn[(1 - newest) * PS + 20] ^= 1;
    const both = await openStore(memoryPageStore(PAGES, PS, torn)).catch((e: RecordsError) => e);
    expect((both as RecordsError).code).toBe('ECORRUPT');
    expect((both as RecordsError).message).toBe('both superblocks are damaged (checksum mismatch; checksum mismatch)');
  });

  it('reports a record damaged after it was written as ECORRUPT when read', async () => {
    const mem = memoryPageStore(PAGES, PS);
    const db = await openStore(mem, { cachePages: 0 });
    const c = items(db);
    await c.save({ id: 1, text: 'x'.repeat(100), n: 0 });
    const at = db.stats().head - 1;
    mem.bytes[at * PS + 100] ^= 4;
    const e = await c.get(1).catch((err: RecordsError) => err);
    expect((e as RecordsError).code).toBe('ECORRUPT');
    expect((e as RecordsError).message).toMatch(/^the entry at byte \d+ of the store is damaged \(checksum mismatch\)$/);
  });
});
