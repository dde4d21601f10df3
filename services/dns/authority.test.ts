/*
 * The authoritative engine over fixtures/authority.zone (every answer path
 * has a name there) and fixtures/second.zone, through the byte-level
 * responder as a server would use it. The expectations are what NSD 4.6
 * answers for the same zones (apps/dns/interop.test.ts checks that live).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createAuthority } from './authority';
import { CLASS, OPCODE, RCODE, RRTYPE, typeFromText } from './constants';
import { formatName, parseName } from './name';
import { formatRecord } from './rdata-text';
import { createResponder, type QueryContext } from './responder';
import { message as messageArb } from './testing/arbitraries';
import { decodeMessage, encodeMessage, type DnsMessage } from './wire';
import { parseZone } from './zone';

const fixture = (f: string) => readFileSync(fileURLToPath(new URL('./fixtures/' + f, import.meta.url)), 'utf8');
const zones = [parseZone(fixture('authority.zone'), { file: 'authority.zone' }), parseZone(fixture('second.zone'), { file: 'second.zone' })];
const authority = createAuthority(zones);

interface Ask { name: string; type: string; edns?: number | null; version?: number; dnssecOk?: boolean; klass?: number; opcode?: number; tcp?: boolean; axfr?: boolean }

function query(a: Ask): DnsMessage {
  const edns = a.edns === null ? null : { udpPayloadSize: a.edns ?? 1232, version: a.version ?? 0, dnssecOk: !!a.dnssecOk, flags: 0, options: [] };
  return {
    id: 0x1234, qr: false, opcode: a.opcode ?? OPCODE.QUERY, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: false, rcode: 0,
    questions: [{ name: parseName(a.name), type: typeFromText(a.type)!, class: a.klass ?? CLASS.IN }], answers: [], authority: [], additional: [], edns,
  };
}

function ask(a: Ask, responder = createResponder(authority)): DnsMessage {
  const ctx: QueryContext = { tcp: !!a.tcp, axfrAllowed: !!a.axfr };
  const out = responder.answer(encodeMessage(query(a)), ctx);
  expect(out).toHaveLength(1);
  return decodeMessage(out[0]);
}

const rcodeName = (n: number) => Object.keys(RCODE).find((k) => (RCODE as Record<string, number>)[k] === n);
/** A response as text: rcode, flags, then each section's records. */
function show(m: DnsMessage): string[] {
  const flags = (m.aa ? ' aa' : '') + (m.tc ? ' tc' : '');
  return [rcodeName(m.rcode) + flags,
    ...m.answers.map((r) => 'an ' + formatRecord(r)),
    ...m.authority.map((r) => 'ns ' + formatRecord(r)),
    ...m.additional.map((r) => 'ar ' + formatRecord(r))];
}
const text = (a: Ask) => show(ask(a)).join('\n').replace(/\t/g, ' ');

const APEX_NS = ['ns example.com. 3600 IN NS ns1.example.com.', 'ns example.com. 3600 IN NS ns2.example.com.'];
const NS_GLUE = ['ar ns1.example.com. 3600 IN A 192.0.2.1', 'ar ns2.example.com. 600 IN A 192.0.2.2', 'ar ns1.example.com. 3600 IN AAAA 2001:db8::1'];
const NEG = 'ns example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 900 1209600 300';
const lines = (...l: string[]) => l.join('\n');

