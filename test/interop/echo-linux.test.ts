/*
 * Our TCP/IP stack (apps/echo on the unix board, so in Duktape) against the
 * Linux stack, over a tap device in a network namespace this test creates:
 * ping, UDP echo, a 50 MB TCP echo (test/tcp-echo.ts, which waits for
 * every byte), the same under loss, our TCP client against a Linux echo
 * server, and an address from dnsmasq.
 *
 * This kernel has no sch_netem (CONFIG_NET_SCH_NETEM is off), so impairment
 * is the nearest real thing: nftables drops 1 % of packets each way at
 * random, and a tbf bottleneck adds queueing delay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, REPO } from '../helpers';
import { tcpEchoFromNamespace } from '../tcp-echo';

const ns = `nyt-echo-${process.pid}`;
const NET = '10.78.0';
const LINUX = `${NET}.1`;
const OURS = `${NET}.2`;
const work = mkdtempSync(join(tmpdir(), 'nymote-echo-'));
let image = '';

const inNs = (cmd: string, args: string[], input?: Buffer) =>
  spawnSync('ip', ['netns', 'exec', ns, cmd, ...args], { input, maxBuffer: 128 << 20, timeout: 240_000 });
const sh = (args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

interface Running { child: ChildProcess; out: () => string; exited: Promise<number | null> }

function start(args: string[]): Running {
  const child = spawn('ip', ['netns', 'exec', ns, image, '--tap', 'tap0', ...args]);
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, out: () => out, exited };
}

async function waitFor(r: Running, pattern: RegExp, ms = 20_000): Promise<RegExpExecArray> {
  const until = Date.now() + ms;
  for (;;) {
    const m = pattern.exec(r.out());
    if (m) return m;
    if (Date.now() > until) throw new Error(`no ${pattern} in:\n${r.out()}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function stop(r: Running): Promise<void> {
  r.child.kill('SIGTERM');
  await r.exited;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The deadline for a TCP echo (what socat had), inside the tests' 300 s. */
const tcpEcho = (host: string, data: Buffer) => tcpEchoFromNamespace(ns, host, 7, data, work);

