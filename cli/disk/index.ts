/*
 * `nymote disk create|ls|put|get|rm|mkdir|fsck <volume.img> …`: FAT32 data
 * volumes prepared and inspected with the store's own code (store/fat32)
 * through the node file-block driver, so users need no other tools. Each
 * function opens the volume file, does its work, unmounts (flushing) and
 * returns the text to print; failures are UserErrors that name the volume.
 */
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, rmSync, statSync, ftruncateSync } from 'node:fs';
import { open as openHost } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DeviceError } from '../../drivers/interfaces';
import { openFileBlock, type NodeFileBlock } from '../../drivers/node/file-block';
import { FsError, fsck, mkfs, mount, recoveries, type FsckReport, type Volume } from '../../store/fat32/index';
import { UserError } from '../errors';
import { display } from '../paths';

const UNITS: { [unit: string]: number } = {
  '': 1, b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1000 ** 4, tib: 1024 ** 4,
};

/** "64M", "1.5GiB", "512k", "100000000": bytes (K/M/G alone are binary, as in dd and truncate). */
export function parseSize(text: string, what = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UserError(`bad ${what} '${text}': use a number with an optional unit (K, M, G, T, KiB, MB, ...)`);
  return Math.floor(Number(m[1]) * unit);
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i === 0 ? String(v) : v.toFixed(v < 10 ? 1 : 0)) + ' ' + units[i];
}

/** An FsError or DeviceError as a message for the user, naming the volume file. */
function userError(file: string, e: unknown): unknown {
  if (e instanceof FsError) return new UserError(`${display(file)}: ${e.message.replace(/^[A-Z]+: /, '')}`);
  if (e instanceof DeviceError) return new UserError(`${display(file)}: ${(e as Error).message.replace(/^[^:]*: /, '')}`);
  return e;
}

async function withDevice<T>(file: string, readOnly: boolean, run: (dev: NodeFileBlock) => Promise<T>): Promise<T> {
  if (!existsSync(file)) throw new UserError(`${display(file)}: no such volume file (make one with 'nymote disk create')`);
  let dev: NodeFileBlock | null = null;
  try {
    dev = await openFileBlock(file, { readOnly });
    return await run(dev);
  } catch (e) {
    throw userError(file, e);
  } finally {
    if (dev) await dev.close();
  }
}

async function withVolume<T>(file: string, readOnly: boolean, run: (vol: Volume) => Promise<T>): Promise<T> {
  return withDevice(file, readOnly, async (dev) => {
    const vol = await mount(dev);
    const result = await run(vol);
    await vol.unmount();
    return result;
  });
}

export interface CreateOptions {
  label?: string;
  /** "512", "4K", "32K" ... (default: chosen from the size, as mkfs.fat does). */
  clusterSize?: string;
  /** Overwrite an existing file. */
  force?: boolean;
}

/** Creates a sparse volume file of `sizeText` and formats it FAT32. */
export async function diskCreate(file: string, sizeText: string, opts: CreateOptions = {}): Promise<string> {
  const size = parseSize(sizeText);
  if (size < 512) throw new UserError(`size '${sizeText}' is less than one sector`);
  let sectorsPerCluster: number | undefined;
  if (opts.clusterSize !== undefined) {
    const cs = parseSize(opts.clusterSize, 'cluster size');
    if (cs < 512 || cs > 65536 || (cs & (cs - 1)) !== 0) throw new UserError(`bad cluster size '${opts.clusterSize}': a power of two from 512 to 32K (64K at most)`);
    sectorsPerCluster = cs / 512;
  }
  if (existsSync(file) && statSync(file).size > 0 && !opts.force) {
    throw new UserError(`${display(file)} already exists (use --force to overwrite it)`);
  }
  const fd = openSync(file, 'w');
  ftruncateSync(fd, size - (size % 512));
  closeSync(fd);
  try {
    return await withDevice(file, false, async (dev) => {
      const g = await mkfs(dev, { label: opts.label, sectorsPerCluster });
      return `${display(file)}: FAT32, ${formatBytes(g.totalSectors * g.bytesPerSector)}, ${g.clusterCount} clusters of ${formatBytes(g.clusterBytes)}` +
        (g.label && g.label !== 'NO NAME' ? `, label ${g.label}` : '');
    });
  } catch (e) {
    rmSync(file, { force: true }); // no half-made volume left behind
    throw e;
  }
}