describe('authoritative answers (RFC 1034 §4.3.2)', () => {
  it('answers with AA, the apex NS in authority and their addresses in additional', () => {
    expect(text({ name: 'www.example.com.', type: 'A' })).toBe(lines('NOERROR aa',
      'an www.example.com. 3600 IN CNAME web.example.com.', 'an web.example.com. 3600 IN A 192.0.2.80', ...APEX_NS, ...NS_GLUE));
  });
  it('adds in-zone MX and SRV targets to additional, A before AAAA, each name once', () => {
    expect(text({ name: 'example.com.', type: 'MX' })).toBe(lines('NOERROR aa',
      'an example.com. 3600 IN MX 10 mail.example.com.', 'an example.com. 3600 IN MX 20 mx.elsewhere.net.', ...APEX_NS,
      'ar mail.example.com. 3600 IN A 192.0.2.25', NS_GLUE[0], NS_GLUE[1], 'ar mail.example.com. 3600 IN AAAA 2001:db8::25', NS_GLUE[2]));
    expect(text({ name: '_sip._udp.example.com.', type: 'SRV' })).toContain('ar sip.example.com. 3600 IN A 192.0.2.99');
  });
  it('does not repeat the apex NS in authority when it is the answer', () => {
    expect(text({ name: 'example.com.', type: 'NS' })).toBe(lines('NOERROR aa', ...APEX_NS.map((l) => l.replace(/^ns/, 'an')), ...NS_GLUE));
  });
  it('NXDOMAIN and NODATA carry the SOA with TTL min(SOA TTL, minimum) (RFC 2308)', () => {
    expect(text({ name: 'nothere.example.com.', type: 'A' })).toBe(lines('NXDOMAIN aa', NEG));
    expect(text({ name: 'web.example.com.', type: 'MX' })).toBe(lines('NOERROR aa', NEG));
    expect(text({ name: 'ent.example.com.', type: 'A' })).toBe(lines('NOERROR aa', NEG)); // empty non-terminal
  });
  it('follows CNAMEs through our zones, and stops at loops and foreign names', () => {
    expect(text({ name: 'chain1.example.com.', type: 'A' }).split('\n').slice(0, 5)).toEqual(['NOERROR aa',
      'an chain1.example.com. 3600 IN CNAME chain2.example.com.', 'an chain2.example.com. 3600 IN CNAME www.example.com.',
      'an www.example.com. 3600 IN CNAME web.example.com.', 'an web.example.com. 3600 IN A 192.0.2.80']);
    expect(text({ name: 'loop1.example.com.', type: 'A' })).toBe(lines('NOERROR aa',
      'an loop1.example.com. 3600 IN CNAME loop2.example.com.', 'an loop2.example.com. 3600 IN CNAME loop1.example.com.'));
    expect(text({ name: 'outside.example.com.', type: 'A' })).toBe(lines('NOERROR aa', 'an outside.example.com. 3600 IN CNAME www.elsewhere.net.'));
    expect(text({ name: 'dangling.example.com.', type: 'A' })).toBe(lines('NXDOMAIN aa', 'an dangling.example.com. 3600 IN CNAME nothere.example.com.', NEG));
    expect(text({ name: 'other.example.com.', type: 'A' })).toBe(lines('NOERROR aa', 'an other.example.com. 3600 IN CNAME www.example.net.',
      'an www.example.net. 7200 IN A 198.51.100.80', 'ns example.net. 7200 IN NS ns1.example.com.'));
  });
  it('synthesises from wildcards per RFC 4592', () => {
    expect(text({ name: 'x.wild.example.com.', type: 'A' })).toBe(lines('NOERROR aa', 'an x.wild.example.com. 3600 IN A 192.0.2.200', ...APEX_NS, ...NS_GLUE));
    expect(text({ name: 'a.b.wild.example.com.', type: 'TXT' })).toContain('an a.b.wild.example.com. 3600 IN TXT "from the wildcard"');
    expect(text({ name: 'x.wild.example.com.', type: 'MX' })).toContain('ar mail.example.com. 3600 IN A 192.0.2.25');
    expect(text({ name: 'x.wild.example.com.', type: 'AAAA' })).toBe(lines('NOERROR aa', NEG)); // wildcard NODATA
    expect(text({ name: 'exists.wild.example.com.', type: 'TXT' })).toBe(lines('NOERROR aa', NEG)); // not at an existing name
    expect(text({ name: 'y.exists.wild.example.com.', type: 'A' })).toBe(lines('NXDOMAIN aa', NEG)); // nor under one
    expect(text({ name: 'z.cwild.example.com.', type: 'A' }).split('\n').slice(0, 3)).toEqual(['NOERROR aa',
      'an z.cwild.example.com. 3600 IN CNAME web.example.com.', 'an web.example.com. 3600 IN A 192.0.2.80']);
  });
  it('refers below a cut without AA, with glue, and answers DS at the cut from the parent', () => {
    const referral = lines('NOERROR', 'ns sub.example.com. 3600 IN NS ns.sub.example.com.', 'ns sub.example.com. 3600 IN NS ns.elsewhere.net.',
      'ar ns.sub.example.com. 3600 IN A 192.0.2.53', 'ar ns.sub.example.com. 3600 IN AAAA 2001:db8::53');
    for (const n of ['a.sub.example.com.', 'sub.example.com.', 'deep.sub.example.com.', 'ns.sub.example.com.']) expect(text({ name: n, type: 'A' })).toBe(referral);
    expect(text({ name: 'sub.example.com.', type: 'NS' })).toBe(referral);
    expect(text({ name: 'sub.example.com.', type: 'DS' })).toBe(lines('NOERROR aa', NEG));
  });
  it('answers ANY with one RRset, the first at the name (RFC 8482 §4.1)', () => {
    expect(text({ name: 'example.com.', type: 'ANY' })).toBe(lines('NOERROR aa', 'an example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 900 1209600 300'));
    expect(text({ name: 'x.wild.example.com.', type: 'ANY' })).toBe(lines('NOERROR aa', 'an x.wild.example.com. 3600 IN A 192.0.2.200'));
    expect(text({ name: 'www.example.com.', type: 'ANY' })).toBe(lines('NOERROR aa', 'an www.example.com. 3600 IN CNAME web.example.com.'));
    expect(text({ name: 'nothere.example.com.', type: 'ANY' })).toBe(lines('NXDOMAIN aa', NEG));
  });
  it('refuses names outside our zones and classes we do not serve, with an extended error', () => {
    const m = ask({ name: 'www.example.org.', type: 'A' });
    expect(show(m)).toEqual(['REFUSED']);
    expect(m.edns!.options).toEqual([{ code: 15, data: new Uint8Array([0, 20]) }]);
    expect(ask({ name: 'example.com.', type: 'A', klass: CLASS.CH }).edns!.options[0].data).toEqual(new Uint8Array([0, 21]));
  });
  it('keeps the query\'s spelling of the name, also from the cache', () => {
    const responder = createResponder(authority);
    for (const n of ['MIXED.case.example.com.', 'mixed.CASE.example.com.', 'MIXED.case.example.com.']) {
      const m = ask({ name: n, type: 'A' }, responder);
      expect(formatName(m.questions[0].name)).toBe(n);
      expect(formatName(m.answers[0].name)).toBe(n);
    }
    // one entry per spelling: compression keeps case, so spellings may differ in more than their letters
    expect(responder.cache.size).toBe(2);
  });
});

