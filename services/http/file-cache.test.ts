/* The file server's cache: bounded, and never an answer older than the volume's last write. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FileCache } from './file-cache';
import { serveFiles } from './files';
import { volumeSource } from './sources';
import { collect, fakeRequest } from './testing/request';
import { createRamBlock } from '../../drivers/memory/ram-block';
import { mkfs, mount } from '../../store/fat32/index';

const MTIME = Date.UTC(2024, 4, 1, 12, 0, 0);

describe('FileCache', () => {
  it('never holds more than its bound, and keeps the newest entries', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('/a', '/b', '/c', '/d', '/e'), fc.nat(3000))), (puts) => {
      const c = new FileCache<number>(4096);
      for (const [key, bytes] of puts) {
        c.put(key, bytes, bytes);
        expect(c.size).toBeLessThanOrEqual(4096);
        if (bytes + 256 + key.length <= 4096) expect(c.get(key)).toBe(bytes);
      }
    }));
  });
});

type Op =
  | { kind: 'write'; path: string; size: number; fill: number }
  | { kind: 'unlink'; path: string }
  | { kind: 'get'; path: string; gzip: boolean; head: boolean };

const PATHS = ['/index.html', '/index.html.gz', '/a.txt', '/d/b.css', '/d/b.css.gz'];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), path: fc.constantFrom(...PATHS), size: fc.oneof(fc.nat(40), fc.integer({ min: 500, max: 3000 })), fill: fc.nat(255) }),
  fc.record({ kind: fc.constant('unlink' as const), path: fc.constantFrom(...PATHS) }),
  fc.record({ kind: fc.constant('get' as const), path: fc.constantFrom(...PATHS, '/'), gzip: fc.boolean(), head: fc.boolean() }),
);

describe('serveFiles over a FAT32 volume, with its cache', () => {
  it('serves the bytes of the last write, whatever was served and cached before', async () => {
    const image = createRamBlock(40 << 20);
    await mkfs(image, { label: 'WEB' });
    const pristine = image.bytes.slice();
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: 40, size: 'max' }), fc.integer({ min: 0, max: 2048 }), async (ops, fileLimit) => {
      image.bytes.set(pristine);
      // A stopped clock: a rewrite of the same size keeps the same ETag, so only the generation can tell.
      const vol = await mount(image, { clock: { now: () => MTIME } });
      await vol.mkdir('/d');
      const model = new Map<string, Uint8Array>();
      const serve = serveFiles(volumeSource(vol), { cacheBytes: 8192, cacheFileBytes: fileLimit, chunkBytes: 700 });
      for (const op of ops) {
        if (op.kind === 'write') {
          const data = new Uint8Array(op.size).map((_, i) => (op.fill + i * 7) & 0xff);
          await vol.writeFile(op.path, data);
          model.set(op.path, data);
        } else if (op.kind === 'unlink') {
          if (model.has(op.path)) { await vol.unlink(op.path); model.delete(op.path); }
        } else {
          const file = op.path.endsWith('/') ? op.path + 'index.html' : op.path;
          const headers: { [k: string]: string } = op.gzip ? { 'Accept-Encoding': 'gzip' } : {};
          const r = await collect(await serve(fakeRequest(op.head ? 'HEAD' : 'GET', op.path, headers)));
          const plain = model.get(file);
          if (plain === undefined) { expect(r.status).toBe(404); continue; }
          const gz = file.endsWith('.gz') ? undefined : model.get(file + '.gz');
          const want = op.gzip && gz !== undefined ? gz : plain;
          expect(r.status).toBe(200);
          expect(r.length).toBe(want.length);
          expect(r.headers['Content-Encoding']).toBe(op.gzip && gz !== undefined ? 'gzip' : undefined);
          expect(r.headers.Vary).toBe(gz !== undefined ? 'Accept-Encoding' : undefined);
          expect(Buffer.from(r.body, 'latin1').equals(Buffer.from(want))).toBe(true);
        }
      }
    }), { numRuns: 80 });
  }, 120_000);
});
