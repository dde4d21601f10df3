/*
 * The memoised path's byte scan against the full decoder, and the responder
 * with it against the responder without a cache: for random queries (case,
 * types, classes, EDNS on and off, DO, sizes, options, header bits) and
 * malformed variants of them (bytes changed, cut or added, counts changed,
 * a pointer for the name), byte for byte.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createAuthority } from './authority';
import { nameWireLength } from './name';
import { createQueryScan, scanQuery, type QueryScan } from './query-scan';
import { type Question, type ResourceRecord } from './rdata';
import { createResponder } from './responder';
import { ascii, name as nameArb } from './testing/arbitraries';
import { decodeMessage, encodeMessage, type DnsMessage } from './wire';
import { parseZone } from './zone';

const fixture = (f: string) => readFileSync(fileURLToPath(new URL('./fixtures/' + f, import.meta.url)), 'utf8');
const authority = createAuthority([parseZone(fixture('authority.zone'), { file: 'authority.zone' }), parseZone(fixture('second.zone'), { file: 'second.zone' })]);

/* Names of the fixture zones (every answer path) and outside them, each label in a random case. */
const served = ['www', 'x.wild', 'a.b.wild', 'nothere', 'a.sub', 'sub', 'chain1', 'loop1', 'big', 'mixed.case', 'ns1', 'mail', '_sip._udp', '']
  .map((n) => (n ? n + '.' : '') + 'example.com').concat(['www.example.org', 'example.net', 'com']);
const randomCase = (s: string, flips: number[]): Uint8Array => {
  const out = ascii(s);
  for (const f of flips) { const i = f % out.length; if (out[i] >= 0x61 && out[i] <= 0x7a) out[i] -= 0x20; }
  return out;
};
const servedName = fc.tuple(fc.constantFrom(...served), fc.array(fc.nat(), { maxLength: 8 }))
  .map(([text, flips]) => text.split('.').map((label) => randomCase(label, flips)));

const types = fc.oneof(fc.constantFrom(1, 2, 5, 6, 15, 16, 28, 33, 43, 251, 252, 255), fc.integer({ min: 0, max: 0xffff }));
const payloadSize = fc.oneof(fc.constantFrom(0, 100, 511, 512, 513, 600, 1232, 1233, 4096, 65535), fc.integer({ min: 0, max: 0xffff }));
const option = fc.record({ code: fc.oneof(fc.constant(10), fc.integer({ min: 0, max: 0xffff })), data: fc.uint8Array({ maxLength: 24 }) });
const edns = fc.option(fc.record({
  udpPayloadSize: payloadSize, version: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 255 }) }),
  dnssecOk: fc.boolean(), flags: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x7fff }) }),
  options: fc.array(option, { maxLength: 2 }),
}), { nil: null });

const queryMessage = (name: fc.Arbitrary<Uint8Array[]>): fc.Arbitrary<DnsMessage> => fc.record({
  id: fc.integer({ min: 0, max: 0xffff }), qr: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  opcode: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 15 }) }),
  aa: fc.boolean(), tc: fc.boolean(), rd: fc.boolean(), ra: fc.boolean(), z: fc.boolean(), ad: fc.boolean(), cd: fc.boolean(), rcode: fc.integer({ min: 0, max: 15 }),
  questions: fc.oneof({ weight: 9, arbitrary: fc.tuple(name, types, fc.constantFrom(1, 1, 1, 3, 255, 254)).map(([n, type, klass]): Question[] => [{ name: n, type, class: klass }]) },
    { weight: 1, arbitrary: fc.constant<Question[]>([]) }),
  answers: fc.constant<ResourceRecord[]>([]), authority: fc.constant<ResourceRecord[]>([]), additional: fc.constant<ResourceRecord[]>([]), edns,
});

