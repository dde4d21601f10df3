/*
 * The resolver's cache: answers and negative answers per (name lowercased,
 * type), each kept as long as its smallest TTL says (RFC 1035 §3.2.1,
 * RFC 2181 §5.2: an RRset's TTLs belong together), clamped so that a huge
 * TTL cannot pin a stale answer (at most a day by default) and a negative
 * answer as long as its SOA allows (RFC 2308 §5: min of the SOA's TTL and
 * its MINIMUM, at most three hours). Without an SOA a negative answer is
 * not cached (RFC 2308 §5). Bounded: past `capacity` the least recently
 * used entry goes. Pure: the caller passes the time.
 */
import { nameKey, type DnsName } from './name';
import { type ResourceRecord } from './rdata';

export interface ResolverCacheOptions {
  /** Entries kept (default 1000). */
  capacity?: number;
  /** Seconds (default 86400). */
  maxTtl?: number;
  /** Seconds an answer is kept at least, even with a smaller TTL (default 0: not at all for TTL 0). */
  minTtl?: number;
  /** Seconds (default 10800). */
  maxNegativeTtl?: number;
}

export type CachedResult =
  | { kind: 'answer'; name: DnsName; records: ResourceRecord[]; cnames: ResourceRecord[] }
  | { kind: 'negative'; code: 'NXDOMAIN' | 'NODATA'; soa: ResourceRecord };

interface Entry {
  result: CachedResult;
  storedAt: number;
  /** Seconds the entry lives, after clamping. */
  ttl: number;
}

export interface ResolverCache {
  /** The entry with TTLs counted down to now, or undefined when absent or expired. */
  get(name: DnsName, type: number, nowMs: number): CachedResult | undefined;
  /** Stores a result; returns the seconds it will be kept (0: not stored). */
  put(name: DnsName, type: number, result: CachedResult, nowMs: number): number;
  clear(): void;
  readonly size: number;
}

/** RFC 2181 §8: a TTL with the top bit set is to be read as zero. */
export function sanitizeTtl(ttl: number): number {
  return ttl > 0x7fffffff ? 0 : ttl;
}

function smallestTtl(records: ResourceRecord[], start: number): number {
  let ttl = start;
  for (let i = 0; i < records.length; i++) ttl = Math.min(ttl, sanitizeTtl(records[i].ttl));
  return ttl;
}

/** How long a result may be cached under the options' bounds, in seconds. */
export function cacheLifetime(result: CachedResult, maxTtl: number, minTtl: number, maxNegativeTtl: number): number {
  if (result.kind === 'negative') {
    const soa = result.soa;
    const minimum = soa.rdata.kind === 'SOA' ? sanitizeTtl(soa.rdata.minimum) : 0;
    return Math.min(sanitizeTtl(soa.ttl), minimum, maxNegativeTtl);
  }
  const ttl = smallestTtl(result.cnames, smallestTtl(result.records, maxTtl));
  return Math.min(Math.max(ttl, minTtl), maxTtl);
}

function withTtl(records: ResourceRecord[], cap: number, elapsed: number): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    out.push({ name: r.name, type: r.type, class: r.class, ttl: Math.max(0, Math.min(sanitizeTtl(r.ttl), cap) - elapsed), rdata: r.rdata });
  }
  return out;
}

export function cacheKey(name: DnsName, type: number): string {
  return nameKey(name) + '/' + type;
}

export function createResolverCache(options?: ResolverCacheOptions): ResolverCache {
  const o = options || {};
  const capacity = o.capacity === undefined ? 1000 : o.capacity;
  const maxTtl = o.maxTtl === undefined ? 86400 : o.maxTtl;
  const minTtl = o.minTtl === undefined ? 0 : o.minTtl;
  const maxNegativeTtl = o.maxNegativeTtl === undefined ? 10800 : o.maxNegativeTtl;
  // A Map iterates in insertion order: re-inserting on every hit keeps the
  // least recently used entry first, where eviction takes it.
  const entries = new Map<string, Entry>();

  return {
    get: function (name, type, nowMs) {
      const key = cacheKey(name, type);
      const e = entries.get(key);
      if (!e) return undefined;
      const elapsed = Math.floor((nowMs - e.storedAt) / 1000);
      if (nowMs - e.storedAt >= e.ttl * 1000) { entries.delete(key); return undefined; }
      entries.delete(key);
      entries.set(key, e);
      const r = e.result;
      if (r.kind === 'negative') return { kind: 'negative', code: r.code, soa: withTtl([r.soa], e.ttl, elapsed)[0] };
      return { kind: 'answer', name: r.name, records: withTtl(r.records, e.ttl, elapsed), cnames: withTtl(r.cnames, e.ttl, elapsed) };
    },
    put: function (name, type, result, nowMs) {
      const ttl = cacheLifetime(result, maxTtl, minTtl, maxNegativeTtl);
      const key = cacheKey(name, type);
      entries.delete(key);
      if (ttl <= 0 || capacity <= 0) return 0;
      while (entries.size >= capacity) entries.delete(entries.keys().next().value as string);
      entries.set(key, { result: result, storedAt: nowMs, ttl: ttl });
      return ttl;
    },
    clear: function () { entries.clear(); },
    get size() { return entries.size; },
  };
}
