/*
 * The one error type of the records store. `code` says what went wrong so
 * an app can branch on it without parsing messages.
 */
export type RecordsErrorCode =
  /** records<T>() reached run time without the codec the build generates. */
  | 'ENOCODEC'
  /** The collection was stored with a different type (schema hash differs). */
  | 'ESCHEMA'
  /** Stored bytes fail their checksum or do not parse. */
  | 'ECORRUPT'
  /** No room left for the write, even after cleaning the log. */
  | 'EFULL'
  /** One record is larger than the store can ever hold. */
  | 'ETOOBIG'
  /** A value does not match its declared type (e.g. built with `as any`). */
  | 'ETYPE'
  /** A bad argument: unknown index, NaN key, conflicting options. */
  | 'EINVAL'
  /** The device is not a records store, or has another page size. */
  | 'ENOTSTORE'
  /** An earlier write failed; the store must be reopened. */
  | 'EFAILED'
  /** The store was closed. */
  | 'ECLOSED';

/*
 * A class expression run by an IIFE that is marked pure: the ES5 class
 * (with its __extends call) would otherwise count as a side effect and ride
 * along in every image that imports anything from 'nymote'.
 */
export const RecordsError = /*#__PURE__*/ (function () {
  return class RecordsError extends Error {
    readonly code: RecordsErrorCode;
    constructor(code: RecordsErrorCode, message: string) {
      super(message);
      // ES5 output: Error() returns a fresh object, so restore the prototype
      // and fields on it for instanceof and .code to work (in Duktape too).
      Object.setPrototypeOf(this, RecordsError.prototype);
      this.name = 'RecordsError';
      this.message = message;
      this.code = code;
    }
  };
})();
export type RecordsError = InstanceType<typeof RecordsError>;