/* Ways a query goes wrong: a byte changed, the end cut or grown, a count changed, the name made a pointer. */
type Damage = (q: Uint8Array) => Uint8Array;
const damage: fc.Arbitrary<Damage> = fc.oneof(
  { weight: 6, arbitrary: fc.constant((q: Uint8Array) => q) },
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, v]) => (q: Uint8Array) => { const m = q.slice(); m[at % m.length] = v; return m; }),
  fc.nat().map((cut) => (q: Uint8Array) => q.subarray(0, cut % q.length)),
  fc.uint8Array({ minLength: 1, maxLength: 12 }).map((extra) => (q: Uint8Array) => { const m = new Uint8Array(q.length + extra.length); m.set(q); m.set(extra, q.length); return m; }),
  fc.tuple(fc.integer({ min: 4, max: 11 }), fc.integer({ min: 0, max: 3 })).map(([at, v]) => (q: Uint8Array) => { const m = q.slice(); m[at] = v; return m; }),
  fc.constant((q: Uint8Array) => { const m = q.slice(); if (m.length > 13) { m[12] = 0xc0; m[13] = 0x0c; } return m; }),
);

const queryBytes = (name: fc.Arbitrary<Uint8Array[]>): fc.Arbitrary<Uint8Array> =>
  fc.tuple(queryMessage(name), damage).map(([m, hurt]) => hurt(encodeMessage(m, { compress: false })));

/** What the full decoder reads where scanQuery succeeds; null where the responder would not look the answer up. */
function fromDecoder(bytes: Uint8Array): QueryScan | null {
  let m: DnsMessage;
  try { m = decodeMessage(bytes); } catch { return null; }
  if (m.qr || m.opcode !== 0 || m.questions.length !== 1 || m.answers.length || m.authority.length || m.additional.length) return null;
  if (m.edns && m.edns.version !== 0) return null;
  const q = m.questions[0];
  return {
    nameEnd: 12 + nameWireLength(q.name), type: q.type, klass: q.class,
    udpPayloadSize: m.edns ? m.edns.udpPayloadSize : -1, dnssecOk: m.edns ? m.edns.dnssecOk : false,
  };
}

describe('scanQuery', () => {
  const scan = createQueryScan();
  const scanned = (bytes: Uint8Array): QueryScan | null => (scanQuery(bytes, scan) ? { ...scan } : null);

  it('accepts what the decoder reads as a plain query, with the same fields, and nothing else', () => {
    fc.assert(fc.property(queryBytes(fc.oneof(servedName, nameArb)), (bytes) => {
      expect(scanned(bytes)).toEqual(fromDecoder(bytes));
    }), { numRuns: 5000 });
  });
  it('accepts the queries dig and dnsperf send', () => {
    // dig 9.18: `www.example.com A`, RD + AD, EDNS 1232 with a cookie.
    const dig = Uint8Array.from(Buffer.from('905a0120000100000000000103777777076578616d706c6503636f6d000001000100002904d000000000000c000a00086e1571109569b906', 'hex'));
    expect(scanned(dig)).toEqual({ nameEnd: 29, type: 1, klass: 1, udpPayloadSize: 1232, dnssecOk: false });
    const plain = encodeMessage({ ...decodeMessage(dig), edns: null });
    expect(scanned(plain)).toEqual({ nameEnd: 29, type: 1, klass: 1, udpPayloadSize: -1, dnssecOk: false });
  });
});

describe('the responder with memoised answers', () => {
  it('answers byte for byte as without a cache, over UDP and TCP', () => {
    const cold = createResponder(authority, { cacheSize: 0 });
    const warm = createResponder(authority, { cacheSize: 64 });
    fc.assert(fc.property(fc.array(fc.tuple(queryBytes(servedName), fc.boolean()), { minLength: 1, maxLength: 6 }), (asks) => {
      // Each query twice: the second time it is memoised, if it ever is.
      for (const [bytes, tcp] of asks.concat(asks)) expect(warm.answer(bytes, { tcp })).toEqual(cold.answer(bytes, { tcp }));
    }), { numRuns: 2000 });
    expect(warm.cache.size).toBeGreaterThan(0);
    expect(warm.counters['dns.internal-error'] ?? 0).toBe(0);
  });
});
