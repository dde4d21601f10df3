/*
 * Query bytes in, response bytes out: the byte-level half of the
 * authoritative server, on top of authority.ts. It never throws: bytes
 * that are not a query are dropped or answered FORMERR (with the query's
 * id), and anything unexpected is counted and answered SERVFAIL.
 *
 * - Responses (QR set) and messages shorter than a header are dropped, so
 *   two servers cannot answer each other forever.
 * - Opcodes other than QUERY get NOTIMP, header only (RFC 1035 §4.1.1).
 * - EDNS (RFC 6891): an OPT comes back with our UDP size (1232, the DNS
 *   flag day 2020 value) and the DO bit echoed (RFC 3225); a version above
 *   0 gets BADVERS. A UDP answer is cut to the client's size (512 without
 *   EDNS, and never below 512) and marked TC; TCP answers may be 64 KB.
 * - No question at all gets an empty NOERROR (as NSD; RFC 7873 §5.4 uses
 *   such queries to fetch a cookie); more than one gets FORMERR.
 * - AXFR (and IXFR, answered as AXFR, RFC 1995 §4) only over TCP from an
 *   allowed peer; else REFUSED.
 *
 * Answers are memoised per (name as spelled, type, class, EDNS and DO,
 * size limit; see answerKey for why the spelling and not the lowered name).
 * A cached answer is patched with the query's id, RD and CD bits. Answers
 * keep the query's spelling of its name (RFC 4343; resolvers using 0x20
 * case randomisation check it).
 */
import { answerKey, createAnswerCache, type AnswerCache } from './answer-cache';
import { type Authority } from './authority';
import { OPCODE, RCODE, RRTYPE } from './constants';
import { type Edns } from './edns';
import { DnsFormatError } from './errors';
import { nameWireLength } from './name';
import { createQueryScan, scanQuery } from './query-scan';
import { decodeHeader, decodeMessage, encodeMessage, type DnsMessage, type Header } from './wire';
import { zoneTransfer } from './zone-transfer';

export interface QueryContext {
  /** Over TCP: no size limit but 64 KB, and zone transfers possible. */
  tcp: boolean;
  /** The peer may transfer zones (checked by the transport against --axfr-allow). */
  axfrAllowed?: boolean;
}

export interface ResponderOptions {
  /** Memoised answers kept (default 4096; 0 turns the cache off). */
  cacheSize?: number;
  /** The UDP payload size we advertise and send up to (default 1232). */
  udpSize?: number;
}

export interface Responder {
  /** The messages to send back, in order: none (drop), one, or a zone transfer's several. */
  answer(query: Uint8Array, context: QueryContext): Uint8Array[];
  /** What was dropped or refused and why ("dns.formerr": 2). */
  readonly counters: { [name: string]: number };
  readonly cache: AnswerCache;
}

const HEADER = 12;
const EDE_OPTION = 15; // RFC 8914 extended DNS error

