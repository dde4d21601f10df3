/*
 * bench/storage-files: a 64 MiB file written to and read back from a FAT32
 * volume file, ours against mtools, in one run on this machine (DESIGN.md
 * §9). Run: npx tsx bench/storage-files.ts [--mb N] [--runs N]
 *
 *   mtools           mcopy into the volume (then sync) and back out
 *   ours, Node       `nymote disk put` / `get` (store/fat32 on the node
 *                    file-block driver; flush = fsync)
 *   ours, Duktape    test/fixtures/fat32-bench on the unix board: a
 *                    FileHandle in 1 MiB chunks, flush, read back
 *
 * Each runs on a fresh volume made by mkfs.fat of the same size and cluster
 * size (4 KiB and 512 B), best of --runs (3). Ratios are ours / mtools.
 * Nothing asserts a time.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../cli/build/index';
import { findBoard } from '../cli/boards';
import { REPO } from '../cli/paths';
import { diskGet, diskPut } from '../cli/disk/index';

const args = process.argv.slice(2);
const MB = args.indexOf('--mb') >= 0 ? Number(args[args.indexOf('--mb') + 1]) : 64;
/** Each path runs this many times on a fresh volume; the best run counts (the machine is shared and noisy). */
const RUNS = args.indexOf('--runs') >= 0 ? Number(args[args.indexOf('--runs') + 1]) : 3;
/** Room for the file, and at least the 65525 clusters FAT32 needs with 4 KiB clusters. */
const VOLUME_MB = Math.max(MB * 2 + 64, 320);
const work = mkdtempSync(join(tmpdir(), 'nymote-bench-storage-'));
const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };

function run(cmd: string, a: string[]): string {
  const r = spawnSync(cmd, a, { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${a.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout + r.stderr;
}

function seconds(f: () => void): number {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function secondsAsync(f: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

let dosfsVersion = '?';

function volume(name: string, cluster: number): string {
  const path = join(work, name);
  closeSync(openSync(path, 'w'));
  truncateSync(path, VOLUME_MB << 20);
  dosfsVersion = /mkfs\.fat (\S+)/.exec(run('mkfs.fat', ['-F', '32', '-s', String(cluster / 512), path]))?.[1] ?? '?';
  return path;
}

interface Row { name: string; write: number; read: number }

async function main(): Promise<void> {
  const data = Buffer.alloc(MB << 20);
  for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
  const src = join(work, 'src.bin');
  writeFileSync(src, data);
  const out = join(work, 'out.bin');
  process.stderr.write('bench/storage-files: building the Duktape side…\n');
  const built = await build(join(REPO, 'test', 'fixtures', 'fat32-bench'), await findBoard('unix'), { quiet: true });
  const mtoolsVersion = /mcopy \(GNU mtools\) (\S+)/.exec(run('mcopy', ['--version']))?.[1] ?? '?';

  for (const cluster of [4096, 512]) {
    const rows: Row[] = [];
    const best = async (name: string, once: () => Promise<{ write: number; read: number }>) => {
      const row: Row = { name, write: 0, read: 0 };
      for (let i = 0; i < RUNS; i++) {
        const r = await once();
        row.write = Math.max(row.write, r.write);
        row.read = Math.max(row.read, r.read);
      }
      rows.push(row);
    };
    await best(`mtools ${mtoolsVersion} (mcopy in + sync, out)`, async () => {
      const v = volume('mtools.img', cluster);
      const write = seconds(() => { run('mcopy', ['-i', v, src, '::/bench.bin']); run('sync', [v]); });
      rmSync(out, { force: true });
      const read = seconds(() => run('mcopy', ['-n', '-i', v, '::/bench.bin', out]));
      if (!readFileSync(out).equals(data)) throw new Error('mtools read back different bytes');
      return { write: MB / write, read: MB / read };
    });
    await best('ours, Node (nymote disk put/get)', async () => {
      const v = volume('node.img', cluster);
      const write = await secondsAsync(() => diskPut(v, src, '/bench.bin'));
      rmSync(out, { force: true });
      const read = await secondsAsync(() => diskGet(v, '/bench.bin', out));
      if (!readFileSync(out).equals(data)) throw new Error('ours read back different bytes');
      run('fsck.fat', ['-n', v]);
      return { write: MB / write, read: MB / read };
    });
    await best('ours, Duktape (unix board, FileHandle)', async () => {
      const v = volume('duktape.img', cluster);
      const r = spawnSync(join(built.dir, built.manifest.image), ['--disk', v, '--mb', String(MB)], { encoding: 'utf8', timeout: 600_000 });
      const m = /write_ms (\d+) read_ms (\d+) bytes (\d+)/.exec(r.stdout);
      if (r.status !== 0 || !m || Number(m[3]) !== MB << 20) throw new Error(`fat32-bench failed: ${r.stdout}${r.stderr}`);
      run('fsck.fat', ['-n', v]);
      return { write: MB / (Math.max(1, Number(m[1])) / 1000), read: MB / (Math.max(1, Number(m[2])) / 1000) };
    });
    const peer = rows[0];
    console.log(`\n${MB} MiB file, FAT32 volume of ${VOLUME_MB} MiB with ${cluster}-byte clusters (mkfs.fat ${dosfsVersion}); ratios ours/mtools`);
    console.log(`${'path'.padEnd(42)} ${'write MiB/s'.padStart(12)} ${'ratio'.padStart(7)} ${'read MiB/s'.padStart(12)} ${'ratio'.padStart(7)}`);
    for (const r of rows) {
      console.log(`${r.name.padEnd(42)} ${r.write.toFixed(1).padStart(12)} ${(r.write / peer.write).toFixed(3).padStart(7)} ${r.read.toFixed(1).padStart(12)} ${(r.read / peer.read).toFixed(3).padStart(7)}`);
    }
    for (const f of ['mtools.img', 'node.img', 'duktape.img']) rmSync(join(work, f), { force: true });
  }
}

main()
  .catch((e) => { console.error(e); process.exitCode = 1; })
  .finally(() => rmSync(work, { recursive: true, force: true }));
