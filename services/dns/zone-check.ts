/*
 * Zone-level rules a loaded zone must keep: exactly one SOA, at the apex
 * (RFC 1035 §5.2); NS records at the apex (RFC 1035 §4.2.1); a CNAME alone
 * at its name, apart from the DNSSEC records that sign and deny it
 * (RFC 1034 §3.6.2, RFC 4035 §2.5); no DS at the apex, whose DS records
 * belong to the parent zone (RFC 4035 §2.4); no name outside the apex.
 */
import { RRTYPE } from './constants';
import { ZoneError } from './errors';
import { formatName, isSubdomain, nameKey, namesEqual, type DnsName } from './name';
import { type ResourceRecord } from './rdata';

export interface SourceLine {
  file: string;
  line: number;
}

interface CheckedZone {
  origin: DnsName;
  records: ResourceRecord[];
  sources: SourceLine[];
}

export function checkZone(zone: CheckedZone, file: string): void {
  const fail = (i: number, reason: string): never => {
    const at = zone.sources[i];
    throw new ZoneError(at ? at.file : file, at ? at.line : 1, reason);
  };
  const apex = formatName(zone.origin);
  let soa = -1;
  let apexNs = false;
  const cnameAt: { [key: string]: number } = Object.create(null);
  const otherAt: { [key: string]: number } = Object.create(null);
  for (let i = 0; i < zone.records.length; i++) {
    const rr = zone.records[i];
    if (!isSubdomain(rr.name, zone.origin)) fail(i, formatName(rr.name) + ' is outside the zone ' + apex);
    const atApex = namesEqual(rr.name, zone.origin);
    if (rr.type === RRTYPE.SOA) {
      if (!atApex) fail(i, 'an SOA at ' + formatName(rr.name) + ', below the apex ' + apex);
      if (soa >= 0) fail(i, 'a second SOA (the first is at line ' + zone.sources[soa].line + ')');
      soa = i;
    }
    if (rr.type === RRTYPE.NS && atApex) apexNs = true;
    if (rr.type === RRTYPE.DS && atApex) fail(i, 'a DS record at the apex ' + apex + ' (it belongs in the parent zone)');
    const key = nameKey(rr.name);
    if (rr.type === RRTYPE.CNAME) {
      if (cnameAt[key] !== undefined) fail(i, 'a second CNAME at ' + key);
      if (otherAt[key] !== undefined) fail(i, 'a CNAME at ' + key + ' beside other data (line ' + zone.sources[otherAt[key]].line + ')');
      cnameAt[key] = i;
    } else if (rr.type !== RRTYPE.RRSIG && rr.type !== RRTYPE.NSEC) {
      if (cnameAt[key] !== undefined) fail(i, 'data beside the CNAME at ' + key + ' (line ' + zone.sources[cnameAt[key]].line + ')');
      if (otherAt[key] === undefined) otherAt[key] = i;
    }
  }
  if (soa < 0) throw new ZoneError(file, 1, 'no SOA record at the apex ' + apex);
  if (!apexNs) fail(soa, 'no NS records at the apex ' + apex);
}
