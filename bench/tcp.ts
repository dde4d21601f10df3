/*
 * bench/tcp: one-way TCP bulk throughput of our stack against Linux, in one
 * run on this machine (DESIGN.md §9). Run: npx tsx bench/tcp.ts [--mb N]
 *
 *   Linux -> Linux   socat over a veth pair between two network namespaces
 *   Linux -> ours    socat into apps/echo's discard port (unix board: our
 *                    stack in Duktape) over a tap device
 *   ours -> ours     two of our stacks on Node (V8) over the in-memory switch
 *
 * Ratios are ours / Linux. Nothing here asserts a time. For the unix
 * board the MiB per CPU second the image used is printed too: on a busy
 * machine the wall-clock rate mostly measures the scheduler.
 *
 * --callgrind (minutes) then counts what the unix image spends, under
 * valgrind's callgrind: after a 1 MiB warm-up, per MiB received on the
 * discard port (--callgrind-mb, 8) and per datagram echoed on UDP port 7
 * (--callgrind-datagrams, 2000, 64 bytes, one in flight), with the top
 * functions of each (callgrind_annotate). Counters are zeroed and dumped
 * around each part with callgrind_control, so start-up is left out.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../cli/build/index';
import { findBoard } from '../cli/boards';
import { BUILD, REPO } from '../cli/paths';
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
const numberArg = (name: string, fallback: number): number => (args.indexOf(`--${name}`) >= 0 ? Number(args[args.indexOf(`--${name}`) + 1]) : fallback);
const onlyArg = args.indexOf('--only') >= 0 ? args[args.indexOf('--only') + 1].split(',') : ['linux', 'duktape', 'node'];
const CALLGRIND = args.indexOf('--callgrind') >= 0;
const CG_MB = numberArg('callgrind-mb', 8);
const CG_DATAGRAMS = numberArg('callgrind-datagrams', 2000);

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

/** apps/echo on the unix board in a fresh namespace with tap0 (10.79.1.1 is Linux, 10.79.1.2 the image). */
async function withEchoImage<R>(wrap: string[], startWait: number, body: (image: ChildProcess, ns: string) => Promise<R>, symbols = false): Promise<R> {
  const { dir, manifest } = await build(join(REPO, 'apps', 'echo'), await findBoard('unix'), {
    quiet: true, outDir: process.env.NYMOTE_BUILD ? join(process.env.NYMOTE_BUILD, 'images') : undefined,
  });
  let imagePath = join(dir, manifest.image);
  if (symbols) {
    // The image is linked stripped; the same objects linked again keep the engine's symbols for callgrind_annotate.
    const work = join(BUILD, 'work', 'echo-unix');
    imagePath = join(work, 'echo.symbols');
    execFileSync('cc', ['-o', imagePath, join(work, 'image.o'), `-L${join(BUILD, 'unix')}`, '-lnymote', '-lm', '-Wl,--gc-sections']);
  }
  const ns = `nyb-t-${process.pid}`;
  ip(['netns', 'add', ns]);
  // The tap exists before the image opens it: an image that opens a missing tap creates its own, and `ip tuntap add` then finds it busy.
  ip(['-n', ns, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
  ip(['-n', ns, 'addr', 'add', '10.79.1.1/24', 'dev', 'tap0']); ip(['-n', ns, 'link', 'set', 'tap0', 'up']);
  const image = spawn('ip', ['netns', 'exec', ns, ...wrap, imagePath, '--tap', 'tap0', '--ipv4', '10.79.1.2/24']);
  try {
    let out = '';
    image.stdout!.on('data', (d) => { out += d; });
    image.stderr!.on('data', () => { /* valgrind's chatter */ });
    for (let i = 0; i < startWait / 50 && !out.includes('serving'); i++) await new Promise((r) => setTimeout(r, 50));
    if (!out.includes('serving')) throw new Error(`apps/echo did not start: ${out}`);
    return await body(image, ns);
  } finally {
    image.kill();
    await new Promise((r) => setTimeout(r, 200));
    ip(['netns', 'del', ns]);
  }
}

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** MiB/s of wall time, and MiB per CPU second of the image (what it would do with a core to itself). */
async function oursDuktape(mb: number): Promise<{ wall: number; cpu: number }> {
  return withEchoImage([], 10_000, async (image, ns) => {
    const cpuBefore = cpuSeconds(image.pid!);
    const seconds = socatSeconds(ns, '10.79.1.2:9', mb);
    return { wall: mb / seconds, cpu: mb / (cpuSeconds(image.pid!) - cpuBefore) };
  });
}

/** `count` datagrams of 64 bytes to the image's UDP echo, one in flight, each answer checked. */
function udpEcho(ns: string, count: number): void {
  const script = [
    'import socket,sys', 's=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)', 's.settimeout(10)',
    'for i in range(int(sys.argv[1])):',
    ' m=(b"%08d"%i)*8', ' s.sendto(m,("10.79.1.2",7))', ' d,_=s.recvfrom(2048)',
    ' assert d==m,(i,d)',
  ].join('\n');
  const r = spawnSync('ip', ['netns', 'exec', ns, 'python3', '-c', script, String(count)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`UDP echo failed: ${r.stderr}`);
}

interface CallgrindPart { ir: number; top: string }

async function oursCallgrind(mb: number, datagrams: number): Promise<{ tcp: CallgrindPart; udp: CallgrindPart }> {
  const work = mkdtempSync(join(tmpdir(), 'nyb-tcp-cg-'));
  const control = (flag: string, pid: number): void => {
    const c = spawnSync('callgrind_control', [flag, String(pid)], { encoding: 'utf8', timeout: 120_000 });
    if (c.status !== 0) throw new Error(`callgrind_control ${flag} ${pid}: ${c.stdout}${c.stderr}`);
  };
  /** The dump callgrind_control -d wrote last (cg.PID.N, highest N). */
  const part = (pid: number, n: number): CallgrindPart => {
    const file = join(work, `cg.${pid}.${n}`);
    const ir = Number(/^(?:totals|summary): (\d+)/m.exec(readFileSync(file, 'utf8'))?.[1] ?? NaN);
    const top = spawnSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', file], { encoding: 'utf8' }).stdout
      .split('\n').filter((l) => /^\s*[\d,]+ \(/.test(l) && !/\(100\.0%\)/.test(l)).slice(0, 15)
      .map((l) => l.replace(/ \[[^\]]*\]$/, '')).join('\n');
    return { ir, top };
  };
  return withEchoImage(['valgrind', '--tool=callgrind', `--callgrind-out-file=${join(work, 'cg.%p')}`], 120_000, async (image) => {
    const pid = image.pid!;
    socatSeconds(`nyb-t-${process.pid}`, '10.79.1.2:9', 1);
    udpEcho(`nyb-t-${process.pid}`, 50);
    control('-z', pid);
    socatSeconds(`nyb-t-${process.pid}`, '10.79.1.2:9', mb);
    control('-d', pid);
    control('-z', pid);
    udpEcho(`nyb-t-${process.pid}`, datagrams);
    control('-d', pid);
    const files = readdirSync(work).filter((f) => f.startsWith(`cg.${pid}.`));
    if (files.length < 2) throw new Error(`callgrind: expected two dumps in ${work}, found ${files.join(', ')}`);
    return { tcp: part(pid, 1), udp: part(pid, 2) };
  }, true);
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
  const rows: [string, number][] = [];
  let linux = NaN;
  if (onlyArg.includes('linux')) {
    process.stderr.write(`bench/tcp: Linux over veth (${LINUX_MB} MiB)…\n`);
    linux = await linuxVeth(LINUX_MB);
    rows.push(['Linux -> Linux (veth, socat)', linux]);
  }
  if (onlyArg.includes('duktape')) {
    process.stderr.write(`bench/tcp: ours in Duktape over a tap (${DUKTAPE_MB} MiB)…\n`);
    const ours = await oursDuktape(DUKTAPE_MB);
    rows.push(['Linux -> ours (unix board, Duktape, tap)', ours.wall]);
    rows.push(['  the same per image CPU second', ours.cpu]);
  }
  if (onlyArg.includes('node')) {
    process.stderr.write(`bench/tcp: ours on Node over the in-memory switch (${NODE_MB} MiB)…\n`);
    rows.push(['ours -> ours (Node/V8, in-memory switch)', await oursNode(NODE_MB)]);
  }
  console.log(`TCP one-way bulk throughput; peers: Linux ${output('uname', ['-r']).trim()}, socat ${/socat version (\S+)/.exec(output('socat', ['-V']))?.[1] ?? '?'}`);
  console.log(`${'path'.padEnd(44)} ${'MiB/s'.padStart(10)} ${'ours/Linux'.padStart(11)}`);
  for (const [name, mbps] of rows) console.log(`${name.padEnd(44)} ${mbps.toFixed(1).padStart(10)} ${(mbps / linux).toFixed(4).padStart(11)}`);
  if (CALLGRIND) {
    process.stderr.write(`bench/tcp: callgrind: unix image, ${CG_MB} MiB to the discard port, ${CG_DATAGRAMS} UDP echoes…\n`);
    const cg = await oursCallgrind(CG_MB, CG_DATAGRAMS);
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`\nInstructions (callgrind Ir, unix image, ${output('valgrind', ['--version']).trim()})`);
    console.log(`  per MiB received (TCP, ${CG_MB} MiB to the discard port): ${fmt(cg.tcp.ir / CG_MB)}`);
    console.log(`  per UDP datagram echoed (${CG_DATAGRAMS} x 64 bytes, one in flight): ${fmt(cg.udp.ir / CG_DATAGRAMS)}`);
    console.log(`\nTop of the TCP profile:\n${cg.tcp.top}\n\nTop of the UDP profile:\n${cg.udp.top}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
