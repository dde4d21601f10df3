/*
 * Rdata in presentation format (RFC 1035 §5.1 and each type's RFC), both
 * ways, and RFC 3597's generic form `\# <length> <hex>` for any type. The
 * zone parser hands this module the tokens after the type; names in them
 * are relative to `origin`.
 */
import { formatIpv4Bytes, formatIpv6Bytes, parseIpv4Bytes, parseIpv6Bytes } from './address';
import { algorithmFromText, classToText, typeFromText, typeToText } from './constants';
import { formatRrsigTime, fromBase64, fromHex, parseRrsigTime, toBase64, toHex } from './encodings';
import { DnsFormatError, DnsSyntaxError } from './errors';
import { formatLabelBytes, formatName, parseName, readTextByte, type DnsName } from './name';
import { rdataKindFor, type Rdata, type ResourceRecord } from './rdata';
import { readRdata } from './rdata-wire';
import { WireReader } from './reader';
import { parseDuration } from './ttl';

export interface RdataToken {
  text: string;
  /** Written in double quotes: may hold spaces, never a special token like `\#`. */
  quoted: boolean;
}

/** Walks the rdata tokens, naming the field it expected when they run out. */
class Fields {
  private i = 0;
  constructor(private readonly tokens: RdataToken[], private readonly type: string) {}

  more(): boolean {
    return this.i < this.tokens.length;
  }

  token(field: string): RdataToken {
    if (this.i >= this.tokens.length) throw new DnsSyntaxError(this.type + ' rdata: expected ' + field);
    return this.tokens[this.i++];
  }

  text(field: string): string {
    return this.token(field).text;
  }

  /** The remaining tokens joined (base64 and hex may be split by spaces); never empty. */
  rest(field: string): string {
    let s = '';
    while (this.more()) s += this.tokens[this.i++].text;
    if (s === '') throw new DnsSyntaxError(this.type + ' rdata: expected ' + field);
    return s;
  }

  number(field: string, max: number): number {
    const t = this.text(field);
    if (!/^[0-9]+$/.test(t) || t.length > 10 || parseInt(t, 10) > max) {
      throw new DnsSyntaxError(this.type + ' rdata: ' + field + ' must be a number from 0 to ' + max + ', not "' + t + '"');
    }
    return parseInt(t, 10);
  }

  /** A DNSSEC algorithm, by number or mnemonic (RSASHA256, ECDSAP256SHA256, ...). */
  algorithm(field: string): number {
    const named = this.more() ? algorithmFromText(this.tokens[this.i].text) : null;
    if (named === null) return this.number(field, 255);
    this.i++;
    return named;
  }

  duration(field: string): number {
    return parseDuration(this.text(field), 0xffffffff);
  }

  name(field: string, origin: DnsName): DnsName {
    return parseName(this.text(field), origin);
  }

  done(): void {
    if (this.more()) throw new DnsSyntaxError('unexpected "' + this.tokens[this.i].text + '" after the ' + this.type + ' rdata');
  }
}

/** The bytes a (possibly quoted) token stands for, escapes decoded. */
export function tokenBytes(token: RdataToken): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < token.text.length;) i = readTextByte(token.text, i, out).next;
  return new Uint8Array(out);
}

function characterString(token: RdataToken, what: string): Uint8Array {
  const bytes = tokenBytes(token);
  if (bytes.length > 255) throw new DnsSyntaxError(what + ' longer than 255 bytes');
  return bytes;
}

function isGeneric(tokens: RdataToken[]): boolean {
  return tokens.length > 0 && !tokens[0].quoted && tokens[0].text === '\\#';
}

