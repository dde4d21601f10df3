/*
 * FileSources for the file server: files held in memory (tests, small
 * embedded sites), and a FAT32 volume (store/fat32's Volume, or anything
 * with its stat/open shape). Node's fs is a few lines in the caller
 * (services/http/interop.test.ts has one): no Node imports here.
 */
import { utf8 } from './bytes';
import type { FileSource, FileStat } from './files';

/** Files by absolute path ("/css/site.css"); directories are implied by the paths. */
export function memorySource(files: { [path: string]: Uint8Array | string }, mtimeMs?: number): FileSource {
  const bytes: { [path: string]: Uint8Array } = Object.create(null);
  const dirs: { [path: string]: boolean } = Object.create(null);
  dirs['/'] = true;
  for (const p in files) {
    if (!Object.prototype.hasOwnProperty.call(files, p)) continue;
    const v = files[p];
    bytes[p] = typeof v === 'string' ? utf8(v) : v;
    for (let i = p.indexOf('/', 1); i > 0; i = p.indexOf('/', i + 1)) dirs[p.slice(0, i)] = true;
  }
  const mtime = mtimeMs || 0;
  return {
    // The files were copied above: nothing changes them.
    generation: () => 0,
    stat: function (path) {
      if (dirs[path]) return Promise.resolve<FileStat | null>({ size: 0, mtimeMs: mtime, directory: true });
      const b = bytes[path];
      return Promise.resolve(b ? { size: b.length, mtimeMs: mtime, directory: false } : null);
    },
    read: function (path, offset, length) {
      const b = bytes[path];
      if (!b) return Promise.reject(new Error(path + ': no such file'));
      return Promise.resolve(b.subarray(Math.min(offset, b.length), Math.min(offset + length, b.length)));
    },
  };
}

/** What volumeSource needs of a volume: store/fat32's Volume has it. */
export interface VolumeLike {
  stat(path: string): Promise<{ isDirectory: boolean; size: number; modified: number }>;
  open(path: string): Promise<{ read(pos: number, buf: Uint8Array): Promise<number>; close(): Promise<void> }>;
  /** A read without an open handle, where the volume has one (store/fat32 does): one operation instead of three. */
  readRange?(path: string, offset: number, buf: Uint8Array): Promise<number>;
  /** Moves on every change (store/fat32 counts its write operations); lets the file server cache. */
  readonly generation?: number;
}

function missing(e: unknown): boolean {
  const code = (e as { code?: unknown } | null) && (e as { code?: unknown }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A mounted FAT32 volume (modified times come from its directory entries, 2 s granularity). */
export function volumeSource(volume: VolumeLike): FileSource {
  return {
    generation: typeof volume.generation === 'number' ? () => volume.generation as number : undefined,
    stat: async (path) => {
      try {
        const st = await volume.stat(path);
        return { size: st.size, mtimeMs: st.modified, directory: st.isDirectory };
      } catch (e) {
        if (missing(e)) return null;
        throw e;
      }
    },
    read: (path, offset, length) => {
      const buf = new Uint8Array(length);
      if (!volume.readRange) return readWithHandle(volume, path, offset, buf);
      // eslint-disable-next-line promise/prefer-await-to-then -- hot path: HOTPATH_VOLREAD
      return volume.readRange(path, offset, buf).then((n) => buf.subarray(0, n));
    },
  };
}

/** A read through an open handle, for volumes without readRange. */
async function readWithHandle(volume: VolumeLike, path: string, offset: number, buf: Uint8Array): Promise<Uint8Array> {
  const h = await volume.open(path);
  let n: number;
  try {
    n = await h.read(offset, buf);
  } catch (e) {
    try {
      await h.close();
    } catch (e2) {
      // The read's error is the one to report.
    }
    throw e;
  }
  await h.close();
  return buf.subarray(0, n);
}

/** What folderSource needs of a board's host files (drivers' HostFiles has it). */
export interface FilesLike {
  stat(path: string): Promise<FileStat | null>;
  read(path: string, offset: number, length: number): Promise<Uint8Array>;
}

/** A host folder (`--content DIR`) through the board's `files` device: paths are below `root`. */
export async function folderSource(files: FilesLike, root: string): Promise<FileSource> {
  const base = root.replace(/\/+$/, '');
  const st = await files.stat(base || '/');
  if (!st) throw new Error(root + ': no such folder');
  if (!st.directory) throw new Error(root + ': not a folder');
  return {
    stat: (path) => files.stat(base + path),
    read: (path, offset, length) => files.read(base + path, offset, length),
  };
}
