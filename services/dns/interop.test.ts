/*
 * The codec against real tools: dig (BIND 9) and kdig (Knot) send queries
 * to a UDP socket here; we decode their exact bytes, answer with our
 * encoder, and read their printout back with our zone parser, which must
 * give the records we sent. Tools that are missing skip their tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFile, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { CLASS, RRTYPE } from './constants';
import { parseName } from './name';
import { type ResourceRecord } from './rdata';
import { typedRecord } from './testing/arbitraries';
import { decodeMessage, encodeMessage, type DnsMessage } from './wire';
import { parseZone } from './zone';

const have = (tool: string): boolean => spawnSync(tool, ['-v'], { stdio: 'ignore' }).error === undefined;
const haveDig = have('dig');
const haveKdig = have('kdig');

type Responder = (query: DnsMessage) => { message: DnsMessage; maxBytes?: number; compress?: boolean };

/** A UDP socket that records each query's bytes and answers through `respond`. */
class FakeServer {
  private socket = dgram.createSocket('udp4');
  queries: Uint8Array[] = [];
  errors: Error[] = [];
  respond: Responder = (q) => ({ message: { ...q, qr: true } });
  port = 0;

  start(): Promise<void> {
    this.socket.on('message', (msg, peer) => {
      const bytes = new Uint8Array(msg);
      this.queries.push(bytes);
      try {
        const { message, maxBytes, compress } = this.respond(decodeMessage(bytes));
        this.socket.send(encodeMessage(message, { maxBytes, compress }), peer.port, peer.address);
      } catch (e) {
        this.errors.push(e as Error); // the tool times out; the test reports this
      }
    });
    return new Promise((resolve) => this.socket.bind(0, '127.0.0.1', () => { this.port = this.socket.address().port; resolve(); }));
  }

  stop(): void {
    this.socket.close();
  }

  /** Runs a tool asynchronously (the socket answers meanwhile); resolves with its stdout. */
  run(tool: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(tool, args, { timeout: 10_000 }, (err, stdout, stderr) => {
        if (this.errors.length) reject(this.errors.shift());
        else if (err) reject(new Error(tool + ' failed: ' + stderr + stdout));
        else resolve(stdout);
      });
    });
  }

  dig(args: string[]): Promise<string> {
    return this.run('dig', ['@127.0.0.1', '-p', String(this.port), '+tries=1', '+time=2', ...args]);
  }

  kdig(args: string[]): Promise<string> {
    return this.run('kdig', ['@127.0.0.1', '-p', String(this.port), '+retry=0', '+timeout=2', ...args]);
  }
}

const name = (s: string) => parseName(s);
const bytes = (...b: number[]) => new Uint8Array(b);
const text = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

/** One record of each typed kind, and an opaque one, sharing suffixes so compression is used. */
const SAMPLE: ResourceRecord[] = [
  { name: name('example.com.'), type: RRTYPE.SOA, class: 1, ttl: 3600, rdata: { kind: 'SOA', mname: name('ns1.example.com.'), rname: name('host\\.master.example.com.'), serial: 2024010101, refresh: 10800, retry: 900, expire: 604800, minimum: 86400 } },
  { name: name('example.com.'), type: RRTYPE.NS, class: 1, ttl: 3600, rdata: { kind: 'NS', target: name('ns1.example.com.') } },
  { name: name('example.com.'), type: RRTYPE.MX, class: 1, ttl: 3600, rdata: { kind: 'MX', preference: 10, exchange: name('Mail.Example.com.') } },
  { name: name('ns1.example.com.'), type: RRTYPE.A, class: 1, ttl: 300, rdata: { kind: 'A', address: bytes(192, 0, 2, 1) } },
  { name: name('ns1.example.com.'), type: RRTYPE.AAAA, class: 1, ttl: 300, rdata: { kind: 'AAAA', address: bytes(0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1) } },
  { name: name('www.example.com.'), type: RRTYPE.CNAME, class: 1, ttl: 60, rdata: { kind: 'CNAME', target: name('example.com.') } },
  { name: name('1.2.0.192.in-addr.arpa.'), type: RRTYPE.PTR, class: 1, ttl: 60, rdata: { kind: 'PTR', target: name('ns1.example.com.') } },
  { name: name('txt.example.com.'), type: RRTYPE.TXT, class: 1, ttl: 60, rdata: { kind: 'TXT', strings: [text('two words'), text('quote"and\\back'), bytes(0, 255, 10), text('')] } },
  { name: name('_sip._udp.example.com.'), type: RRTYPE.SRV, class: 1, ttl: 60, rdata: { kind: 'SRV', priority: 10, weight: 60, port: 5060, target: name('sip.example.com.') } },
  { name: name('example.com.'), type: RRTYPE.CAA, class: 1, ttl: 60, rdata: { kind: 'CAA', flags: 128, tag: 'issue', value: text('letsencrypt.org; validationmethods=dns-01') } },
  { name: name('sub.example.com.'), type: RRTYPE.DS, class: 1, ttl: 60, rdata: { kind: 'DS', keyTag: 60485, algorithm: 8, digestType: 2, digest: new Uint8Array(32).map((_, i) => i * 7) } },
  { name: name('example.com.'), type: RRTYPE.DNSKEY, class: 1, ttl: 60, rdata: { kind: 'DNSKEY', flags: 257, protocol: 3, algorithm: 13, publicKey: new Uint8Array(64).map((_, i) => 255 - i) } },
  { name: name('example.com.'), type: RRTYPE.RRSIG, class: 1, ttl: 60, rdata: { kind: 'RRSIG', typeCovered: RRTYPE.DNSKEY, algorithm: 13, labels: 2, originalTtl: 60, expiration: 1893456000, inception: 1577836800, keyTag: 60485, signerName: name('example.com.'), signature: new Uint8Array(64).map((_, i) => i) } },
  { name: name('example.com.'), type: RRTYPE.NSEC, class: 1, ttl: 60, rdata: { kind: 'NSEC', nextName: name('\\000.example.com.'), types: [1, 2, 6, 15, 16, 28, 46, 47, 48, 257, 65280] } },
  { name: name('opaque.example.com.'), type: 65280, class: 1, ttl: 60, rdata: { kind: 'opaque', bytes: bytes(1, 2, 3, 0xc0, 12) } },
  { name: name('Case.EXAMPLE.com.'), type: RRTYPE.A, class: 1, ttl: 1, rdata: { kind: 'A', address: bytes(10, 0, 0, 1) } },
];

