/*
 * Test helpers (Node only, never in an image): block devices that fail in
 * controlled ways, and the real tools (dosfstools, mtools) run on images.
 */
import { pattern, seededRandom as prng } from '../../lib/random';
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { DeviceError, type BlockDevice } from '../../drivers/interfaces';

export { pattern, prng };

const SECTOR = 512;

/** Thrown by CutBlock once the power is gone. */
export class PowerCut extends Error {
  constructor() {
    super('power cut');
    this.name = 'PowerCut';
  }
}

export interface CutOptions {
  /** Writes that reach the medium before the cut (Infinity: never cut). */
  limit?: number;
  /**
   * Model a volatile write cache: writes since the last flush are held and
   * at the cut a random subset of them (chosen by `random`) reaches the
   * medium, as a drive may reorder writes between barriers.
   */
  reorder?: boolean;
  random?: () => number;
}

/**
 * A device over a shared base image plus a private overlay of written
 * sectors (so a thousand runs share one 34 MB base). The Nth write is the
 * last; every later call rejects with PowerCut, as if the machine stopped.
 */
export class CutBlock implements BlockDevice {
  readonly sectorSize = SECTOR;
  readonly sectors: number;
  readonly readOnly = false;
  /** Sectors written (what differs from the base). */
  readonly overlay = new Map<number, Uint8Array>();
  writes = 0;
  flushes = 0;
  cut = false;
  private held: { lba: number; data: Uint8Array }[] = [];
  private readonly base: Uint8Array;
  private readonly limit: number;
  private readonly opts: CutOptions;

  constructor(base: Uint8Array, opts: CutOptions = {}, overlay?: Map<number, Uint8Array>) {
    this.base = base;
    this.sectors = Math.floor(base.length / SECTOR);
    this.limit = opts.limit === undefined ? Infinity : opts.limit;
    this.opts = opts;
    if (overlay) overlay.forEach((v, k) => this.overlay.set(k, v));
  }

  private alive(): void {
    if (this.cut) throw new PowerCut();
  }

  private check(lba: number, buf: Uint8Array): void {
    if (buf.length % SECTOR || lba < 0 || lba + buf.length / SECTOR > this.sectors) throw new DeviceError('cut', 'bad request at ' + lba);
  }

  private apply(lba: number, data: Uint8Array): void {
    for (let i = 0; i < data.length / SECTOR; i++) this.overlay.set(lba + i, data.slice(i * SECTOR, (i + 1) * SECTOR));
  }

  async read(lba: number, buf: Uint8Array): Promise<void> {
    await Promise.resolve();
    this.alive();
    this.check(lba, buf);
    for (let i = 0; i < buf.length / SECTOR; i++) {
      const s = this.overlay.get(lba + i);
      buf.set(s ?? this.base.subarray((lba + i) * SECTOR, (lba + i + 1) * SECTOR), i * SECTOR);
    }
    // A held write is visible to reads, as in a drive's cache.
    for (const h of this.held) {
      for (let i = 0; i < h.data.length / SECTOR; i++) {
        const at = h.lba + i - lba;
        if (at >= 0 && at < buf.length / SECTOR) buf.set(h.data.subarray(i * SECTOR, (i + 1) * SECTOR), at * SECTOR);
      }
    }
  }

  async write(lba: number, buf: Uint8Array): Promise<void> {
    await Promise.resolve();
    this.alive();
    this.check(lba, buf);
    this.writes++;
    if (this.opts.reorder) this.held.push({ lba, data: buf.slice() });
    else this.apply(lba, buf);
    if (this.writes >= this.limit) this.powerOff();
  }

  async flush(): Promise<void> {
    await Promise.resolve();
    this.alive();
    this.flushes++;
    for (const h of this.held) this.apply(h.lba, h.data);
    this.held = [];
  }

  private powerOff(): void {
    if (this.opts.reorder) {
      const random = this.opts.random ?? Math.random;
      for (const h of this.held) if (random() < 0.5) this.apply(h.lba, h.data);
      this.held = [];
    }
    this.cut = true;
  }

