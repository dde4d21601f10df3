/*
 * Whole stacks talking over the in-memory switch under a virtual clock,
 * scenario by scenario (the way mirage-tcpip tests over vnetif).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSwitch, seededRandom, type Switch } from '../drivers/testing/switch';
import type { Netif } from '../drivers/interfaces';
import { parseIpv4, readIpv4, type Ipv4Address } from './address';
import { createStack, stackConfigFromArgs, type Stack, type StackOptions } from './stack';
import { createTestClock, type TestClock } from '../lib/testing/virtual-clock';
import type { Counters } from '../lib/counters';
import type { RandomSource } from '../lib/random';
import { buildEthernet } from './ethernet/wire';
import { buildIpv4Packet } from './ipv4/wire';
import { buildUdp } from './udp/wire';
import {
  addressesOption, buildDhcp, optionAddress, optionByte, parseDhcp, uint32Option, DHCPACK, DHCPDISCOVER, DHCPNAK, DHCPOFFER,
  DHCPREQUEST, OPT_DNS, OPT_LEASE_TIME, OPT_MESSAGE_TYPE, OPT_REQUESTED_IP, OPT_ROUTER, OPT_SERVER_ID, OPT_SUBNET_MASK,
  type DhcpMessage, type DhcpOptions,
} from './dhcp/wire';

const ip = (t: string): Ipv4Address => parseIpv4(t)!;
const A = ip('10.0.0.2');
const B = ip('10.0.0.3');

function randomSource(seed: number): RandomSource {
  const r = seededRandom(seed);
  return (buf) => { for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(r() * 256); };
}

interface Net { clock: TestClock; sw: Switch; a: Stack; b: Stack }

function twoStacks(faults: { loss?: number; reorder?: number; duplicate?: number; seed?: number } = {}, extra: Partial<StackOptions> = {}): Net {
  const clock = createTestClock();
  const sw = createSwitch({ scheduler: clock, ...faults });
  const a = createStack({ netif: sw.port(), scheduler: clock, random: randomSource(1), ipv4: { address: A, prefix: 24 }, ...extra });
  const b = createStack({ netif: sw.port(), scheduler: clock, random: randomSource(2), ipv4: { address: B, prefix: 24 }, ...extra });
  return { clock, sw, a, b };
}

/** Counters that mean a bug rather than bad input. */
function expectNoErrors(c: Counters): void {
  for (const k of Object.keys(c)) expect(k).not.toMatch(/error/);
}

function pattern(n: number, seed: number): Uint8Array {
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) d[i] = (i * 31 + seed * 7) & 0xff;
  return d;
}

/** ARP packets seen on the switch: [op, spa, tpa]. */
function arpLog(sw: Switch): [number, number, number][] {
  const log: [number, number, number][] = [];
  sw.monitor((f) => {
    if (f[12] === 8 && f[13] === 6) log.push([f[21], readIpv4(f, 28), readIpv4(f, 38)]);
  });
  return log;
}

