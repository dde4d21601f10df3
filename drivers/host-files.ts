/*
 * The host's files, where a board has them: the unix board (the kernel's
 * file natives) and the node board (the same natives over Node's fs). The
 * Xen boards have none: there an app reads its data volume instead.
 */
import type { FileSource, FileStat } from '../services/http/files';

function natives(what: string): NymoteUnixNatives {
  const os = __kernel.unix;
  if (!os) throw new Error(what + ': this board (' + __kernel.platform + ') has no host files; put them on the data volume instead');
  return os;
}

/** Whether this board can read host files. */
export function hasHostFiles(): boolean {
  return !!__kernel.unix;
}

/** A whole host file as text (UTF-8). */
export function readHostText(path: string): string {
  const os = natives(path);
  const fd = os.open(path, 'r');
  try {
    const bytes = new Uint8Array(os.size(fd));
    let at = 0;
    while (at < bytes.length) {
      const n = os.pread(fd, bytes.subarray(at), at);
      if (n <= 0) break;
      at += n;
    }
    return new TextDecoder().decode(bytes.subarray(0, at));
  } finally {
    os.close(fd);
  }
}

function missing(e: unknown): boolean {
  const code = (e as { code?: string } | null) && (e as { code?: string }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A host folder as a file source for serveFiles (`--content DIR`): paths are below `root`. */
export function hostFileSource(root: string): FileSource {
  const os = natives(root);
  const base = root.replace(/\/+$/, '');
  const st = os.stat(base);
  if (!st.directory) throw new Error(root + ': not a folder');
  return {
    stat: function (path) {
      return new Promise<FileStat | null>(function (resolve) {
        try {
          const s = os.stat(base + path);
          resolve({ size: s.size, mtimeMs: s.mtimeMs, directory: s.directory });
        } catch (e) {
          if (!missing(e)) throw e;
          resolve(null);
        }
      });
    },
    read: function (path, offset, length) {
      return new Promise<Uint8Array>(function (resolve) {
        const fd = os.open(base + path, 'r');
        try {
          const buf = new Uint8Array(length);
          let at = 0;
          while (at < length) {
            const n = os.pread(fd, buf.subarray(at), offset + at);
            if (n <= 0) break;
            at += n;
          }
          resolve(buf.subarray(0, at));
        } finally {
          os.close(fd);
        }
      });
    },
  };
}
