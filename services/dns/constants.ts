/*
 * Numbers from the IANA DNS registries that the core names, and the
 * mnemonics of presentation format (RFC 1035 §5, RFC 3597 §5: a type or
 * class without a mnemonic is written TYPEnnn / CLASSnnn).
 */

export const RRTYPE = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, SRV: 33,
  OPT: 41, DS: 43, RRSIG: 46, NSEC: 47, DNSKEY: 48, CAA: 257,
  /* query-only types */
  IXFR: 251, AXFR: 252, ANY: 255,
} as const;

export const CLASS = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

export const OPCODE = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

export const RCODE = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5,
  YXDOMAIN: 6, YXRRSET: 7, NXRRSET: 8, NOTAUTH: 9, NOTZONE: 10, BADVERS: 16,
} as const;

/* Mnemonics for every registered type we may meet in a zone or an NSEC bitmap,
 * even those whose rdata we only carry as opaque bytes. */
const TYPE_NAMES: { [mnemonic: string]: number } = {
  A: 1, NS: 2, MD: 3, MF: 4, CNAME: 5, SOA: 6, MB: 7, MG: 8, MR: 9, NULL: 10, WKS: 11, PTR: 12,
  HINFO: 13, MINFO: 14, MX: 15, TXT: 16, RP: 17, AFSDB: 18, X25: 19, ISDN: 20, RT: 21, NSAP: 22,
  'NSAP-PTR': 23, SIG: 24, KEY: 25, PX: 26, GPOS: 27, AAAA: 28, LOC: 29, NXT: 30, EID: 31,
  NIMLOC: 32, SRV: 33, ATMA: 34, NAPTR: 35, KX: 36, CERT: 37, A6: 38, DNAME: 39, SINK: 40,
  OPT: 41, APL: 42, DS: 43, SSHFP: 44, IPSECKEY: 45, RRSIG: 46, NSEC: 47, DNSKEY: 48, DHCID: 49,
  NSEC3: 50, NSEC3PARAM: 51, TLSA: 52, SMIMEA: 53, HIP: 55, NINFO: 56, RKEY: 57, TALINK: 58,
  CDS: 59, CDNSKEY: 60, OPENPGPKEY: 61, CSYNC: 62, ZONEMD: 63, SVCB: 64, HTTPS: 65, DSYNC: 66,
  HHIT: 67, BRID: 68, SPF: 99, UINFO: 100, UID: 101, GID: 102, UNSPEC: 103, NID: 104, L32: 105, L64: 106, LP: 107, EUI48: 108, EUI64: 109, TKEY: 249, TSIG: 250,
  IXFR: 251, AXFR: 252, MAILB: 253, MAILA: 254, ANY: 255, URI: 256, CAA: 257, AVC: 258,
  DOA: 259, AMTRELAY: 260, RESINFO: 261, WALLET: 262, TA: 32768, DLV: 32769,
};

/* Registered mnemonics we read but do not write: BIND 9.18 refuses them in a
 * zone file (it prints TYPE128 ...), while other tools may print them. */
const READ_ONLY_TYPE_NAMES: { [mnemonic: string]: number } = { NXNAME: 128, CLA: 263, IPN: 264 };

const CLASS_NAMES: { [mnemonic: string]: number } = { IN: 1, CS: 2, CH: 3, HS: 4, NONE: 254, ANY: 255 };

function invert(table: { [k: string]: number }): { [n: number]: string } {
  const out: { [n: number]: string } = {};
  for (const k in table) if (Object.prototype.hasOwnProperty.call(table, k)) out[table[k]] = k;
  return out;
}

const TYPE_BY_NUMBER = invert(TYPE_NAMES);
const CLASS_BY_NUMBER = invert(CLASS_NAMES);

function fromMnemonic(text: string, table: { [k: string]: number }, prefix: string): number | null {
  const upper = text.toUpperCase();
  if (Object.prototype.hasOwnProperty.call(table, upper)) return table[upper];
  if (upper.length > prefix.length && upper.length <= prefix.length + 5 && upper.slice(0, prefix.length) === prefix) {
    const digits = upper.slice(prefix.length);
    if (!/^[0-9]+$/.test(digits)) return null;
    const n = parseInt(digits, 10);
    return n <= 0xffff ? n : null;
  }
  return null;
}

/** "MX" → 15, "TYPE65280" → 65280; null when it is neither. Case-insensitive. */
export function typeFromText(text: string): number | null {
  const upper = text.toUpperCase();
  if (Object.prototype.hasOwnProperty.call(READ_ONLY_TYPE_NAMES, upper)) return READ_ONLY_TYPE_NAMES[upper];
  return fromMnemonic(text, TYPE_NAMES, 'TYPE');
}

export function typeToText(type: number): string {
  return Object.prototype.hasOwnProperty.call(TYPE_BY_NUMBER, type) ? TYPE_BY_NUMBER[type] : 'TYPE' + type;
}

/** "IN" → 1, "CLASS32" → 32; null when it is neither. Case-insensitive. */
export function classFromText(text: string): number | null {
  return fromMnemonic(text, CLASS_NAMES, 'CLASS');
}

export function classToText(klass: number): string {
  return Object.prototype.hasOwnProperty.call(CLASS_BY_NUMBER, klass) ? CLASS_BY_NUMBER[klass] : 'CLASS' + klass;
}

/* DNSSEC algorithm mnemonics (RFC 4034 Appendix A.1 and its successors),
 * accepted in presentation format in place of the number. */
const ALGORITHM_NAMES: { [mnemonic: string]: number } = {
  RSAMD5: 1, DH: 2, DSA: 3, RSASHA1: 5, 'DSA-NSEC3-SHA1': 6, 'RSASHA1-NSEC3-SHA1': 7, RSASHA256: 8,
  RSASHA512: 10, 'ECC-GOST': 12, ECDSAP256SHA256: 13, ECDSAP384SHA384: 14, ED25519: 15, ED448: 16,
  INDIRECT: 252, PRIVATEDNS: 253, PRIVATEOID: 254,
};

export function algorithmFromText(text: string): number | null {
  const upper = text.toUpperCase();
  return Object.prototype.hasOwnProperty.call(ALGORITHM_NAMES, upper) ? ALGORITHM_NAMES[upper] : null;
}
