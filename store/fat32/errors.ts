/*
 * Errors of the FAT32 store. Every failure the store reports is an FsError
 * with a POSIX-like code, so callers (and `nymote disk`) can tell "no such
 * file" from "the volume is damaged" without parsing messages. ECORRUPT
 * messages name what is corrupt (which field, which cluster, which path).
 */

export type FsErrorCode =
  | 'ENOENT' | 'EEXIST' | 'ENOTDIR' | 'EISDIR' | 'ENOTEMPTY' | 'ENOSPC' | 'EINVAL'
  | 'ENAMETOOLONG' | 'EROFS' | 'ECORRUPT' | 'EIO' | 'EBADF';

export class FsError extends Error {
  readonly code: FsErrorCode;
  constructor(code: FsErrorCode, message: string) {
    super(code + ': ' + message);
    // TS compiles to ES5 for Duktape, where extending Error loses the prototype.
    Object.setPrototypeOf(this, FsError.prototype);
    this.name = 'FsError';
    this.code = code;
  }
}

export function isFsError(e: unknown): e is FsError {
  return e instanceof FsError;
}

export function corrupt(message: string): FsError {
  return new FsError('ECORRUPT', message);
}

/** A device failure (read/write/flush rejected) as the store reports it. */
export function ioError(what: string, e: unknown): FsError {
  if (e instanceof FsError) return e;
  return new FsError('EIO', what + ': ' + (e instanceof Error ? e.message : String(e)));
}
