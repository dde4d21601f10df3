/*
 * The authoritative answer for one question over the zones we serve: a pure
 * function from (zones, question) to the sections of a response. The byte
 * level (FORMERR, EDNS, truncation, memoising) is responder.ts's job.
 *
 * What it answers follows RFC 1034 §4.3.2, and where the RFCs leave room it
 * does what NSD 4.6 does by default, so the two can be compared record for
 * record (authority.test.ts, interop tests):
 * - positive answers carry the zone's apex NS RRset in authority and the
 *   A, then AAAA, records of in-zone MX/SRV/NS targets in additional;
 * - NXDOMAIN and NODATA carry the SOA with the RFC 2308 negative TTL;
 * - CNAMEs are followed through every zone we serve, a name seen twice
 *   ends the chain (a loop) and so does a target outside our zones; both
 *   answer with the chain alone;
 * - wildcards per RFC 4592: only below the closest encloser, never under
 *   or at an existing name, NODATA when the wildcard lacks the type;
 * - at or below a zone cut: a referral (AA off, NS in authority, glue in
 *   additional), except DS at the cut, which the parent side answers;
 * - ANY (RFC 8482 §4.1): the first RRset at the name in zone-file order,
 *   with no authority or additional records;
 * - a name outside our zones, or a class we do not serve: REFUSED.
 */
import { RCODE, RRTYPE } from './constants';
import { isSubdomain, nameKey, type DnsName } from './name';
import { type Question, type ResourceRecord } from './rdata';
import { findRRset, indexZone, negativeSoa, type RRset, type ZoneIndex, type ZoneNode } from './zone-index';
import { type Zone } from './zone';

export interface Resolution {
  rcode: number;
  aa: boolean;
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
  /** Why REFUSED, as an RFC 8914 extended error code (20 not authoritative, 21 not supported). */
  refusal?: number;
}

export interface Authority {
  zones: ZoneIndex[];
  resolve(question: Question): Resolution;
  /** The zone whose apex is `name`, if we serve one (for AXFR). */
  zoneAt(name: DnsName): ZoneIndex | null;
}

const ASTERISK: DnsName = [new Uint8Array([0x2a])];

/* A chain longer than this is cut like a loop (NSD and BIND use 8–16). */
const MAX_CNAME_CHAIN = 12;

/** What one name in one zone holds for a type. */
type Lookup =
  | { kind: 'data'; rrset: RRset; owner: DnsName }
  | { kind: 'cname'; rrset: RRset; owner: DnsName }
  | { kind: 'nodata' }
  | { kind: 'nxdomain' }
  | { kind: 'referral'; ns: RRset };

export function createAuthority(zones: Zone[]): Authority {
  const indexes: ZoneIndex[] = [];
  for (let i = 0; i < zones.length; i++) indexes.push(indexZone(zones[i]));

  function zoneFor(name: DnsName): ZoneIndex | null {
    let best: ZoneIndex | null = null;
    for (let i = 0; i < indexes.length; i++) {
      const z = indexes[i];
      if (isSubdomain(name, z.apex) && (!best || z.apex.length > best.apex.length)) best = z;
    }
    return best;
  }

  return {
    zones: indexes,
    zoneAt: function (name) {
      const z = zoneFor(name);
      return z && z.apex.length === name.length ? z : null;
    },
    resolve: function (q) {
      const zone = zoneFor(q.name);
      if (!zone) return refused(20);
      if (q.class !== zone.zone.class) return refused(21);
      return resolveIn(zone, q, zoneFor);
    },
  };
}

function refused(code: number): Resolution {
  return { rcode: RCODE.REFUSED, aa: false, answers: [], authority: [], additional: [], refusal: code };
}

function resolveIn(first: ZoneIndex, q: Question, zoneFor: (n: DnsName) => ZoneIndex | null): Resolution {
  const res: Resolution = { rcode: RCODE.NOERROR, aa: true, answers: [], authority: [], additional: [] };
  const seen: { [key: string]: boolean } = Object.create(null);
  let zone = first;
  let name = q.name;
  for (let step = 0; ; step++) {
    seen[nameKey(name)] = true;
    const found = lookup(zone, name, q.type);
    switch (found.kind) {
      case 'data':
        appendAs(res.answers, found.rrset, found.owner);
        if (q.type !== RRTYPE.ANY) addAuthorityAndGlue(res, zone);
        return res;
      case 'nodata':
      case 'nxdomain':
        if (found.kind === 'nxdomain') res.rcode = RCODE.NXDOMAIN;
        res.authority.push(negativeSoa(zone));
        return res;
      case 'referral':
        if (step === 0) res.aa = false;
        appendAs(res.authority, found.ns, found.ns.name);
        addTargets(res.additional, zone, targetsOf(res.authority));
        return res;
      case 'cname': {
        appendAs(res.answers, found.rrset, found.owner);
        const target = (found.rrset.records[0].rdata as { target: DnsName }).target;
        const next = zoneFor(target);
        // A loop, a chain too long, or a name we do not serve: the chain so far is the answer.
        if (!next || seen[nameKey(target)] || step + 1 >= MAX_CNAME_CHAIN) return res;
        zone = next;
        name = target;
        break;
      }
    }
  }
}