describe('two stacks over the switch', () => {
  it('resolves with ARP once, then pings both ways', async () => {
    const { clock, sw, a, b } = twoStacks();
    const arp = arpLog(sw);
    await clock.until(a.ready, 0);
    const rtt = await clock.until(a.icmp.ping(B), 2000);
    expect(rtt).toBeGreaterThanOrEqual(0);
    expect(await clock.until(b.icmp.ping(A), 2000)).toBeGreaterThanOrEqual(0);
    await clock.until(a.icmp.ping(B, { size: 3000 }), 2000); // a fragmented echo
    const requests = arp.filter(([op, spa, tpa]) => op === 1 && spa !== tpa);
    // a asked for b; b learnt a from that request (RFC 826) and needed no request of its own.
    expect(requests).toEqual([[1, A, B]]);
    expect(a.counters['arp.request-sent']).toBe(1);
    expect(b.counters['arp.request-sent']).toBeUndefined();
    expectNoErrors(a.counters);
    expectNoErrors(b.counters);
  });

  it('announces its address with gratuitous ARP at start, twice, 2 s apart (RFC 5227)', async () => {
    const clock = createTestClock();
    const sw = createSwitch({ scheduler: clock });
    const arp = arpLog(sw);
    const times: number[] = [];
    sw.monitor(() => times.push(clock.now()));
    createStack({ netif: sw.port(), scheduler: clock, random: randomSource(1), ipv4: { address: A, prefix: 24 } });
    await clock.advance(5000);
    expect(arp).toEqual([[1, A, A], [1, A, A]]);
    expect(times).toEqual([0, 2000]);
  });

  it('retries ARP every second, gives up after three requests and drops the waiting packets', async () => {
    const { clock, sw, a } = twoStacks();
    await clock.advance(5000); // past the announcements
    const arp = arpLog(sw);
    const times: number[] = [];
    sw.monitor(() => times.push(clock.now()));
    const nobody = ip('10.0.0.99');
    const start = clock.now();
    a.udp.send({ address: nobody, port: 9 }, new Uint8Array(10), 1234);
    a.udp.send({ address: nobody, port: 9 }, new Uint8Array(10), 1234);
    await expect(clock.until(a.icmp.ping(nobody, { timeoutMs: 10000 }), 20000)).rejects.toThrow(/no reply/);
    expect(arp).toEqual([[1, A, nobody], [1, A, nobody], [1, A, nobody]]);
    expect(times.map((t) => t - start)).toEqual([0, 1000, 2000]);
    expect(a.counters['arp.resolve-failed']).toBe(1);
    expect(a.counters['arp.queue-dropped']).toBe(3);
    expect(a.ip.maxPayload).toBe(1480);
  });

  it('carries UDP datagrams both ways, including a fragmented 8 KB one', async () => {
    const { clock, a, b } = twoStacks();
    const atB: { data: number[]; from: string }[] = [];
    b.udp.bind(7, (data, from, to) => {
      atB.push({ data: Array.from(data), from: from.address + ':' + from.port });
      expect(to).toEqual({ address: B, port: 7 });
      b.udp.send(from, data, 7); // echo
    });
    const atA: Uint8Array[] = [];
    a.udp.bind(5000, (data) => { atA.push(data.slice()); });
    a.udp.send({ address: B, port: 7 }, new Uint8Array([1, 2, 3]), 5000);
    const big = pattern(8192, 1);
    a.udp.send({ address: B, port: 7 }, big, 5000);
    await clock.advance(100);
    expect(atB.map((d) => d.data.length)).toEqual([3, 8192]);
    expect(atB[0]).toEqual({ data: [1, 2, 3], from: A + ':5000' });
    expect(atA.length).toBe(2);
    expect(Array.from(atA[1])).toEqual(Array.from(big));
    expect(a.counters['ipv4.fragmented']).toBe(1);
    expect(b.counters['ipv4.reassembled']).toBe(1);
    expect(a.counters['ipv4.reassembled']).toBe(1);
    // Nothing bound: counted.
    a.udp.send({ address: B, port: 8 }, new Uint8Array(1), 5000);
    await clock.advance(10);
    expect(b.counters['udp.no-port']).toBe(1);
    expectNoErrors(a.counters);
    expectNoErrors(b.counters);
  });

  it('carries intact datagrams (or none) both ways, and pings, through loss, reordering and duplication', async () => {
    const { clock, sw, a, b } = twoStacks({ loss: 0.05, reorder: 0.3, duplicate: 0.2, seed: 7 });
    const intact = (data: Uint8Array): boolean => {
      const expected = pattern(data.length, data[0]);
      expected[0] = data[0];
      return Buffer.compare(data, expected) === 0;
    };
    const atB = new Set<number>();
    const atA = new Set<number>();
    let broken = 0;
    b.udp.bind(9, (data, from) => {
      if (!intact(data)) broken++;
      atB.add(data[0]);
      b.udp.send(from, data, 9); // echo
    });
    a.udp.bind(1, (data) => {
      if (!intact(data)) broken++;
      atA.add(data[0]);
    });
    async function pingUntilAnswered(from: Stack, to: Ipv4Address): Promise<void> {
      for (let i = 0; ; i++) {
        try { await clock.until(from.icmp.ping(to, { size: 2000 }), 3000); return; } catch (e) { if (i > 10) throw e; }
      }
    }
    await pingUntilAnswered(a, B);
    await pingUntilAnswered(b, A);
    for (let n = 0; n < 40; n++) {
      const d = pattern(n % 2 ? 8192 : 300, n);
      d[0] = n;
      a.udp.send({ address: B, port: 9 }, d, 1);
      await clock.advance(3);
    }
    await clock.advance(100);
    expect(broken).toBe(0);
    expect(atB.size).toBeGreaterThan(10);
    expect(atA.size).toBeGreaterThan(5);
    expect([...atA].some((n) => n % 2 === 1)).toBe(true); // an 8 KB one made it back
    expect(sw.counters.lost).toBeGreaterThan(0);
    expect(sw.counters.duplicated).toBeGreaterThan(0);
    expect(sw.counters.reordered).toBeGreaterThan(0);
    expect(b.counters['ipv4.frag-duplicate']).toBeGreaterThan(0);
    // Datagrams that lost a fragment time out after 30 s and free their memory.
    await clock.advance(31000);
    for (const s of [a, b]) {
      expectNoErrors(s.counters);
      for (const k of Object.keys(s.counters)) expect(k).not.toMatch(/^(ipv4\.frag-overlap|ipv4\.bad|udp\.bad|icmp\.bad)/);
    }
  });

  it('bounds reassembly: 16 datagrams at once, incomplete ones time out after 30 s', async () => {
    const { clock, sw, a, b } = twoStacks();
    const raw = sw.port();
    const M = ip('10.0.0.9');
    await clock.advance(10);
    for (let id = 0; id < 20; id++) {
      const frag = buildIpv4Packet({ totalLength: 0, id, protocol: 17, src: M, dst: B, moreFragments: true }, new Uint8Array(64));
      await raw.write(buildEthernet(b.mac, raw.mac, 0x0800, frag));
    }
    await clock.advance(10);
    expect(b.counters['ipv4.frag-limit']).toBe(4);
    // Traffic that needs no reassembly still flows.
    await clock.until(a.icmp.ping(B), 2000);
    await clock.advance(29000);
    expect(b.counters['ipv4.frag-timeout']).toBeUndefined();
    await clock.advance(1100);
    expect(b.counters['ipv4.frag-timeout']).toBe(16);
    // Room again: a fragmented datagram gets through.
    let got = 0;
    b.udp.bind(9, (d) => { got = d.length; });
    a.udp.send({ address: B, port: 9 }, pattern(4000, 1), 1);
    await clock.advance(10);
    expect(got).toBe(4000);
  });

  it('sends to the subnet broadcast and 255.255.255.255 as Ethernet broadcast, and receives them', async () => {
    const { clock, a, b } = twoStacks();
    const got: number[] = [];
    b.udp.bind(9, (_d, _f, to) => { got.push(to.address); });
    a.udp.send({ address: ip('10.0.0.255'), port: 9 }, new Uint8Array(1), 1);
    a.udp.send({ address: 0xffffffff, port: 9 }, new Uint8Array(1), 1);
    await clock.advance(10);
    expect(got).toEqual([ip('10.0.0.255'), 0xffffffff]);
    expect(a.counters['arp.request-sent']).toBeUndefined();
  });

  it('routes off-subnet destinations through the gateway, and counts what has no route', async () => {
    const clock = createTestClock();
    const sw = createSwitch({ scheduler: clock });
    const gwPort = sw.port();
    const gw = createStack({ netif: gwPort, scheduler: clock, random: randomSource(3), ipv4: { address: ip('10.0.0.1'), prefix: 24 } });
    const a = createStack({ netif: sw.port(), scheduler: clock, random: randomSource(1), ipv4: { address: A, prefix: 24 }, gateway: ip('10.0.0.1') });
    const b = createStack({ netif: sw.port(), scheduler: clock, random: randomSource(2), ipv4: { address: B, prefix: 24 } });
    const toGateway: number[] = [];
    sw.monitor((f) => { if (f[12] === 8 && f[13] === 0 && f.subarray(0, 6).every((v, i) => v === gwPort.mac[i])) toGateway.push(readIpv4(f, 30)); });
    a.udp.send({ address: ip('192.0.2.1'), port: 9 }, new Uint8Array(1), 1);
    b.udp.send({ address: ip('192.0.2.1'), port: 9 }, new Uint8Array(1), 1);
    await clock.advance(10);
    expect(toGateway).toEqual([ip('192.0.2.1')]); // a's packet, framed to the gateway's MAC
    expect(gw.counters['ipv4.not-for-us']).toBe(1); // our stack is a host: it does not forward
    expect(b.counters['ipv4.no-route']).toBe(1);
  });

  it('lets another transport plug in by protocol number (the seam TCP uses)', async () => {
    const { clock, a, b } = twoStacks();
    const seen: [number, number, number[]][] = [];
    const remove = b.registerTransport(253, (src, dst, payload) => { seen.push([src, dst, Array.from(payload)]); });
    expect(() => b.registerTransport(253, () => {})).toThrow(/already/);
    expect(() => b.registerTransport(17, () => {})).toThrow(/already/);
    a.ip.send(B, 253, new Uint8Array([4, 5]));
    await clock.advance(10);
    expect(seen).toEqual([[A, B, [4, 5]]]);
    remove();
    a.ip.send(B, 253, new Uint8Array([6]));
    await clock.advance(10);
    expect(seen.length).toBe(1);
    expect(b.counters['ipv4.unknown-protocol']).toBe(1);
    expect(a.ip.localAddress()).toBe(A);
  });

  it('builds TCP through the tcp option and registers it for protocol 6', async () => {
    const got: number[] = [];
    let stopped = false;
    const { clock, a, b } = twoStacks({}, {
      tcp: (ipSender) => ({ input: (src: number) => { got.push(src); }, stop: () => { stopped = true; }, sender: ipSender }),
    });
    expect(a.tcp!.input).toBeTypeOf('function');
    a.ip.send(B, 6, new Uint8Array(20));
    await clock.advance(10);
    expect(got).toEqual([A]);
    b.stop();
    expect(stopped).toBe(true);
  });

  it('loops packets to its own address back without the wire', async () => {
    const { clock, sw, a } = twoStacks();
    await clock.advance(5000);
    const before = sw.counters.frames;
    let got = 0;
    a.udp.bind(9, (d) => { got = d.length; });
    a.udp.send({ address: A, port: 9 }, new Uint8Array(5), 1);
    expect(got).toBe(0); // never synchronously
    await clock.advance(1);
    expect(got).toBe(5);
    expect(await clock.until(a.icmp.ping(A), 10)).toBe(0);
    expect(sw.counters.frames).toBe(before);
  });

  it('refuses a second bind of a port with a clear error, and binds again after unbinding', () => {
    const { a } = twoStacks();
    const unbind = a.udp.bind(53, () => {});
    expect(() => a.udp.bind(53, () => {})).toThrow('udp: port 53 is already bound');
    expect(() => a.udp.bind(0, () => {})).toThrow(/not a port/);
    expect(() => a.udp.bind(70000, () => {})).toThrow(/not a port/);
    unbind();
    a.udp.bind(53, () => {});
  });

  it('counts a throwing UDP handler instead of letting it out, and reports it', async () => {
    const errors: string[] = [];
    const { clock, a, b } = twoStacks({}, { onError: (where, e) => errors.push(where + ': ' + (e as Error).message) });
    b.udp.bind(9, () => { throw new Error('boom'); });
    a.udp.send({ address: B, port: 9 }, new Uint8Array(1), 1);
    await clock.advance(10);
    expect(b.counters['udp.handler-error']).toBe(1);
    expect(errors).toEqual(['udp: boom']);
  });

  it('stop() rejects pending pings, silences timers and ignores later frames', async () => {
    const { clock, a, b } = twoStacks();
    const p = a.icmp.ping(ip('10.0.0.99'), { timeoutMs: 5000 });
    a.stop();
    await expect(p).rejects.toThrow(/stopped/);
    await clock.advance(10000);
    expect(clock.pending()).toBe(0);
    b.udp.send({ address: A, port: 9 }, new Uint8Array(1), 1);
    await clock.advance(5000);
    expect(a.counters['udp.no-port']).toBeUndefined();
  });
});

