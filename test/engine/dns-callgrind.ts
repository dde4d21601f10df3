/*
 * Instructions per DNS query of a built unix dns image, quickly: the engine
 * helper's measuring stick for kernel and engine changes (issue 17), a small
 * cousin of bench/dns.ts's callgrind step without the peers and the qps runs.
 * Run (root: a network namespace and a tap):
 *   npx tsx test/engine/dns-callgrind.ts <image dir holding manifest.json> [--names N] [--queries N]
 * A generated zone of --names hosts (300), the image under callgrind on a tap,
 * --queries (1000) mixed queries from dnsperf (4 in flight) as a warm-up, the
 * counters zeroed (callgrind_control -z), the same queries again, and the
 * exit's dump divided by their count. Prints one line: "Ir/query N".
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const numberArg = (name: string, dflt: number): number => {
  const i = argv.indexOf('--' + name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const imageDir = argv[0];
const NAMES = numberArg('names', 300);
const QUERIES = numberArg('queries', 1000);
const ORIGIN = 'bench.test';
const ns = 'nymote-cg-' + process.pid;
const OURS = '10.231.0.2';

function zone(): string {
  const lines = [`$ORIGIN ${ORIGIN}.`, '$TTL 3600', '@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300', '@ NS ns1', 'ns1 A 192.0.2.53',
    'www CNAME @', '@ A 192.0.2.1', '*.wild A 192.0.2.80'];
  for (let i = 0; i < NAMES; i++) {
    lines.push(`host${i} A 10.0.${(i >> 8) & 255}.${i & 255}`);
    if (i % 2 === 0) lines.push(`host${i} AAAA 2001:db8::${i.toString(16)}`);
    if (i % 5 === 0) lines.push(`host${i} TXT "host ${i}"`);
  }
  return lines.join('\n') + '\n';
}

function queries(): string {
  const out: string[] = [];
  let s = 53;
  for (let q = 0; q < QUERIES; q++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const i = s % NAMES;
    const kind = (s >>> 8) % 10;
    if (kind < 5) out.push(`host${i}.${ORIGIN} A`);
    else if (kind < 7) out.push(`host${i}.${ORIGIN} AAAA`);
    else if (kind < 8) out.push(`nohost${i}.${ORIGIN} A`);
    else if (kind < 9) out.push(`x${i}.wild.${ORIGIN} A`);
    else out.push(`www.${ORIGIN} A`);
  }
  return out.join('\n') + '\n';
}

const ip = (a: string[]) => execFileSync('ip', a, { stdio: 'pipe' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function dnsperf(file: string): number {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'dnsperf', '-s', OURS, '-d', file, '-n', '1', '-c', '1', '-q', '4', '-t', '30'],
    { encoding: 'utf8', timeout: 1_800_000 });
  const completed = Number(/Queries completed:\s+(\d+)/.exec(r.stdout)?.[1] ?? NaN);
  if (completed !== QUERIES) throw new Error(`dnsperf: ${completed} of ${QUERIES} answered\n${r.stdout}${r.stderr}`);
  return completed;
}

async function main(): Promise<void> {
  const manifest = JSON.parse(readFileSync(join(imageDir, 'manifest.json'), 'utf8')) as { image: string };
  const work = mkdtempSync(join(tmpdir(), 'nymote-dns-cg-'));
  ip(['netns', 'add', ns]);
  try {
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    ip(['-n', ns, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
    ip(['-n', ns, 'addr', 'add', '10.231.0.1/24', 'dev', 'tap0']);
    ip(['-n', ns, 'link', 'set', 'tap0', 'up']);
    writeFileSync(join(work, 'zone'), zone());
    writeFileSync(join(work, 'queries'), queries());
    const child = spawn('ip', ['netns', 'exec', ns, 'valgrind', '--tool=callgrind', `--callgrind-out-file=${join(work, 'cg.')}%p`,
      join(imageDir, manifest.image), '--tap', 'tap0', '--ipv4', `${OURS}/24`, '--zone', join(work, 'zone')]);
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    for (const until = Date.now() + 900_000; !/dns: serving /.test(out);) {
      if (child.exitCode !== null || Date.now() > until) throw new Error('the image did not start:\n' + out);
      await sleep(100);
    }
    dnsperf(join(work, 'queries'));
    // valgrind's pid is the child of `ip netns exec` (exec'd: the same pid).
    const z = spawnSync('callgrind_control', ['-z', String(child.pid)], { encoding: 'utf8' });
    if (z.status !== 0) throw new Error('callgrind_control -z: ' + z.stdout + z.stderr);
    dnsperf(join(work, 'queries'));
    child.kill('SIGTERM');
    await exited;
    let ir = 0;
    for (const f of readdirSync(work).filter((n) => n.startsWith('cg.'))) {
      ir += Number(/^(?:totals|summary): (\d+)/m.exec(readFileSync(join(work, f), 'utf8'))?.[1] ?? 0);
    }
    console.log(`Ir/query ${(ir / QUERIES).toFixed(0)} (${imageDir}, ${NAMES} names, ${QUERIES} queries)`);
  } finally {
    try { ip(['netns', 'del', ns]); } catch { /* gone */ }
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: Error) => { console.error(e.message); process.exit(1); });