beforeAll(async () => {
  const { dir, manifest } = await buildApp(join(REPO, 'apps', 'echo'));
  image = join(dir, manifest.image);
  sh(['netns', 'add', ns]);
  sh(['-n', ns, 'link', 'set', 'lo', 'up']);
  sh(['-n', ns, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
  sh(['-n', ns, 'addr', 'add', `${LINUX}/24`, 'dev', 'tap0']);
  sh(['-n', ns, 'link', 'set', 'tap0', 'up']);
});

afterAll(() => {
  try { sh(['netns', 'del', ns]); } catch { /* already gone */ }
  rmSync(work, { recursive: true, force: true });
});

describe('apps/echo (unix board, Duktape) against Linux over a tap device', () => {
  let server: Running;
  beforeAll(async () => {
    server = start(['--ipv4', `${OURS}/24`, '--stats-port', '9999']);
    await waitFor(server, /serving tcp and udp port 7/);
  });
  afterAll(async () => { await stop(server); });

  it('prints its static address and answers ping', () => {
    expect(server.out()).toMatch(new RegExp(`echo: ${OURS.replace(/\./g, '\\.')}/24 on [0-9a-f:]{17} \\(static\\)`));
    const ping = inNs('ping', ['-c', '5', '-i', '0.2', '-W', '2', OURS]);
    expect(ping.stdout.toString()).toMatch(/5 packets transmitted, 5 received/);
    // a large echo request arrives in fragments and goes back whole
    const big = inNs('ping', ['-c', '2', '-s', '4000', '-W', '2', OURS]);
    expect(big.stdout.toString()).toMatch(/2 packets transmitted, 2 received/);
  });

  it('echoes UDP datagrams', () => {
    const r = inNs('socat', ['-t', '2', '-', `UDP:${OURS}:7`], Buffer.from('hello over udp\n'));
    expect(r.stdout.toString()).toBe('hello over udp\n');
  });

  it('echoes a 50 MB TCP stream back byte-exact', async () => {
    const data = randomBytes(50 << 20);
    const { back, summary } = await tcpEcho(OURS, data);
    expect(back.length, summary).toBe(data.length);
    expect(sha(back), `${summary}, but not the bytes sent`).toBe(sha(data));
  }, 300_000);

  it('echoes byte-exact through 1 % loss each way and a shaped, queueing link', async () => {
    const rules = `table inet impair {
      chain in { type filter hook input priority 0; iifname "tap0" numgen random mod 100 < 1 counter drop; }
      chain out { type filter hook output priority 0; oifname "tap0" numgen random mod 100 < 1 counter drop; }
    }`;
    expect(inNs('nft', ['-f', '-'], Buffer.from(rules)).status).toBe(0);
    expect(inNs('tc', ['qdisc', 'add', 'dev', 'tap0', 'root', 'tbf', 'rate', '40mbit', 'burst', '16kb', 'latency', '20ms']).status).toBe(0);
    try {
      const data = randomBytes(10 << 20);
      const { back, summary } = await tcpEcho(OURS, data);
      expect(back.length, summary).toBe(data.length);
      expect(sha(back), `${summary}, but not the bytes sent`).toBe(sha(data));
      // the loss was real: packets were dropped in both directions
      const counters = inNs('nft', ['list', 'table', 'inet', 'impair']).stdout.toString();
      const dropped = [...counters.matchAll(/packets (\d+)/g)].map((m) => Number(m[1]));
      expect(dropped).toHaveLength(2);
      for (const n of dropped) expect(n).toBeGreaterThan(10);
    } finally {
      inNs('nft', ['delete', 'table', 'inet', 'impair']);
      inNs('tc', ['qdisc', 'del', 'dev', 'tap0', 'root']);
    }
  }, 300_000);

  it('drops and counts malformed frames from the wire, and keeps serving', () => {
    const mac = /on ([0-9a-f:]{17})/.exec(server.out())![1];
    sh(['-n', ns, 'link', 'set', 'tap0', 'mtu', '4000']); // lets Linux send a frame bigger than our MTU
    try {
      const sent = inNs('python3', [join(REPO, 'test', 'interop', 'raw-frames.py'), 'tap0', mac, LINUX, OURS]);
      expect(sent.status, sent.stderr.toString()).toBe(0);
    } finally {
      sh(['-n', ns, 'link', 'set', 'tap0', 'mtu', '1500']);
    }
    const stats = inNs('socat', ['-t', '2', '-', `UDP:${OURS}:9999`], Buffer.from('?'));
    const counters = JSON.parse(stats.stdout.toString()) as Record<string, number>;
    for (const name of ['ipv4.short', 'ipv4.bad-checksum', 'ipv4.bad-length', 'udp.bad-checksum', 'tcp.bad-checksum', 'tcp.truncated', 'arp.short', 'eth.oversized']) {
      expect(counters[name] ?? 0, `${name} in ${JSON.stringify(counters)}`).toBeGreaterThanOrEqual(1);
    }
    expect(counters['stack.error'] ?? 0).toBe(0);
    const after = inNs('socat', ['-t', '2', '-', `UDP:${OURS}:7`], Buffer.from('still here\n'));
    expect(after.stdout.toString()).toBe('still here\n');
  });
});

describe('apps/echo as a TCP client of a Linux server', () => {
  it('streams 10 MB to socat\'s echo and checks every byte that comes back', async () => {
    const linuxServer = spawn('ip', ['netns', 'exec', ns, 'socat', 'TCP-LISTEN:5007,reuseaddr,fork', 'EXEC:cat']);
    try {
      await new Promise((res) => setTimeout(res, 300));
      const client = start(['--ipv4', `${NET}.3/24`, '--send', `${LINUX}:5007`, '--bytes', String(10_000_000)]);
      const code = await client.exited;
      expect(client.out()).toMatch(/echo: 10000000 bytes sent and echoed back intact in \d+ ms/);
      expect(code).toBe(0);
    } finally {
      linuxServer.kill();
    }
  }, 120_000);
});

describe('apps/echo with an address from DHCP (dnsmasq)', () => {
  it('takes the lease dnsmasq offers, with its gateway, and answers there', async () => {
    const dnsmasq = spawn('ip', ['netns', 'exec', ns, 'dnsmasq', '--no-daemon', '--interface=tap0', '--bind-interfaces',
      `--dhcp-range=${NET}.50,${NET}.60,255.255.255.0,2m`, `--dhcp-option=3,${LINUX}`, '--port=0', '--no-resolv',
      '--leasefile-ro', '--log-dhcp', `--pid-file=${join(work, 'dnsmasq.pid')}`]);
    let log = '';
    dnsmasq.stderr.on('data', (d) => { log += d; });
    try {
      await new Promise((res) => setTimeout(res, 300));
      const echo = start([]);
      try {
        const m = await waitFor(echo, /echo: (10\.78\.0\.\d+)\/24 on [0-9a-f:]{17} via 10\.78\.0\.1 \(DHCP\)/);
        await waitFor(echo, /serving/);
        expect(log).toMatch(new RegExp(`DHCPACK\\(tap0\\) ${m[1].replace(/\./g, '\\.')} .* nymote-echo`));
        const ping = inNs('ping', ['-c', '2', '-W', '2', m[1]]);
        expect(ping.stdout.toString()).toMatch(/2 packets transmitted, 2 received/);
      } finally {
        await stop(echo);
      }
    } finally {
      dnsmasq.kill();
    }
  }, 60_000);
});
