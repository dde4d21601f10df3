/*
 * bench/storage-records: the storage stress test of the Mirage paper
 * (Madhavapeddy et al., "Turning Down the LAMP", HotCloud 2010, Figure 3):
 * records of 16 B to 64 KB inserted, updated and deleted over 5000
 * iterations, every live value read back and checked after each iteration
 * (test/fixtures/records-bench/workload.ts). Our typed records against
 * SQLite (better-sqlite3), in one run on this machine (DESIGN.md §9).
 *
 *   SQLite          better-sqlite3, journal_mode=WAL, synchronous=FULL: each
 *                   statement a transaction, each commit synced
 *   ours (Node)     store/records on a file (fdatasync per commit, as SQLite
 *                   does on Linux), codec from the same generator the build uses
 *   ours (Duktape)  test/fixtures/records-bench on the unix board: the image
 *                   the build makes, on a file-backed block device (fsync)
 *
 * Run: npx tsx bench/storage-records.ts [--sizes 16,256,4096,65536]
 *        [--iterations N] [--duktape-iterations N] [--window 32] [--no-duktape]
 * Without --iterations each size runs the paper's 5000 iterations under
 * Node; inside Duktape (≈30× slower than V8 at plain JS) fewer, as printed,
 * and times are compared per iteration. Nothing here asserts a time.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../cli/build/index';
import { findBoard } from '../cli/boards';
import { REPO } from '../cli/paths';
import { codecFor } from '../store/records/testing/codec-for';
import { filePageStore, openStore, type ByteFile } from '../store/records/index';
import { stress, type StressOptions, type StressResult, type StressTarget } from '../test/fixtures/records-bench/workload';

/* better-sqlite3 ships no types; the little of it used here. */
interface Statement { run(...params: unknown[]): unknown; get(...params: unknown[]): unknown }
interface SqliteDatabase { pragma(source: string): unknown; exec(sql: string): void; prepare(sql: string): Statement; close(): void }
const require = createRequire(import.meta.url);
/** The peer, a dev dependency: it may have to compile from source (node-gyp), which a machine may not manage. */
function loadSqlite(): new (path: string) => SqliteDatabase {
  try {
    return require('better-sqlite3') as new (path: string) => SqliteDatabase;
  } catch (e) {
    console.error(`bench/storage-records: the SQLite peer (npm better-sqlite3, a dev dependency) did not load: ${(e as Error).message}\n` +
      'Install it with: npm ci (it may build with node-gyp)');
    process.exit(2);
  }
}
const Sqlite = loadSqlite();

const argv = process.argv.slice(2);
const flag = (name: string) => argv.indexOf('--' + name) >= 0;
const option = (name: string) => (argv.indexOf('--' + name) >= 0 ? argv[argv.indexOf('--' + name) + 1] : undefined);
const SIZES = (option('sizes') || '16,256,4096,65536').split(',').map(Number);
const WINDOW = Number(option('window') || 32);
const SEED = 1;
/** Iterations inside Duktape by record size, unless --duktape-iterations. */
const DUKTAPE_ITERATIONS: Record<number, number> = { 16: 1000, 256: 1000, 4096: 500, 65536: 100 };
const nodeIterations = (size: number) => Number(option('iterations') || 5000) || size;
const duktapeIterations = (size: number) => Number(option('duktape-iterations') || 0) || DUKTAPE_ITERATIONS[size] || 200;

const work = mkdtempSync(join(tmpdir(), 'nymote-bench-storage-'));
const clock = () => performance.now();

interface Rec { id: number; tag: string; payload: Uint8Array }

