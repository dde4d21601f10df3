/*
 * The pure halves of the resolver: which datagrams are the reply to our
 * query (RFC 5452: id, question and source all match, or it is dropped),
 * CNAME chains assembled from answers in any order, and what each kind of
 * reply means.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RCODE } from './constants';
import { parseName } from './name';
import { type ResourceRecord } from './rdata';
import { followChain, interpretReply } from './resolver-answer';
import { buildQuery, EDNS_PAYLOAD, matchReply, questionFor } from './resolver-match';
import { textOf } from './resolver';
import { decodeMessage, encodeMessage, type DnsMessage } from './wire';

const n = (t: string) => parseName(t);
const server = { address: 0x0a000001, port: 53 };
const question = questionFor(n('www.example.com.'), 1);
const a = (name: string, last = 1): ResourceRecord => ({ name: n(name), type: 1, class: 1, ttl: 60, rdata: { kind: 'A', address: new Uint8Array([192, 0, 2, last]) } });
const cname = (name: string, target: string): ResourceRecord => ({ name: n(name), type: 5, class: 1, ttl: 60, rdata: { kind: 'CNAME', target: n(target) } });
const soa: ResourceRecord = {
  name: n('example.com.'), type: 6, class: 1, ttl: 3600,
  rdata: { kind: 'SOA', mname: n('ns1.example.com.'), rname: n('h.example.com.'), serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 300 },
};

function reply(id: number, over: Partial<DnsMessage> = {}): DnsMessage {
  return {
    id, qr: true, opcode: 0, aa: false, tc: false, rd: true, ra: true, z: false, ad: false, cd: false, rcode: 0,
    questions: [question], answers: [a('www.example.com.')], authority: [], additional: [], edns: null, ...over,
  };
}

describe('matching replies to queries (RFC 5452)', () => {
  const expected = { id: 0x1234, question, server };
  it('builds a recursive query with EDNS0 offering 1232 bytes', () => {
    const q = decodeMessage(buildQuery(0x1234, question, EDNS_PAYLOAD));
    expect([q.id, q.rd, q.qr, q.edns && q.edns.udpPayloadSize, q.questions.length]).toEqual([0x1234, true, false, 1232, 1]);
    expect(decodeMessage(buildQuery(1, question, 0)).edns).toBeNull();
  });
  it('takes the reply with the same id, question (any case) and source', () => {
    const bytes = encodeMessage(reply(0x1234, { questions: [questionFor(n('WWW.example.COM.'), 1)] }));
    expect(matchReply(bytes, server, expected).kind).toBe('reply');
  });
  it('drops a wrong id, a wrong question, a wrong source, a query, and short bytes', () => {
    const ok = reply(0x1234);
    const verdict = (m: DnsMessage, from = server) => matchReply(encodeMessage(m), from, expected);
    expect(verdict(reply(0x1235))).toEqual({ kind: 'drop', reason: 'wrong-id' });
    expect(verdict({ ...ok, questions: [questionFor(n('web.example.com.'), 1)] })).toEqual({ kind: 'drop', reason: 'wrong-question' });
    expect(verdict({ ...ok, questions: [questionFor(n('www.example.com.'), 28)] })).toEqual({ kind: 'drop', reason: 'wrong-question' });
    expect(verdict({ ...ok, questions: [{ ...question, class: 3 }] })).toEqual({ kind: 'drop', reason: 'wrong-question' });
    expect(verdict({ ...ok, questions: [] })).toEqual({ kind: 'drop', reason: 'wrong-question' });
    expect(verdict(ok, { address: 0x0a000002, port: 53 })).toEqual({ kind: 'drop', reason: 'wrong-source' });
    expect(verdict(ok, { address: 0x0a000001, port: 5353 })).toEqual({ kind: 'drop', reason: 'wrong-source' });
    expect(verdict({ ...ok, qr: false })).toEqual({ kind: 'drop', reason: 'not-a-response' });
    expect(matchReply(new Uint8Array([0x12, 0x34, 0x80]), server, expected)).toEqual({ kind: 'drop', reason: 'short' });
  });
  it('calls bytes with our id from our server that do not decode malformed', () => {
    const bytes = encodeMessage(reply(0x1234));
    expect(matchReply(bytes.subarray(0, bytes.length - 3), server, expected)).toEqual({ kind: 'malformed' });
  });
  it('takes a FORMERR without a question (old servers facing EDNS)', () => {
    expect(matchReply(encodeMessage(reply(0x1234, { questions: [], answers: [], rcode: RCODE.FORMERR })), server, expected).kind).toBe('reply');
  });
  it('never throws, and accepts nothing with another id, whatever the bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const v = matchReply(bytes, server, expected);
      if (v.kind !== 'drop') expect((bytes[0] << 8) | bytes[1]).toBe(0x1234);
    }));
  });
});

describe('CNAME chains', () => {
  it('follows a chain whose records come in any order', () => {
    const records = [cname('www.example.com.', 'c1.example.com.'), cname('c1.example.com.', 'c2.example.net.'), a('c2.example.net.'), a('c2.example.net.', 2), a('unrelated.example.com.', 9)];
    fc.assert(fc.property(fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length }), (shuffled) => {
      const chain = followChain(question, shuffled);
      expect(chain.loop).toBe(false);
      expect(chain.cnames.map((r) => r.name.length)).toEqual([3, 3]);
      expect(chain.records).toHaveLength(2);
      expect(chain.records.every((r) => r.name.length === 3 && r.rdata.kind === 'A' && r.rdata.address[3] !== 9)).toBe(true);
    }));
  });
  it('stops at loops', () => {
    expect(followChain(question, [cname('www.example.com.', 'b.example.com.'), cname('b.example.com.', 'www.example.com.')]).loop).toBe(true);
    const long: ResourceRecord[] = [cname('www.example.com.', 'l0.example.')];
    for (let i = 0; i < 20; i++) long.push(cname('l' + i + '.example.', 'l' + (i + 1) + '.example.'));
    expect(followChain(question, long).loop).toBe(true);
  });
  it('answers a CNAME question with the CNAME itself', () => {
    const chain = followChain(questionFor(n('www.example.com.'), 5), [cname('www.example.com.', 'web.example.com.'), a('web.example.com.')]);
    expect([chain.records.length, chain.cnames.length]).toEqual([1, 0]);
  });
});

describe('what a reply means', () => {
  it('answers, NXDOMAIN and NODATA with their SOA, chains to follow, truncation, server errors', () => {
    expect(interpretReply(reply(1), question, false).kind).toBe('answer');
    expect(interpretReply(reply(1, { answers: [], authority: [soa], rcode: RCODE.NXDOMAIN }), question, false)).toMatchObject({ kind: 'negative', code: 'NXDOMAIN', soa });
    expect(interpretReply(reply(1, { answers: [], authority: [soa] }), question, false)).toMatchObject({ kind: 'negative', code: 'NODATA', soa });
    const toForeign = interpretReply(reply(1, { answers: [cname('www.example.com.', 'www.example.org.')] }), question, false);
    expect(toForeign.kind === 'follow' && toForeign.target.length).toBe(3);
    expect(interpretReply(reply(1, { answers: [cname('www.example.com.', 'web.example.com.')], authority: [soa] }), question, false).kind).toBe('negative');
    expect(interpretReply(reply(1, { tc: true }), question, false).kind).toBe('truncated');
    expect(interpretReply(reply(1, { tc: true }), question, true).kind).toBe('answer');
    expect(interpretReply(reply(1, { rcode: RCODE.SERVFAIL }), question, false)).toMatchObject({ kind: 'server-error', code: 'SERVFAIL' });
    expect(interpretReply(reply(1, { rcode: RCODE.REFUSED }), question, false)).toMatchObject({ kind: 'server-error', code: 'REFUSED' });
    expect(interpretReply(reply(1, { rcode: RCODE.FORMERR }), question, false)).toMatchObject({ kind: 'server-error', code: 'FORMERR' });
    expect(interpretReply(reply(1, { rcode: RCODE.NOTIMP }), question, false)).toMatchObject({ kind: 'server-error', code: 'SERVFAIL' });
    expect(interpretReply(reply(1, { answers: [cname('www.example.com.', 'www.example.com.')] }), question, false)).toMatchObject({ kind: 'server-error', code: 'SERVFAIL' });
  });
});

describe('TXT strings as text', () => {
  it('reads UTF-8, and bytes that are not UTF-8 one for one', () => {
    expect(textOf(new Uint8Array([0x77, 0xc3, 0xb6]))).toBe('wö');
    expect(textOf(new Uint8Array([0x61, 0xff, 0x00]))).toBe('a\u00ff\u0000');
    expect(textOf(new Uint8Array([]))).toBe('');
  });
});
