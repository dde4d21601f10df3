/* Master files: every feature, the zone rules, errors at file:line, and presentation round trips. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { typeFromText, typeToText } from './constants';
import { ZoneError } from './errors';
import { formatName } from './name';
import { type ResourceRecord } from './rdata';
import { formatRecord } from './rdata-text';
import { opaqueRecord, typedRecord } from './testing/arbitraries';
import { parseZone, type ZoneOptions } from './zone';

/* A zone that uses every feature of the parser (zone-interop.test.ts hands it to BIND too). */
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const FEATURE_ZONE = readFileSync(join(FIXTURES, 'feature.zone'), 'utf8');

const include = (path: string) => {
  if (path === 'more.zone') return readFileSync(join(FIXTURES, 'more.zone'), 'utf8');
  throw new Error('no such file');
};

function parse(text: string, options?: ZoneOptions) {
  return parseZone(text, { origin: 'example.com.', file: 'test.zone', include, ...options });
}

function errorOf(text: string, options?: ZoneOptions): string {
  try {
    parse(text, options);
  } catch (e) {
    expect(e).toBeInstanceOf(ZoneError);
    return (e as ZoneError).message;
  }
  return 'accepted';
}

const lines = (rs: ResourceRecord[]) => rs.map(formatRecord);

describe('type mnemonics', () => {
  it('reads and writes those BIND 9.18 knows, and only reads the ones it refuses', () => {
    expect(['DSYNC', 'HHIT', 'BRID', 'UINFO', 'UID', 'GID', 'UNSPEC', 'RESINFO', 'WALLET'].map((t) => typeToText(typeFromText(t)!)))
      .toEqual(['DSYNC', 'HHIT', 'BRID', 'UINFO', 'UID', 'GID', 'UNSPEC', 'RESINFO', 'WALLET']);
    expect([typeFromText('nxname'), typeFromText('CLA'), typeFromText('IPN')]).toEqual([128, 263, 264]);
    expect([typeToText(128), typeToText(263), typeToText(264)]).toEqual(['TYPE128', 'TYPE263', 'TYPE264']);
  });
});

