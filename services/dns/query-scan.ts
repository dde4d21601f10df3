/*
 * The memoised answer path's reading of a query: header, question and an
 * optional OPT record straight from the bytes, with no objects made. It
 * accepts only what decodeMessage (wire.ts) would decode to a query the
 * responder answers from its cache or resolves: QR clear, opcode QUERY, one
 * question (whose name, the first in the message, is inline: a pointer
 * could only point into the header), no answer or authority records, and
 * at most one additional record, an OPT of version 0 whose options are
 * well formed, ending the message. Anything else, including what the
 * decoder would refuse, is left to the full path (responder.ts), so both
 * give the same bytes (query-scan.test.ts).
 */
import { HEADER_LENGTH } from './reader';

/** The fields scanQuery reads; the caller reuses one per responder. */
export interface QueryScan {
  /** The offset just past the question name (which starts at the header's end). */
  nameEnd: number;
  type: number;
  klass: number;
  /** The requester's UDP payload size from its OPT record; -1 without EDNS. */
  udpPayloadSize: number;
  dnssecOk: boolean;
}

const OPT = 41;
/* An OPT record's fixed part: root owner, type, class, TTL, rdlength. */
const OPT_FIXED = 11;
const DO_BIT = 0x80; // in the first byte of the OPT TTL's flags

export function createQueryScan(): QueryScan {
  return { nameEnd: 0, type: 0, klass: 0, udpPayloadSize: -1, dnssecOk: false };
}

/** True (with `out` filled) when `q` is a query the memoised path may answer; see the file comment. */
export function scanQuery(q: Uint8Array, out: QueryScan): boolean {
  const length = q.length;
  // QR, opcode; then counts: one question, no answer or authority records, at most one additional.
  if (length < HEADER_LENGTH + 5 || (q[2] & 0xf8) !== 0) return false;
  if (q[4] !== 0 || q[5] !== 1 || q[6] !== 0 || q[7] !== 0 || q[8] !== 0 || q[9] !== 0 || q[10] !== 0 || q[11] > 1) return false;
  let p = HEADER_LENGTH;
  for (;;) {
    if (p >= length) return false;
    const label = q[p];
    if (label === 0) break;
    // 64 and above: a pointer, an obsolete or reserved label type, or too long.
    if (label > 63) return false;
    p += 1 + label;
  }
  p++;
  if (p - HEADER_LENGTH > 255 || p + 4 > length) return false;
  out.nameEnd = p;
  out.type = (q[p] << 8) | q[p + 1];
  out.klass = (q[p + 2] << 8) | q[p + 3];
  p += 4;
  if (q[11] === 0) {
    out.udpPayloadSize = -1;
    out.dnssecOk = false;
    return p === length;
  }
  // The OPT: root owner, version 0 (a later one is answered BADVERS by the full path).
  if (p + OPT_FIXED > length || q[p] !== 0 || q[p + 1] !== 0 || q[p + 2] !== OPT || q[p + 6] !== 0) return false;
  const end = p + OPT_FIXED + ((q[p + 9] << 8) | q[p + 10]);
  if (end !== length) return false;
  let option = p + OPT_FIXED;
  while (option < end) {
    if (option + 4 > end) return false;
    option += 4 + ((q[option + 2] << 8) | q[option + 3]);
  }
  if (option !== end) return false;
  out.udpPayloadSize = (q[p + 3] << 8) | q[p + 4];
  out.dnssecOk = (q[p + 7] & DO_BIT) !== 0;
  return true;
}
