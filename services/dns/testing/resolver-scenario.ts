/*
 * One deterministic resolver run, printed line by line: our stacks on the
 * in-memory switch under a virtual clock, the authoritative server on one,
 * the resolver on the other. The engine test runs it under Node and inside
 * Duktape (fixtures/engine-resolver) and compares the lines.
 */
import { createSwitch, seededRandom } from '../../../drivers/testing/switch';
import { parseIpv4, type Ipv4Address } from '../../../net/address';
import { createStack, type Stack } from '../../../net/stack';
import { createTcp, type Tcp } from '../../../net/tcp/tcp';
import { createTestClock } from '../../../lib/testing/virtual-clock';
import type { RandomSource } from '../../../lib/random';
import { createAuthority } from '../authority';
import { createResolver } from '../resolver';
import { ResolveError } from '../resolver-errors';
import { createResponder } from '../responder';
import { serveDns } from '../server';
import { parseZone } from '../zone';

const SERVER = parseIpv4('10.2.0.53') as Ipv4Address;
const CLIENT = parseIpv4('10.2.0.10') as Ipv4Address;

const bigTxt: string[] = [];
for (let i = 0; i < 20; i++) bigTxt.push('big TXT "record ' + (i < 10 ? '0' : '') + i + ' ' + new Array(91).join('x') + '"');
const ZONE = [
  '$ORIGIN example.com.', '$TTL 3600',
  '@ SOA ns1 hostmaster 1 7200 900 1209600 300', '  NS ns1', '  MX 20 mx2', '  MX 10 mx1',
  'ns1 A 10.2.0.53', 'www CNAME web', 'web 600 A 192.0.2.80', 'web A 192.0.2.81', 'web TXT "hello" "w\\195\\182rld"',
  'v6 AAAA 2001:db8::1',
].concat(bigTxt).join('\n');

function randomSource(seed: number): RandomSource {
  const r = seededRandom(seed);
  return function (buf) { for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(r() * 256); };
}

export async function runResolverScenario(): Promise<string[]> {
  const lines: string[] = [];
  const clock = createTestClock();
  // loss, reordering and duplication: retries and matching have work to do
  const sw = createSwitch({ scheduler: clock, delayMs: 1, loss: 0.1, reorder: 0.1, duplicate: 0.1, seed: 7 });
  function stack(address: Ipv4Address, seed: number): Stack<Tcp> & { tcp: Tcp } {
    return createStack<Tcp>({
      netif: sw.port(), scheduler: clock, random: randomSource(seed), ipv4: { address: address, prefix: 24 },
      tcp: function (ip, env) { return createTcp({ ip: ip, scheduler: env.scheduler, random: env.random, counters: env.counters }); },
    }) as Stack<Tcp> & { tcp: Tcp };
  }
  serveDns(stack(SERVER, 1), createResponder(createAuthority([parseZone(ZONE, { file: 'example.com.zone' })])), { port: 53, scheduler: clock });
  const client = stack(CLIENT, 2);
  const r = createResolver({ udp: client.udp, tcp: client.tcp, servers: [SERVER], scheduler: clock, random: randomSource(3) });
  async function step<T>(what: string, p: Promise<T>, show: (v: T) => string): Promise<void> {
    try {
      lines.push(what + ': ' + show(await clock.until(p, 120000)));
    } catch (e) {
      lines.push(what + ': ' + (e instanceof ResolveError ? e.code : 'other: ' + String(e)));
    }
  }
  await step('A www', r.resolve4('www.example.com'), (v) => v.join(' '));
  await step('A www again', r.query('WWW.example.com.', 1), (v) => v.name + ' cached=' + v.fromCache + ' ttl=' + v.records[0].ttl);
  await step('MX', r.resolveMx('example.com'), (v) => v.map((m) => m.preference + ' ' + m.exchange).join(', '));
  await step('AAAA', r.resolve6('v6.example.com'), (v) => v.join(' '));
  await step('TXT', r.resolveTxt('web.example.com'), (v) => JSON.stringify(v));
  await step('NXDOMAIN', r.resolve4('nothere.example.com'), (v) => v.join(' '));
  await step('NODATA', r.resolve6('web.example.com'), (v) => v.join(' '));
  await step('big TXT over TCP', r.resolveTxt('big.example.com'), (v) => v.length + ' strings');
  lines.push('truncated answers: ' + (r.counters['resolver.truncated'] || 0));
  return lines;
}