describe('zone files: features', () => {
  it('reads a zone that uses every feature', () => {
    const zone = parse(FEATURE_ZONE);
    expect(formatName(zone.origin)).toBe('example.com.');
    expect(lines(zone.records)).toEqual([
      'example.com.\t5400\tIN\tSOA\tns1.example.com. hostmaster.example.com. 2024010101 10800 900 604800 86400',
      'example.com.\t5400\tIN\tNS\tns1.example.com.',
      'example.com.\t5400\tIN\tNS\tns2.example.net.',
      'example.com.\t5400\tIN\tMX\t10 mail.example.com.',
      'example.com.\t3600\tIN\tTXT\t"v=spf1 -all"',
      'ns1.example.com.\t300\tIN\tA\t192.0.2.1',
      'ns1.example.com.\t300\tIN\tAAAA\t2001:db8::1',
      'mail.example.com.\t5400\tIN\tA\t192.0.2.25',
      'www.example.com.\t5400\tIN\tCNAME\texample.com.',
      'txt.example.com.\t5400\tIN\tTXT\t"two words" "unquoted" "semi;colon" "quote\\"inside" "ABC" ""',
      'caa.example.com.\t5400\tIN\tCAA\t0 issue "letsencrypt.org"',
      'caa.example.com.\t5400\tIN\tCAA\t128 iodef "mailto:security@example.com"',
      '_sip._udp.example.com.\t5400\tIN\tSRV\t10 60 5060 sip.example.com.',
      'sip.example.com.\t5400\tIN\tA\t192.0.2.99',
      'ptr.example.com.\t5400\tIN\tPTR\twww.example.com.',
      'ds.example.com.\t5400\tIN\tDS\t60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118',
      'key.example.com.\t5400\tIN\tDNSKEY\t257 3 8 AwEAAa+nmz7ndWG6CGvjH2xpwz3ba3ORfOWmG0B8dJ/H3d2kM+tFlAeTrzL+rLQdubKWlY+ZGPpk9Z6G1nPe',
      'key.example.com.\t5400\tIN\tRRSIG\tDNSKEY 8 3 3600 20300101000000 20200101000000 60485 example.com. dGVzdCBzaWduYXR1cmU=',
      'key.example.com.\t5400\tIN\tNSEC\tmail.example.com. A NS SOA MX TXT AAAA RRSIG NSEC DNSKEY TYPE65280',
      'unknown.example.com.\t5400\tIN\tTYPE65280\t\\# 6 010203040506',
      'empty.example.com.\t5400\tIN\tTYPE65281\t\\# 0',
      'a\\.dotted.example.com.\t5400\tIN\tA\t192.0.2.9',
      'host.sub.example.com.\t5400\tIN\tA\t192.0.2.10',
      'inner.deeper.example.com.\t5400\tIN\tA\t192.0.2.12',
      'x.elsewhere.example.com.\t5400\tIN\tA\t192.0.2.13',
      'after.sub.example.com.\t5400\tIN\tA\t192.0.2.11',
    ]);
    expect(zone.sources[0]).toEqual({ file: 'test.zone', line: 4 });
    expect(zone.sources[23]).toEqual({ file: 'more.zone', line: 2 });
  });

  it('takes the TTL from $TTL, else the previous record, else the SOA minimum', () => {
    const z = parseZone('@ SOA ns h 1 2 3 4 77\n NS ns\nns A 192.0.2.1\nx 5 A 192.0.2.2\ny A 192.0.2.3\n', { origin: 'e.' });
    expect(z.records.map((r) => r.ttl)).toEqual([77, 77, 77, 5, 5]);
  });

  it('takes the origin from the first $ORIGIN when none is given', () => {
    const z = parseZone('$ORIGIN e.\n$TTL 1\n@ SOA ns h 1 2 3 4 5\n NS ns\n');
    expect(formatName(z.origin)).toBe('e.');
  });

  it('presentation format round-trips random records', () => {
    const records = fc.oneof(typedRecord(fc.constant(1)), opaqueRecord(fc.constant(1)).filter((r) => r.type < 128 || r.type > 255));
    // Zone files hold TTLs up to 2^31 - 1 (RFC 2181 §8).
    const zoneRecords = fc.array(records.map((r) => ({ ...r, ttl: r.ttl & 0x7fffffff })), { minLength: 1, maxLength: 5 });
    fc.assert(fc.property(zoneRecords, (rs) => {
      const z = parseZone(rs.map(formatRecord).join('\n'), { origin: [], check: false });
      expect(z.records).toEqual(rs);
    }), { numRuns: 1000 });
  });
});

