/*
 * The resolver's cache under an injected clock: TTLs counted down and
 * expiring, the clamps, negative caching from the SOA (RFC 2308 §5), LRU
 * eviction, and a property: whatever is stored, nothing is ever returned
 * after its lifetime or with a TTL above what was stored.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseName } from './name';
import { type ResourceRecord } from './rdata';
import { cacheLifetime, createResolverCache, type CachedResult } from './resolver-cache';

const n = (t: string) => parseName(t);
const a = (name: string, ttl: number, last = 1): ResourceRecord => ({ name: n(name), type: 1, class: 1, ttl, rdata: { kind: 'A', address: new Uint8Array([192, 0, 2, last]) } });
const cname = (name: string, target: string, ttl: number): ResourceRecord => ({ name: n(name), type: 5, class: 1, ttl, rdata: { kind: 'CNAME', target: n(target) } });
const soa = (ttl: number, minimum: number): ResourceRecord => ({
  name: n('example.com.'), type: 6, class: 1, ttl,
  rdata: { kind: 'SOA', mname: n('ns1.example.com.'), rname: n('h.example.com.'), serial: 1, refresh: 2, retry: 3, expire: 4, minimum },
});
const answer = (records: ResourceRecord[], cnames: ResourceRecord[] = []): CachedResult => ({ kind: 'answer', name: records[0].name, records, cnames });

describe('resolver cache', () => {
  it('counts TTLs down, and forgets an answer when its smallest TTL runs out', () => {
    const c = createResolverCache();
    expect(c.put(n('www.example.com.'), 1, answer([a('www.example.com.', 300), a('www.example.com.', 60, 2)]), 1000)).toBe(60);
    const hit = c.get(n('WWW.Example.COM.'), 1, 1000 + 30_500);
    expect(hit && hit.kind === 'answer' && hit.records.map((r) => r.ttl)).toEqual([30, 30]);
    expect(c.get(n('www.example.com.'), 1, 1000 + 59_999)).toBeDefined();
    expect(c.get(n('www.example.com.'), 1, 1000 + 60_000)).toBeUndefined();
    expect(c.size).toBe(0);
  });
  it('keys by type as well as name', () => {
    const c = createResolverCache();
    c.put(n('a.example.'), 1, answer([a('a.example.', 100)]), 0);
    expect(c.get(n('a.example.'), 28, 0)).toBeUndefined();
  });
  it('clamps huge TTLs to a day, reads TTLs with the top bit set as 0 (RFC 2181 §8), and does not cache TTL 0', () => {
    const c = createResolverCache();
    expect(c.put(n('a.example.'), 1, answer([a('a.example.', 0x7fffffff)]), 0)).toBe(86400);
    expect(c.put(n('b.example.'), 1, answer([a('b.example.', 0x80000000)]), 0)).toBe(0);
    expect(c.put(n('c.example.'), 1, answer([a('c.example.', 0)]), 0)).toBe(0);
    expect(c.get(n('c.example.'), 1, 0)).toBeUndefined();
    expect(createResolverCache({ maxTtl: 10, minTtl: 5 }).put(n('d.example.'), 1, answer([a('d.example.', 1)]), 0)).toBe(5);
  });
  it('bounds an answer by the CNAMEs that led to it', () => {
    expect(cacheLifetime(answer([a('web.example.', 3600)], [cname('www.example.', 'web.example.', 120)]), 86400, 0, 10800)).toBe(120);
  });
  it('caches negative answers for min(SOA TTL, SOA minimum), at most 3 hours, and not without an SOA', () => {
    const c = createResolverCache();
    expect(c.put(n('no.example.com.'), 1, { kind: 'negative', code: 'NXDOMAIN', soa: soa(3600, 300) }, 0)).toBe(300);
    expect(c.put(n('no2.example.com.'), 1, { kind: 'negative', code: 'NODATA', soa: soa(60, 300) }, 0)).toBe(60);
    expect(c.put(n('no3.example.com.'), 1, { kind: 'negative', code: 'NODATA', soa: soa(86400, 86400) }, 0)).toBe(10800);
    const hit = c.get(n('no.example.com.'), 1, 100_000);
    expect(hit && hit.kind === 'negative' && [hit.code, hit.soa.ttl]).toEqual(['NXDOMAIN', 200]);
    expect(c.get(n('no.example.com.'), 1, 300_000)).toBeUndefined();
  });
  it('evicts the least recently used entry past its capacity', () => {
    const c = createResolverCache({ capacity: 3 });
    for (const x of ['a', 'b', 'c']) c.put(n(x + '.example.'), 1, answer([a(x + '.example.', 100)]), 0);
    expect(c.get(n('a.example.'), 1, 0)).toBeDefined(); // a is now the most recent
    c.put(n('d.example.'), 1, answer([a('d.example.', 100)]), 0);
    expect(c.size).toBe(3);
    expect(c.get(n('b.example.'), 1, 0)).toBeUndefined();
    for (const x of ['a', 'c', 'd']) expect(c.get(n(x + '.example.'), 1, 0)).toBeDefined();
  });
  it('never returns an entry past its lifetime, never more entries than its capacity, never a TTL above the stored one', () => {
    const op = fc.record({ name: fc.constantFrom('a.', 'b.', 'c.', 'd.', 'e.'), ttl: fc.integer({ min: 0, max: 200_000 }), advanceMs: fc.integer({ min: 0, max: 100_000 }), put: fc.boolean() });
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (ops, capacity) => {
      const c = createResolverCache({ capacity, maxTtl: 1000 });
      const stored = new Map<string, { at: number; ttl: number }>();
      let now = 0;
      for (const o of ops) {
        now += o.advanceMs;
        if (o.put) {
          const life = c.put(n(o.name), 1, answer([a(o.name, o.ttl)]), now);
          expect(life).toBe(Math.min(o.ttl, 1000));
          stored.set(o.name, { at: now, ttl: life });
        } else {
          const hit = c.get(n(o.name), 1, now);
          const s = stored.get(o.name);
          if (hit) {
            expect(s && now - s.at < s.ttl * 1000).toBe(true);
            expect(hit.kind === 'answer' && hit.records[0].ttl).toBeLessThanOrEqual(s!.ttl - Math.floor((now - s!.at) / 1000));
          }
        }
        expect(c.size).toBeLessThanOrEqual(capacity);
      }
    }));
  });
});