/** Parses the rdata of a record of `type` in `klass`. Throws DnsSyntaxError. */
export function parseRdata(type: number, klass: number, tokens: RdataToken[], origin: DnsName): Rdata {
  const typeName = typeToText(type);
  if (isGeneric(tokens)) return parseGeneric(type, klass, tokens, typeName);
  const f = new Fields(tokens, typeName);
  let rdata: Rdata;
  const kind = rdataKindFor(type, klass);
  switch (kind) {
    case 'A': rdata = { kind: 'A', address: parseIpv4Bytes(f.text('an IPv4 address')) }; break;
    case 'AAAA': rdata = { kind: 'AAAA', address: parseIpv6Bytes(f.text('an IPv6 address')) }; break;
    case 'NS':
    case 'CNAME':
    case 'PTR':
      rdata = { kind: kind, target: f.name('a domain name', origin) };
      break;
    case 'SOA':
      rdata = {
        kind: 'SOA', mname: f.name('the primary server name (MNAME)', origin), rname: f.name('the mailbox name (RNAME)', origin),
        serial: f.number('the serial', 0xffffffff), refresh: f.duration('the refresh time'), retry: f.duration('the retry time'),
        expire: f.duration('the expire time'), minimum: f.duration('the minimum TTL'),
      };
      break;
    case 'MX':
      rdata = { kind: 'MX', preference: f.number('the preference', 0xffff), exchange: f.name('the exchange name', origin) };
      break;
    case 'TXT': {
      const strings: Uint8Array[] = [characterString(f.token('a character-string'), 'TXT string')];
      while (f.more()) strings.push(characterString(f.token('a character-string'), 'TXT string'));
      rdata = { kind: 'TXT', strings: strings };
      break;
    }
    case 'SRV':
      rdata = {
        kind: 'SRV', priority: f.number('the priority', 0xffff), weight: f.number('the weight', 0xffff),
        port: f.number('the port', 0xffff), target: f.name('the target name', origin),
      };
      break;
    case 'CAA': {
      const flags = f.number('the flags', 255);
      const tag = f.text('the tag');
      if (!/^[a-zA-Z0-9]{1,255}$/.test(tag)) throw new DnsSyntaxError('CAA rdata: the tag must be letters and digits, not "' + tag + '"');
      rdata = { kind: 'CAA', flags: flags, tag: tag, value: tokenBytes(f.token('the value')) };
      break;
    }
    case 'DS':
      rdata = {
        kind: 'DS', keyTag: f.number('the key tag', 0xffff), algorithm: f.algorithm('the algorithm'),
        digestType: f.number('the digest type', 255), digest: fromHex(f.rest('the digest (hex)')),
      };
      break;
    case 'DNSKEY':
      rdata = {
        kind: 'DNSKEY', flags: f.number('the flags', 0xffff), protocol: f.number('the protocol', 255),
        algorithm: f.algorithm('the algorithm'), publicKey: fromBase64(f.rest('the public key (base64)')),
      };
      break;
    case 'RRSIG': {
      const covered = f.text('the type covered');
      const typeCovered = typeFromText(covered);
      if (typeCovered === null) throw new DnsSyntaxError('RRSIG rdata: unknown type "' + covered + '"');
      rdata = {
        kind: 'RRSIG', typeCovered: typeCovered, algorithm: f.algorithm('the algorithm'), labels: f.number('the label count', 255),
        originalTtl: f.duration('the original TTL'), expiration: parseRrsigTime(f.text('the expiration time')),
        inception: parseRrsigTime(f.text('the inception time')), keyTag: f.number('the key tag', 0xffff),
        signerName: f.name("the signer's name", origin), signature: fromBase64(f.rest('the signature (base64)')),
      };
      break;
    }
    case 'NSEC': {
      const nextName = f.name('the next domain name', origin);
      const types: number[] = [];
      while (f.more()) {
        const t = f.text('a type');
        const n = typeFromText(t);
        if (n === null) throw new DnsSyntaxError('NSEC rdata: unknown type "' + t + '"');
        if (types.indexOf(n) < 0) types.push(n);
      }
      types.sort((a, b) => a - b);
      rdata = { kind: 'NSEC', nextName: nextName, types: types };
      break;
    }
    case 'opaque':
      throw new DnsSyntaxError(typeName + ' in class ' + classToText(klass) + ' has no presentation format here: write it as \\# <length> <hex>');
  }
  f.done();
  return rdata;
}

/* RFC 3597 §5: `\# <length> <hex…>`; for a type we know, the bytes must
 * parse as its rdata (and then mean the same as the typed form). */
function parseGeneric(type: number, klass: number, tokens: RdataToken[], typeName: string): Rdata {
  const f = new Fields(tokens.slice(1), typeName);
  const length = f.number('the rdata length after \\#', 0xffff);
  const bytes = length === 0 ? new Uint8Array(0) : fromHex(f.rest('the rdata (hex)'));
  if (bytes.length !== length) throw new DnsSyntaxError('\\# says ' + length + ' bytes but the hex has ' + bytes.length);
  if (rdataKindFor(type, klass) === 'opaque') return { kind: 'opaque', bytes: bytes };
  try {
    return readRdata(new WireReader(bytes, 0, bytes.length, false), type, klass, bytes.length);
  } catch (e) {
    if (e instanceof DnsFormatError) throw new DnsSyntaxError(typeName + ' rdata in \\# form: ' + e.reason);
    throw e;
  }
}

/** A quoted character-string: only `"` and `\` need escaping inside quotes, and spaces stay. */
function quote(bytes: Uint8Array): string {
  return '"' + formatLabelBytes(bytes, '"\\', true) + '"';
}



function hexGeneric(bytes: Uint8Array): string {
  return bytes.length === 0 ? '\\# 0' : '\\# ' + bytes.length + ' ' + toHex(bytes);
}

/** The rdata in presentation format (absolute names). */
export function formatRdata(rdata: Rdata): string {
  switch (rdata.kind) {
    case 'A': return formatIpv4Bytes(rdata.address);
    case 'AAAA': return formatIpv6Bytes(rdata.address);
    case 'NS':
    case 'CNAME':
    case 'PTR':
      return formatName(rdata.target);
    case 'SOA':
      return [formatName(rdata.mname), formatName(rdata.rname), rdata.serial, rdata.refresh, rdata.retry, rdata.expire, rdata.minimum].join(' ');
    case 'MX': return rdata.preference + ' ' + formatName(rdata.exchange);
    case 'TXT': return rdata.strings.map(quote).join(' ');
    case 'SRV': return [rdata.priority, rdata.weight, rdata.port, formatName(rdata.target)].join(' ');
    case 'CAA': return rdata.flags + ' ' + rdata.tag + ' ' + quote(rdata.value);
    case 'DS': return [rdata.keyTag, rdata.algorithm, rdata.digestType, toHex(rdata.digest)].join(' ');
    case 'DNSKEY': return [rdata.flags, rdata.protocol, rdata.algorithm, toBase64(rdata.publicKey)].join(' ');
    case 'RRSIG':
      return [typeToText(rdata.typeCovered), rdata.algorithm, rdata.labels, rdata.originalTtl, formatRrsigTime(rdata.expiration),
        formatRrsigTime(rdata.inception), rdata.keyTag, formatName(rdata.signerName), toBase64(rdata.signature)].join(' ');
    case 'NSEC': return [formatName(rdata.nextName)].concat(rdata.types.map(typeToText)).join(' ');
    case 'opaque': return hexGeneric(rdata.bytes);
  }
}

/** One record as a master-file line: `owner TTL class type rdata`. */
export function formatRecord(rr: ResourceRecord): string {
  return formatName(rr.name) + '\t' + rr.ttl + '\t' + classToText(rr.class) + '\t' + typeToText(rr.type) + '\t' + formatRdata(rr.rdata);
}
