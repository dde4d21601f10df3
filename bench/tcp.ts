/*
 * bench/tcp: one-way TCP bulk throughput of our stack against Linux, in one
 * run on this machine (DESIGN.md §9). Run: npx tsx bench/tcp.ts [--mb N]
 *
 *   Linux -> Linux   socat over a veth pair between two network namespaces
 *   Linux -> ours    socat into apps/echo's discard port (unix board: our
 *                    stack in Duktape) over a tap device
 *   ours -> ours     two of our stacks on Node (V8) over the in-memory switch
 *
 * Ratios are ours / Linux. Nothing here asserts a time.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from '../cli/build/index';
import { findBoard } from '../cli/boards';
import { REPO } from '../cli/paths';
import { createSwitch } from '../drivers/testing/switch';
import { parseIpv4 } from '../net/address';
import { createStack } from '../net/stack';
import { createTcp, type Tcp } from '../net/tcp/tcp';
import type { Scheduler } from '../lib/scheduler';

const args = process.argv.slice(2);
const mbArg = args.indexOf('--mb') >= 0 ? Number(args[args.indexOf('--mb') + 1]) : undefined;
const LINUX_MB = mbArg ?? 400;
const DUKTAPE_MB = mbArg ?? 40;
const NODE_MB = mbArg ?? 100;

const ip = (cmd: string[]) => execFileSync('ip', cmd, { stdio: 'pipe' });
const output = (cmd: string, a: string[]) => spawnSync(cmd, a, { encoding: 'utf8' }).stdout;

/** Seconds for `sh` to push `mb` MiB of zeros through socat to a TCP sink, inside `ns`. */
function socatSeconds(ns: string, target: string, mb: number): number {
  const started = process.hrtime.bigint();
  const r = spawnSync('ip', ['netns', 'exec', ns, 'sh', '-c',
    `dd if=/dev/zero bs=1M count=${mb} status=none | socat -u -b 262144 - TCP:${target}`], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`socat to ${target} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function linuxVeth(mb: number): Promise<number> {
  const a = `nyb-a-${process.pid}`;
  const b = `nyb-b-${process.pid}`;
  ip(['netns', 'add', a]); ip(['netns', 'add', b]);
  try {
    ip(['link', 'add', 'vA', 'netns', a, 'type', 'veth', 'peer', 'name', 'vB', 'netns', b]);
    ip(['-n', a, 'addr', 'add', '10.79.0.1/24', 'dev', 'vA']); ip(['-n', a, 'link', 'set', 'vA', 'up']);
    ip(['-n', b, 'addr', 'add', '10.79.0.2/24', 'dev', 'vB']); ip(['-n', b, 'link', 'set', 'vB', 'up']);
    const sink = spawn('ip', ['netns', 'exec', b, 'socat', '-u', '-b', '262144', 'TCP-LISTEN:9,reuseaddr', 'OPEN:/dev/null']);
    await new Promise((r) => setTimeout(r, 300));
    const s = socatSeconds(a, '10.79.0.2:9', mb);
    sink.kill();
    return mb / s;
  } finally {
    ip(['netns', 'del', a]); ip(['netns', 'del', b]);
  }
}

async function oursDuktape(mb: number): Promise<number> {
  const { dir, manifest } = await build(join(REPO, 'apps', 'echo'), await findBoard('unix'), { quiet: true });
  const ns = `nyb-t-${process.pid}`;
  ip(['netns', 'add', ns]);
  const image = spawn('ip', ['netns', 'exec', ns, join(dir, manifest.image), '--tap', 'tap0', '--ipv4', '10.79.1.2/24']);
  try {
    ip(['-n', ns, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
    ip(['-n', ns, 'addr', 'add', '10.79.1.1/24', 'dev', 'tap0']); ip(['-n', ns, 'link', 'set', 'tap0', 'up']);
    let out = '';
    image.stdout.on('data', (d) => { out += d; });
    for (let i = 0; i < 200 && !out.includes('serving'); i++) await new Promise((r) => setTimeout(r, 50));
    if (!out.includes('serving')) throw new Error(`apps/echo did not start: ${out}`);
    return mb / socatSeconds(ns, '10.79.1.2:9', mb);
  } finally {
    image.kill();
    ip(['netns', 'del', ns]);
  }
}

/** Real time; a zero delay runs on the next turn (setImmediate), not after Node's 1 ms timer floor. */
function immediateScheduler(): Scheduler {
  return {
    now: () => performance.now(),
    after(ms, fn) {
      if (ms <= 0) { const t = setImmediate(fn); return { cancel: () => clearImmediate(t) }; }
      const t = setTimeout(fn, ms);
      return { cancel: () => clearTimeout(t) };
    },
  };
}

async function oursNode(mb: number): Promise<number> {
  const scheduler = immediateScheduler();
  const sw = createSwitch({ scheduler });
  const random = (buf: Uint8Array) => { crypto.getRandomValues(buf); };
  const make = (address: string) => createStack<Tcp>({
    netif: sw.port(), scheduler, random, ipv4: { address: parseIpv4(address)!, prefix: 24 },
    tcp: (ipSender, env) => createTcp({ ip: ipSender, scheduler: env.scheduler, random: env.random, counters: env.counters }),
  });
  const a = make('10.79.2.1');
  const b = make('10.79.2.2');
  let received = 0;
  const done = new Promise<void>((resolve) => b.tcp!.listen(9, (flow) => {
    (async () => { for (let d = await flow.read(); d; d = await flow.read()) received += d.length; resolve(); })();
  }));
  const flow = await a.tcp!.connect(parseIpv4('10.79.2.2')!, 9);
  const chunk = new Uint8Array(65536);
  const started = performance.now();
  for (let sent = 0; sent < mb << 20; sent += chunk.length) await flow.write(chunk);
  await flow.close();
  await done;
  const s = (performance.now() - started) / 1000;
  if (received !== mb << 20) throw new Error(`ours on Node: ${received} of ${mb << 20} bytes arrived`);
  a.stop(); b.stop();
  return mb / s;
}

async function main(): Promise<void> {
  process.stderr.write(`bench/tcp: Linux over veth (${LINUX_MB} MiB)…\n`);
  const linux = await linuxVeth(LINUX_MB);
  process.stderr.write(`bench/tcp: ours in Duktape over a tap (${DUKTAPE_MB} MiB)…\n`);
  const duktape = await oursDuktape(DUKTAPE_MB);
  process.stderr.write(`bench/tcp: ours on Node over the in-memory switch (${NODE_MB} MiB)…\n`);
  const node = await oursNode(NODE_MB);
  const rows: [string, number][] = [
    ['Linux -> Linux (veth, socat)', linux],
    ['Linux -> ours (unix board, Duktape, tap)', duktape],
    ['ours -> ours (Node/V8, in-memory switch)', node],
  ];
  console.log(`TCP one-way bulk throughput; peers: Linux ${output('uname', ['-r']).trim()}, socat ${/socat version (\S+)/.exec(output('socat', ['-V']))?.[1] ?? '?'}`);
  console.log(`${'path'.padEnd(44)} ${'MiB/s'.padStart(10)} ${'ours/Linux'.padStart(11)}`);
  for (const [name, mbps] of rows) console.log(`${name.padEnd(44)} ${mbps.toFixed(1).padStart(10)} ${(mbps / linux).toFixed(4).padStart(11)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
