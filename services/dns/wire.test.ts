/* The message codec: round trips, strictness on read, compression, truncation. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DnsFormatError } from './errors';
import { parseName, type DnsName } from './name';
import { type ResourceRecord } from './rdata';
import { decodeHeader, decodeMessage, encodeMessage, type DnsMessage } from './wire';
import { ascii, message } from './testing/arbitraries';

const n = (s: string): DnsName => parseName(s);

function query(name: string, type = 1): DnsMessage {
  return {
    id: 0x1234, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: false, rcode: 0,
    questions: [{ name: n(name), type, class: 1 }], answers: [], authority: [], additional: [], edns: null,
  };
}

function a(name: string, last: number): ResourceRecord {
  return { name: n(name), type: 1, class: 1, ttl: 300, rdata: { kind: 'A', address: new Uint8Array([192, 0, 2, last]) } };
}

/** The reason of the DnsFormatError decoding throws, or "accepted". */
function reason(buf: Uint8Array): string {
  try {
    decodeMessage(buf);
    return 'accepted';
  } catch (e) {
    expect(e).toBeInstanceOf(DnsFormatError);
    return (e as DnsFormatError).reason;
  }
}

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('dns wire: round trips', () => {
  it('random messages round-trip, compressed and not', () => {
    fc.assert(fc.property(message, (m) => {
      expect(decodeMessage(encodeMessage(m))).toEqual(m);
      expect(decodeMessage(encodeMessage(m, { compress: false }))).toEqual(m);
    }), { numRuns: 1500 });
  });

  it('compression never makes a message larger, and decodes to the uncompressed message', () => {
    fc.assert(fc.property(message, (m) => {
      const packed = encodeMessage(m);
      const plain = encodeMessage(m, { compress: false });
      expect(packed.length).toBeLessThanOrEqual(plain.length);
      expect(decodeMessage(packed)).toEqual(decodeMessage(plain));
    }), { numRuns: 1500 });
  });

  it('a query as dig sends it decodes field by field', () => {
    // dig 9.18 `www.example.com A`: RD, AD, EDNS 1232 with a client cookie.
    const m = decodeMessage(hex(`
      a1b2 0120 0001 0000 0000 0001
      03777777 076578616d706c65 03636f6d 00 0001 0001
      00 0029 04d0 00000000 000c 000a 0008 0123456789abcdef`));
    expect(m).toMatchObject({ id: 0xa1b2, qr: false, opcode: 0, rd: true, ad: true, cd: false, rcode: 0 });
    expect(m.questions).toEqual([{ name: n('www.example.com.'), type: 1, class: 1 }]);
    expect(m.edns).toEqual({ udpPayloadSize: 1232, version: 0, dnssecOk: false, flags: 0, options: [{ code: 10, data: hex('0123456789abcdef') }] });
    expect(m.additional).toEqual([]);
  });

  it('folds the extended rcode of OPT into rcode (BADVERS = 16)', () => {
    const m: DnsMessage = { ...query('example.'), qr: true, rcode: 16, edns: { udpPayloadSize: 512, version: 0, dnssecOk: true, flags: 0, options: [] } };
    const buf = encodeMessage(m);
    expect(buf[3] & 0xf).toBe(0);
    expect(decodeMessage(buf).rcode).toBe(16);
    expect(() => encodeMessage({ ...m, edns: null })).toThrow(/needs EDNS/);
  });

  it('keeps the case of names, also through compression', () => {
    const m: DnsMessage = { ...query('Example.COM.'), answers: [a('example.com.', 1), a('EXAMPLE.com.', 2), a('Example.COM.', 3)] };
    const d = decodeMessage(encodeMessage(m));
    expect(d.answers.map((r) => Buffer.from(r.name[0]).toString())).toEqual(['example', 'EXAMPLE', 'Example']);
  });

  it('keeps unknown types and classes verbatim (RFC 3597), and A in class CH is opaque', () => {
    const rec: ResourceRecord = { name: n('x.'), type: 65280, class: 1, ttl: 1, rdata: { kind: 'opaque', bytes: hex('c00c0001') } };
    const ch: ResourceRecord = { name: n('x.'), type: 1, class: 3, ttl: 1, rdata: { kind: 'opaque', bytes: hex('03666f6f0001') } };
    const d = decodeMessage(encodeMessage({ ...query('x.'), answers: [rec, ch] }));
    expect(d.answers).toEqual([rec, ch]);
  });
});

