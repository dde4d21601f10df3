/*
 * The errors of the DNS core. Each names one kind of failure so callers can
 * answer the right way without parsing messages: a DnsFormatError on bytes
 * from the wire becomes FORMERR; a DnsSyntaxError is text (presentation
 * format) that does not parse; a ZoneError is a master file that does not
 * load, and says where.
 */

/** Bytes that are not a DNS message (or a model that cannot be encoded as one). */
export class DnsFormatError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super('DNS format error: ' + reason);
    // TS compiles to ES5 for Duktape, where extending Error loses the prototype.
    Object.setPrototypeOf(this, DnsFormatError.prototype);
    this.name = 'DnsFormatError';
    this.reason = reason;
  }
}

/** Presentation-format text (a name, an address, rdata) that does not parse. */
export class DnsSyntaxError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    Object.setPrototypeOf(this, DnsSyntaxError.prototype);
    this.name = 'DnsSyntaxError';
    this.reason = reason;
  }
}

/** A master file that does not load: `file:line: what was expected`. */
export class ZoneError extends Error {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  constructor(file: string, line: number, reason: string) {
    super(file + ':' + line + ': ' + reason);
    Object.setPrototypeOf(this, ZoneError.prototype);
    this.name = 'ZoneError';
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}
