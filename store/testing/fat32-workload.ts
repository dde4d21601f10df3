/*
 * The power-cut test's workload and its model (store/fat32/powercut.test.ts),
 * kept apart so a failing cut can be replayed outside the test runner.
 */
import { mount, type Volume } from '../fat32/index';
import { CutBlock, PowerCut, pattern, prng } from './fat32-tools';

export type State = Map<string, Uint8Array | 'dir'>;
export interface Op { what: string; run(v: Volume): Promise<void>; apply(m: State): void }

const enc = (s: string) => new TextEncoder().encode(s);
const LONG = 'a file name long enough to need several long entries and then some more words to cross a sector boundary of the directory, ' +
  'which with 512-byte sectors holds sixteen entries, so a name of this length (about 250 chars) spans two sectors.txt';

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function resized(a: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  out.set(a.subarray(0, Math.min(n, a.length)));
  return out;
}

const put = (path: string, data: Uint8Array): Op => ({
  what: 'writeFile ' + path + ' ' + data.length,
  run: (v) => v.writeFile(path, data),
  apply: (m) => { m.set(path, data); },
});
const append = (path: string, data: Uint8Array): Op => ({
  what: 'appendFile ' + path + ' ' + data.length,
  run: (v) => v.appendFile(path, data),
  apply: (m) => { const old = m.get(path); m.set(path, concat(old instanceof Uint8Array ? old : new Uint8Array(0), data)); },
});
const truncate = (path: string, n: number): Op => ({
  what: 'truncate ' + path + ' ' + n,
  run: (v) => v.truncate(path, n),
  apply: (m) => { m.set(path, resized(m.get(path) as Uint8Array, n)); },
});
const mkdir = (path: string): Op => ({ what: 'mkdir ' + path, run: (v) => v.mkdir(path), apply: (m) => { m.set(path, 'dir'); } });
const rmdir = (path: string): Op => ({ what: 'rmdir ' + path, run: (v) => v.rmdir(path), apply: (m) => { m.delete(path); } });
const unlink = (path: string): Op => ({ what: 'unlink ' + path, run: (v) => v.unlink(path), apply: (m) => { m.delete(path); } });
const rename = (from: string, to: string): Op => ({
  what: 'rename ' + from + ' -> ' + to,
  run: (v) => v.rename(from, to),
  apply: (m) => {
    const moved: [string, Uint8Array | 'dir'][] = [];
    for (const [k, val] of m) if (k === from || k.startsWith(from + '/')) moved.push([k, val]);
    for (const [k] of moved) m.delete(k);
    m.delete(to);
    for (const [k, val] of moved) m.set(to + k.slice(from.length), val);
  },
});
const handleWrites = (path: string, writes: [number, Uint8Array][]): Op => ({
  what: 'handle writes ' + path,
  run: async (v) => {
    const h = await v.open(path, { create: true });
    for (const [pos, data] of writes) await h.write(pos, data);
    await h.close();
  },
  apply: (m) => {
    let cur = m.get(path) instanceof Uint8Array ? (m.get(path) as Uint8Array) : new Uint8Array(0);
    for (const [pos, data] of writes) {
      if (pos + data.length > cur.length) cur = resized(cur, pos + data.length);
      else cur = resized(cur, cur.length);
      cur.set(data, pos);
    }
    m.set(path, cur);
  },
});

/** Epochs of operations; each ends in flush(). Most hold one operation, so atomicity shows. */
export function workload(): Op[][] {
  const e: Op[][] = [];
  let seed = 1;
  const p = (n: number) => pattern(n, seed++);
  e.push([mkdir('/docs')]);
  e.push([put('/docs/readme.txt', enc('first version\n'))]);
  e.push([put('/A Long File Name With Spaces.bin', p(3000))]);
  e.push([append('/A Long File Name With Spaces.bin', p(1500))]);
  e.push([put('/docs/readme.txt', p(5000))]);
  e.push([truncate('/A Long File Name With Spaces.bin', 700)]);
  e.push([truncate('/A Long File Name With Spaces.bin', 2600)]);
  e.push([rename('/docs/readme.txt', '/docs/README.md')]);
  e.push([rename('/A Long File Name With Spaces.bin', '/docs/moved here, with a longer name.bin')]);
  e.push([mkdir('/docs/sub')]);
  for (let i = 0; i < 7; i++) e.push([put('/docs/sub/entry number ' + i + ' with a forty-character name.dat', p(200 + i * 600))]);
  e.push([put('/' + LONG, p(1234))]);
  e.push([rename('/docs/sub', '/moved-sub')]);
  e.push([put('/victim.txt', enc('will be replaced'))]);
  e.push([rename('/docs/README.md', '/victim.txt')]);
  e.push([unlink('/moved-sub/entry number 3 with a forty-character name.dat')]);
  e.push([mkdir('/empty'), mkdir('/empty/inner')]);
  e.push([rmdir('/empty/inner')]);
  e.push([rmdir('/empty')]);
  e.push([handleWrites('/log.txt', [[0, enc('line 1\n')], [7, enc('line 2\n')], [4000, p(700)], [100, enc('patched')]])]);
  e.push([truncate('/log.txt', 300), append('/log.txt', p(2000))]); // shrink then regrow in one epoch
  e.push([put('/' + LONG, p(40))]);
  e.push([rename('/' + LONG, '/moved-sub/' + LONG)]);
  e.push([unlink('/moved-sub/' + LONG)]);
  e.push([put('/x1', p(10)), put('/x2', p(600)), append('/x1', p(1000)), unlink('/x2'), rename('/x1', '/docs/x1-renamed')]);
  e.push([rename('/moved-sub', '/docs/back-again')]);
  e.push([put('/docs/back-again/entry number 0 with a forty-character name.dat', new Uint8Array(0))]);
  for (let i = 0; i < 3; i++) e.push([append('/victim.txt', p(513))]);
  e.push([truncate('/victim.txt', 0)]);
  e.push([unlink('/victim.txt')]);
  generated(e, 500);
  return e;
}