  /** The image as the medium holds it. */
  image(): Uint8Array {
    const out = new Uint8Array(this.base.length);
    out.set(this.base);
    this.overlay.forEach((v, k) => out.set(v, k * SECTOR));
    return out;
  }
}

/**
 * Keeps one image file for the tools and writes only what differs from the
 * base into it, restoring those sectors afterwards (cheap per run).
 */
export class ImageFile {
  readonly path: string;
  private readonly fd: number;
  private readonly base: Uint8Array;
  private touched: number[] = [];

  constructor(path: string, base: Uint8Array) {
    this.path = path;
    this.base = base;
    this.fd = openSync(path, 'w+');
    ftruncateSync(this.fd, base.length);
    // Only nonzero 64 KiB blocks of the base are written: the file stays sparse.
    const block = 65536;
    for (let o = 0; o < base.length; o += block) {
      const part = base.subarray(o, Math.min(base.length, o + block));
      if (part.some((b) => b !== 0)) writeSync(this.fd, part, 0, part.length, o);
    }
  }

  /** Puts an overlay's sectors into the file (undoing the previous one first). */
  show(overlay: Map<number, Uint8Array>): void {
    this.reset();
    overlay.forEach((v, k) => {
      writeSync(this.fd, v, 0, v.length, k * SECTOR);
      this.touched.push(k);
    });
  }

  reset(): void {
    for (const k of this.touched) writeSync(this.fd, this.base, k * SECTOR, SECTOR, k * SECTOR);
    this.touched = [];
  }

  close(): void {
    closeSync(this.fd);
  }
}

export interface ToolRun { code: number | null; out: string }

function tool(cmd: string, args: string[], input?: Buffer): ToolRun & { stdout: Buffer } {
  const r = spawnSync(cmd, args, { input, maxBuffer: 1 << 30, env: { ...process.env, MTOOLS_SKIP_CHECK: '1', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } });
  return { code: r.status, out: String(r.stdout) + String(r.stderr), stdout: r.stdout };
}

/** `fsck.fat -n`: read-only check; code 0 means clean. */
export function fsckFat(image: string): ToolRun {
  return tool('fsck.fat', ['-n', image]);
}

export function mkfsFat(image: string, args: string[]): ToolRun {
  return tool('mkfs.fat', ['-F', '32', ...args, image]);
}

export function mdir(image: string, dir: string, flags: string[] = ['-b']): ToolRun {
  return tool('mdir', ['-i', image, ...flags, '::' + dir]);
}

/** Every path on the volume as mtools sees it ("/dir/" for directories), sorted. */
export function mtoolsTree(image: string): string[] {
  const r = tool('mdir', ['-i', image, '-/', '-b', '-a', '::/']);
  if (r.code !== 0) {
    if (/File "::\/" not found/.test(r.out)) return []; // mdir -b says this of an empty volume
    throw new Error('mdir: ' + r.out);
  }
  return String(r.stdout).split('\n').filter((l) => l.startsWith('::/')).map((l) => l.slice(2)).sort();
}

/** A file's bytes through mtools (`mcopy` to stdout). */
export function mcopyOut(image: string, path: string): Buffer {
  const r = tool('mcopy', ['-n', '-i', image, '::' + path, '-']);
  if (r.code !== 0) throw new Error('mcopy ' + path + ': ' + r.out);
  return r.stdout;
}

export function mcopyIn(image: string, host: string, path: string): ToolRun {
  return tool('mcopy', ['-o', '-i', image, host, '::' + path]);
}

export function mmd(image: string, path: string): ToolRun {
  return tool('mmd', ['-i', image, '::' + path]);
}

export function haveTools(): boolean {
  return ['fsck.fat', 'mkfs.fat', 'mdir', 'mcopy'].every((t) => spawnSync('sh', ['-c', 'command -v ' + t]).status === 0);
}


