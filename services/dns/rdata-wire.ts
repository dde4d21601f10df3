/*
 * Rdata on the wire, per type: RFC 1035 §3.3 (NS, CNAME, PTR, SOA, MX, TXT),
 * RFC 3596 (AAAA), RFC 2782 (SRV), RFC 8659 (CAA), RFC 4034 (DS, DNSKEY,
 * RRSIG, NSEC), RFC 3597 (everything else, as opaque bytes).
 *
 * A typed parse must use exactly rdlength bytes: rdata with bytes left over,
 * or that would need more, is a format error rather than a guess.
 */
import { DnsFormatError } from './errors';
import { type WireReader } from './reader';
import { compressesRdataNames, rdataKindFor, type Rdata, type ResourceRecord } from './rdata';
import { type WireWriter } from './writer';
import { typeToText } from './constants';

const MAX_STRING_LENGTH = 255;

/** Reads `length` bytes of rdata for a record of `type` in `klass`. */
export function readRdata(r: WireReader, type: number, klass: number, length: number): Rdata {
  const end = r.pos + length;
  if (end > r.end) throw new DnsFormatError('truncated ' + typeToText(type) + ' rdata');
  const outer = r.end;
  r.end = end;
  let rdata: Rdata;
  try {
    rdata = readTyped(r, type, klass, length);
  } finally {
    r.end = outer;
  }
  if (r.pos !== end) throw new DnsFormatError('rdlength ' + length + ' is longer than the ' + typeToText(type) + ' rdata');
  return rdata;
}

function readTyped(r: WireReader, type: number, klass: number, length: number): Rdata {
  const kind = rdataKindFor(type, klass);
  switch (kind) {
    case 'A':
    case 'AAAA': {
      const size = kind === 'A' ? 4 : 16;
      if (length !== size) throw new DnsFormatError(kind + ' rdata of ' + length + ' bytes');
      return { kind: kind, address: r.bytes(size, kind + ' address') };
    }
    case 'NS':
    case 'CNAME':
    case 'PTR':
      return { kind: kind, target: r.name(kind + ' target') };
    case 'SOA':
      return {
        kind: 'SOA', mname: r.name('SOA mname'), rname: r.name('SOA rname'),
        serial: r.u32('SOA serial'), refresh: r.u32('SOA refresh'), retry: r.u32('SOA retry'),
        expire: r.u32('SOA expire'), minimum: r.u32('SOA minimum'),
      };
    case 'MX':
      return { kind: 'MX', preference: r.u16('MX preference'), exchange: r.name('MX exchange') };
    case 'TXT': {
      // One or more strings (RFC 1035 §3.3.14); BIND and Knot refuse an empty TXT too.
      const strings: Uint8Array[] = [];
      do strings.push(r.bytes(r.u8('TXT string length'), 'TXT string'));
      while (r.remaining() > 0);
      return { kind: 'TXT', strings: strings };
    }
    case 'SRV':
      return { kind: 'SRV', priority: r.u16('SRV priority'), weight: r.u16('SRV weight'), port: r.u16('SRV port'), target: r.name('SRV target') };
    case 'CAA': {
      const flags = r.u8('CAA flags');
      const tagLength = r.u8('CAA tag length');
      if (tagLength === 0) throw new DnsFormatError('empty CAA tag');
      const tag = r.bytes(tagLength, 'CAA tag');
      let text = '';
      for (let i = 0; i < tag.length; i++) {
        if (!isAlphanumeric(tag[i])) throw new DnsFormatError('CAA tag is not letters and digits');
        text += String.fromCharCode(tag[i]);
      }
      return { kind: 'CAA', flags: flags, tag: text, value: r.bytes(r.remaining(), 'CAA value') };
    }
    case 'DS':
      return {
        kind: 'DS', keyTag: r.u16('DS key tag'), algorithm: r.u8('DS algorithm'), digestType: r.u8('DS digest type'),
        digest: rest(r, 'DS digest'),
      };
    case 'DNSKEY':
      return {
        kind: 'DNSKEY', flags: r.u16('DNSKEY flags'), protocol: r.u8('DNSKEY protocol'), algorithm: r.u8('DNSKEY algorithm'),
        publicKey: rest(r, 'DNSKEY public key'),
      };
    case 'RRSIG':
      return {
        kind: 'RRSIG', typeCovered: r.u16('RRSIG type covered'), algorithm: r.u8('RRSIG algorithm'), labels: r.u8('RRSIG labels'),
        originalTtl: r.u32('RRSIG original TTL'), expiration: r.u32('RRSIG expiration'), inception: r.u32('RRSIG inception'),
        keyTag: r.u16('RRSIG key tag'), signerName: r.name('RRSIG signer name'), signature: rest(r, 'RRSIG signature'),
      };
    case 'NSEC': {
      const nextName = r.name('NSEC next name');
      return { kind: 'NSEC', nextName: nextName, types: readTypeBitmap(r) };
    }
    case 'opaque':
      return { kind: 'opaque', bytes: r.bytes(length, 'rdata') };
  }
}