describe('dns wire: names and compression', () => {
  it('points repeated suffixes back to the first', () => {
    const m: DnsMessage = { ...query('www.example.com.'), answers: [a('www.example.com.', 1), a('mail.example.com.', 2)] };
    const buf = encodeMessage(m);
    // header 12 + question 21; answer 1's owner is a pointer to 12; answer 2 is "mail" + pointer to "example.com" at 16.
    expect(Array.from(buf.subarray(33, 35))).toEqual([0xc0, 12]);
    expect(Array.from(buf.subarray(49, 56))).toEqual([4, 0x6d, 0x61, 0x69, 0x6c, 0xc0, 16]);
  });

  it('compresses names in NS, CNAME, PTR, SOA and MX rdata, never in SRV, RRSIG, NSEC or opaque rdata', () => {
    const target = n('host.example.com.');
    const records: ResourceRecord[] = [
      { name: n('example.com.'), type: 15, class: 1, ttl: 1, rdata: { kind: 'MX', preference: 1, exchange: target } },
      { name: n('example.com.'), type: 33, class: 1, ttl: 1, rdata: { kind: 'SRV', priority: 1, weight: 1, port: 1, target } },
      { name: n('example.com.'), type: 47, class: 1, ttl: 1, rdata: { kind: 'NSEC', nextName: target, types: [1] } },
    ];
    const buf = encodeMessage({ ...query('example.com.'), answers: records });
    const full = Buffer.from([4, ...Buffer.from('host'), 7, ...Buffer.from('example'), 3, ...Buffer.from('com'), 0]);
    const b = Buffer.from(buf);
    // The MX exchange is "host" + pointer; SRV and NSEC carry the whole name.
    let count = 0;
    for (let i = b.indexOf(full); i >= 0; i = b.indexOf(full, i + 1)) count++;
    expect(count).toBe(2);
    expect(decodeMessage(buf).answers).toEqual(records);
  });

  it('reads compression pointers in any typed name, as long as they point backwards', () => {
    // an SRV whose target is a pointer to the question name (liberal on read)
    const buf = hex(`0000 8000 0001 0001 0000 0000  01 61 00 0021 0001
      c00c 0021 0001 00000001 0008 0001 0002 0003 c00c`);
    expect(decodeMessage(buf).answers[0].rdata).toEqual({ kind: 'SRV', priority: 1, weight: 2, port: 3, target: n('a.') });
  });
});