describe('receive path against random frames', () => {
  function fakeNetif(): { netif: Netif; feed: (f: Uint8Array) => void; written: Uint8Array[] } {
    let listener: (f: Uint8Array) => void = () => {};
    const written: Uint8Array[] = [];
    return {
      netif: { mac: new Uint8Array([2, 0, 0, 0, 0, 1]), mtu: 1500, write: (f) => { written.push(f); return Promise.resolve(); }, listen: (l) => { listener = l; } },
      feed: (f) => listener(f),
      written,
    };
  }

  it('never throws, counts its drops, and keeps working', async () => {
    const clock = createTestClock();
    const { netif, feed } = fakeNetif();
    const stack = createStack({ netif, scheduler: clock, random: randomSource(5), ipv4: { address: A, prefix: 24 }, gateway: ip('10.0.0.1') });
    stack.udp.bind(53, () => {});
    const us = netif.mac;
    const frames = fc.oneof(
      fc.uint8Array({ maxLength: 1600 }),
      // Addressed to us, a known type, random payload.
      fc.tuple(fc.constantFrom(0x0800, 0x0806), fc.uint8Array({ maxLength: 1500 })).map(([t, p]) => buildEthernet(us, new Uint8Array([2, 0, 0, 0, 0, 9]), t, p)),
      // A valid IPv4 header to us, random transport payload, sometimes a fragment.
      fc.tuple(fc.constantFrom(1, 6, 17, 99), fc.uint8Array({ maxLength: 1400 }), fc.boolean(), fc.integer({ min: 0, max: 0x1fff }))
        .map(([proto, p, mf, off]) => buildEthernet(us, new Uint8Array([2, 0, 0, 0, 0, 9]), 0x0800,
          buildIpv4Packet({ totalLength: 0, id: 1, protocol: proto, src: B, dst: A, moreFragments: mf, fragmentOffset: off * 8 }, p))),
      // A valid UDP datagram to a bound port with random (DNS-ish) data.
      fc.uint8Array({ maxLength: 512 }).map((p) => buildEthernet(us, new Uint8Array([2, 0, 0, 0, 0, 9]), 0x0800,
        buildIpv4Packet({ totalLength: 0, id: 2, protocol: 17, src: B, dst: A }, buildUdp(B, A, 1000, 53, p)))),
    );
    fc.assert(fc.property(fc.array(frames, { maxLength: 20 }), (list) => {
      for (const f of list) feed(f);
    }), { numRuns: 300 });
    await clock.advance(60000);
    const drops = Object.keys(stack.counters).filter((k) => !/sent|fragmented|reassembled/.test(k));
    expect(drops.length).toBeGreaterThan(5);
    expectNoErrors(stack.counters);
  });
});

