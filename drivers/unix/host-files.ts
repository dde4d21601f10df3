/*
 * The host's files as a `files` device, where a board has them: the unix
 * board (the kernel's file natives) and the node board (the same natives
 * over Node's fs). The Xen boards have none: there an app reads its data
 * volume instead. The natives are synchronous; completions are deferred to
 * keep the split-phase contract.
 */
import { DeviceError, type DriverFactory, type HostFiles, type HostFileStat } from '../interfaces';

function missing(e: unknown): boolean {
  const code = (e as { code?: string } | null) && (e as { code?: string }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function readRange(os: NymoteUnixNatives, path: string, offset: number, length: number): Uint8Array {
  const fd = os.open(path, 'r');
  try {
    const buf = new Uint8Array(length < 0 ? os.size(fd) : length);
    let at = 0;
    while (at < buf.length) {
      const n = os.pread(fd, buf.subarray(at), offset + at);
      if (n <= 0) break;
      at += n;
    }
    return buf.subarray(0, at);
  } finally {
    os.close(fd);
  }
}

/** Runs a synchronous native call and settles with its result on a later turn. */
async function later<T>(work: () => T): Promise<T> {
  await undefined;
  return work();
}

export const createHostFiles: DriverFactory<HostFiles> = (io, { device }) => {
  const os = io.kernel.unix;
  if (!os) return Promise.reject(new DeviceError(device, 'this board (' + io.kernel.platform + ') has no host files; put them on the data volume instead', 'absent'));
  const files: HostFiles = {
    stat: (path) => later((): HostFileStat | null => {
      try {
        const s = os.stat(path);
        return { size: s.size, mtimeMs: s.mtimeMs, directory: s.directory };
      } catch (e) {
        if (missing(e)) return null;
        throw e;
      }
    }),
    read: (path, offset, length) => later(() => readRange(os, path, offset, length)),
    readText: (path) => later(() => new TextDecoder().decode(readRange(os, path, 0, -1))),
  };
  return Promise.resolve(files);
};