describe('dns wire: strict reading', () => {
  const head = '0000 0000 0001 0000 0000 0000';
  it('rejects pointer loops, forward pointers and pointers into the header', () => {
    expect(reason(hex(head + 'c00c 0001 0001'))).toMatch(/does not point backwards/);
    expect(reason(hex(head + '01 61 c00c 0001 0001'))).toMatch(/does not point backwards/);
    expect(reason(hex(head + 'c00e 00 0001 0001'))).toMatch(/does not point backwards/);
    expect(reason(hex(head + 'c002 0001 0001'))).toMatch(/into the header/);
  });

  it('rejects labels of unknown type and names over 255 bytes', () => {
    expect(reason(hex(head + '40 0001 0001'))).toMatch(/unknown label type/);
    const long = ('3f' + '61'.repeat(63)).repeat(4) + '00';
    expect(reason(hex(head + long + '0001 0001'))).toMatch(/longer than 255/);
    const fits = ('3f' + '61'.repeat(63)).repeat(3) + '3d' + '61'.repeat(61) + '00';
    expect(reason(hex(head + fits + '0001 0001'))).toBe('accepted');
  });

  it('checks that rdata is exactly rdlength long', () => {
    const answer = (type: string, rdata: string) => hex('0000 8000 0000 0001 0000 0000 00' + type + '0001 00000001' +
      (rdata.replace(/\s/g, '').length / 2).toString(16).padStart(4, '0') + rdata);
    expect(reason(answer('0001', 'c0000201'))).toBe('accepted');
    expect(reason(answer('0001', 'c000020101'))).toMatch(/A rdata of 5 bytes/);
    expect(reason(answer('000f', '0001 00 ff'))).toMatch(/rdlength 4 is longer than the MX rdata/);
    expect(reason(answer('000f', '0001 01'))).toMatch(/truncated MX exchange/);
    expect(reason(answer('0010', '05 6869'))).toMatch(/truncated TXT string/);
    expect(reason(answer('002f', '00 0000'))).toMatch(/NSEC bitmap length 0/);
    expect(reason(answer('002f', '00 0001 00'))).toMatch(/trailing zero/);
    expect(reason(answer('002f', '00 0101 40 0001 40'))).toMatch(/out of order/);
    expect(reason(answer('0101', '00 00'))).toMatch(/empty CAA tag/);
    expect(reason(answer('0101', '00 01 2d'))).toMatch(/letters and digits/);
    // a truncated rdlength field and rdata that runs past the message
    expect(reason(hex('0000 8000 0000 0001 0000 0000 00 0001 0001 00000001 00'))).toMatch(/truncated rdlength/);
    expect(reason(hex('0000 8000 0000 0001 0000 0000 00 0001 0001 00000001 0004 c000'))).toMatch(/truncated A rdata/);
  });

  it('checks the counts against the records present', () => {
    const ok = encodeMessage({ ...query('a.'), answers: [a('a.', 1)] });
    const more = ok.slice(); more[7] = 2;
    expect(reason(more)).toMatch(/truncated record owner/);
    const extra = new Uint8Array(ok.length + 1); extra.set(ok);
    expect(reason(extra)).toMatch(/1 bytes after the last record/);
  });

  it('allows one OPT, owned by the root, in the additional section only', () => {
    const opt = '00 0029 0200 00000000 0000';
    expect(reason(hex('0000 0000 0000 0000 0000 0002' + opt + opt))).toMatch(/more than one OPT/);
    expect(reason(hex('0000 0000 0000 0000 0000 0001 0161 00 0029 0200 00000000 0000'))).toMatch(/OPT owner is not the root/);
    expect(reason(hex('0000 0000 0000 0001 0000 0000' + opt))).toMatch(/OPT record in the answer section/);
    expect(reason(hex('0000 0000 0000 0000 0000 0001 00 0029 0200 00000000 0005 0001 0002 ff'))).toMatch(/EDNS option longer/);
  });

  it('decodes the header of a message that is otherwise malformed, so FORMERR can carry the id', () => {
    const bad = hex('beef 0100 0001 0000 0000 0000 c00c 0001 0001');
    expect(reason(bad)).toMatch(/pointer/);
    expect(decodeHeader(bad)).toMatchObject({ id: 0xbeef, rd: true, qdcount: 1 });
    expect(() => decodeHeader(bad.subarray(0, 11))).toThrow(DnsFormatError);
  });

  it('random bytes never throw anything but DnsFormatError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => { reason(b); }), { numRuns: 5000 });
    // with small counts, so the sections get read
    const counts = fc.tuple(...[0, 1, 2, 3].map(() => fc.integer({ min: 0, max: 3 })));
    fc.assert(fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), counts, fc.uint8Array({ maxLength: 300 }), (h, c, body) => {
      const buf = new Uint8Array(12 + body.length);
      buf.set(h);
      for (let i = 0; i < 4; i++) buf[5 + 2 * i] = c[i];
      buf.set(body, 12);
      reason(buf);
    }), { numRuns: 5000 });
  });

  it('mutated valid messages fail with DnsFormatError or decode to something that re-encodes to itself', () => {
    const edit = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }));
    fc.assert(fc.property(message, fc.array(edit, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.nat(), (m, edits, compress, cut) => {
      let buf = encodeMessage(m, { compress }).slice();
      for (const [i, v] of edits) buf[i % buf.length] = v;
      if (cut % 4 === 0) buf = buf.subarray(0, cut % (buf.length + 1));
      let d: DnsMessage;
      try {
        d = decodeMessage(buf);
      } catch (e) {
        expect(e).toBeInstanceOf(DnsFormatError);
        return;
      }
      expect(decodeMessage(encodeMessage(d))).toEqual(d);
    }), { numRuns: 3000 });
  });
});

