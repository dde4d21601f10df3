/*
 * The data of resource records, typed for the types the core knows and
 * opaque (RFC 3597) for every other type, so that a record we do not
 * understand is still carried and written back byte for byte.
 *
 * `kind` names the layout. A record's numeric type decides which layout its
 * rdata has (see `rdataKindFor`); A, AAAA and SRV are defined for class IN
 * only, and in class NONE/ANY (dynamic update) every rdata is opaque.
 */
import { CLASS, RRTYPE } from './constants';
import { type DnsName } from './name';

export interface AddressRdata { kind: 'A' | 'AAAA'; /** 4 or 16 bytes */ address: Uint8Array }
/** NS, CNAME and PTR: one name. */
export interface NameRdata { kind: 'NS' | 'CNAME' | 'PTR'; target: DnsName }
export interface SoaRdata {
  kind: 'SOA'; mname: DnsName; rname: DnsName;
  serial: number; refresh: number; retry: number; expire: number; minimum: number;
}
export interface MxRdata { kind: 'MX'; preference: number; exchange: DnsName }
/** One or more character-strings of at most 255 bytes each. */
export interface TxtRdata { kind: 'TXT'; strings: Uint8Array[] }
export interface SrvRdata { kind: 'SRV'; priority: number; weight: number; port: number; target: DnsName }
/** RFC 8659. `tag` is ASCII letters and digits. */
export interface CaaRdata { kind: 'CAA'; flags: number; tag: string; value: Uint8Array }
/** DS, DNSKEY, RRSIG: the final digest, key or signature is never empty. */
export interface DsRdata { kind: 'DS'; keyTag: number; algorithm: number; digestType: number; digest: Uint8Array }
export interface DnskeyRdata { kind: 'DNSKEY'; flags: number; protocol: number; algorithm: number; publicKey: Uint8Array }
export interface RrsigRdata {
  kind: 'RRSIG'; typeCovered: number; algorithm: number; labels: number; originalTtl: number;
  /** Seconds since 1970 modulo 2^32 (RFC 4034 §3.1.5). */
  expiration: number; inception: number;
  keyTag: number; signerName: DnsName; signature: Uint8Array;
}
/** `types`: the type bitmap as a sorted list of type numbers without repeats. */
export interface NsecRdata { kind: 'NSEC'; nextName: DnsName; types: number[] }
/** Any other type or class, as the bytes of the wire (RFC 3597). */
export interface OpaqueRdata { kind: 'opaque'; bytes: Uint8Array }

export type Rdata =
  | AddressRdata | NameRdata | SoaRdata | MxRdata | TxtRdata | SrvRdata | CaaRdata
  | DsRdata | DnskeyRdata | RrsigRdata | NsecRdata | OpaqueRdata;

export type RdataKind = Rdata['kind'];

export interface ResourceRecord {
  name: DnsName;
  type: number;
  class: number;
  ttl: number;
  rdata: Rdata;
}

export interface Question {
  name: DnsName;
  type: number;
  class: number;
}

/** The typed layout for a type in a class, or 'opaque'. OPT is handled by edns.ts, never here. */
export function rdataKindFor(type: number, klass: number): RdataKind {
  if (klass === CLASS.NONE || klass === CLASS.ANY) return 'opaque';
  switch (type) {
    case RRTYPE.A: return klass === CLASS.IN ? 'A' : 'opaque';
    case RRTYPE.AAAA: return klass === CLASS.IN ? 'AAAA' : 'opaque';
    case RRTYPE.SRV: return klass === CLASS.IN ? 'SRV' : 'opaque';
    case RRTYPE.NS: return 'NS';
    case RRTYPE.CNAME: return 'CNAME';
    case RRTYPE.PTR: return 'PTR';
    case RRTYPE.SOA: return 'SOA';
    case RRTYPE.MX: return 'MX';
    case RRTYPE.TXT: return 'TXT';
    case RRTYPE.CAA: return 'CAA';
    case RRTYPE.DS: return 'DS';
    case RRTYPE.DNSKEY: return 'DNSKEY';
    case RRTYPE.RRSIG: return 'RRSIG';
    case RRTYPE.NSEC: return 'NSEC';
    default: return 'opaque';
  }
}

/**
 * Types whose rdata names may be compressed on write: the well-known types
 * of RFC 1035 that we type (RFC 3597 §4 forbids it for any later type).
 */
export function compressesRdataNames(type: number): boolean {
  return type === RRTYPE.NS || type === RRTYPE.CNAME || type === RRTYPE.PTR || type === RRTYPE.SOA || type === RRTYPE.MX;
}