describe('the byte level (responder)', () => {
  it('echoes an OPT with our size and the DO bit; BADVERS above version 0', () => {
    const m = ask({ name: 'example.com.', type: 'SOA', dnssecOk: true });
    expect(m.edns).toMatchObject({ udpPayloadSize: 1232, version: 0, dnssecOk: true });
    expect(ask({ name: 'example.com.', type: 'SOA', edns: null }).edns).toBeNull();
    const bad = ask({ name: 'example.com.', type: 'SOA', version: 1 });
    expect(bad.rcode).toBe(RCODE.BADVERS);
    expect(bad.aa).toBe(false);
    expect(bad.answers).toHaveLength(0);
  });
  it('truncates UDP answers to 512 without EDNS and to the client\'s size with it, setting TC; TCP gets it all', () => {
    for (const a of [{ edns: null }, { edns: 600 }, { edns: 100 }]) {
      const m = ask({ name: 'big.example.com.', type: 'TXT', ...a });
      expect(m.tc).toBe(true);
      expect(m.answers).toHaveLength(0);
    }
    expect(ask({ name: 'big.example.com.', type: 'TXT', edns: 4096 }).answers).toHaveLength(8); // capped at our 1232, still fits
    expect(ask({ name: 'big.example.com.', type: 'TXT', edns: null, tcp: true }).answers).toHaveLength(8);
  });
  it('answers NOTIMP to other opcodes and FORMERR to malformed queries, with the query\'s id', () => {
    const responder = createResponder(authority);
    const notify = responder.answer(encodeMessage(query({ name: 'example.com.', type: 'SOA', opcode: OPCODE.NOTIFY })), { tcp: false });
    expect(decodeMessage(notify[0])).toMatchObject({ id: 0x1234, qr: true, opcode: OPCODE.NOTIFY, rcode: RCODE.NOTIMP });
    const good = encodeMessage(query({ name: 'www.example.com.', type: 'A' }));
    const formerr = responder.answer(good.subarray(0, good.length - 3), { tcp: false });
    expect(decodeMessage(formerr[0])).toMatchObject({ id: 0x1234, qr: true, rcode: RCODE.FORMERR, questions: [] });
    expect(responder.answer(new Uint8Array(5), { tcp: false })).toEqual([]);
    const response = encodeMessage({ ...query({ name: 'www.example.com.', type: 'A' }), qr: true });
    expect(responder.answer(response, { tcp: false })).toEqual([]); // never answer an answer
  });
  it('transfers a zone over TCP to allowed peers only: SOA first and last, every record once', () => {
    const responder = createResponder(authority);
    const q = encodeMessage(query({ name: 'example.com.', type: 'AXFR' }));
    expect(decodeMessage(responder.answer(q, { tcp: false, axfrAllowed: true })[0]).rcode).toBe(RCODE.REFUSED);
    expect(decodeMessage(responder.answer(q, { tcp: true, axfrAllowed: false })[0]).rcode).toBe(RCODE.REFUSED);
    const msgs = responder.answer(q, { tcp: true, axfrAllowed: true }).map((b) => decodeMessage(b));
    const records = msgs.flatMap((m) => m.answers);
    expect(records[0].type).toBe(RRTYPE.SOA);
    expect(records[records.length - 1].type).toBe(RRTYPE.SOA);
    expect(records.slice(1, -1).map(formatRecord).sort()).toEqual(zones[0].records.filter((r) => r.type !== RRTYPE.SOA).map(formatRecord).sort());
    expect(decodeMessage(responder.answer(encodeMessage(query({ name: 'www.example.com.', type: 'AXFR' })), { tcp: true, axfrAllowed: true })[0]).rcode).toBe(RCODE.REFUSED);
  });
  it('answers from the cache byte for byte as without it (apart from id and case)', () => {
    const cold = createResponder(authority, { cacheSize: 0 });
    const warm = createResponder(authority, { cacheSize: 8 });
    const names = ['www', 'x.wild', 'nothere', 'a.sub', 'example', 'chain1', 'big'].map((n) => n + '.example.com.');
    fc.assert(fc.property(fc.constantFrom(...names), fc.constantFrom('A', 'MX', 'TXT', 'ANY', 'NS'), fc.boolean(), fc.integer({ min: 0, max: 0xffff }),
      (name, type, tcp, id) => {
        const q = encodeMessage({ ...query({ name, type }), id });
        expect(warm.answer(q, { tcp })).toEqual(cold.answer(q, { tcp }));
      }));
    expect(warm.cache.size).toBeLessThanOrEqual(8);
  });
});

