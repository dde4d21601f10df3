/*
 * EDNS(0) (RFC 6891): the OPT pseudo-record. Its class carries the
 * requester's UDP payload size and its TTL the upper 8 bits of the rcode,
 * the version, the DO bit (RFC 3225) and 15 more flag bits. Options stay
 * opaque code/data pairs: what they mean is for the server to decide.
 */
import { RRTYPE } from './constants';
import { DnsFormatError } from './errors';
import { type WireReader } from './reader';
import { type WireWriter } from './writer';

export interface EdnsOption {
  code: number;
  data: Uint8Array;
}

export interface Edns {
  udpPayloadSize: number;
  version: number;
  dnssecOk: boolean;
  /** The flag bits other than DO (must be zero today; kept as received). */
  flags: number;
  options: EdnsOption[];
}

const DO_BIT = 0x8000;

/** Size of the OPT record `writeOpt` writes. */
export function optLength(edns: Edns): number {
  let n = 11; // root name, type, class, TTL, rdlength
  for (let i = 0; i < edns.options.length; i++) n += 4 + edns.options[i].data.length;
  return n;
}

/**
 * Reads an OPT record's fields after the owner (which must be the root) and
 * type: `klass` and `ttl` are already read. Returns the EDNS data and the
 * upper 8 bits of the rcode.
 */
export function readOpt(r: WireReader, klass: number, ttl: number, length: number): { edns: Edns; extendedRcode: number } {
  const end = r.pos + length;
  if (end > r.end) throw new DnsFormatError('truncated OPT rdata');
  const options: EdnsOption[] = [];
  while (r.pos < end) {
    const code = r.u16('EDNS option code');
    const size = r.u16('EDNS option length');
    if (r.pos + size > end) throw new DnsFormatError('EDNS option longer than the OPT rdata');
    options.push({ code: code, data: r.bytes(size, 'EDNS option') });
  }
  const flags = ttl & 0xffff;
  return {
    edns: {
      udpPayloadSize: klass,
      version: (ttl >>> 16) & 0xff,
      dnssecOk: (flags & DO_BIT) !== 0,
      flags: flags & ~DO_BIT & 0xffff,
      options: options,
    },
    extendedRcode: ttl >>> 24,
  };
}

export function writeOpt(w: WireWriter, edns: Edns, extendedRcode: number): void {
  w.u8(0, 'OPT owner');
  w.u16(RRTYPE.OPT, 'type');
  w.u16(edns.udpPayloadSize, 'EDNS UDP payload size');
  w.u8(extendedRcode, 'extended rcode');
  w.u8(edns.version, 'EDNS version');
  if (edns.flags !== (edns.flags & 0x7fff)) throw new DnsFormatError('EDNS flags ' + edns.flags + ' overlap DO or exceed 15 bits');
  w.u16((edns.dnssecOk ? DO_BIT : 0) | edns.flags, 'EDNS flags');
  let length = 0;
  for (let i = 0; i < edns.options.length; i++) length += 4 + edns.options[i].data.length;
  w.u16(length, 'OPT rdlength');
  for (let i = 0; i < edns.options.length; i++) {
    const option = edns.options[i];
    w.u16(option.code, 'EDNS option code');
    w.u16(option.data.length, 'EDNS option length');
    w.bytes(option.data);
  }
}
