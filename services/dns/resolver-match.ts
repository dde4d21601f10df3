/*
 * Which bytes on the wire are the answer to our query. An off-path attacker
 * who can guess the query id, our source port and the question can poison
 * a cache, so a reply counts only when all of them match and it comes from
 * the address and port we asked (RFC 5452 §3, §9.1); anything else is
 * dropped as if it never arrived, and the real reply may still come.
 * Pure: no sockets, no clock.
 */
import { CLASS, OPCODE } from './constants';
import { namesEqual } from './name';
import { type Question } from './rdata';
import { decodeHeader, decodeMessage, encodeMessage, type DnsMessage } from './wire';
import { type Endpoint } from '../../net/types';
import { type RandomSource } from '../../lib/random';

/** RFC 6891 §6.2.5 and DNS Flag Day 2020: fits one unfragmented packet on nearly every path. */
export const EDNS_PAYLOAD = 1232;

/** What a reply must match. `server` is null over TCP, where the connection itself says who answers. */
export interface Expected {
  id: number;
  question: Question;
  server: Endpoint | null;
}

export type Verdict =
  /** Not ours: the reason names a counter ("wrong-id", "wrong-question", …). */
  | { kind: 'drop'; reason: string }
  /** Ours by id and source, but not a DNS message: the server (or the path) is broken. */
  | { kind: 'malformed' }
  | { kind: 'reply'; message: DnsMessage };

/** A query with RD set (we ask a recursive server) and, unless `payload` is 0, EDNS0 offering `payload` bytes. */
export function buildQuery(id: number, question: Question, payload: number): Uint8Array {
  return encodeMessage({
    id: id, qr: false, opcode: OPCODE.QUERY, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: false, rcode: 0,
    questions: [question], answers: [], authority: [], additional: [],
    edns: payload > 0 ? { udpPayloadSize: payload, version: 0, dnssecOk: false, flags: 0, options: [] } : null,
  });
}

/** A uniformly random 16-bit number (query ids, source ports). */
export function random16(random: RandomSource): number {
  const b = new Uint8Array(2);
  random(b);
  return (b[0] << 8) | b[1];
}

export function matchReply(bytes: Uint8Array, from: Endpoint | null, expected: Expected): Verdict {
  if (expected.server && from && (from.address !== expected.server.address || from.port !== expected.server.port)) {
    return { kind: 'drop', reason: 'wrong-source' };
  }
  if (bytes.length < 12) return { kind: 'drop', reason: 'short' };
  const header = decodeHeader(bytes);
  if (header.id !== expected.id) return { kind: 'drop', reason: 'wrong-id' };
  if (!header.qr || header.opcode !== OPCODE.QUERY) return { kind: 'drop', reason: 'not-a-response' };
  let message: DnsMessage;
  try {
    message = decodeMessage(bytes);
  } catch (e) {
    return { kind: 'malformed' };
  }
  if (message.questions.length === 0) {
    // Servers that cannot parse a query (old ones, faced with EDNS) answer
    // FORMERR or NOTIMP without echoing it; such a reply proves nothing
    // and carries no data, so it is safe to take as that error.
    return message.rcode !== 0 ? { kind: 'reply', message: message } : { kind: 'drop', reason: 'wrong-question' };
  }
  const q = message.questions[0];
  if (message.questions.length !== 1 || q.type !== expected.question.type || q.class !== expected.question.class ||
      !namesEqual(q.name, expected.question.name)) {
    return { kind: 'drop', reason: 'wrong-question' };
  }
  return { kind: 'reply', message: message };
}

/** The question for `name`/`type` in class IN (the only class a stub asks in). */
export function questionFor(name: Question['name'], type: number): Question {
  return { name: name, type: type, class: CLASS.IN };
}
