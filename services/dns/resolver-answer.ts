/*
 * What a matched reply says about our question: the records (after the
 * CNAME chain in the answer section), a negative answer with the SOA that
 * bounds how long to believe it (RFC 2308), a chain that leaves what the
 * server told us (ask again for its target), truncation (ask over TCP), or
 * a server error (ask another server). Pure.
 */
import { RCODE, RRTYPE } from './constants';
import { namesEqual, type DnsName } from './name';
import { type Question, type ResourceRecord } from './rdata';
import { type DnsMessage } from './wire';

/** Longer chains are treated as loops (BIND and Unbound stop at similar depths). */
export const MAX_CNAME_CHAIN = 16;

export type Outcome =
  | { kind: 'answer'; name: DnsName; records: ResourceRecord[]; cnames: ResourceRecord[] }
  /** The chain ends at `target`, about which the reply says nothing. */
  | { kind: 'follow'; target: DnsName; cnames: ResourceRecord[] }
  | { kind: 'negative'; code: 'NXDOMAIN' | 'NODATA'; cnames: ResourceRecord[]; soa: ResourceRecord | null }
  | { kind: 'truncated' }
  | { kind: 'server-error'; code: 'SERVFAIL' | 'REFUSED' | 'FORMERR'; rcode: number; detail: string };

export interface Chain {
  /** Where the chain ends: the name whose records answer the question. */
  name: DnsName;
  /** The CNAME records walked, in order. */
  cnames: ResourceRecord[];
  /** The records of the question's type at `name` (empty when the chain ends without them). */
  records: ResourceRecord[];
  /** The chain came back to a name it had passed, or ran past MAX_CNAME_CHAIN. */
  loop: boolean;
}

/**
 * Walks the CNAME chain from `question.name` through `answers`, in whatever
 * order the records come (RFC 1034 §3.6.2 does not fix one). Records not
 * on the chain are ignored: a server cannot slip in data for other names.
 */
export function followChain(question: Question, answers: ResourceRecord[]): Chain {
  let name = question.name;
  const cnames: ResourceRecord[] = [];
  for (;;) {
    const records: ResourceRecord[] = [];
    let cname: ResourceRecord | null = null;
    for (let i = 0; i < answers.length; i++) {
      const r = answers[i];
      if (r.class !== question.class || !namesEqual(r.name, name)) continue;
      if (r.type === question.type) records.push(r);
      else if (r.type === RRTYPE.CNAME && cname === null) cname = r;
    }
    if (records.length > 0 || cname === null || cname.rdata.kind !== 'CNAME') {
      return { name: name, cnames: cnames, records: records, loop: false };
    }
    const target = cname.rdata.target;
    if (cnames.length >= MAX_CNAME_CHAIN || namesEqual(target, question.name) || passed(cnames, target)) {
      cnames.push(cname);
      return { name: target, cnames: cnames, records: [], loop: true };
    }
    cnames.push(cname);
    name = target;
  }
}

function passed(cnames: ResourceRecord[], name: DnsName): boolean {
  for (let i = 0; i < cnames.length; i++) if (namesEqual(cnames[i].name, name)) return true;
  return false;
}

/** The SOA of a negative answer: in the authority section (RFC 2308 §3). */
export function negativeSoa(message: DnsMessage): ResourceRecord | null {
  for (let i = 0; i < message.authority.length; i++) {
    if (message.authority[i].type === RRTYPE.SOA) return message.authority[i];
  }
  return null;
}

/** `overTcp`: a TC bit there cannot be helped, so what came is used. */
export function interpretReply(message: DnsMessage, question: Question, overTcp: boolean): Outcome {
  if (message.tc && !overTcp) return { kind: 'truncated' };
  const rcode = message.rcode;
  if (rcode === RCODE.SERVFAIL) return { kind: 'server-error', code: 'SERVFAIL', rcode: rcode, detail: 'server failure' };
  if (rcode === RCODE.REFUSED) return { kind: 'server-error', code: 'REFUSED', rcode: rcode, detail: 'refused' };
  if (rcode === RCODE.FORMERR) return { kind: 'server-error', code: 'FORMERR', rcode: rcode, detail: 'the server could not read our query' };
  if (rcode !== RCODE.NOERROR && rcode !== RCODE.NXDOMAIN) {
    return { kind: 'server-error', code: 'SERVFAIL', rcode: rcode, detail: 'unexpected rcode ' + rcode };
  }
  const chain = followChain(question, message.answers);
  if (chain.loop) return { kind: 'server-error', code: 'SERVFAIL', rcode: rcode, detail: 'CNAME loop or chain too long' };
  // NXDOMAIN after a chain is about its last name (RFC 6604 §2.1).
  if (rcode === RCODE.NXDOMAIN) return { kind: 'negative', code: 'NXDOMAIN', cnames: chain.cnames, soa: negativeSoa(message) };
  if (chain.records.length > 0) return { kind: 'answer', name: chain.name, records: chain.records, cnames: chain.cnames };
  const soa = negativeSoa(message);
  // A chain cut short without an SOA: the server stopped at a name it does
  // not serve (an authoritative server does), so the target is asked next.
  if (chain.cnames.length > 0 && soa === null) return { kind: 'follow', target: chain.name, cnames: chain.cnames };
  return { kind: 'negative', code: 'NODATA', cnames: chain.cnames, soa: soa };
}