/* BIND checks more than the wire format: a DS digest's length for the
 * digest types it knows, an RRSIG's type covered, label count and signer
 * against its owner, the key of a private-algorithm DNSKEY (253, 254), and
 * it refuses an NSEC with an empty type bitmap. Knot
 * (and we) take these as they come; for dig the random records are made sane. */
const DIGEST_LENGTH: { [digestType: number]: number } = { 1: 20, 2: 32, 3: 32, 4: 48 };
const randomRecord = typedRecord(fc.constant(1)).map((r): ResourceRecord => ({ ...r, ttl: r.ttl & 0x7fffffff })); // text holds TTLs < 2^31
const randomRecords = fc.array(randomRecord, { minLength: 1, maxLength: 8 });
const saneForBind = fc.array(randomRecord.map((r): ResourceRecord => {
  const rd = r.rdata;
  if (rd.kind === 'DS' && DIGEST_LENGTH[rd.digestType]) return { ...r, rdata: { ...rd, digest: new Uint8Array(DIGEST_LENGTH[rd.digestType]).fill(0xa5) } };
  if (rd.kind === 'RRSIG') return { ...r, rdata: { ...rd, typeCovered: rd.typeCovered || 1, labels: r.name.length, signerName: r.name.slice(r.name.length > 1 ? 1 : 0) } };
  if (rd.kind === 'DNSKEY' && rd.algorithm >= 253) return { ...r, rdata: { ...rd, algorithm: 8 } };
  if (rd.kind === 'NSEC' && rd.types.length === 0) return { ...r, rdata: { ...rd, types: [RRTYPE.NSEC] } };
  return r;
}), { minLength: 1, maxLength: 8 });

function answer(records: ResourceRecord[]): Responder {
  return (q) => ({
    message: { ...q, qr: true, aa: true, ra: false, ad: false, answers: records, edns: q.edns ? { udpPayloadSize: 1232, version: 0, dnssecOk: false, flags: 0, options: [] } : null },
  });
}

/** The records of a dig/kdig answer printout, read with our own zone parser. */
function readBack(printout: string): ResourceRecord[] {
  return parseZone(printout, { origin: [], check: false, file: 'printout' }).records;
}

let server: FakeServer;
beforeAll(async () => { server = new FakeServer(); await server.start(); });
afterAll(() => server.stop());