/**
 * More epochs, chosen by a seeded PRNG among operations valid in the
 * current state: files created, appended, replaced, truncated, renamed (in
 * and across directories, over each other), deleted; directories made,
 * renamed and removed. One operation per epoch, sometimes three.
 */
function generated(e: Op[][], seed: number): void {
  const random = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  const state: State = new Map();
  for (const ops of e) for (const op of ops) op.apply(state);
  let n = 0;
  const names = ['short.txt', 'Mixed Case Name.Data', 'a-much-longer-name-for-the-generated-round-of-operations.bin', 'x', 'UPPER.TXT'];
  const newName = () => '/gen/' + (n++) + '-' + pick(names);
  e.push([mkdir('/gen'), mkdir('/gen/sub')]);
  mkdir('/gen').apply(state);
  mkdir('/gen/sub').apply(state);
  let p = 1000;
  for (let i = 0; i < 70; i++) {
    const ops: Op[] = [];
    const count = random() < 0.15 ? 3 : 1;
    for (let k = 0; k < count; k++) {
      const files = [...state.keys()].filter((x) => x.startsWith('/gen/') && state.get(x) instanceof Uint8Array);
      const dirs = [...state.keys()].filter((x) => x.startsWith('/gen/') && state.get(x) === 'dir');
      const r = random();
      let op: Op;
      if (files.length < 3 || r < 0.2) op = put(newName(), pattern(Math.floor(random() * 3000), p++));
      else if (r < 0.35) op = append(pick(files), pattern(1 + Math.floor(random() * 1200), p++));
      else if (r < 0.45) op = put(pick(files), pattern(Math.floor(random() * 2500), p++));
      else if (r < 0.55) op = truncate(pick(files), Math.floor(random() * 3000));
      else if (r < 0.7) {
        const from = pick(files);
        const to = random() < 0.3 ? pick(files) : (random() < 0.5 ? '/gen/sub' : '/gen') + '/' + (n++) + '-' + pick(names);
        if (to === from) continue;
        op = rename(from, to);
      } else if (r < 0.8) op = unlink(pick(files));
      else if (r < 0.88) op = mkdir('/gen/' + (n++) + '-dir');
      else {
        const empty = dirs.filter((d) => d !== '/gen/sub' && ![...state.keys()].some((x) => x.startsWith(d + '/')));
        if (!empty.length) continue;
        op = random() < 0.5 ? rmdir(pick(empty)) : rename(pick(empty), '/gen/sub/' + (n++) + '-moved dir');
      }
      op.apply(state);
      ops.push(op);
    }
    if (ops.length) e.push(ops);
  }
}

export async function readTree(v: Volume): Promise<State> {
  const out: State = new Map();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await v.readdir(dir || '/')) {
      const path = dir + '/' + e.name;
      if (e.isDirectory) {
        out.set(path, 'dir');
        await walk(path);
      } else {
        out.set(path, await v.readFile(path));
      }
    }
  };
  await walk('');
  return out;
}

export function same(a: Uint8Array | 'dir' | undefined, b: Uint8Array | 'dir' | undefined): boolean {
  if (a === undefined || b === undefined || a === 'dir' || b === 'dir') return a === b;
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

export interface Recording {
  base: Uint8Array;
  epochs: Op[][];
  /** Per epoch: the model before it and after each of its operations. */
  states: State[][];
  /** Per epoch: the device's overlay before it (what the earlier epochs wrote). */
  snapshots: Map<number, Uint8Array>[];
  /** Per epoch: the writes it makes, mounted afresh from its snapshot. */
  writes: number[];
}

/**
 * Mounts the snapshot and runs one epoch (its operations, then flush);
 * resolves to whether it completed before the device's cut.
 */
export async function runEpoch(dev: CutBlock, ops: Op[]): Promise<boolean> {
  try {
    const v = await mount(dev);
    for (const op of ops) await op.run(v);
    await v.flush();
    return true;
  } catch (e) {
    if (!(e instanceof PowerCut) && String(e).indexOf('power cut') < 0) throw e;
    return false;
  }
}

/** Runs the whole workload once, recording each epoch's snapshot, writes and model states. */
export async function record(base: Uint8Array, epochs: Op[][]): Promise<Recording> {
  const states: State[][] = [];
  const cur: State = new Map();
  for (const ops of epochs) {
    const within: State[] = [new Map(cur)];
    for (const op of ops) {
      op.apply(cur);
      within.push(new Map(cur));
    }
    states.push(within);
  }
  const snapshots: Map<number, Uint8Array>[] = [];
  const writes: number[] = [];
  let overlay = new Map<number, Uint8Array>();
  for (let k = 0; k < epochs.length; k++) {
    snapshots.push(overlay);
    const dev = new CutBlock(base, {}, overlay);
    if (!(await runEpoch(dev, epochs[k]))) throw new Error('epoch ' + k + ' failed without a cut');
    writes.push(dev.writes);
    overlay = dev.overlay;
  }
  snapshots.push(overlay);
  return { base, epochs, states, snapshots, writes };
}