/* ---- DHCP against a tiny in-test server ---- */

interface ServerLog { type: number; to: number; ciaddr: number; at: number; xid: number }

interface ServerBehaviour {
  /** Drop this message (no answer). */
  ignore?: (m: DhcpMessage, to: number, log: ServerLog[]) => boolean;
  /** Answer this REQUEST with a NAK. */
  nak?: (m: DhcpMessage, log: ServerLog[]) => boolean;
}

const SERVER = ip('10.0.0.1');

function dhcpServer(stack: Stack, clock: TestClock, pool: Ipv4Address[], leaseSeconds: number, behaviour: ServerBehaviour = {}) {
  const log: ServerLog[] = [];
  let next = 0;
  stack.udp.bind(67, (data, _from, to) => {
    const m = parseDhcp(data);
    if (typeof m === 'string') throw new Error('server got a bad message: ' + m);
    const type = optionByte(m.options, OPT_MESSAGE_TYPE)!;
    log.push({ type, to: to.address, ciaddr: m.ciaddr, at: clock.now(), xid: m.xid });
    if (behaviour.ignore && behaviour.ignore(m, to.address, log)) return;
    let reply: number;
    let yiaddr = 0;
    if (type === DHCPDISCOVER) { reply = DHCPOFFER; yiaddr = pool[next++ % pool.length]; }
    else if (type === DHCPREQUEST) {
      if (behaviour.nak && behaviour.nak(m, log)) reply = DHCPNAK;
      else { reply = DHCPACK; yiaddr = m.ciaddr || optionAddress(m.options, OPT_REQUESTED_IP)!; }
    } else return;
    const options: DhcpOptions = { [OPT_MESSAGE_TYPE]: new Uint8Array([reply]), [OPT_SERVER_ID]: uint32Option(SERVER) };
    if (reply !== DHCPNAK) {
      options[OPT_SUBNET_MASK] = uint32Option(0xffffff00);
      options[OPT_ROUTER] = addressesOption([SERVER]);
      options[OPT_DNS] = addressesOption([SERVER]);
      options[OPT_LEASE_TIME] = uint32Option(leaseSeconds);
    }
    const out = buildDhcp({ ...m, op: 2, yiaddr, ciaddr: 0, options });
    // RFC 2131 §4.1: to ciaddr when the client has one, else broadcast.
    stack.udp.send({ address: m.ciaddr || 0xffffffff, port: 68 }, out, 67);
  });
  return log;
}