describe('dns wire: size limit and truncation (RFC 2181 §9)', () => {
  const edns = { udpPayloadSize: 1232, version: 0, dnssecOk: false, flags: 0, options: [{ code: 10, data: new Uint8Array(16) }] };

  it('drops answer records that do not fit, sets TC, keeps OPT', () => {
    const answers: ResourceRecord[] = [];
    for (let i = 0; i < 60; i++) answers.push(a('host' + i + '.example.com.', i));
    const m: DnsMessage = { ...query('example.com.'), qr: true, answers, edns };
    const buf = encodeMessage(m, { maxBytes: 512 });
    expect(buf.length).toBeLessThanOrEqual(512);
    const d = decodeMessage(buf);
    expect(d.tc).toBe(true);
    expect(d.answers.length).toBeGreaterThan(10);
    expect(d.answers).toEqual(answers.slice(0, d.answers.length));
    expect(d.edns).toEqual(edns);
    expect(decodeMessage(encodeMessage(m)).tc).toBe(false);
  });

  it('never leaves part of an RRset', () => {
    const big: ResourceRecord[] = [];
    for (let i = 0; i < 40; i++) big.push(a('same.example.com.', i));
    const m: DnsMessage = { ...query('example.com.'), qr: true, answers: [a('first.example.com.', 1), ...big] };
    const d = decodeMessage(encodeMessage(m, { maxBytes: 300 }));
    expect(d.tc).toBe(true);
    expect(d.answers).toEqual([m.answers[0]]);
  });

  it('drops additional records without setting TC', () => {
    const additional: ResourceRecord[] = [];
    for (let i = 0; i < 40; i++) additional.push(a('glue' + i + '.example.com.', i));
    const m: DnsMessage = { ...query('example.com.'), qr: true, answers: [a('example.com.', 1)], additional, edns };
    const d = decodeMessage(encodeMessage(m, { maxBytes: 512 }));
    expect(d.tc).toBe(false);
    expect(d.answers.length).toBe(1);
    expect(d.additional.length).toBeLessThan(40);
    expect(d.edns).toEqual(edns);
  });

  it('fits any random message under any limit, or says the question does not fit', () => {
    fc.assert(fc.property(message, fc.integer({ min: 12, max: 1500 }), fc.boolean(), (m, limit, compress) => {
      let buf: Uint8Array;
      try {
        buf = encodeMessage(m, { maxBytes: limit, compress });
      } catch (e) {
        expect((e as DnsFormatError).reason).toMatch(/header and question do not fit/);
        return;
      }
      expect(buf.length).toBeLessThanOrEqual(limit);
      const d = decodeMessage(buf);
      const full = decodeMessage(encodeMessage(m, { compress }));
      expect(d.edns).toEqual(full.edns);
      expect(d.answers).toEqual(full.answers.slice(0, d.answers.length));
      if (d.answers.length < full.answers.length || d.authority.length < full.authority.length) expect(d.tc).toBe(true);
      else expect(d.tc).toBe(m.tc);
    }), { numRuns: 1500 });
  });
});

describe('dns wire: encoder checks its input', () => {
  it('refuses what cannot be written', () => {
    const bad = (patch: Partial<ResourceRecord>) => () => encodeMessage({ ...query('a.'), answers: [{ ...a('a.', 1), ...patch }] });
    expect(bad({ rdata: { kind: 'MX', preference: 1, exchange: [] } })).toThrow(/MX rdata in a record of type A/);
    expect(bad({ name: [new Uint8Array(64)] })).toThrow(/label longer than 63/);
    expect(bad({ name: [new Uint8Array(0)] })).toThrow(/empty label/);
    expect(bad({ ttl: -1 })).toThrow(/TTL -1/);
    expect(bad({ type: 41 })).toThrow(/OPT goes in `edns`/);
    expect(bad({ rdata: { kind: 'A', address: new Uint8Array(3) } })).toThrow(/A address of 3 bytes/);
    expect(bad({ type: 16, rdata: { kind: 'TXT', strings: [new Uint8Array(256)] } })).toThrow(/TXT string longer than 255/);
    expect(bad({ type: 257, rdata: { kind: 'CAA', flags: 0, tag: 'is-sue', value: ascii('x') } })).toThrow(/letters and digits/);
    expect(() => encodeMessage(query('a.'), { maxBytes: 15 })).toThrow(/header and question do not fit in 15 bytes/);
  });
});
