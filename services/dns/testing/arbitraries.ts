/*
 * fast-check generators for the DNS tests: names (biased towards shared
 * suffixes, so compression has work to do), records of every typed kind
 * and opaque ones, EDNS, and whole messages.
 */
import fc from 'fast-check';
import { nameWireLength, type DnsName } from '../name';
import { rdataKindFor, type Question, type Rdata, type ResourceRecord } from '../rdata';
import { type Edns } from '../edns';
import { type DnsMessage } from '../wire';

const ascii = (s: string): Uint8Array => {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
};

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

/* A few labels recur (in two cases, which compression must keep apart). */
export const label = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('www', 'example', 'com', 'EXAMPLE', 'mail', 'a', 'org').map(ascii) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 63 }) },
);

export const name: fc.Arbitrary<DnsName> = fc.array(label, { maxLength: 6 }).filter((n) => nameWireLength(n) <= 255);

const bytes = (maxLength: number) => fc.uint8Array({ maxLength });

const rr = (type: number, klass: fc.Arbitrary<number>, rdata: fc.Arbitrary<Rdata>): fc.Arbitrary<ResourceRecord> =>
  fc.record({ name, type: fc.constant(type), class: klass, ttl: u32, rdata });

const IN = fc.constant(1);
/* Class-independent types are typed in any class but NONE/ANY (update). */
const anyDataClass = fc.oneof(fc.constant(1), fc.constant(3), fc.integer({ min: 0, max: 253 }));

export const nsecTypes = fc.uniqueArray(u16, { maxLength: 12 }).map((t) => t.sort((a, b) => a - b));

export function typedRecord(klass: fc.Arbitrary<number> = anyDataClass): fc.Arbitrary<ResourceRecord> {
  return fc.oneof(
    rr(1, IN, fc.uint8Array({ minLength: 4, maxLength: 4 }).map((address): Rdata => ({ kind: 'A', address }))),
    rr(28, IN, fc.uint8Array({ minLength: 16, maxLength: 16 }).map((address): Rdata => ({ kind: 'AAAA', address }))),
    rr(2, klass, name.map((target): Rdata => ({ kind: 'NS', target }))),
    rr(5, klass, name.map((target): Rdata => ({ kind: 'CNAME', target }))),
    rr(12, klass, name.map((target): Rdata => ({ kind: 'PTR', target }))),
    rr(6, klass, fc.record({ mname: name, rname: name, serial: u32, refresh: u32, retry: u32, expire: u32, minimum: u32 })
      .map((f): Rdata => ({ kind: 'SOA', ...f }))),
    rr(15, klass, fc.record({ preference: u16, exchange: name }).map((f): Rdata => ({ kind: 'MX', ...f }))),
    rr(16, klass, fc.array(bytes(255), { minLength: 1, maxLength: 4 }).map((strings): Rdata => ({ kind: 'TXT', strings }))),
    rr(33, IN, fc.record({ priority: u16, weight: u16, port: u16, target: name }).map((f): Rdata => ({ kind: 'SRV', ...f }))),
    rr(257, klass, fc.record({ flags: u8, tag: fc.stringMatching(/^[a-zA-Z0-9]{1,15}$/), value: bytes(40) })
      .map((f): Rdata => ({ kind: 'CAA', ...f }))),
    rr(43, klass, fc.record({ keyTag: u16, algorithm: u8, digestType: u8, digest: fc.uint8Array({ minLength: 1, maxLength: 48 }) }).map((f): Rdata => ({ kind: 'DS', ...f }))),
    rr(48, klass, fc.record({ flags: u16, protocol: u8, algorithm: u8, publicKey: fc.uint8Array({ minLength: 1, maxLength: 64 }) }).map((f): Rdata => ({ kind: 'DNSKEY', ...f }))),
    rr(46, klass, fc.record({
      typeCovered: u16, algorithm: u8, labels: u8, originalTtl: u32, expiration: u32, inception: u32, keyTag: u16,
      signerName: name, signature: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    }).map((f): Rdata => ({ kind: 'RRSIG', ...f }))),
    rr(47, klass, fc.record({ nextName: name, types: nsecTypes }).map((f): Rdata => ({ kind: 'NSEC', ...f }))),
  );
}

/** A record of a type (or class) the core does not type: RFC 3597 opaque. */
export function opaqueRecord(klass: fc.Arbitrary<number> = u16): fc.Arbitrary<ResourceRecord> {
  return fc.record({ name, type: u16, class: klass, ttl: u32, bytes: bytes(60) })
    .filter((r) => r.type !== 41 && rdataKindFor(r.type, r.class) === 'opaque')
    .map((r) => ({ name: r.name, type: r.type, class: r.class, ttl: r.ttl, rdata: { kind: 'opaque', bytes: r.bytes } as Rdata }));
}

export const record = fc.oneof({ weight: 4, arbitrary: typedRecord() }, { weight: 1, arbitrary: opaqueRecord() });

export const question: fc.Arbitrary<Question> = fc.record({ name, type: u16, class: u16 });

export const edns: fc.Arbitrary<Edns> = fc.record({
  udpPayloadSize: u16, version: u8, dnssecOk: fc.boolean(), flags: fc.integer({ min: 0, max: 0x7fff }),
  options: fc.array(fc.record({ code: u16, data: bytes(20) }), { maxLength: 3 }),
});

export const message: fc.Arbitrary<DnsMessage> = fc.record({
  id: u16, qr: fc.boolean(), opcode: fc.integer({ min: 0, max: 15 }), aa: fc.boolean(), tc: fc.boolean(), rd: fc.boolean(),
  ra: fc.boolean(), z: fc.boolean(), ad: fc.boolean(), cd: fc.boolean(),
  questions: fc.array(question, { maxLength: 2 }),
  answers: fc.array(record, { maxLength: 5 }),
  authority: fc.array(record, { maxLength: 3 }),
  additional: fc.array(record, { maxLength: 3 }),
  edns: fc.option(edns, { nil: null }),
  rcode: fc.integer({ min: 0, max: 0xfff }),
}).map((m) => (m.edns ? m : { ...m, rcode: m.rcode & 0xf }));

export { ascii };
