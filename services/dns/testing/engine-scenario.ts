/*
 * One deterministic run through the DNS core, printed line by line. The
 * engine test runs it under Node and inside Duktape (fixtures/engine) and
 * compares the lines: ES5 or polyfill gaps show as a difference there.
 */
import { seededRandom } from '../../../lib/random';
import { DnsFormatError, ZoneError } from '../errors';
import { formatName } from '../name';
import { formatRecord } from '../rdata-text';
import { decodeHeader, decodeMessage, encodeMessage, type DnsMessage } from '../wire';
import { parseZone } from '../zone';

const ZONE = [
  '$ORIGIN example.com.',
  '$TTL 1h30m',
  '@ IN SOA ns1 hostmaster ( 2024010101 ; serial',
  '    3h 15m 1w 1d )',
  '  IN NS ns1',
  '  MX 10 mail',
  'ns1 300 IN A 192.0.2.1',
  '    IN 300 AAAA 2001:db8::1',
  'mail A \\# 4 C0000219',
  'www CNAME @',
  'txt TXT "two words" plain "q\\"uote" "\\065\\066C" ""',
  '_sip._udp SRV 10 60 5060 sip',
  'sip A 192.0.2.99',
  'caa CAA 128 issue "letsencrypt.org"',
  'ds DS 60485 RSASHA256 2 ( 2BB183AF5F22588179A53B0A98631FAD1A292118',
  '    2BB183AF5F22588179A53B0A )',
  'key DNSKEY 257 3 13 AwEAAa+nmz7ndWG6CGvjH2xpwz3ba3ORfOWmG0B8',
  'key RRSIG DNSKEY 13 3 3600 20300101000000 19581112172502 60485 example.com. dGVzdA==',
  'key NSEC mail A NS SOA MX TXT AAAA RRSIG NSEC DNSKEY TYPE65280',
  'unknown TYPE65280 \\# 3 010203',
  'a\\.dotted A 192.0.2.9',
  '$INCLUDE sub.zone sub',
  'after A 192.0.2.11',
].join('\n');

const SUB_ZONE = 'inner A 192.0.2.12\n';

/* A query as dig 9.18 sends it: `www.example.com A`, RD + AD, EDNS 1232 with a cookie. */
const DIG_QUERY = '905a0120000100000000000103777777076578616d706c6503636f6d000001000100002904d000000000000c000a00086e1571109569b906';

function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

/** FNV-1a, to print a message's bytes in a few characters. */
function fnv(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  return ('0000000' + h.toString(16)).slice(-8);
}

function outcome(buf: Uint8Array): string {
  try {
    decodeMessage(buf);
    return 'accepted';
  } catch (e) {
    return e instanceof DnsFormatError ? 'formerr' : 'other: ' + String(e);
  }
}

export function runScenario(): string[] {
  const out: string[] = [];
  const zone = parseZone(ZONE, { file: 'scenario.zone', include: function () { return SUB_ZONE; } });
  out.push('zone ' + formatName(zone.origin) + ' ' + zone.records.length + ' records');
  for (let i = 0; i < zone.records.length; i++) out.push(formatRecord(zone.records[i]));

  const query = decodeMessage(fromHex(DIG_QUERY));
  const q = query.questions[0];
  out.push('query id ' + query.id + ' rd ' + query.rd + ' ad ' + query.ad + ' ' + formatName(q.name) + ' type ' + q.type +
    ' edns ' + (query.edns ? query.edns.udpPayloadSize + ' option ' + query.edns.options[0].code : 'none'));

  const response: DnsMessage = {
    id: query.id, qr: true, opcode: 0, aa: true, tc: false, rd: query.rd, ra: false, z: false, ad: false, cd: false, rcode: 0,
    questions: query.questions, answers: zone.records, authority: [], additional: [],
    edns: { udpPayloadSize: 1232, version: 0, dnssecOk: false, flags: 0, options: [] },
  };
  const packed = encodeMessage(response);
  const plain = encodeMessage(response, { compress: false });
  const cut = encodeMessage(response, { maxBytes: 512 });
  out.push('compressed ' + packed.length + ' ' + fnv(packed) + ', plain ' + plain.length + ' ' + fnv(plain) + ', cut ' + cut.length + ' ' + fnv(cut));
  const back = decodeMessage(packed);
  let same = back.answers.length === zone.records.length;
  for (let i = 0; same && i < back.answers.length; i++) same = formatRecord(back.answers[i]) === formatRecord(zone.records[i]);
  const truncated = decodeMessage(cut);
  out.push('round trip ' + same + '; truncated tc ' + truncated.tc + ' answers ' + truncated.answers.length + ' edns ' + (truncated.edns !== null));

  const bad = ['000000000001000000000000c00200010001', 'beef01000001000000000000c00c00010001', '000080000000000100000000000001000100000001000500c000020101'];
  for (let i = 0; i < bad.length; i++) {
    const buf = fromHex(bad[i]);
    let reason = 'accepted';
    try { decodeMessage(buf); } catch (e) { reason = e instanceof DnsFormatError ? e.reason : 'other: ' + String(e); }
    out.push('bad ' + i + ': ' + reason + ' (id ' + decodeHeader(buf).id + ')');
  }
  try {
    parseZone('$TTL 1\n@ SOA ns h 1 2 3 4 5\n NS ns\nwww CNAME x\nwww A 192.0.2.1\n', { origin: 'example.com.', file: 'bad.zone' });
  } catch (e) {
    out.push(e instanceof ZoneError ? e.message : 'other: ' + String(e));
  }

  const random = seededRandom(9);
  const tally: { [k: string]: number } = {};
  for (let i = 0; i < 300; i++) {
    const m = new Uint8Array(packed.length);
    m.set(packed);
    const edits = 1 + Math.floor(random() * 3);
    for (let j = 0; j < edits; j++) m[Math.floor(random() * m.length)] = Math.floor(random() * 256);
    const key = outcome(m);
    tally[key] = (tally[key] || 0) + 1;
    const noise = new Uint8Array(12 + Math.floor(random() * 100));
    for (let j = 0; j < noise.length; j++) noise[j] = Math.floor(random() * 256);
    for (let c = 4; c < 12; c += 2) { noise[c] = 0; noise[c + 1] &= 3; } // small counts, so sections get read
    const k2 = 'noise ' + outcome(noise);
    tally[k2] = (tally[k2] || 0) + 1;
  }
  const keys = Object.keys(tally).sort();
  for (let i = 0; i < keys.length; i++) out.push('mutated ' + keys[i] + ': ' + tally[keys[i]]);
  return out;
}
