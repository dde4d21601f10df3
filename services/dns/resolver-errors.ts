/*
 * How a lookup fails, as one error type with a code an app can switch on
 * (the same names Node's dns module and getaddrinfo users know):
 *   NXDOMAIN  the name does not exist
 *   NODATA    the name exists but has no records of the type (RFC 2308 §2.2)
 *   SERVFAIL  every server failed (or a CNAME chain looped or ran too long)
 *   REFUSED   every server that answered refused
 *   FORMERR   a server's reply did not decode, or it could not read our query
 *   TIMEOUT   no server answered in time
 */
import { type ResourceRecord } from './rdata';

export type ResolveErrorCode = 'NXDOMAIN' | 'NODATA' | 'SERVFAIL' | 'REFUSED' | 'FORMERR' | 'TIMEOUT';

export class ResolveError extends Error {
  readonly code: ResolveErrorCode;
  /** The name asked for, in presentation format. */
  readonly domain: string;
  readonly qtype: number;
  /** The SOA that came with a negative answer (NXDOMAIN, NODATA), when one did. */
  readonly soa: ResourceRecord | null;
  constructor(code: ResolveErrorCode, domain: string, qtype: number, detail?: string, soa?: ResourceRecord | null) {
    super(code + ' ' + domain + ' (type ' + qtype + ')' + (detail ? ': ' + detail : ''));
    // TS compiles to ES5 for Duktape, where extending Error loses the prototype.
    Object.setPrototypeOf(this, ResolveError.prototype);
    this.name = 'ResolveError';
    this.code = code;
    this.domain = domain;
    this.qtype = qtype;
    this.soa = soa || null;
  }
}