/**
 * RFC 1034 §4.3.2 step 3 in one zone: walk down from the apex to `name`,
 * stopping at a cut, at the first name that does not exist (then try the
 * wildcard at the closest encloser), or at `name` itself.
 */
function lookup(zone: ZoneIndex, name: DnsName, type: number): Lookup {
  for (let skip = name.length - zone.apex.length - 1; skip >= 0; skip--) {
    const here = name.slice(skip);
    const key = nameKey(here);
    const node = zone.nodes[key];
    const ns = findRRset(node, RRTYPE.NS);
    // DS lives on the parent side of its cut (RFC 4035 §3.1.4.1).
    if (ns && !(skip === 0 && type === RRTYPE.DS)) return { kind: 'referral', ns: ns };
    if (!zone.exists[key]) return wildcard(zone, name.slice(skip + 1), name, type);
  }
  return fromNode(zone.nodes[nameKey(name)], name, type);
}

/** RFC 4592 §3.3.1: the source of synthesis is `*.<closest encloser>`; without it, NXDOMAIN. */
function wildcard(zone: ZoneIndex, encloser: DnsName, name: DnsName, type: number): Lookup {
  const key = nameKey(ASTERISK.concat(encloser));
  if (!zone.exists[key]) return { kind: 'nxdomain' };
  return fromNode(zone.nodes[key], name, type);
}

/** The data at an existing name (or the wildcard standing in for `owner`). */
function fromNode(node: ZoneNode | undefined, owner: DnsName, type: number): Lookup {
  if (!node || node.rrsets.length === 0) return { kind: 'nodata' }; // an empty non-terminal
  if (type === RRTYPE.ANY) return { kind: 'data', rrset: node.rrsets[0], owner: owner };
  const rrset = findRRset(node, type);
  if (rrset) return { kind: 'data', rrset: rrset, owner: owner };
  const cname = findRRset(node, RRTYPE.CNAME);
  if (cname) return { kind: 'cname', rrset: cname, owner: owner };
  return { kind: 'nodata' };
}

/** Appends an RRset's records with `owner` as their name (the query's spelling, or the wildcard's expansion). */
function appendAs(out: ResourceRecord[], rrset: RRset, owner: DnsName): void {
  for (let i = 0; i < rrset.records.length; i++) {
    const rr = rrset.records[i];
    out.push({ name: owner, type: rr.type, class: rr.class, ttl: rr.ttl, rdata: rr.rdata });
  }
}

/** The apex NS in authority (unless the answer is that RRset) and the addresses of targets in additional. */
function addAuthorityAndGlue(res: Resolution, zone: ZoneIndex): void {
  const ns = findRRset(zone.nodes[nameKey(zone.apex)], RRTYPE.NS);
  let answered = false;
  for (let i = 0; i < res.answers.length && !answered; i++) {
    answered = res.answers[i].type === RRTYPE.NS && res.answers[i].name.length === zone.apex.length && isSubdomain(res.answers[i].name, zone.apex);
  }
  if (ns && !answered) appendAs(res.authority, ns, ns.name);
  addTargets(res.additional, zone, targetsOf(res.answers).concat(targetsOf(res.authority)));
}

/** The names MX, SRV and NS records point at (RFC 1035 §3.3.9, RFC 2782), in order. */
function targetsOf(records: ResourceRecord[]): DnsName[] {
  const out: DnsName[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i].rdata;
    if (r.kind === 'MX') out.push(r.exchange);
    else if (r.kind === 'SRV' || r.kind === 'NS') out.push(r.target);
  }
  return out;
}

/** A records of every target, then AAAA records, each name once; only names this zone holds (glue included). */
function addTargets(out: ResourceRecord[], zone: ZoneIndex, targets: DnsName[]): void {
  const types = [RRTYPE.A, RRTYPE.AAAA];
  for (let t = 0; t < types.length; t++) {
    const done: { [key: string]: boolean } = Object.create(null);
    for (let i = 0; i < targets.length; i++) {
      const key = nameKey(targets[i]);
      if (done[key] || !isSubdomain(targets[i], zone.apex)) continue;
      done[key] = true;
      const rrset = findRRset(zone.nodes[key], types[t]);
      if (rrset) appendAs(out, rrset, rrset.name);
    }
  }
}