function dhcpNet(behaviour: ServerBehaviour = {}, leaseSeconds = 60, pool = [ip('10.0.0.50'), ip('10.0.0.51')]) {
  const clock = createTestClock();
  const sw = createSwitch({ scheduler: clock });
  const arp = arpLog(sw);
  const server = createStack({ netif: sw.port(), scheduler: clock, random: randomSource(9), ipv4: { address: SERVER, prefix: 24 } });
  const log = dhcpServer(server, clock, pool, leaseSeconds, behaviour);
  const client = createStack({ netif: sw.port(), scheduler: clock, random: randomSource(4), hostname: 'nymote' });
  return { clock, sw, arp, server, client, log };
}

describe('DHCP client against an in-test server', () => {
  it('DISCOVER → OFFER → REQUEST → ACK configures address, mask, gateway, DNS, and announces it', async () => {
    const { clock, arp, server, client, log } = dhcpNet();
    expect(client.ipv4.address()).toBe(0);
    await clock.until(client.ready, 1000);
    expect(log.map((l) => [l.type, l.to, l.ciaddr])).toEqual([[DHCPDISCOVER, 0xffffffff, 0], [DHCPREQUEST, 0xffffffff, 0]]);
    expect(log[0].xid).toBe(log[1].xid);
    expect(client.ipv4.address()).toBe(ip('10.0.0.50'));
    expect(client.ipv4.prefix()).toBe(24);
    expect(client.ipv4.gateway()).toBe(SERVER);
    expect(client.ipv4.dns()).toEqual([SERVER]);
    expect(client.lease()!.leaseSeconds).toBe(60);
    expect(arp).toContainEqual([1, ip('10.0.0.50'), ip('10.0.0.50')]);
    expect(await clock.until(client.icmp.ping(SERVER), 2000)).toBeGreaterThanOrEqual(0);
    expect(await clock.until(server.icmp.ping(ip('10.0.0.50')), 2000)).toBeGreaterThanOrEqual(0);
    expectNoErrors(client.counters);
  });

  it('renews at T1 with a unicast REQUEST to the server', async () => {
    const { clock, client, log } = dhcpNet();
    await clock.until(client.ready, 1000);
    const bound = clock.now();
    await clock.advance(29000);
    expect(log.length).toBe(2);
    await clock.advance(2000);
    expect(log.length).toBe(3); // one REQUEST, answered
    expect(log[2]).toMatchObject({ type: DHCPREQUEST, to: SERVER, ciaddr: ip('10.0.0.50') });
    expect(log[2].at - bound).toBeGreaterThanOrEqual(29000);
    expect(client.lease()!.expiresAt).toBeGreaterThan(60000);
    expect(client.ipv4.address()).toBe(ip('10.0.0.50'));
    expect(client.counters['dhcp.bound']).toBe(2);
  });

  it('rebinds at T2 with a broadcast REQUEST when the server ignores renewals', async () => {
    const { clock, client, log } = dhcpNet({ ignore: (m, to) => to !== 0xffffffff });
    await clock.until(client.ready, 1000);
    await clock.advance(52000);
    expect(log.filter((l) => l.to === SERVER).length).toBeGreaterThanOrEqual(1);
    expect(client.counters['dhcp.bound']).toBe(1);
    await clock.advance(1000);
    const rebind = log[log.length - 1];
    expect(rebind).toMatchObject({ type: DHCPREQUEST, to: 0xffffffff, ciaddr: ip('10.0.0.50') });
    expect(rebind.at).toBeGreaterThanOrEqual(52500 - 10);
    expect(client.counters['dhcp.bound']).toBe(2);
    expect(client.ipv4.address()).toBe(ip('10.0.0.50'));
  });

  it('restarts on a NAK: drops the address, discovers again, announces the new one', async () => {
    let naks = 0;
    const { clock, arp, client, log } = dhcpNet({ nak: (m) => m.ciaddr !== 0 && naks++ === 0 });
    await clock.until(client.ready, 1000);
    expect(client.ipv4.address()).toBe(ip('10.0.0.50'));
    await clock.advance(30500);
    expect(log.map((l) => l.type)).toEqual([DHCPDISCOVER, DHCPREQUEST, DHCPREQUEST, DHCPDISCOVER, DHCPREQUEST]);
    expect(client.ipv4.address()).toBe(ip('10.0.0.51'));
    expect(client.counters['dhcp.lease-lost']).toBe(1);
    expect(arp).toContainEqual([1, ip('10.0.0.51'), ip('10.0.0.51')]);
  });

  it('retransmits DISCOVER with exponential backoff (4 s, 8 s, ±1 s)', async () => {
    const { clock, client, log } = dhcpNet({ ignore: (m, to, l) => l.length <= 3 });
    await clock.until(client.ready, 60000);
    const d = log.filter((l) => l.type === DHCPDISCOVER).map((l) => l.at);
    expect(d.length).toBe(4);
    const gaps = [d[1] - d[0], d[2] - d[1], d[3] - d[2]];
    [4000, 8000, 16000].forEach((g, i) => expect(Math.abs(gaps[i] - g)).toBeLessThanOrEqual(1000));
  });

  it('gives the address up when the lease expires unrenewed, then starts over', async () => {
    let silent = false;
    const { clock, client, log } = dhcpNet({ ignore: () => silent });
    await clock.until(client.ready, 1000);
    silent = true;
    await clock.advance(59000);
    expect(client.ipv4.address()).toBe(ip('10.0.0.50'));
    await clock.advance(2000);
    expect(client.ipv4.address()).toBe(0);
    expect(client.counters['dhcp.lease-lost']).toBe(1);
    expect(log[log.length - 1].type).toBe(DHCPDISCOVER);
    silent = false;
    await clock.advance(20000);
    expect(client.ipv4.address()).not.toBe(0);
  });
});

