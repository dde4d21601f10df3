/*
 * A loaded zone indexed for answering: records grouped into RRsets per
 * owner (in the order the zone file first names them, which is the order
 * answers list them and the RRset an ANY query gets), the names that
 * exist (owners and every name between them and the apex, so empty
 * non-terminals exist, RFC 4592 §2.2.2), and the zone cuts (NS below the
 * apex, RFC 1034 §4.2.1).
 *
 * Names are looked up by `nameKey` (lowercase presentation format): the
 * index is built once at load, so the cost of a key per lookup buys the
 * simplicity of plain objects as maps.
 */
import { RRTYPE } from './constants';
import { nameKey, type DnsName } from './name';
import { type ResourceRecord, type SoaRdata } from './rdata';
import { type Zone } from './zone';

export interface RRset {
  name: DnsName;
  type: number;
  records: ResourceRecord[];
}

export interface ZoneNode {
  name: DnsName;
  /** Zone-file order of first appearance. */
  rrsets: RRset[];
}

export interface ZoneIndex {
  zone: Zone;
  apex: DnsName;
  soa: ResourceRecord;
  /** Owners with data, by nameKey. */
  nodes: { [key: string]: ZoneNode };
  /** Every name that exists (owners and empty non-terminals), by nameKey. */
  exists: { [key: string]: boolean };
}

export function indexZone(zone: Zone): ZoneIndex {
  const nodes: { [key: string]: ZoneNode } = Object.create(null);
  const exists: { [key: string]: boolean } = Object.create(null);
  let soa: ResourceRecord | null = null;
  for (let i = 0; i < zone.records.length; i++) {
    const rr = zone.records[i];
    if (rr.type === RRTYPE.SOA && !soa) soa = rr;
    const key = nameKey(rr.name);
    let node = nodes[key];
    if (!node) {
      node = { name: rr.name, rrsets: [] };
      nodes[key] = node;
      for (let skip = 0; rr.name.length - skip >= zone.origin.length; skip++) exists[nameKey(rr.name.slice(skip))] = true;
    }
    let set: RRset | null = null;
    for (let j = 0; j < node.rrsets.length && !set; j++) if (node.rrsets[j].type === rr.type) set = node.rrsets[j];
    if (!set) node.rrsets.push(set = { name: rr.name, type: rr.type, records: [] });
    set.records.push(rr);
  }
  // parseZone's checks guarantee an SOA; an unchecked zone without one cannot answer negatively.
  if (!soa) throw new Error('zone ' + nameKey(zone.origin) + ' has no SOA record');
  return { zone: zone, apex: zone.origin, soa: soa, nodes: nodes, exists: exists };
}

export function findRRset(node: ZoneNode | undefined, type: number): RRset | null {
  if (!node) return null;
  for (let i = 0; i < node.rrsets.length; i++) if (node.rrsets[i].type === type) return node.rrsets[i];
  return null;
}

/** The negative-answer TTL of RFC 2308 §5: the lesser of the SOA's TTL and its minimum field. */
export function negativeSoa(index: ZoneIndex): ResourceRecord {
  const soa = index.soa;
  return { name: soa.name, type: soa.type, class: soa.class, ttl: Math.min(soa.ttl, (soa.rdata as SoaRdata).minimum), rdata: soa.rdata };
}