function when(ms: number): string {
  if (!ms) return '                ';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

/** Lists a directory (or one file): size, last write (UTC), name. */
export async function diskLs(file: string, path = '/'): Promise<string> {
  return withVolume(file, true, async (vol) => {
    const st = await vol.stat(path);
    const rows = st.isDirectory ? await vol.readdir(path) : [st];
    const lines = rows.map((e) => `${e.isDirectory ? '       <dir>' : String(e.size).padStart(12)}  ${when(e.modified)}  ${e.name}${e.isDirectory ? '/' : ''}`);
    if (st.isDirectory) {
      const fs = await vol.statfs();
      lines.push(`${rows.length} entr${rows.length === 1 ? 'y' : 'ies'}; ${formatBytes(fs.freeClusters * fs.clusterSize)} free of ${formatBytes(fs.totalClusters * fs.clusterSize)}`);
    }
    return lines.join('\n');
  });
}

const CHUNK = 1 << 20;

async function putFile(vol: Volume, host: string, path: string): Promise<number> {
  const src = await openHost(host, 'r');
  try {
    const h = await vol.open(path, { create: true, truncate: true });
    const buf = new Uint8Array(CHUNK);
    let pos = 0;
    for (;;) {
      const r = await src.read(buf, 0, CHUNK, pos);
      if (r.bytesRead === 0) break;
      await h.write(pos, r.bytesRead === CHUNK ? buf : buf.subarray(0, r.bytesRead));
      pos += r.bytesRead;
    }
    await h.close();
    return pos;
  } finally {
    await src.close();
  }
}

async function mkdirs(vol: Volume, path: string): Promise<void> {
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const p = '/' + parts.slice(0, i).join('/');
    try {
      const st = await vol.stat(p);
      if (!st.isDirectory) throw new FsError('ENOTDIR', p + ': not a directory');
    } catch (e) {
      if (!(e instanceof FsError) || e.code !== 'ENOENT') throw e;
      await vol.mkdir(p);
    }
  }
}

async function isDir(vol: Volume, path: string): Promise<boolean> {
  try {
    return (await vol.stat(path)).isDirectory;
  } catch (e) {
    if (e instanceof FsError && e.code === 'ENOENT') return false;
    throw e;
  }
}

/**
 * Copies a host file or directory (recursively) onto the volume: into
 * `path` when that is a directory or ends in '/', creating missing parents.
 */
/** Copies a host file or a directory tree to `dest` on the volume, making missing parents. */
async function copyTree(vol: Volume, host: string, dest: string): Promise<{ files: number; bytes: number }> {
  const total = { files: 0, bytes: 0 };
  const copy = async (from: string, to: string): Promise<void> => {
    if (statSync(from).isDirectory()) {
      await mkdirs(vol, to);
      for (const name of readdirSync(from).sort()) await copy(join(from, name), to + '/' + name);
    } else {
      await mkdirs(vol, to.slice(0, to.lastIndexOf('/')));
      total.bytes += await putFile(vol, from, to);
      total.files++;
    }
  };
  await copy(host, dest);
  return total;
}

function copied(t: { files: number; bytes: number }): string {
  return `${t.files} file${t.files === 1 ? '' : 's'}, ${formatBytes(t.bytes)}`;
}

/**
 * Copies a host file or directory (recursively) onto the volume: into
 * `path` when that is a directory or ends in '/', creating missing parents.
 */
export async function diskPut(file: string, hostPath: string, path = '/'): Promise<string> {
  if (!existsSync(hostPath)) throw new UserError(`${display(hostPath)}: no such file or directory`);
  return withVolume(file, false, async (vol) => {
    const into = path.endsWith('/') || (await isDir(vol, path));
    const target = into ? path.replace(/\/+$/, '') + '/' + basename(hostPath) : path;
    return `${copied(await copyTree(vol, hostPath, target))} -> ${display(file)}:${target}`;
  });
}

/** Copies what a host directory holds (not the directory itself) to the volume's root. */
export async function diskFill(file: string, hostDir: string): Promise<{ files: number; bytes: number; text: string }> {
  return withVolume(file, false, async (vol) => {
    const total = { files: 0, bytes: 0 };
    for (const name of readdirSync(hostDir).sort()) {
      const t = await copyTree(vol, join(hostDir, name), '/' + name);
      total.files += t.files;
      total.bytes += t.bytes;
    }
    return { ...total, text: `${copied(total)} -> ${display(file)}` };
  });
}