describe('zone files: errors name file:line and what was expected', () => {
  const soa = '@ 1 SOA ns h 1 2 3 4 5\n NS ns\n';
  it('syntax', () => {
    expect(errorOf(soa + 'x A 192.0.2.300\n')).toBe('test.zone:3: not an IPv4 address: 192.0.2.300');
    expect(errorOf(soa + 'x MX 10\n')).toBe('test.zone:3: MX rdata: expected the exchange name');
    expect(errorOf(soa + 'x MX ten mail\n')).toBe('test.zone:3: MX rdata: the preference must be a number from 0 to 65535, not "ten"');
    expect(errorOf(soa + 'x A 192.0.2.1 extra\n')).toBe('test.zone:3: unexpected "extra" after the A rdata');
    expect(errorOf(soa + 'x 1 IN\n')).toBe('test.zone:3: expected a type after the owner, TTL, class');
    expect(errorOf(soa + 'x BOGUS 1\n')).toBe('test.zone:3: expected a type, not "BOGUS"');
    expect(errorOf(soa + 'x ( A\n 192.0.2.1\n')).toBe('test.zone:3: the "(" here is never closed');
    expect(errorOf(soa + 'x A 192.0.2.1 )\n')).toBe('test.zone:3: a ")" without "("');
    expect(errorOf(soa + 'x TXT "open\n')).toBe('test.zone:3: a quoted string that does not end on its line');
    expect(errorOf(soa + '\n\nx HINFO cpu os\n')).toMatch(/^test.zone:5: HINFO in class IN has no presentation format here: write it as \\# <length> <hex>$/);
    expect(errorOf(soa + 'x A \\# 3 010203\n')).toBe('test.zone:3: A rdata in \\# form: A rdata of 3 bytes');
    expect(errorOf(soa + 'x TYPE9 \\# 3 0102\n')).toBe('test.zone:3: \\# says 3 bytes but the hex has 2');
    expect(errorOf(soa + 'x 2147483648 A 192.0.2.1\n')).toBe('test.zone:3: "2147483648" is more than 2147483647 seconds');
    expect(errorOf(soa + 'x CH A 192.0.2.1\n')).toBe('test.zone:3: class CH in a zone of class IN');
    expect(errorOf(soa + 'x OPT \\# 0\n')).toBe('test.zone:3: OPT is not a record type a zone can hold');
    expect(errorOf(soa + 'x AXFR \\# 0\n')).toBe('test.zone:3: AXFR is not a record type a zone can hold');
    expect(errorOf('x A 192.0.2.1\n', { origin: undefined })).toBe('test.zone:1: no origin for this record: pass one or use $ORIGIN first');
    expect(errorOf(' A 192.0.2.1\n')).toBe('test.zone:1: a record starting with a blank needs a previous owner');
    expect(errorOf('x A 192.0.2.1\n')).toBe('test.zone:1: no TTL: give one or set $TTL');
    expect(errorOf('$TTL 1h 2h\n')).toBe('test.zone:1: $TTL takes one TTL');
    expect(errorOf('$GENERATE 1-5 x$ A 192.0.2.$\n')).toBe('test.zone:1: unknown directive $GENERATE (expected $ORIGIN, $TTL or $INCLUDE)');
  });

  it('$INCLUDE is refused without a resolver, and errors inside name the included file', () => {
    expect(errorOf(soa + '$INCLUDE /etc/passwd\n', { include: undefined })).toMatch(/^test.zone:3: \$INCLUDE is refused/);
    expect(errorOf(soa + '$INCLUDE missing.zone\n')).toBe('test.zone:3: $INCLUDE missing.zone: no such file');
    const broken = (path: string) => (path === 'loop.zone' ? '$INCLUDE loop.zone\n' : 'ok A 192.0.2.1\nbad A nope\n');
    expect(errorOf(soa + '$INCLUDE bad.zone\n', { include: broken })).toBe('bad.zone:2: not an IPv4 address: nope');
    expect(errorOf(soa + '$INCLUDE loop.zone\n', { include: broken })).toBe('loop.zone:1: $INCLUDE nested more than 8 deep');
  });

  it('zone rules', () => {
    expect(errorOf('$TTL 1\n NS ns\n')).toBe('test.zone:2: a record starting with a blank needs a previous owner');
    expect(errorOf('$TTL 1\n@ NS ns\n')).toBe('test.zone:1: no SOA record at the apex example.com.');
    expect(errorOf(soa + '@ SOA ns h 1 2 3 4 5\n')).toBe('test.zone:3: a second SOA (the first is at line 1)');
    expect(errorOf(soa + 'sub SOA ns h 1 2 3 4 5\n')).toBe('test.zone:3: an SOA at sub.example.com., below the apex example.com.');
    expect(errorOf('@ 1 SOA ns h 1 2 3 4 5\n')).toBe('test.zone:1: no NS records at the apex example.com.');
    expect(errorOf(soa + 'www CNAME x\nwww A 192.0.2.1\n')).toBe('test.zone:4: data beside the CNAME at www.example.com. (line 3)');
    expect(errorOf(soa + 'WWW TXT x\nwww CNAME x\n')).toBe('test.zone:4: a CNAME at www.example.com. beside other data (line 3)');
    expect(errorOf(soa + 'www CNAME x\nwww CNAME y\n')).toBe('test.zone:4: a second CNAME at www.example.com.');
    expect(errorOf(soa + '@ CNAME x\n')).toBe('test.zone:3: a CNAME at example.com. beside other data (line 1)');
    expect(errorOf(soa + 'www.example.net. A 192.0.2.1\n')).toBe('test.zone:3: www.example.net. is outside the zone example.com.');
    expect(errorOf(soa + '$ORIGIN example.org.\nx A 192.0.2.1\n')).toBe('test.zone:4: x.example.org. is outside the zone example.com.');
    expect(errorOf(soa + '@ DS 1 8 2 00\n')).toBe('test.zone:3: a DS record at the apex example.com. (it belongs in the parent zone)');
    // RRSIG and NSEC may sit beside a CNAME (RFC 4035 §2.5)
    expect(errorOf(soa + 'www CNAME x\nwww NSEC z A\n')).toBe('accepted');
    // check: false lifts the rules
    expect(errorOf('www.example.net. 1 A 192.0.2.1\n', { check: false })).toBe('accepted');
  });
});