export function createResponder(authority: Authority, options?: ResponderOptions): Responder {
  const udpSize = options && options.udpSize !== undefined ? options.udpSize : 1232;
  const cache = createAnswerCache(options && options.cacheSize !== undefined ? options.cacheSize : 4096);
  const counters: { [name: string]: number } = {};
  const count = (name: string): void => { counters[name] = (counters[name] || 0) + 1; };
  const scan = createQueryScan();

  /** A memoised answer read and patched straight from the bytes (query-scan.ts), or null: then the full path decides. */
  function memoised(query: Uint8Array, tcp: boolean): Uint8Array | null {
    if (!scanQuery(query, scan)) return null;
    const edns = scan.udpPayloadSize >= 0;
    const limit = tcp ? 65535 : edns ? Math.min(Math.max(512, scan.udpPayloadSize), udpSize) : 512;
    const hit = cache.get(answerKey(query, HEADER, scan.nameEnd, scan.type, scan.klass, edns ? (scan.dnssecOk ? 2 : 1) : 0, limit));
    return hit ? patched(hit, query) : null;
  }

  function answer(query: Uint8Array, context: QueryContext): Uint8Array[] {
    if (query.length < HEADER) { count('dns.short'); return []; }
    const header = decodeHeader(query);
    if (header.qr) { count('dns.response-dropped'); return []; }
    if (header.opcode !== OPCODE.QUERY) { count('dns.notimp'); return [headerOnly(header, RCODE.NOTIMP)]; }
    let msg: DnsMessage;
    try {
      msg = decodeMessage(query);
    } catch (e) {
      if (!(e instanceof DnsFormatError)) throw e;
      count('dns.formerr');
      return [headerOnly(header, RCODE.FORMERR)];
    }
    if (msg.questions.length > 1) { count('dns.formerr'); return [headerOnly(header, RCODE.FORMERR)]; }
    const edns: Edns | null = msg.edns
      ? { udpPayloadSize: udpSize, version: 0, dnssecOk: msg.edns.dnssecOk, flags: 0, options: [] }
      : null;
    if (msg.questions.length === 0) return [encodeMessage(reply(msg, RCODE.NOERROR, false, edns))];
    if (msg.edns && msg.edns.version > 0) { count('dns.badvers'); return [encodeMessage(reply(msg, RCODE.BADVERS, false, edns))]; }

    const q = msg.questions[0];
    if (q.type === RRTYPE.AXFR || q.type === RRTYPE.IXFR) {
      const zone = authority.zoneAt(q.name);
      if (!context.tcp || !context.axfrAllowed || !zone || q.class !== zone.zone.class) {
        count('dns.xfr-refused');
        return [encodeMessage(reply(msg, RCODE.REFUSED, false, edns))];
      }
      count('dns.xfr');
      return zoneTransfer(zone, msg.id, q, edns);
    }

    const limit = context.tcp ? 65535 : msg.edns ? Math.min(Math.max(512, msg.edns.udpPayloadSize), udpSize) : 512;
    // The question's name is the first in the message, so inline at the header's end: the key is read from there.
    const nameEnd = HEADER + nameWireLength(q.name);
    const key = answerKey(query, HEADER, nameEnd, q.type, q.class, edns ? (edns.dnssecOk ? 2 : 1) : 0, limit);
    const hit = cache.get(key);
    if (hit) return [patched(hit, query)];

    const res = authority.resolve(q);
    const out = reply(msg, res.rcode, res.aa, edns);
    out.answers = res.answers;
    out.authority = res.authority;
    out.additional = res.additional;
    if (res.refusal !== undefined && edns) edns.options = [{ code: EDE_OPTION, data: new Uint8Array([res.refusal >>> 8, res.refusal & 0xff]) }];
    const bytes = encodeMessage(out, { maxBytes: limit });
    cache.set(key, bytes);
    return [bytes];
  }

  return {
    counters: counters,
    cache: cache,
    answer: function (query, context) {
      // Outside the try: reading and patching cannot throw, and a try costs in Duktape on every query.
      const fast = memoised(query, context.tcp);
      if (fast) return [fast];
      try {
        return answer(query, context);
      } catch (e) {
        // A bug, not the client's fault: keep serving, and say so in the counters.
        count('dns.internal-error');
        return query.length >= HEADER ? [headerOnly(decodeHeader(query), RCODE.SERVFAIL)] : [];
      }
    },
  };
}

function reply(query: DnsMessage, rcode: number, aa: boolean, edns: Edns | null): DnsMessage {
  return {
    id: query.id, qr: true, opcode: query.opcode, aa: aa, tc: false, rd: query.rd, ra: false, z: false, ad: false, cd: query.cd,
    rcode: rcode, questions: query.questions, answers: [], authority: [], additional: [], edns: edns,
  };
}

/** A response with no sections: for queries we cannot (or will not) read further. */
function headerOnly(h: Header, rcode: number): Uint8Array {
  const out = new Uint8Array(HEADER);
  out[0] = h.id >>> 8;
  out[1] = h.id & 0xff;
  out[2] = 0x80 | (h.opcode << 3) | (h.rd ? 1 : 0);
  out[3] = rcode & 0xf;
  return out;
}

/** A cached answer made the query's own: its id, RD and CD bits (the name's spelling is the key's: already the query's). */
function patched(cached: Uint8Array, query: Uint8Array): Uint8Array {
  const out = new Uint8Array(cached.length);
  out.set(cached);
  out[0] = query[0];
  out[1] = query[1];
  out[2] = (out[2] & 0xfe) | (query[2] & 0x01);
  out[3] = (out[3] & 0xef) | (query[3] & 0x10);
  return out;
}
