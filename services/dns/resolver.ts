/*
 * The stub resolver apps use: asks the configured (recursive) servers over
 * UDP, falls back to TCP when a reply is truncated, follows CNAME chains,
 * caches by TTL and shares one request among identical concurrent lookups.
 *
 * Retries: one attempt per server in turn, each waiting `timeoutMs` in the
 * first round and twice as long in each later round (exponential backoff,
 * as glibc's and musl's stubs do), `attempts` rounds. A server that
 * answers SERVFAIL, REFUSED or garbage is not asked again for this query;
 * a positive or negative answer from any server ends it (a FORMERR to a
 * query with EDNS gets the server asked without it in its next turn).
 * Every attempt's
 * socket stays open until the query ends, so a late reply still counts.
 *
 * The wire (resolver-transport.ts), the matching of replies
 * (resolver-match.ts), what a reply means (resolver-answer.ts) and the
 * cache (resolver-cache.ts) are separate; this file holds the policy.
 */
import { formatIpv4, type Ipv4Address } from '../../net/address';
import { type Endpoint, type TcpApi, type UdpApi } from '../../net/types';
import { count, type Counters } from '../../lib/counters';
import { systemScheduler, type Scheduler, type TimerHandle } from '../../lib/scheduler';
import { type RandomSource } from '../../lib/random';
import { formatIpv4Bytes, formatIpv6Bytes } from './address';
import { RRTYPE } from './constants';
import { formatName, parseName, type DnsName } from './name';
import { type Question, type ResourceRecord } from './rdata';
import { interpretReply, MAX_CNAME_CHAIN, type Outcome } from './resolver-answer';
import { cacheKey, createResolverCache, type CachedResult, type ResolverCache, type ResolverCacheOptions } from './resolver-cache';
import { ResolveError, type ResolveErrorCode } from './resolver-errors';
import { EDNS_PAYLOAD, questionFor, type Verdict } from './resolver-match';
import { sendUdpQuery, tcpQuery, type UdpAttempt } from './resolver-transport';

export interface ResolverOptions {
  udp: UdpApi;
  tcp: TcpApi;
  /** Recursive servers, asked in this order; an address alone means port 53. */
  servers: (Ipv4Address | Endpoint)[];
  /** Wait for the first round's attempts, doubled each round (default 1000 ms). */
  timeoutMs?: number;
  /** Rounds over the servers (default 3). */
  attempts?: number;
  /** Limit for a whole TCP exchange after truncation (default 5000 ms). */
  tcpTimeoutMs?: number;
  /** EDNS0 UDP payload size offered (default 1232; 0 sends no OPT record and gets 512-byte replies). */
  ednsPayload?: number;
  cache?: ResolverCacheOptions;
  /** Time and timers (default: the runtime's). */
  scheduler?: Scheduler;
  /** Query ids and source ports (default crypto.getRandomValues). */
  random?: RandomSource;
}

export interface Answer {
  /** The name the records belong to: the end of the CNAME chain, or the name asked. */
  name: string;
  records: ResourceRecord[];
  /** The CNAMEs from the name asked to `name`, in order. */
  cnames: ResourceRecord[];
  fromCache: boolean;
}

export interface MxAnswer { preference: number; exchange: string }

