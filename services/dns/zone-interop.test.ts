/*
 * The zone parser against BIND's (named-checkzone / named-compilezone from
 * bind9-utils; skipped when they are not installed): BIND must accept what
 * we accept, refuse what we refuse for the zone rules (BIND only warns
 * about, and drops, records outside the zone; we refuse them), and its canonical
 * dump of a zone, read back by us, must hold the records we read.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZoneError } from './errors';
import { concatNames, lowercaseName, parseName } from './name';
import { type ResourceRecord } from './rdata';
import { formatRecord } from './rdata-text';
import { typedRecord } from './testing/arbitraries';
import { parseZone } from './zone';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const haveBind = spawnSync('named-checkzone', ['-v'], { stdio: 'ignore' }).error === undefined;
const work = mkdtempSync(join(tmpdir(), 'nymote-dns-zone-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/* -k ignore: BIND's host-name policy (check-names) is not RFC 1035; -i none: no glue checks. */
function checkzone(file: string, cwd: string): { code: number | null; out: string } {
  const r = spawnSync('named-checkzone', ['-k', 'ignore', '-i', 'none', 'example.com', file], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** BIND's canonical dump of the zone (full names, one record a line), or null and why it refused the zone. */
function compile(file: string, cwd: string): { dump: string | null; why: string } {
  const r = spawnSync('named-compilezone', ['-k', 'ignore', '-i', 'none', '-o', '-', 'example.com', file], { cwd, encoding: 'utf8' });
  return { dump: r.status === 0 ? r.stdout : null, why: r.stderr + (r.status === 0 ? '' : r.stdout) };
}

/** Names lowered, as BIND compares them when it drops repeated records. */
function lowered(r: ResourceRecord): ResourceRecord {
  const rd = r.rdata;
  const out = { ...r, name: lowercaseName(r.name) };
  switch (rd.kind) {
    case 'NS': case 'CNAME': case 'PTR': return { ...out, rdata: { ...rd, target: lowercaseName(rd.target) } };
    case 'SRV': return { ...out, rdata: { ...rd, target: lowercaseName(rd.target) } };
    case 'MX': return { ...out, rdata: { ...rd, exchange: lowercaseName(rd.exchange) } };
    case 'SOA': return { ...out, rdata: { ...rd, mname: lowercaseName(rd.mname), rname: lowercaseName(rd.rname) } };
    case 'RRSIG': return { ...out, rdata: { ...rd, signerName: lowercaseName(rd.signerName) } };
    case 'NSEC': return { ...out, rdata: { ...rd, nextName: lowercaseName(rd.nextName) } };
    default: return out;
  }
}

/** Records as a sorted list of lines without repeats (BIND keeps one of equal records, in its own order). */
const canonical = (rs: ResourceRecord[]) => Array.from(new Set(rs.map(lowered).map(formatRecord))).sort();

describe.skipIf(!haveBind)('zone files against BIND', () => {
  it('BIND accepts the feature zone and its dump reads back as the records we read', () => {
    expect(checkzone('feature.zone', FIXTURES).code).toBe(0);
    const include = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');
    const ours = parseZone(readFileSync(join(FIXTURES, 'feature.zone'), 'utf8'), { origin: 'example.com.', include });
    const bind = parseZone(compile('feature.zone', FIXTURES).dump as string, { origin: 'example.com.', file: 'bind-dump' });
    expect(canonical(bind.records)).toEqual(canonical(ours.records));
  });

  it('BIND refuses the zones our rules refuse', () => {
    const soa = '$TTL 1h\n@ SOA ns h 1 2 3 4 5\n NS ns\nns A 192.0.2.1\n';
    const bad = [
      soa + 'www CNAME x\nwww A 192.0.2.1\n',
      soa + 'www CNAME x\nwww CNAME y\n',
      soa + '@ DS 1 8 2 00\n',
      soa + '@ SOA ns h 2 2 3 4 5\n',
      '$TTL 1h\n@ SOA ns h 1 2 3 4 5\n',
      soa + 'x A 192.0.2.256\n',
      soa + 'x ( A 192.0.2.1\n',
      soa + 'x MX 10\n',
      soa + 'x BOGUS 1\n',
      soa + '$INCLUDE missing.zone\n',
    ];
    bad.forEach((text, i) => {
      const file = 'bad' + i + '.zone';
      writeFileSync(join(work, file), text);
      expect(() => parseZone(text, { origin: 'example.com.' }), text).toThrow(ZoneError);
      expect(checkzone(file, work).code, text).not.toBe(0);
    });
  });

  it('random zones read the same through BIND', () => {
    const origin = parseName('example.com.');
    // Owners below the origin; types BIND writes back in the same presentation format.
    const rec = typedRecord(fc.constant(1))
      .filter((r) => r.type !== 5 && r.type !== 6)
      .map((r): ResourceRecord => {
        const rd = r.rdata;
        // BIND checks a private-algorithm DNSKEY's key, the length of a DS digest
        // it knows, an RRSIG's signer, labels and expiry (by the clock), and it
        // refuses an NSEC with an empty type bitmap, and an NS in the zone without an address
        if (rd.kind === 'NS') return { ...r, rdata: { ...rd, target: concatNames(rd.target.slice(0, 2), parseName('example.net.')) } };
        if (rd.kind === 'NSEC' && rd.types.length === 0) return { ...r, rdata: { ...rd, types: [47] } };
        if (rd.kind === 'RRSIG') {
          const expiration = (Math.floor(Date.now() / 1000) + 10 * 365 * 86400) % 0x100000000;
          // (BIND keeps signatures over NSEC3 apart, in its NSEC3 tree)
          const typeCovered = rd.typeCovered === 0 || rd.typeCovered === 50 ? 1 : rd.typeCovered;
          return { ...r, rdata: { ...rd, typeCovered, labels: 2, signerName: origin, expiration } };
        }
        if (rd.kind === 'DNSKEY' && rd.algorithm >= 253) return { ...r, rdata: { ...rd, algorithm: 8 } };
        if (rd.kind === 'DS' && [1, 2, 3, 4].indexOf(rd.digestType) >= 0) return { ...r, rdata: { ...rd, digestType: 99 } };
        return r;
      })
      .map((r) => ({ ...r, name: concatNames(r.name.slice(0, 2), origin), ttl: 300 }))
      .map((r) => (r.rdata.kind === 'RRSIG' ? { ...r, rdata: { ...r.rdata, labels: r.name.length } } : r));
    let n = 0;
    fc.assert(fc.property(fc.array(rec, { minLength: 1, maxLength: 10 }), (rs) => {
      const head = '$TTL 300\n@ SOA ns h 1 2 3 4 5\n NS ns\nns A 192.0.2.1\n';
      const text = head + rs.map(formatRecord).join('\n') + '\n';
      const file = 'random' + n++ + '.zone';
      writeFileSync(join(work, file), text);
      const { dump, why } = compile(file, work);
      let ours: ResourceRecord[];
      try {
        ours = parseZone(text, { origin: 'example.com.' }).records;
      } catch (e) {
        expect(e).toBeInstanceOf(ZoneError);
        expect(dump, (e as Error).message).toBeNull(); // what we refuse, BIND refuses
        return;
      }
      expect(dump, 'BIND refused ' + file + ': ' + why).not.toBeNull();
      const bind = parseZone(dump as string, { origin: 'example.com.', file: 'bind-dump' });
      expect(canonical(bind.records)).toEqual(canonical(ours));
    }), { numRuns: Number(process.env.DNS_INTEROP_RUNS || 40) });
  });
});