/** Copies a volume file or directory (recursively) to the host; into `hostPath` when that is a directory. */
export async function diskGet(file: string, path: string, hostPath = '.'): Promise<string> {
  return withVolume(file, true, async (vol) => {
    const st = await vol.stat(path);
    const name = st.name === '/' ? 'volume' : st.name;
    const target = existsSync(hostPath) && statSync(hostPath).isDirectory() ? join(hostPath, name) : hostPath;
    let files = 0;
    let bytes = 0;
    const copy = async (src: string, dest: string, dir: boolean): Promise<void> => {
      if (dir) {
        mkdirSync(dest, { recursive: true });
        for (const e of await vol.readdir(src)) await copy((src === '/' ? '' : src) + '/' + e.name, join(dest, e.name), e.isDirectory);
        return;
      }
      const h = await vol.open(src);
      const out = await openHost(dest, 'w');
      try {
        const buf = new Uint8Array(CHUNK);
        for (let pos = 0; ;) {
          const n = await h.read(pos, buf);
          if (n === 0) break;
          await out.write(buf, 0, n, pos);
          pos += n;
          bytes += n;
        }
      } finally {
        await out.close();
        await h.close();
      }
      files++;
    };
    await copy(path, target, st.isDirectory);
    return `${display(file)}:${path} -> ${display(target)} (${files} file${files === 1 ? '' : 's'}, ${formatBytes(bytes)})`;
  });
}

export interface RmOptions { recursive?: boolean }

/** Removes a file, an empty directory, or (recursive) a directory and all it holds. */
export async function diskRm(file: string, path: string, opts: RmOptions = {}): Promise<string> {
  return withVolume(file, false, async (vol) => {
    let removed = 0;
    const rm = async (p: string, dir: boolean): Promise<void> => {
      if (!dir) { await vol.unlink(p); removed++; return; }
      if (opts.recursive) for (const e of await vol.readdir(p)) await rm(p + '/' + e.name, e.isDirectory);
      await vol.rmdir(p);
      removed++;
    };
    const st = await vol.stat(path);
    if (st.name === '/') throw new FsError('EINVAL', '/: the root directory cannot be removed');
    await rm(path.replace(/\/+$/, ''), st.isDirectory);
    return `removed ${removed} entr${removed === 1 ? 'y' : 'ies'}`;
  });
}

export interface MkdirOptions { parents?: boolean }

export async function diskMkdir(file: string, path: string, opts: MkdirOptions = {}): Promise<string> {
  return withVolume(file, false, async (vol) => {
    if (opts.parents) await mkdirs(vol, path);
    else await vol.mkdir(path);
    return `${display(file)}:${path}/`;
  });
}

export interface FsckResult {
  ok: boolean;
  text: string;
  report: FsckReport;
}

/** Checks the volume without changing it; `ok` is false when anything is wrong. */
export async function diskFsck(file: string): Promise<FsckResult> {
  return withDevice(file, true, async (dev) => {
    const report = await fsck(dev);
    const lines = report.problems.map((p) => (p.fixable ? 'repairable at mount: ' : 'error: ') + p.message);
    lines.push(`${display(file)}: ${report.ok ? 'clean' : report.problems.length + ' problem' + (report.problems.length === 1 ? '' : 's')}; ` +
      `${report.files} files, ${report.directories} directories, ${report.usedClusters}/${report.totalClusters} clusters used` +
      (report.label ? `, label ${report.label}` : ''));
    return { ok: report.ok, text: lines.join('\n'), report };
  });
}

/** Mounts read-write once, which repairs a volume left dirty by a power cut; returns what was done. */
export async function diskRepair(file: string): Promise<string> {
  return withDevice(file, false, async (dev) => {
    const vol = await mount(dev);
    const log = recoveries.get(vol);
    await vol.unmount();
    if (!log) return `${display(file)}: clean, nothing to repair`;
    const done = log.renames.concat(log.fixed.map((p) => p.message));
    const left = log.remaining.map((p) => 'not repaired: ' + p.message);
    return done.concat(left).join('\n');
  });
}