export interface Resolver {
  /** The whole answer; rejects with a ResolveError (or a DnsSyntaxError for a bad name). */
  query(name: string, type: number): Promise<Answer>;
  /** The records of `type` at the end of the chain. */
  resolve(name: string, type: number): Promise<ResourceRecord[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  /** Sorted by preference, lowest first. */
  resolveMx(name: string): Promise<MxAnswer[]>;
  /** One array of strings per TXT record (its character-strings, as UTF-8 where they are). */
  resolveTxt(name: string): Promise<string[][]>;
  readonly cache: ResolverCache;
  /** "resolver.udp-queries", "resolver.timeouts", "resolver.drop.wrong-id", … */
  readonly counters: Counters;
}

interface Resolution { name: DnsName; records: ResourceRecord[]; cnames: ResourceRecord[]; fromCache: boolean }

export function createResolver(options: ResolverOptions): Resolver {
  const scheduler = options.scheduler || systemScheduler();
  const random: RandomSource = options.random || function (buf) { crypto.getRandomValues(buf); };
  const servers: Endpoint[] = [];
  for (let i = 0; i < options.servers.length; i++) {
    const s = options.servers[i];
    servers.push(typeof s === 'number' ? { address: s, port: 53 } : s);
  }
  const timeoutMs = options.timeoutMs || 1000;
  const rounds = options.attempts || 3;
  const tcpTimeoutMs = options.tcpTimeoutMs || 5000;
  const payload = options.ednsPayload === undefined ? EDNS_PAYLOAD : options.ednsPayload;
  const cache = createResolverCache(options.cache);
  const counters: Counters = {};
  const inFlight = new Map<string, Promise<Resolution>>();

  /** Asks the servers until one gives an answer, a negative answer or a chain to follow. */
  function exchange(question: Question): Promise<Outcome> {
    const domain = formatName(question.name);
    return new Promise<Outcome>((resolve, reject) => {
      const open: UdpAttempt[] = [];
      const failed: boolean[] = [];
      // Servers that answered FORMERR to EDNS: asked without it from then on (RFC 6891 §7).
      const withoutEdns: boolean[] = [];
      for (let i = 0; i < servers.length; i++) { failed.push(false); withoutEdns.push(false); }
      const total = servers.length * rounds;
      let step = 0;
      let timer: TimerHandle | null = null;
      let done = false;
      let tcpBusy = false;
      let lastError: { code: ResolveErrorCode; detail: string } | null = null;

      const stopTimer = (): void => { if (timer) { timer.cancel(); timer = null; } };
      const finish = (outcome: Outcome | null, error?: ResolveError): void => {
        if (done) return;
        done = true;
        stopTimer();
        for (let i = 0; i < open.length; i++) open[i].close();
        if (outcome) resolve(outcome); else reject(error);
      };
      const fail = (server: number, code: ResolveErrorCode, detail: string): void => {
        failed[server] = true;
        lastError = { code: code, detail: formatIpv4(servers[server].address) + ': ' + detail };
        stopTimer();
        next();
      };
      const next = (): void => {
        if (done || tcpBusy) return;
        while (step < total && failed[step % servers.length]) step++;
        if (step >= total) {
          const e = lastError || { code: 'TIMEOUT' as ResolveErrorCode, detail: 'no reply from ' + servers.length + ' server(s) in ' + rounds + ' round(s)' };
          finish(null, new ResolveError(e.code, domain, question.type, e.detail));
          return;
        }
        const round = Math.floor(step / servers.length);
        const server = step % servers.length;
        step++;
        let attempt: UdpAttempt;
        try {
          attempt = sendUdpQuery(options.udp, random, servers[server], question, withoutEdns[server] ? 0 : payload, counters, (v) => { onUdp(server, v); });
        } catch (e) {
          finish(null, new ResolveError('SERVFAIL', domain, question.type, (e as Error).message));
          return;
        }
        open.push(attempt);
        // A transport that answered within send() (none should) has ended the query already.
        if (done) { attempt.close(); return; }
        timer = scheduler.after(timeoutMs * Math.pow(2, round), () => {
          timer = null;
          count(counters, 'resolver.timeouts');
          next();
        });
      };
      const onUdp = (server: number, v: Verdict): void => {
        if (done) return;
        if (v.kind === 'malformed') { count(counters, 'resolver.malformed'); fail(server, 'FORMERR', 'malformed reply'); return; }
        if (v.kind === 'reply') handle(server, interpretReply(v.message, question, false));
      };
      const handle = (server: number, outcome: Outcome): void => {
        if (outcome.kind === 'server-error') {
          if (outcome.code === 'FORMERR' && payload > 0 && !withoutEdns[server]) {
            count(counters, 'resolver.edns-refused');
            withoutEdns[server] = true;
            lastError = { code: 'FORMERR', detail: formatIpv4(servers[server].address) + ': ' + outcome.detail };
            stopTimer();
            next();
            return;
          }
          fail(server, outcome.code, outcome.detail);
          return;
        }
        if (outcome.kind !== 'truncated') { finish(outcome); return; }
        if (tcpBusy) return;
        // Truncated: the same server over TCP (RFC 7766 §5); UDP waits meanwhile.
        tcpBusy = true;
        stopTimer();
        count(counters, 'resolver.truncated');
        void overTcp(server);
      };
      const overTcp = async (server: number): Promise<void> => {
        let v: Verdict;
        try {
          v = await tcpQuery(options.tcp, scheduler, random, servers[server], question, tcpTimeoutMs, counters);
        } catch (e) {
          tcpBusy = false;
          if (done) return;
          count(counters, 'resolver.tcp-failures');
          // Loss can starve a TCP handshake as it can a datagram: the server
          // stays in the rotation, and its next truncated reply tries again.
          lastError = { code: 'TIMEOUT', detail: formatIpv4(servers[server].address) + ': TCP fallback failed: ' + (e as Error).message };
          next();
          return;
        }
        tcpBusy = false;
        if (done) return;
        if (v.kind === 'malformed') { count(counters, 'resolver.malformed'); fail(server, 'FORMERR', 'malformed reply over TCP'); return; }
        if (v.kind === 'reply') handle(server, interpretReply(v.message, question, true));
      };

      if (servers.length === 0) { finish(null, new ResolveError('SERVFAIL', domain, question.type, 'no servers configured')); return; }
      next();
    });
  }

  /** Turns what the servers said into a resolution (asking again for a chain's target), caching on the way. */
  async function settle(question: Question, outcome: Outcome, visited: string[]): Promise<Resolution> {
    const domain = formatName(question.name);
    if (outcome.kind === 'answer') {
      cache.put(question.name, question.type, { kind: 'answer', name: outcome.name, records: outcome.records, cnames: outcome.cnames }, scheduler.now());
      return { name: outcome.name, records: outcome.records, cnames: outcome.cnames, fromCache: false };
    }
    if (outcome.kind === 'negative') {
      if (outcome.soa) cache.put(question.name, question.type, { kind: 'negative', code: outcome.code, soa: outcome.soa }, scheduler.now());
      throw new ResolveError(outcome.code, domain, question.type, undefined, outcome.soa);
    }
    if (outcome.kind === 'follow') {
      const target = questionFor(outcome.target, question.type);
      const seen = visited.concat([cacheKey(question.name, question.type)]);
      if (seen.length + outcome.cnames.length > MAX_CNAME_CHAIN || seen.indexOf(cacheKey(target.name, target.type)) >= 0) {
        throw new ResolveError('SERVFAIL', domain, question.type, 'CNAME loop or chain too long across servers');
      }
      count(counters, 'resolver.cname-followed');
      const rest = await lookup(target, seen);
      const whole = { name: rest.name, records: rest.records, cnames: outcome.cnames.concat(rest.cnames), fromCache: false };
      cache.put(question.name, question.type, { kind: 'answer', name: whole.name, records: whole.records, cnames: whole.cnames }, scheduler.now());
      return whole;
    }
    // exchange() never settles with these.
    throw new ResolveError('SERVFAIL', domain, question.type, 'unexpected ' + outcome.kind);
  }

  /** Asks the servers, then turns what they said into a resolution. */
  async function ask(question: Question, visited: string[]): Promise<Resolution> {
    return settle(question, await exchange(question), visited);
  }

  /** Drops a shared lookup from inFlight once it has settled. */
  async function forgetWhenSettled(key: string, started: Promise<Resolution>): Promise<void> {
    try {
      await started;
    } catch (e) {
      // Its callers hear of it.
    }
    if (inFlight.get(key) === started) inFlight.delete(key);
  }

  function fromCache(question: Question, hit: CachedResult): Promise<Resolution> {
    count(counters, 'resolver.cache-hits');
    if (hit.kind === 'negative') return Promise.reject(new ResolveError(hit.code, formatName(question.name), question.type, 'cached', hit.soa));
    return Promise.resolve({ name: hit.name, records: hit.records, cnames: hit.cnames, fromCache: true });
  }

  /**
   * `visited`: the names (cache keys) of the chain so far when following a
   * CNAME. Such lookups do not join a request in flight: two lookups
   * following each other's names would wait for each other forever.
   */
  function lookup(question: Question, visited: string[]): Promise<Resolution> {
    const hit = cache.get(question.name, question.type, scheduler.now());
    if (hit) return fromCache(question, hit);
    const key = cacheKey(question.name, question.type);
    const pending = visited.length === 0 ? inFlight.get(key) : undefined;
    if (pending) { count(counters, 'resolver.shared'); return pending; }
    count(counters, 'resolver.cache-misses');
    const started = ask(question, visited);
    if (visited.length > 0) return started;
    inFlight.set(key, started);
    void forgetWhenSettled(key, started);
    return started;
  }

  async function query(name: string, type: number): Promise<Answer> {
    const r = await lookup(questionFor(parseName(name), type), []);
    // Each caller gets its own arrays: lookups in flight are shared.
    return { name: formatName(r.name), records: r.records.slice(), cnames: r.cnames.slice(), fromCache: r.fromCache };
  }

  async function resolve(name: string, type: number): Promise<ResourceRecord[]> {
    return (await query(name, type)).records;
  }

  return {
    query: query,
    resolve: resolve,
    resolve4: async (name) => {
      const rs = await resolve(name, RRTYPE.A);
      const out: string[] = [];
      for (let i = 0; i < rs.length; i++) { const d = rs[i].rdata; if (d.kind === 'A') out.push(formatIpv4Bytes(d.address)); }
      return out;
    },
    resolve6: async (name) => {
      const rs = await resolve(name, RRTYPE.AAAA);
      const out: string[] = [];
      for (let i = 0; i < rs.length; i++) { const d = rs[i].rdata; if (d.kind === 'AAAA') out.push(formatIpv6Bytes(d.address)); }
      return out;
    },
    resolveMx: async (name) => {
      const rs = await resolve(name, RRTYPE.MX);
      const out: MxAnswer[] = [];
      for (let i = 0; i < rs.length; i++) { const d = rs[i].rdata; if (d.kind === 'MX') out.push({ preference: d.preference, exchange: formatName(d.exchange) }); }
      out.sort((a, b) => a.preference - b.preference);
      return out;
    },
    resolveTxt: async (name) => {
      const rs = await resolve(name, RRTYPE.TXT);
      const out: string[][] = [];
      for (let i = 0; i < rs.length; i++) {
        const d = rs[i].rdata;
        if (d.kind !== 'TXT') continue;
        const strings: string[] = [];
        for (let j = 0; j < d.strings.length; j++) strings.push(textOf(d.strings[j]));
        out.push(strings);
      }
      return out;
    },
    cache: cache,
    counters: counters,
  };
}

/** Bytes as UTF-8 text, or byte for byte (Latin-1) where they are not UTF-8; no TextDecoder needed. */
export function textOf(bytes: Uint8Array): string {
  let latin1 = '';
  let escaped = '';
  for (let i = 0; i < bytes.length; i++) {
    latin1 += String.fromCharCode(bytes[i]);
    escaped += '%' + (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  }
  try {
    return decodeURIComponent(escaped);
  } catch (e) {
    return latin1;
  }
}