/* The digest, key or signature that ends DS, DNSKEY and RRSIG rdata: RFC 4034
 * gives it no length, but an empty one means nothing and BIND and Knot refuse it. */
function rest(r: WireReader, what: string): Uint8Array {
  if (r.remaining() === 0) throw new DnsFormatError('empty ' + what);
  return r.bytes(r.remaining(), what);
}

function nonEmpty(b: Uint8Array, what: string): Uint8Array {
  if (b.length === 0) throw new DnsFormatError('empty ' + what);
  return b;
}

function isAlphanumeric(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/* RFC 4034 §4.1.2: window blocks in increasing order, each 1..32 bytes with
 * no trailing zero byte; anything else has no single meaning we could write back. */
function readTypeBitmap(r: WireReader): number[] {
  const types: number[] = [];
  let lastWindow = -1;
  while (r.remaining() > 0) {
    const window = r.u8('NSEC window');
    const size = r.u8('NSEC bitmap length');
    if (window <= lastWindow) throw new DnsFormatError('NSEC windows out of order');
    if (size < 1 || size > 32) throw new DnsFormatError('NSEC bitmap length ' + size);
    const bits = r.bytes(size, 'NSEC bitmap');
    if (bits[size - 1] === 0) throw new DnsFormatError('NSEC bitmap with a trailing zero byte');
    for (let i = 0; i < size; i++) {
      for (let bit = 0; bit < 8; bit++) if (bits[i] & (0x80 >> bit)) types.push(window * 256 + i * 8 + bit);
    }
    lastWindow = window;
  }
  return types;
}

/** Writes rdlength and the rdata of `rr`. `compress`: the message is being compressed. */
export function writeRdata(w: WireWriter, rr: ResourceRecord, compress: boolean): void {
  const rdata = rr.rdata;
  if (rdata.kind !== 'opaque' && rdata.kind !== rdataKindFor(rr.type, rr.class)) {
    throw new DnsFormatError(rdata.kind + ' rdata in a record of type ' + typeToText(rr.type));
  }
  const lengthAt = w.pos;
  w.u16(0, 'rdlength');
  const start = w.pos;
  // Names in well-known rdata may be compressed and pointed to; in others, neither (RFC 3597 §4).
  const wellKnown = compress && compressesRdataNames(rr.type);
  switch (rdata.kind) {
    case 'A':
    case 'AAAA':
      if (rdata.address.length !== (rdata.kind === 'A' ? 4 : 16)) throw new DnsFormatError(rdata.kind + ' address of ' + rdata.address.length + ' bytes');
      w.bytes(rdata.address);
      break;
    case 'NS':
    case 'CNAME':
    case 'PTR':
      w.name(rdata.target, wellKnown, wellKnown);
      break;
    case 'SOA':
      w.name(rdata.mname, wellKnown, wellKnown);
      w.name(rdata.rname, wellKnown, wellKnown);
      w.u32(rdata.serial, 'SOA serial');
      w.u32(rdata.refresh, 'SOA refresh');
      w.u32(rdata.retry, 'SOA retry');
      w.u32(rdata.expire, 'SOA expire');
      w.u32(rdata.minimum, 'SOA minimum');
      break;
    case 'MX':
      w.u16(rdata.preference, 'MX preference');
      w.name(rdata.exchange, wellKnown, wellKnown);
      break;
    case 'TXT':
      if (rdata.strings.length === 0) throw new DnsFormatError('TXT rdata without strings');
      for (let i = 0; i < rdata.strings.length; i++) {
        const s = rdata.strings[i];
        if (s.length > MAX_STRING_LENGTH) throw new DnsFormatError('TXT string longer than 255 bytes');
        w.u8(s.length, 'TXT string length');
        w.bytes(s);
      }
      break;
    case 'SRV':
      w.u16(rdata.priority, 'SRV priority');
      w.u16(rdata.weight, 'SRV weight');
      w.u16(rdata.port, 'SRV port');
      w.name(rdata.target, false, false);
      break;
    case 'CAA': {
      w.u8(rdata.flags, 'CAA flags');
      const tag = rdata.tag;
      if (tag.length < 1 || tag.length > 255) throw new DnsFormatError('CAA tag of ' + tag.length + ' characters');
      w.u8(tag.length, 'CAA tag length');
      for (let i = 0; i < tag.length; i++) {
        const c = tag.charCodeAt(i);
        if (!isAlphanumeric(c)) throw new DnsFormatError('CAA tag is not letters and digits');
        w.u8(c, 'CAA tag');
      }
      w.bytes(rdata.value);
      break;
    }
    case 'DS':
      w.u16(rdata.keyTag, 'DS key tag');
      w.u8(rdata.algorithm, 'DS algorithm');
      w.u8(rdata.digestType, 'DS digest type');
      w.bytes(nonEmpty(rdata.digest, 'DS digest'));
      break;
    case 'DNSKEY':
      w.u16(rdata.flags, 'DNSKEY flags');
      w.u8(rdata.protocol, 'DNSKEY protocol');
      w.u8(rdata.algorithm, 'DNSKEY algorithm');
      w.bytes(nonEmpty(rdata.publicKey, 'DNSKEY public key'));
      break;
    case 'RRSIG':
      w.u16(rdata.typeCovered, 'RRSIG type covered');
      w.u8(rdata.algorithm, 'RRSIG algorithm');
      w.u8(rdata.labels, 'RRSIG labels');
      w.u32(rdata.originalTtl, 'RRSIG original TTL');
      w.u32(rdata.expiration, 'RRSIG expiration');
      w.u32(rdata.inception, 'RRSIG inception');
      w.u16(rdata.keyTag, 'RRSIG key tag');
      w.name(rdata.signerName, false, false);
      w.bytes(nonEmpty(rdata.signature, 'RRSIG signature'));
      break;
    case 'NSEC':
      w.name(rdata.nextName, false, false);
      writeTypeBitmap(w, rdata.types);
      break;
    case 'opaque':
      w.bytes(rdata.bytes);
      break;
  }
  const length = w.pos - start;
  if (length > 0xffff) throw new DnsFormatError('rdata longer than 65535 bytes');
  w.patch16(lengthAt, length);
}

function writeTypeBitmap(w: WireWriter, types: number[]): void {
  const sorted = types.slice().sort((a, b) => a - b);
  let i = 0;
  while (i < sorted.length) {
    const window = sorted[i] >>> 8;
    const bits = new Uint8Array(32);
    let size = 0;
    for (; i < sorted.length && sorted[i] >>> 8 === window; i++) {
      const t = sorted[i];
      if (t !== (t & 0xffff)) throw new DnsFormatError('NSEC type ' + t + ' is not a 16-bit number');
      const index = (t & 0xff) >>> 3;
      bits[index] |= 0x80 >>> (t & 7);
      if (index + 1 > size) size = index + 1;
    }
    w.u8(window, 'NSEC window');
    w.u8(size, 'NSEC bitmap length');
    w.bytes(bits.subarray(0, size));
  }
}
