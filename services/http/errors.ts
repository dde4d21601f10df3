/*
 * The one error type of the HTTP core. The parser reports every malformed
 * or over-limit request as an HttpError carrying the status to answer with,
 * and a handler may throw one to answer with that status instead of 500.
 */
export class HttpError extends Error {
  readonly status: number;
  /** A short, client-safe explanation ("missing Host"), sent in the error body. */
  readonly reason: string;

  constructor(status: number, reason: string) {
    super(status + ' ' + reason);
    // TS compiles to ES5 for Duktape, where extending Error loses the prototype.
    Object.setPrototypeOf(this, HttpError.prototype);
    this.name = 'HttpError';
    this.status = status;
    this.reason = reason;
  }
}

export function isHttpError(e: unknown): e is HttpError {
  return e instanceof HttpError;
}
