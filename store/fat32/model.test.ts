/*
 * Model-based: random sequences of operations run against the volume and
 * against a plain in-memory model, which also predicts every error code.
 * After each sequence the trees must match (before and after a remount),
 * our fsck and `fsck.fat -n` must find nothing, and mtools must list the
 * same tree and copy out the same bytes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRamBlock } from '../../drivers/memory/ram-block';
import { FsError, fsck, mkfs, mount, type Volume } from './index';
import { fsckFat, haveTools, mcopyOut, mtoolsTree, pattern } from '../testing/fat32-tools';

interface MEntry { path: string; data?: Uint8Array }
type Model = Map<string, MEntry>; // key: the upper-cased path

const key = (p: string) => p.toUpperCase();
const parentOf = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';
const nameOf = (p: string) => p.slice(p.lastIndexOf('/') + 1);

class ModelError extends Error {
  constructor(public code: string) { super(code); }
}

/** Resolves the parent like the volume does: ENOENT for a missing directory, ENOTDIR for a file on the way. */
function checkParent(m: Model, path: string): void {
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const e = m.get(key('/' + parts.slice(0, i).join('/')));
    if (!e) throw new ModelError('ENOENT');
    if (e.data) throw new ModelError('ENOTDIR');
  }
}

/** The path as the volume shows it: the parent as it was created, then the name as given. */
function display(m: Model, path: string): string {
  const parent = parentOf(path);
  return (parent === '/' ? '' : (m.get(key(parent)) as MEntry).path) + '/' + nameOf(path);
}

function children(m: Model, dir: string): string[] {
  const k = dir === '/' ? '/' : key(dir) + '/';
  return [...m.keys()].filter((x) => x.startsWith(k) && x !== k && !x.slice(k.length).includes('/'));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

type Cmd =
  | { op: 'write'; path: string; size: number; seed: number }
  | { op: 'append'; path: string; size: number; seed: number }
  | { op: 'truncate'; path: string; size: number }
  | { op: 'mkdir'; path: string }
  | { op: 'rmdir'; path: string }
  | { op: 'unlink'; path: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'pwrite'; path: string; pos: number; size: number; seed: number }
  | { op: 'flush' };

function applyModel(m: Model, c: Cmd): void {
  switch (c.op) {
    case 'write': case 'append': case 'pwrite': {
      checkParent(m, c.path);
      const e = m.get(key(c.path));
      if (e && !e.data) throw new ModelError('EISDIR');
      const data = pattern(c.size, c.seed);
      const old = e?.data ?? new Uint8Array(0);
      let next: Uint8Array;
      if (c.op === 'write') next = data;
      else if (c.op === 'append') next = concat(old, data);
      else {
        next = new Uint8Array(Math.max(old.length, c.pos + c.size));
        next.set(old);
        next.set(data, c.pos);
      }
      m.set(key(c.path), { path: e ? e.path : display(m, c.path), data: next });
      return;
    }
    case 'truncate': {
      checkParent(m, c.path);
      const e = m.get(key(c.path));
      if (!e) throw new ModelError('ENOENT');
      if (!e.data) throw new ModelError('EISDIR');
      const next = new Uint8Array(c.size);
      next.set(e.data.subarray(0, Math.min(c.size, e.data.length)));
      e.data = next;
      return;
    }
    case 'mkdir':
      checkParent(m, c.path);
      if (m.has(key(c.path))) throw new ModelError('EEXIST');
      m.set(key(c.path), { path: display(m, c.path) });
      return;
    case 'rmdir': {
      checkParent(m, c.path);
      const e = m.get(key(c.path));
      if (!e) throw new ModelError('ENOENT');
      if (e.data) throw new ModelError('ENOTDIR');
      if (children(m, c.path).length) throw new ModelError('ENOTEMPTY');
      m.delete(key(c.path));
      return;
    }
    case 'unlink': {
      checkParent(m, c.path);
      const e = m.get(key(c.path));
      if (!e) throw new ModelError('ENOENT');
      if (!e.data) throw new ModelError('EISDIR');
      m.delete(key(c.path));
      return;
    }
    case 'rename': {
      checkParent(m, c.from);
      const s = m.get(key(c.from));
      if (!s) throw new ModelError('ENOENT');
      checkParent(m, c.to);
      if (!s.data && key(c.to).startsWith(key(c.from) + '/')) throw new ModelError('EINVAL');
      let d = m.get(key(c.to));
      if (d === s) {
        if (nameOf(s.path) === nameOf(c.to)) return;
        d = undefined;
      }
      if (d) {
        if (!s.data && d.data) throw new ModelError('ENOTDIR');
        if (s.data && !d.data) throw new ModelError('EISDIR');
        if (!d.data && children(m, d.path).length) throw new ModelError('ENOTEMPTY');
        m.delete(key(c.to));
      }
      const base = display(m, c.to);
      const moved = [...m.entries()].filter(([k]) => k === key(c.from) || k.startsWith(key(c.from) + '/'));
      for (const [k] of moved) m.delete(k);
      for (const [k, e] of moved) {
        const rest = e.path.slice(s.path.length);
        m.set(key(c.to) + k.slice(key(c.from).length), { path: base + rest, data: e.data });
      }
      return;
    }
    case 'flush':
      return;
  }
}

async function runVolume(v: Volume, c: Cmd): Promise<void> {
  switch (c.op) {
    case 'write': return v.writeFile(c.path, pattern(c.size, c.seed));
    case 'append': return v.appendFile(c.path, pattern(c.size, c.seed));
    case 'truncate': return v.truncate(c.path, c.size);
    case 'mkdir': return v.mkdir(c.path);
    case 'rmdir': return v.rmdir(c.path);
    case 'unlink': return v.unlink(c.path);
    case 'rename': return v.rename(c.from, c.to);
    case 'pwrite': {
      const h = await v.open(c.path, { create: true });
      try { await h.write(c.pos, pattern(c.size, c.seed)); } finally { await h.close(); }
      return;
    }
    case 'flush': return v.flush();
  }
}

const names = ['a', 'B.TXT', 'long name one.txt', 'Long Name Two.dat', 'x.y.z', 'Über Datei.txt', 'dir', 'Dir Two'];
const pathArb = fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }).chain((parts) =>
  fc.array(fc.boolean(), { minLength: parts.length, maxLength: parts.length }).map((up) =>
    '/' + parts.map((p, i) => (up[i] ? p.toUpperCase() : p)).join('/')));
const sizeArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 600, max: 9000 }));
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('write' as const), path: pathArb, size: sizeArb, seed: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('append' as const), path: pathArb, size: sizeArb, seed: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), path: pathArb, size: sizeArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('mkdir' as const), path: pathArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rmdir' as const), path: pathArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('unlink' as const), path: pathArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('rename' as const), from: pathArb, to: pathArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('pwrite' as const), path: pathArb, pos: fc.integer({ min: 0, max: 5000 }), size: fc.integer({ min: 0, max: 3000 }), seed: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'flush' as const }) },
);

async function tree(v: Volume): Promise<Map<string, Uint8Array | null>> {
  const out = new Map<string, Uint8Array | null>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await v.readdir(dir)) {
      const p = (dir === '/' ? '' : dir) + '/' + e.name;
      if (e.isDirectory) { out.set(p, null); await walk(p); } else out.set(p, await v.readFile(p));
    }
  };
  await walk('/');
  return out;
}

function expectSame(actual: Map<string, Uint8Array | null>, m: Model): void {
  const want = new Map<string, Uint8Array | null>();
  for (const e of m.values()) want.set(e.path, e.data ?? null);
  expect([...actual.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [p, d] of want) {
    const a = actual.get(p);
    if (d === null) expect(a).toBeNull();
    else expect(Buffer.from(a as Uint8Array).equals(Buffer.from(d)), p).toBe(true);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'nymote-model-'));
const image = join(dir, 'model.img');
const tools = haveTools();

describe('random operation sequences against a model', () => {
  it('agree on contents and errors, and leave a clean volume', async () => {
    const dev = createRamBlock(34 << 20);
    await mkfs(dev, { label: 'MODEL' });
    const pristine = dev.bytes.slice();
    try {
      await fc.assert(fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 40 }), async (cmds) => {
        dev.bytes.set(pristine);
        const m: Model = new Map();
        const v = await mount(dev);
        for (const c of cmds) {
          let want = 'ok';
          try { applyModel(m, c); } catch (e) { want = (e as ModelError).code; }
          let got = 'ok';
          try { await runVolume(v, c); } catch (e) {
            if (!(e instanceof FsError)) throw e;
            got = e.code;
          }
          expect(got, JSON.stringify(c)).toBe(want);
        }
        expectSame(await tree(v), m);
        await v.unmount();
        const again = await mount(dev);
        expectSame(await tree(again), m);
        await again.unmount();
        expect((await fsck(dev)).problems).toEqual([]);
        if (tools) {
          writeFileSync(image, dev.bytes);
          const r = fsckFat(image);
          expect(r.code, r.out).toBe(0);
          const listed = mtoolsTree(image);
          const want = [...m.values()].map((e) => e.path + (e.data ? '' : '/')).sort();
          expect(listed).toEqual(want);
          for (const e of [...m.values()].filter((x) => x.data).slice(0, 4)) {
            expect(mcopyOut(image, e.path).equals(Buffer.from(e.data as Uint8Array)), e.path).toBe(true);
          }
        }
      }), { numRuns: Number(process.env.FAT32_MODEL_RUNS ?? 100) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
