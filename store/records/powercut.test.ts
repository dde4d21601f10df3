/*
 * Power cuts: a workload of saves, deletes, bursts and reopens runs on a
 * store whose power fails at its Nth page write, for every N the workload
 * reaches (or every kth of many; 1200 cut points in all). After each cut the medium is
 * reopened: every acknowledged write must be there (or a later one to the
 * same key that happened to reach the disk), and nothing else may appear.
 */
import { describe, expect, it } from 'vitest';
import { codecFor } from './testing/codec-for';
import { faultStore, seeded, type FaultStore } from '../testing/fault-store';
import { memoryPageStore, openStore, type Collection, type RecordsError, type RecordStore } from './index';

let efull = 0;

interface Item { id: number; v: number; tag: 'a' | 'b'; pad: string }
const codec = codecFor<Item>("interface Item { id: number; v: number; tag: 'a' | 'b'; pad: string }", 'Item');

const PAGE_SIZE = 1024;
const KEYS = 8;

/** A roomy store, and one so tight that cleaning runs under pressure and writes meet EFULL. */
const CONFIGS = [{ pages: 40, pad: 700, cuts: 900 }, { pages: 24, pad: 1200, cuts: 300 }];
let PAGES = 40;
let PAD = 700;

/** One write to a key: the value it leaves (undefined: deleted), acknowledged or not. */
interface Write { value: Item | undefined; acked: boolean }

function open(db: RecordStore): Collection<Item> {
  return db.records<Item>('items', { key: 'id', index: ['tag'] }, codec);
}

/** Runs the workload of `seed` until it ends or the power fails; returns the writes per key. */
async function workload(store: FaultStore, seed: number): Promise<Write[][]> {
  const random = seeded(seed);
  const writes: Write[][] = Array.from({ length: KEYS }, () => []);
  let counter = 0;
  const item = (id: number): Item => ({ id, v: counter++, tag: random() < 0.5 ? 'a' : 'b', pad: 'p'.repeat(Math.floor(random() * PAD)) });
  const track = (id: number, value: Item | undefined, p: Promise<unknown>) => {
    const w: Write = { value, acked: false };
    writes[id].push(w);
    return p.then(() => { w.acked = true; }, (e: RecordsError) => {
      // A write the store refused for want of room was never acknowledged.
      if (e.code !== 'EFULL') throw e;
      efull++;
    });
  };
  const run = async () => {
    let db = await openStore(store);
    let items = open(db);
    for (let step = 0; step < 45; step++) {
      const r = random();
      if (r < 0.55) {
        const it = item(Math.floor(random() * KEYS));
        await track(it.id, it, items.save(it));
      } else if (r < 0.75) {
        const id = Math.floor(random() * KEYS);
        if (items.has(id)) await track(id, undefined, items.delete(id));
      } else if (r < 0.93) {
        const burst: Promise<unknown>[] = [];
        for (let i = 0; i < 4; i++) {
          const it = item(Math.floor(random() * KEYS));
          burst.push(track(it.id, it, items.save(it)));
        }
        await Promise.all(burst);
      } else {
        await db.close();
        db = await openStore(store);
        items = open(db);
      }
    }
    await db.close();
  };
  // After the cut nothing completes: stop waiting once in-flight callbacks have run.
  await Promise.race([run(), store.died.then(() => new Promise((r) => setTimeout(r, 0)))]);
  return writes;
}

/** Reopens the medium left by the cut and checks it against the acknowledged writes. */
async function check(bytes: Uint8Array, writes: Write[][], where: string): Promise<void> {
  const db = await openStore(memoryPageStore(PAGES, PAGE_SIZE, bytes));
  const items = open(db);
  let count = 0;
  for (let id = 0; id < KEYS; id++) {
    const got = await items.get(id);
    // Allowed: the last acknowledged write or any later one (or, with none acknowledged, absence too).
    const list = writes[id];
    let from = -1;
    for (let i = 0; i < list.length; i++) if (list[i].acked) from = i;
    const allowed = (from < 0 ? [undefined] : [] as (Item | undefined)[]).concat(list.slice(Math.max(from, 0)).map((w) => w.value));
    if (!allowed.some((v) => (v === undefined ? got === undefined : got !== undefined && got.v === v.v))) {
      throw new Error(where + ': key ' + id + ' reads ' + JSON.stringify(got && got.v) + ', allowed ' + JSON.stringify(allowed.map((v) => v && v.v)));
    }
    if (got) {
      expect(got).toEqual(allowed.find((v) => v && v.v === got.v));
      count++;
    }
  }
  expect(items.count()).toBe(count);
  const tagged = (await items.query({ index: 'tag', equals: 'a' })).concat(await items.query({ index: 'tag', equals: 'b' }));
  expect(tagged.length).toBe(count);
  // The recovered store takes new writes (room permitting).
  await items.save({ id: 0, v: -1, tag: 'a', pad: '' }).catch((e: RecordsError) => expect(e.code).toBe('EFULL'));
  await db.close();
}

describe('power cuts', () => {
  it.each(CONFIGS)('lose no acknowledged write at any cut point ($pages pages: $cuts cuts, torn and reordered sector writes)', async (config) => {
    PAGES = config.pages;
    PAD = config.pad;
    efull = 0;
    let cuts = 0;
    let cleaned = 0;
    for (let seed = 1; cuts < config.cuts; seed++) {
      // The whole workload once, to count its writes (and see that it makes the log clean and wrap).
      const whole = faultStore(PAGES, PAGE_SIZE);
      const all = await workload(whole, seed);
      await check(whole.persisted('prefix', seeded(0)), all, 'seed ' + seed + ' uncut');
      const probe = await openStore(memoryPageStore(PAGES, PAGE_SIZE, whole.persisted('prefix', seeded(0))));
      if (probe.stats().tail !== 2) cleaned++;
      // Every write is a cut point, or every kth where cleaning makes thousands of them.
      const stride = Math.ceil(whole.writes / 150);
      for (let cut = seed % stride; cut < whole.writes; cut += stride) {
        const store = faultStore(PAGES, PAGE_SIZE, cut);
        const writes = await workload(store, seed);
        expect(store.dead).toBe(true);
        const mode = cut % 2 ? 'sectors' : 'prefix';
        await check(store.persisted(mode, seeded(seed * 7919 + cut)), writes, 'seed ' + seed + ' cut at write ' + cut + ' (' + mode + ')');
        cuts++;
      }
    }
    expect(cuts).toBeGreaterThanOrEqual(config.cuts);
    expect(cleaned).toBeGreaterThan(0);
    if (config.pages < 30) expect(efull).toBeGreaterThan(0);
  });
});
