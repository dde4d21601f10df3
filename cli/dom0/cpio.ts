/*
 * Writes cpio archives in the "newc" format (magic 070701), the one Linux
 * unpacks as an initramfs; archives concatenated one after another are
 * unpacked in order, so a cached base and a small per-boot part combine.
 */

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Uint8Array; mode?: number }
  | { kind: 'symlink'; path: string; target: string };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const TRAILER = 'TRAILER!!!';

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function header(ino: number, mode: number, nlink: number, size: number, nameSize: number): string {
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
  // rdevmajor, rdevminor, namesize, check. mtime 0 keeps archives reproducible.
  return '070701' + [ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, nameSize, 0].map(hex8).join('');
}

function checkPath(path: string): string {
  const p = path.replace(/^\/+/, '');
  if (p === '' || p.split('/').some((part) => part === '' || part === '.' || part === '..') || p.includes('\0')) {
    throw new Error(`cpio: bad archive path ${JSON.stringify(path)}`);
  }
  return p;
}

/** One archive holding `entries` in order (a directory before what it holds). */
export function writeCpio(entries: CpioEntry[], firstInode = 1): Buffer {
  const parts: Buffer[] = [];
  let ino = firstInode;
  const push = (name: string, mode: number, nlink: number, data: Uint8Array) => {
    const nameBytes = Buffer.from(name + '\0', 'utf8');
    const head = Buffer.from(header(ino++, mode, nlink, data.length, nameBytes.length), 'ascii');
    parts.push(head, nameBytes, Buffer.alloc(pad4(head.length + nameBytes.length)), Buffer.from(data), Buffer.alloc(pad4(data.length)));
  };
  for (const e of entries) {
    const path = checkPath(e.path);
    if (e.kind === 'dir') push(path, S_IFDIR | (e.mode ?? 0o755), 2, new Uint8Array(0));
    else if (e.kind === 'file') push(path, S_IFREG | (e.mode ?? 0o644), 1, e.data);
    else push(path, S_IFLNK | 0o777, 1, Buffer.from(e.target, 'utf8'));
  }
  push(TRAILER, 0, 1, new Uint8Array(0));
  return Buffer.concat(parts);
}

/** The directories that hold `paths`, parents first, each once. */
export function parentDirs(paths: string[]): string[] {
  const dirs = new Set<string>();
  for (const p of paths) {
    const parts = checkPath(p).split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}