describe('random input never escapes the responder', () => {
  const responder = createResponder(authority, { cacheSize: 64 });
  const valid = (out: Uint8Array[]) => { for (const b of out) decodeMessage(b); };
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), fc.boolean(), (bytes, tcp, axfr) => {
      valid(responder.answer(bytes, { tcp, axfrAllowed: axfr }));
    }), { numRuns: 3000 });
    expect(responder.counters['dns.internal-error'] ?? 0).toBe(0);
  });
  it('mutated real queries', () => {
    const seeds = ['www', 'x.wild', 'a.sub', 'example', 'big'].map((n) => encodeMessage(query({ name: n + '.example.com.', type: 'A', dnssecOk: true })));
    fc.assert(fc.property(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.boolean(), (seed, edits, tcp) => {
        const m = seed.slice();
        for (const [at, v] of edits) m[at % m.length] = v;
        valid(responder.answer(m, { tcp }));
      }), { numRuns: 3000 });
    expect(responder.counters['dns.internal-error'] ?? 0).toBe(0);
  });
  it('random well-formed messages', () => {
    fc.assert(fc.property(messageArb, (msg) => {
      let bytes: Uint8Array;
      try { bytes = encodeMessage({ ...msg, qr: false }); } catch { return; }
      valid(responder.answer(bytes, { tcp: false }));
    }), { numRuns: 500 });
    expect(responder.counters['dns.internal-error'] ?? 0).toBe(0);
  });
});