describe('stackConfigFromArgs', () => {
  it('reads --ipv4 and --gateway, else DHCP', () => {
    expect(stackConfigFromArgs({})).toEqual({ dhcp: true });
    expect(stackConfigFromArgs({ ipv4: '10.0.0.2/24' })).toEqual({ dhcp: false, ipv4: { address: A, prefix: 24 } });
    expect(stackConfigFromArgs({ ipv4: '10.0.0.2/24', gateway: '10.0.0.1' })).toEqual({ dhcp: false, ipv4: { address: A, prefix: 24 }, gateway: ip('10.0.0.1') });
  });

  it('names the bad value', () => {
    expect(() => stackConfigFromArgs({ ipv4: '10.0.0.2' })).toThrow('--ipv4 10.0.0.2: expected A.B.C.D/N');
    expect(() => stackConfigFromArgs({ ipv4: 'true' })).toThrow(/--ipv4 \(no value\)/);
    expect(() => stackConfigFromArgs({ ipv4: '10.0.0.256/24' })).toThrow(/expected A.B.C.D\/N/);
    expect(() => stackConfigFromArgs({ ipv4: '10.0.0.2/33' })).toThrow(/expected/);
    expect(() => stackConfigFromArgs({ ipv4: '10.0.0.0/24' })).toThrow(/network address/);
    expect(() => stackConfigFromArgs({ ipv4: '10.0.0.255/24' })).toThrow(/broadcast address/);
    expect(() => stackConfigFromArgs({ ipv4: '224.0.0.1/4' })).toThrow(/not a usable host/);
    expect(() => stackConfigFromArgs({ ipv4: '10.0.0.2/24', gateway: '10.0.1.1' })).toThrow('--gateway 10.0.1.1 is not on the subnet of --ipv4 10.0.0.2/24');
    expect(() => stackConfigFromArgs({ ipv4: '10.0.0.2/24', gateway: 'x' })).toThrow('--gateway x: expected A.B.C.D');
    expect(() => stackConfigFromArgs({ gateway: '10.0.0.1' })).toThrow(/needs --ipv4/);
  });

  it('feeds createStack; createStack refuses inconsistent options', () => {
    const clock = createTestClock();
    const sw = createSwitch({ scheduler: clock });
    const s = createStack({ netif: sw.port(), scheduler: clock, random: randomSource(1), ...stackConfigFromArgs({ ipv4: '10.0.0.2/24', gateway: '10.0.0.1' }) });
    expect([s.ipv4.address(), s.ipv4.prefix(), s.ipv4.gateway()]).toEqual([A, 24, ip('10.0.0.1')]);
    expect(() => createStack({ netif: sw.port(), scheduler: clock, random: randomSource(1), ipv4: { address: A, prefix: 24 }, gateway: ip('10.1.0.1') })).toThrow(/not on/);
    expect(() => createStack({ netif: sw.port(), scheduler: clock, random: randomSource(1), dhcp: false })).toThrow(/no address/);
  });
});