async function sqliteRun(o: StressOptions): Promise<StressResult> {
  const path = join(work, `sqlite-${o.size}.db`);
  const db = new Sqlite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE recs (id INTEGER PRIMARY KEY, tag TEXT NOT NULL, payload BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO recs (id, tag, payload) VALUES (?, ?, ?)');
  const update = db.prepare('UPDATE recs SET tag = ?, payload = ? WHERE id = ?');
  const remove = db.prepare('DELETE FROM recs WHERE id = ?');
  const select = db.prepare('SELECT tag, payload FROM recs WHERE id = ?');
  const target: StressTarget = {
    put: (id, tag, payload, isNew) => { if (isNew) insert.run(id, tag, payload); else update.run(tag, payload, id); },
    remove: (id) => { remove.run(id); },
    read: (id) => select.get(id) as { tag: string; payload: Uint8Array } | undefined,
  };
  try {
    return await stress(target, o, clock);
  } finally {
    db.close();
  }
}

const STORE_BYTES = 64 << 20;

/**
 * A disk image written out in full: a block device has no blocks to
 * allocate on first write, so neither may the file (a sparse one would make
 * every sync also commit the filesystem's allocation metadata).
 */
function diskImage(path: string): void {
  writeFileSync(path, Buffer.alloc(STORE_BYTES));
  const fd = openSync(path, 'r+');
  fdatasyncSync(fd);
  closeSync(fd);
}

/** A file as the store's ByteFile: synchronous syscalls, completions deferred (split-phase). */
function nodeFile(path: string): ByteFile & { close(): void; syncs: number } {
  diskImage(path);
  const size = STORE_BYTES;
  const fd = openSync(path, 'r+');
  const file = {
    size,
    syncs: 0,
    read: (pos: number, buf: Uint8Array) => { readSync(fd, buf, 0, buf.length, pos); return Promise.resolve(); },
    write: (pos: number, data: Uint8Array) => { writeSync(fd, data, 0, data.length, pos); return Promise.resolve(); },
    flush: () => { fdatasyncSync(fd); file.syncs++; return Promise.resolve(); },
    close: () => closeSync(fd),
  };
  return file;
}

const recCodec = codecFor<Rec>('interface Rec { id: number; tag: string; payload: Uint8Array }', 'Rec');

async function oursNode(o: StressOptions): Promise<StressResult & { syncs: number }> {
  const file = nodeFile(join(work, `records-${o.size}.img`));
  const db = await openStore(filePageStore(file));
  const recs = db.records<Rec>('recs', { key: 'id' }, recCodec);
  const target: StressTarget = {
    put: (id, tag, payload) => recs.save({ id, tag, payload }),
    remove: (id) => recs.delete(id).then(() => undefined),
    read: (id) => recs.get(id),
  };
  const result = await stress(target, o, clock);
  await db.close();
  file.close();
  return { ...result, syncs: file.syncs };
}

function runDuktape(dir: string, image: string, args: string[]): string {
  const disk = join(work, 'duktape.img');
  diskImage(disk);
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const r = spawnSync(join(dir, image), ['--disk', disk, ...args], { encoding: 'utf8', timeout: 1_800_000 });
  if (r.status !== 0) throw new Error(`records-bench in Duktape failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function parseStress(line: string): StressResult {
  const m = /ms=([\d.]+) reads=(\d+) checksum=(\d+)/.exec(line);
  if (!m) throw new Error('unexpected output: ' + line);
  return { ms: Number(m[1]), reads: Number(m[2]), checksum: Number(m[3]) };
}

function fmt(ms: number, digits = 3): string {
  return ms.toFixed(digits).padStart(9);
}

async function main(): Promise<void> {
  const betterVersion = (JSON.parse(readFileSync(join(REPO, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
  const probe = new Sqlite(':memory:');
  const sqliteVersion = (probe.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  probe.close();
  let duktape: { dir: string; image: string } | undefined;
  if (!flag('no-duktape')) {
    const built = await build(join(REPO, 'test/fixtures/records-bench'), await findBoard('unix'), { quiet: true });
    duktape = { dir: built.dir, image: built.manifest.image };
  }

  console.log('bench/storage-records: Mirage (HotCloud 2010) Figure 3 stress test. Each iteration inserts a record, updates a random');
  console.log(`live one, deletes a random one beyond ${WINDOW} live, then reads back and checks every live record.`);
  console.log(`peer: SQLite ${sqliteVersion} via better-sqlite3 ${betterVersion} (journal_mode=WAL, synchronous=FULL), Node ${process.version}`);
  console.log('ours: store/records, 4 KiB pages, one sync per commit (fdatasync under Node; fsync from Duktape on the unix board)');
  console.log('');
  const head = ['size', 'iters', 'SQLite ms/it', 'ours/Node ms/it', 'ratio', 'syncs/it'];
  if (duktape) head.push('iters(Duk)', 'ours/Duk ms/it', 'ratio', 'workload ms/it');
  console.log(head.map((h, i) => (i === 0 ? h.padEnd(7) : h.padStart(i === 1 || h.startsWith('iters') ? 10 : 15))).join(' '));
  const notes: string[] = [];
  for (const size of SIZES) {
    const o = { size, iterations: nodeIterations(size), window: WINDOW, seed: SEED };
    const sqlite = await sqliteRun(o);
    const ours = await oursNode(o);
    if (ours.checksum !== sqlite.checksum) throw new Error(`size ${size}: checksums differ (${ours.checksum} vs ${sqlite.checksum})`);
    const perSqlite = sqlite.ms / o.iterations;
    const perOurs = ours.ms / o.iterations;
    const row = [
      (size >= 1024 ? size / 1024 + ' KB' : size + ' B').padEnd(7),
      String(o.iterations).padStart(10),
      fmt(perSqlite).padStart(15),
      fmt(perOurs).padStart(15),
      (perOurs / perSqlite).toFixed(2).padStart(14) + 'x',
      (ours.syncs / o.iterations).toFixed(2).padStart(15),
    ];
    if (duktape) {
      const n = duktapeIterations(size);
      const args = ['--size', String(size), '--iterations', String(n), '--window', String(WINDOW), '--seed', String(SEED)];
      const inDuk = parseStress(runDuktape(duktape.dir, duktape.image, args));
      const alone = parseStress(runDuktape(duktape.dir, duktape.image, [...args, '--target', 'memory']));
      const perDuk = inDuk.ms / n;
      row.push(String(n).padStart(10), fmt(perDuk, 2).padStart(15), (perDuk / perSqlite).toFixed(1).padStart(14) + 'x', fmt(alone.ms / n, 2).padStart(15));
      if (n !== o.iterations) notes.push(`${size} B in Duktape: ${n} iterations instead of ${o.iterations} (its ms/it is compared)`);
    }
    console.log(row.join(' '));
  }
  console.log('');
  console.log('ratio = ours / SQLite per iteration (below 1: ours is faster). "workload ms/it" is the same loop inside Duktape with the');
  console.log('values in a plain object: the cost of the test itself (promises, byte-by-byte checks) in that engine, not of storage.');
  for (const n of notes) console.log('note: ' + n);
}

main().finally(() => rmSync(work, { recursive: true, force: true })).catch((e) => {
  console.error(e);
  process.exit(1);
});