describe.skipIf(!haveDig)('dns interop: dig', () => {
  it('decodes the exact query bytes dig sends, with its EDNS options', async () => {
    server.queries = [];
    server.respond = answer([]);
    await server.dig(['www.Example.com', 'A']);
    await server.dig(['+norec', '+cd', '+dnssec', '+nsid', '+subnet=192.0.2.0/24', '+ednsopt=65001:abcd', '-c', 'CH', '-t', 'TXT', 'version.bind']);
    await server.dig(['+noedns', '-t', 'TYPE65280', 'x.example.']);
    const [plain, options, noEdns] = server.queries.map((q) => decodeMessage(q));
    expect(plain).toMatchObject({ qr: false, opcode: 0, rd: true, ad: true, cd: false, answers: [], authority: [], additional: [] });
    expect(plain.questions).toEqual([{ name: name('www.Example.com.'), type: 1, class: 1 }]);
    expect(plain.edns).toMatchObject({ udpPayloadSize: 1232, version: 0, dnssecOk: false });
    expect(plain.edns!.options.map((o) => o.code)).toEqual([10]); // a client cookie
    expect(options).toMatchObject({ rd: false, cd: true });
    expect(options.questions).toEqual([{ name: name('version.bind.'), type: RRTYPE.TXT, class: CLASS.CH }]);
    expect(options.edns!.dnssecOk).toBe(true);
    const codes = options.edns!.options.map((o) => o.code);
    expect(codes).toEqual(expect.arrayContaining([3, 8, 10, 65001])); // NSID, client subnet, cookie, ours
    expect(options.edns!.options.find((o) => o.code === 65001)!.data).toEqual(bytes(0xab, 0xcd));
    expect(options.edns!.options.find((o) => o.code === 8)!.data).toEqual(bytes(0, 1, 24, 0, 192, 0, 2)); // family 1, /24, scope 0
    expect(noEdns.edns).toBeNull();
    expect(noEdns.questions[0].type).toBe(65280);
    // and each re-encodes to the very bytes dig sent
    for (const q of server.queries) expect(Buffer.from(encodeMessage(decodeMessage(q)))).toEqual(Buffer.from(q));
  });

  it('reads our answers, compressed or not, as the records we sent', async () => {
    for (const compress of [true, false]) {
      const respond = answer(SAMPLE);
      server.respond = (q) => ({ ...respond(q), compress });
      expect(readBack(await server.dig(['+noall', '+answer', 'example.com', 'A']))).toEqual(SAMPLE);
      // RFC 3597 form: dig writes every rdata as the bytes it decompressed
      expect(readBack(await server.dig(['+noall', '+answer', '+unknownformat', 'example.com', 'A']))).toEqual(SAMPLE);
    }
  });

  it('agrees with our encoding of random records', async () => {
    await fc.assert(fc.asyncProperty(saneForBind, async (rs) => {
      server.respond = answer(rs);
      expect(readBack(await server.dig(['+noall', '+answer', '+unknownformat', 'example.com', 'A']))).toEqual(rs);
    }), { numRuns: Number(process.env.DNS_INTEROP_RUNS || 40) });
  });

  it('sees TC and the records that fit when we truncate to 512 bytes', async () => {
    const many: ResourceRecord[] = [];
    for (let i = 0; i < 100; i++) many.push({ name: name('h' + i + '.example.com.'), type: 1, class: 1, ttl: 5, rdata: { kind: 'A', address: bytes(192, 0, 2, i) } });
    const respond = answer(many);
    server.respond = (q) => ({ ...respond(q), maxBytes: 512 });
    const out = await server.dig(['+ignore', '+noquestion', '+nostats', 'example.com', 'A']);
    expect(out).toMatch(/flags: qr aa tc/);
    const got = readBack(out.split('\n').filter((l) => !l.startsWith(';')).join('\n'));
    expect(got.length).toBeGreaterThan(10);
    expect(got).toEqual(many.slice(0, got.length));
    expect(out).toMatch(/; EDNS: version: 0, flags:; udp: 1232/);
  });

  it('shows the extended rcode BADVERS from our OPT', async () => {
    server.respond = (q) => ({ message: { ...q, qr: true, rcode: 16, edns: { udpPayloadSize: 1232, version: 0, dnssecOk: false, flags: 0, options: [] } } });
    expect(await server.dig(['+noall', '+comments', 'example.com'])).toMatch(/status: BADVERS/);
  });
});

describe.skipIf(!haveKdig)('dns interop: kdig', () => {
  it('decodes the exact query bytes kdig sends', async () => {
    server.queries = [];
    server.respond = answer([]);
    await server.kdig(['+dnssec', '+nsid', '+alignment=128', '+cookie', 'Example.ORG', 'MX']);
    await server.kdig(['+noedns', '+norecurse', '-c', 'CLASS4', '-t', 'TXT', 'x.']);
    const [padded, plain] = server.queries.map((q) => decodeMessage(q));
    expect(server.queries[0].length % 128).toBe(0); // padded to the block (RFC 7830, 8467)
    expect(padded.questions).toEqual([{ name: name('example.org.'), type: RRTYPE.MX, class: 1 }]); // kdig lowercases
    expect(padded.edns!.dnssecOk).toBe(true);
    expect(padded.edns!.options.map((o) => o.code)).toEqual(expect.arrayContaining([3, 10, 12]));
    expect(plain).toMatchObject({ rd: false, edns: null, questions: [{ name: name('x.'), type: RRTYPE.TXT, class: CLASS.HS }] });
    for (const q of server.queries) expect(Buffer.from(encodeMessage(decodeMessage(q)))).toEqual(Buffer.from(q));
  });

  it('reads our answers as the records we sent', async () => {
    server.respond = answer(SAMPLE);
    expect(readBack(await server.kdig(['+noall', '+answer', 'example.com', 'A']))).toEqual(SAMPLE);
    expect(readBack(await server.kdig(['+noall', '+answer', '+generic', 'example.com', 'A']))).toEqual(SAMPLE);
  });

  it('agrees with our encoding of random records', async () => {
    await fc.assert(fc.asyncProperty(randomRecords, async (rs) => {
      server.respond = answer(rs);
      expect(readBack(await server.kdig(['+noall', '+answer', '+generic', 'example.com', 'A']))).toEqual(rs);
    }), { numRuns: Number(process.env.DNS_INTEROP_RUNS || 40) });
  });
});
