/*
 * bench/dns: authoritative DNS throughput and cost per query, ours against NSD
 * and BIND, in one run on this machine (DESIGN.md §9).
 * Run: npx tsx bench/dns.ts [--seconds N] [--clients N] [--names N]
 *        [--queries N] [--pass-qps N] [--callgrind-queries N] [--no-callgrind]
 *        [--responder-only] [--responder-passes N] [--edns]
 *
 * One generated zone (--names hosts, default 3000: A, AAAA, MX, TXT, CNAME,
 * a wildcard, a delegation with glue) and one dnsperf query file (existing
 * names, NODATA, NXDOMAIN, CNAME chains, wildcard hits, referrals, apex).
 * Every server runs in one network namespace and dnsperf runs there too:
 *
 *   ours, unix board   apps/dns in Duktape, our TCP/IP stack on a tap
 *   ours, node board   `nymote run apps/dns -b node`: Node's sockets, loopback
 *   NSD                nsd -d, one server process, loopback
 *   BIND               named -g -n 1 (one worker thread), loopback
 *
 * Each first gets one pass over the query file at --pass-qps (1000), a rate
 * every server keeps up with: the warm-up (JIT, memoised answers, ARP),
 * whose response codes are printed per server so a server answering
 * differently shows up. Then dnsperf for --seconds (10) with --clients (4)
 * and no rate limit (-q 100 outstanding). Ours and NSD are single-threaded,
 * so BIND gets one worker too; NSD's response rate limiting (on in Debian's
 * build) is turned off. Callgrind counts user-space instructions only: the
 * peers' packet path is in the kernel, ours on the unix board is not.
 *
 * Then callgrind (valgrind) counts the instructions our unix image and NSD
 * spend per query: each runs under callgrind, gets --callgrind-queries
 * (2000) mixed queries from dnsperf (4 in flight; its -q 1 stalls) as a
 * warm-up, then the same queries again; only the second pass counts, so
 * start-up, zone loading and cold caches are left out: ours by zeroing the
 * counters between the passes (callgrind_control -d), NSD (whose forked
 * server and xfrd processes callgrind_control cannot reach) by running it
 * twice, with one pass and with two, and taking the difference of the sums
 * over all its processes.
 *
 * The responder alone (services/dns/fixtures/bench-responder: the same zone
 * and queries fed to createResponder().answer() inside Duktape on the unix
 * board, no network stack) is counted too, as the difference between a run
 * with one warm-up pass and one with --responder-passes (3) more, so the
 * split between services/dns and the rest of the board is printed.
 * --responder-only runs just that (no root, no peers, a minute or so);
 * --edns gives its queries an OPT record (dnsperf -e).
 *
 * Ratios are ours / peer (qps: higher is better for ours; instructions:
 * lower is better). Nothing here asserts a time. Needs root (netns, tap).
 * Exits 2, naming the Debian package, when a peer or tool is missing.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../cli/build/index';
import { findBoard } from '../cli/boards';
import { BUILD, REPO } from '../cli/paths';

const argv = process.argv.slice(2);
const numberArg = (name: string, dflt: number): number => {
  const i = argv.indexOf('--' + name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const SECONDS = numberArg('seconds', 10);
const CLIENTS = numberArg('clients', 4);
const NAMES = numberArg('names', 3000);
const QUERIES = numberArg('queries', 20_000);
const CG_QUERIES = numberArg('callgrind-queries', 2000);
/** The rate of the warm-up pass: below what every server sustains (ours on the unix board included). */
const PASS_QPS = numberArg('pass-qps', 1000);
const CALLGRIND = argv.indexOf('--no-callgrind') < 0;
const RESPONDER_ONLY = argv.indexOf('--responder-only') >= 0;
const RESPONDER_PASSES = numberArg('responder-passes', 3);
const RESPONDER_EDNS = argv.indexOf('--edns') >= 0;

const ORIGIN = 'bench.example';
const ns = `nyb-dns-${process.pid}`;
const NET = '10.79.5';
const OURS = `${NET}.2`;
const PORTS = { nsd: 5301, bind: 5302, node: 5303 };

/* ---- tools ---- */

const TOOLS: [string, string[], string][] = [
  ['dnsperf', ['-h'], 'dnsperf'], ['nsd', ['-v'], 'nsd'], ['named', ['-v'], 'bind9'],
  ['dig', ['-v'], 'dnsutils'], ['ip', ['-V'], 'iproute2'],
  ...(CALLGRIND ? [['valgrind', ['--version'], 'valgrind'], ['callgrind_control', ['-h'], 'valgrind'], ['pgrep', ['-V'], 'procps']] as [string, string[], string][] : []),
];
function checkTools(): void {
  const missing = TOOLS.filter(([tool, a]) => spawnSync(tool, a, { stdio: 'ignore' }).error !== undefined);
  if (missing.length) {
    for (const [tool, , pkg] of missing) console.error(`bench/dns: ${tool} is not installed (Debian package ${pkg}: apt-get install ${pkg}, or scripts/setup.sh)`);
    process.exit(2);
  }
  if (process.getuid && process.getuid() !== 0) {
    console.error('bench/dns: needs root (a network namespace and a tap device)');
    process.exit(2);
  }
}

const text = (cmd: string, a: string[]): string => {
  const r = spawnSync(cmd, a, { encoding: 'utf8' });
  return (r.stdout ?? '') + (r.stderr ?? '');
};
function versions(): { nsd: string; bind: string; dnsperf: string; valgrind: string } {
  return {
    nsd: /NSD version (\S+)/.exec(text('nsd', ['-v']))?.[1] ?? '?',
    bind: /BIND (\S+)/.exec(text('named', ['-v']))?.[1] ?? '?',
    dnsperf: /Version (\S+)/.exec(text('dnsperf', ['-h']))?.[1] ?? '?',
    valgrind: CALLGRIND ? text('valgrind', ['--version']).trim() : '-',
  };
}

/* ---- the zone and the queries ---- */

/** A small deterministic generator, so every run asks the same questions. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
}

function hostName(i: number): string {
  return i % 3 === 0 ? `host${i}.lab${i % 17}` : `host${i}`;
}

function makeZone(): string {
  const lines = [
    `$ORIGIN ${ORIGIN}.`, '$TTL 3600',
    '@ IN SOA ns1 hostmaster 2026113001 7200 3600 1209600 300',
    '@ NS ns1', '@ NS ns2', '@ MX 10 mail1', '@ MX 20 mail2',
    '@ TXT "v=spf1 mx -all"', '@ A 192.0.2.1', '@ AAAA 2001:db8::1',
    'ns1 A 192.0.2.53', 'ns2 A 192.0.2.54', 'mail1 A 192.0.2.25', 'mail2 A 192.0.2.26',
    'www CNAME @', 'ftp CNAME www',
    '*.wild A 192.0.2.80', '*.wild TXT "served by the wildcard"', '*.wild MX 10 mail1',
    'sub NS ns1.sub', 'sub NS ns2.sub', 'ns1.sub A 192.0.2.101', 'ns2.sub A 192.0.2.102',
  ];
  for (let i = 0; i < NAMES; i++) {
    const n = hostName(i);
    lines.push(`${n} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    if (i % 2 === 0) lines.push(`${n} AAAA 2001:db8:${(i >> 16).toString(16)}::${(i & 0xffff).toString(16)}`);
    if (i % 5 === 0) lines.push(`${n} MX ${10 + (i % 3) * 10} mail${1 + (i % 2)}`);
    if (i % 7 === 0) lines.push(`${n} 300 TXT "host ${i}" "owner=team${i % 13}"`);
    if (i % 10 === 1) lines.push(`alias${i} CNAME ${n}`);
  }
  return lines.join('\n') + '\n';
}

function makeQueries(count: number): string {
  const rand = lcg(53);
  const pick = (n: number) => Math.floor(rand() * n);
  const out: string[] = [];
  for (let q = 0; q < count; q++) {
    const r = rand();
    const i = pick(NAMES);
    const name = (s: string) => `${s}.${ORIGIN}`;
    if (r < 0.40) out.push(`${name(hostName(i))} A`);
    else if (r < 0.50) out.push(`${name(hostName(i - (i % 2)))} AAAA`);
    else if (r < 0.55) out.push(`${name(hostName(i - (i % 5)))} MX`);
    else if (r < 0.58) out.push(`${name(hostName(i - (i % 7)))} TXT`);
    else if (r < 0.63) out.push(`${name(hostName(i | 1))} AAAA`); // NODATA: odd hosts have no AAAA
    else if (r < 0.73) out.push(`${name(`alias${i - (i % 10) + 1}`)} A`); // CNAME chased to its host
    else if (r < 0.83) out.push(`${name(`nohost${i}`)} A`); // NXDOMAIN
    else if (r < 0.91) out.push(`${name(`x${i}.wild`)} ${['A', 'TXT', 'MX', 'AAAA'][i % 4]}`); // wildcard (AAAA: NODATA)
    else if (r < 0.96) out.push(`${name(`w${i}.sub`)} A`); // referral with glue
    else out.push(`${ORIGIN} ${['SOA', 'NS', 'MX', 'A'][i % 4]}`);
  }
  return out.join('\n') + '\n';
}

/* ---- processes ---- */

const ip = (a: string[]) => execFileSync('ip', a, { stdio: 'pipe' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running { child: ChildProcess; out: () => string; exited: Promise<number | null> }
function startIn(cmd: string, a: string[]): Running {
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...a]);
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, out: () => out, exited };
}
async function stop(r: Running | undefined, ms = 60_000): Promise<void> {
  if (!r || r.child.exitCode !== null || r.child.signalCode !== null) return;
  r.child.kill('SIGTERM');
  const t = setTimeout(() => r.child.kill('SIGKILL'), ms);
  await r.exited;
  clearTimeout(t);
}
async function waitForLine(r: Running, pattern: RegExp, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!pattern.test(r.out())) {
    if (r.child.exitCode !== null || Date.now() > until) throw new Error(`${what} did not start:\n${r.out()}`);
    await sleep(50);
  }
}
/** Waits until the server at host:port answers the zone's SOA. */
async function waitForSoa(r: Running, host: string, port: number, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const out = text('ip', ['netns', 'exec', ns, 'dig', `@${host}`, '-p', String(port), '+norec', '+tries=1', '+time=1', ORIGIN, 'SOA']);
    if (/status: NOERROR/.test(out) && /flags: qr aa/.test(out)) return;
    if (r.child.exitCode !== null || Date.now() > until) throw new Error(`${what} did not start:\n${r.out()}`);
    await sleep(200);
  }
}

/* ---- dnsperf ---- */

interface Perf { qps: number; sent: number; completed: number; lost: number; latencyMs: number; latencyMaxMs: number; codes: string; out: string }
/** dnsperf inside the namespace, killed after limitS seconds (a server that stops answering stalls an `-n` pass). */
function dnsperf(host: string, port: number, file: string, extra: string[], limitS: number): Perf {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'dnsperf', '-s', host, '-p', String(port), '-d', file, ...extra],
    { encoding: 'utf8', timeout: limitS * 1000, killSignal: 'SIGKILL', maxBuffer: 1 << 26 });
  if (r.signal || r.error) throw new Error(`dnsperf ${extra.join(' ')} against ${host}:${port} did not finish in ${limitS} s (the server stopped answering?)`);
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  const perf: Perf = {
    qps: num(/Queries per second:\s+([\d.]+)/), sent: num(/Queries sent:\s+(\d+)/), completed: num(/Queries completed:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/), latencyMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    latencyMaxMs: num(/Average Latency \(s\):.*max ([\d.]+)/) * 1000,
    codes: (/Response codes:\s+(.*)/.exec(out)?.[1] ?? '?').replace(/ \([\d.]+%\)/g, ''), out,
  };
  if (r.status !== 0 || Number.isNaN(perf.qps)) throw new Error(`dnsperf against ${host}:${port} failed:\n${out}`);
  return perf;
}
/* ---- the servers ---- */

interface Server { name: string; host: string; port: number; start: () => Promise<Running> }

function nsdConf(work: string, zone: string, port: number, tag: string): string {
  const dir = join(work, `nsd-${tag}`);
  execFileSync('mkdir', ['-p', dir]);
  const conf = join(dir, 'nsd.conf');
  writeFileSync(conf, [
    'server:', `  ip-address: 127.0.0.1@${port}`, `  port: ${port}`, '  username: ""', '  chroot: ""', '  database: ""',
    `  zonelistfile: "${dir}/zone.list"`, `  pidfile: "${dir}/nsd.pid"`, `  xfrdfile: "${dir}/xfrd.state"`, `  xfrdir: "${dir}"`,
    `  logfile: "${dir}/nsd.log"`, '  server-count: 1', '  verbosity: 0', '  hide-version: yes', '  rrl-ratelimit: 0', '  rrl-whitelist-ratelimit: 0',
    'remote-control:', '  control-enable: no',
    'zone:', `  name: ${ORIGIN}`, `  zonefile: "${zone}"`, '',
  ].join('\n'));
  return conf;
}

function bindConf(work: string, zone: string, port: number): string {
  const dir = join(work, 'bind');
  execFileSync('mkdir', ['-p', dir]);
  const conf = join(dir, 'named.conf');
  writeFileSync(conf, [
    'options {', `  directory "${dir}";`, `  pid-file "${dir}/named.pid";`, `  session-keyfile "${dir}/session.key";`,
    `  managed-keys-directory "${dir}";`, `  listen-on port ${port} { 127.0.0.1; };`, '  listen-on-v6 { none; };',
    '  recursion no;', '  dnssec-validation no;', '  allow-query { any; };', '  notify no;', '  querylog no;',
    '};', 'controls { };', 'logging { category default { null; }; category lame-servers { null; }; };',
    `zone "${ORIGIN}" { type primary; file "${zone}"; };`, '',
  ].join('\n'));
  return conf;
}

/* ---- the responder alone ---- */

/**
 * Instructions per query of services/dns alone: the bench-responder fixture under callgrind with
 * no measured pass and with RESPONDER_PASSES; the difference over those passes' queries.
 */
async function responderIrPerQuery(work: string, zone: string, count: number): Promise<number> {
  const queries = join(work, 'responder-queries.txt');
  writeFileSync(queries, makeQueries(count));
  const built = await build(join(REPO, 'services', 'dns', 'fixtures', 'bench-responder'), await findBoard('unix'),
    { quiet: true, outDir: join(BUILD, 'bench-images') });
  const image = join(built.dir, built.manifest.image);
  const run = (passes: number): number => {
    const out = join(work, `cg.responder.${passes}`);
    const args = ['--tool=callgrind', `--callgrind-out-file=${out}`, image, '--zone', zone, '--queries', queries, '--passes', String(passes),
      ...(RESPONDER_EDNS ? ['--edns'] : [])];
    const r = spawnSync('valgrind', args, { encoding: 'utf8', timeout: 1_800_000 });
    if (r.status !== 0) throw new Error(`bench-responder under callgrind failed (${r.status}):\n${r.stdout}${r.stderr}`);
    return Number(/^(?:totals|summary): (\d+)/m.exec(readFileSync(out, 'utf8'))?.[1] ?? NaN);
  };
  return (run(RESPONDER_PASSES) - run(0)) / (RESPONDER_PASSES * count);
}

async function responderOnly(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'nymote-bench-dns-'));
  try {
    const zone = join(work, `${ORIGIN}.zone`);
    writeFileSync(zone, makeZone());
    process.stderr.write(`bench/dns: callgrind: the responder alone, ${CG_QUERIES} queries, 0 and ${RESPONDER_PASSES} measured passes…\n`);
    const ir = await responderIrPerQuery(work, zone, CG_QUERIES);
    console.log(`\nInstructions per query, services/dns alone (responder.answer in Duktape, ${NAMES} hosts, ${CG_QUERIES} mixed queries` +
      `${RESPONDER_EDNS ? ' with EDNS' : ''}, memoised): ${ir.toFixed(0)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (RESPONDER_ONLY) return responderOnly();
  checkTools();
  const v = versions();
  const work = mkdtempSync(join(tmpdir(), 'nymote-bench-dns-'));
  const zone = join(work, `${ORIGIN}.zone`);
  const queries = join(work, 'queries.txt');
  writeFileSync(zone, makeZone());
  writeFileSync(queries, makeQueries(QUERIES));
  process.stderr.write('bench/dns: building apps/dns for the unix board…\n');
  const built = await build(join(REPO, 'apps', 'dns'), await findBoard('unix'), { quiet: true });
  const image = join(built.dir, built.manifest.image);

  ip(['netns', 'add', ns]);
  try {
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    ip(['-n', ns, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
    ip(['-n', ns, 'addr', 'add', `${NET}.1/24`, 'dev', 'tap0']);
    ip(['-n', ns, 'link', 'set', 'tap0', 'up']);
    const flushArp = () => { try { ip(['-n', ns, 'neigh', 'flush', 'dev', 'tap0']); } catch { /* none */ } };
    const oursUnix = async (wrap: string[] = []): Promise<Running> => {
      flushArp();
      const [cmd, ...pre] = wrap.length ? wrap : [image];
      const r = startIn(cmd, [...pre, ...(wrap.length ? [image] : []), '--tap', 'tap0', '--ipv4', `${OURS}/24`, '--zone', zone]);
      await waitForLine(r, /dns: serving /, wrap.length ? 900_000 : 120_000, 'apps/dns (unix board)');
      return r;
    };

    const servers: Server[] = [
      { name: 'NSD', host: '127.0.0.1', port: PORTS.nsd, start: async () => {
        const r = startIn('nsd', ['-d', '-c', nsdConf(work, zone, PORTS.nsd, 'perf')]);
        await waitForSoa(r, '127.0.0.1', PORTS.nsd, 60_000, 'nsd');
        return r;
      } },
      { name: 'BIND', host: '127.0.0.1', port: PORTS.bind, start: async () => {
        const r = startIn('named', ['-g', '-n', '1', '-c', bindConf(work, zone, PORTS.bind)]);
        await waitForSoa(r, '127.0.0.1', PORTS.bind, 60_000, 'named');
        return r;
      } },
      { name: 'ours, node board (V8)', host: '127.0.0.1', port: PORTS.node, start: async () => {
        const r = startIn(process.execPath, [join(REPO, 'bin', 'nymote.js'), 'run', join(REPO, 'apps', 'dns'), '-b', 'node', '-q', '--', '--port', String(PORTS.node), '--zone', zone]);
        await waitForLine(r, /dns: serving /, 120_000, 'nymote run apps/dns -b node');
        return r;
      } },
      { name: 'ours, unix board (Duktape, tap)', host: OURS, port: 53, start: () => oursUnix() },
    ];

    const results: { name: string; pass?: Perf; perf?: Perf; error?: string }[] = [];
    for (const s of servers) {
      process.stderr.write(`bench/dns [${new Date().toISOString().slice(11, 19)}]: ${s.name}: starting…\n`);
      const r = await s.start();
      const row: (typeof results)[number] = { name: s.name };
      results.push(row);
      try {
        // Warm-up (JIT, memoised answers, ARP): one pass over the file at a rate every server keeps up with;
        // its response codes are compared across servers.
        row.pass = dnsperf(s.host, s.port, queries, ['-n', '1', '-c', String(CLIENTS), '-Q', String(PASS_QPS)], QUERIES / PASS_QPS + 60);
        process.stderr.write(`bench/dns [${new Date().toISOString().slice(11, 19)}]: ${s.name}: dnsperf for ${SECONDS} s…\n`);
        row.perf = dnsperf(s.host, s.port, queries, ['-l', String(SECONDS), '-c', String(CLIENTS)], SECONDS + 60);
        if (r.child.exitCode !== null) row.error = `exited (${r.child.exitCode}) during the run`;
      } catch (e) {
        row.error = (e as Error).message.split('\n')[0];
      } finally {
        await stop(r);
      }
    }

    const nsdQps = results[0].perf?.qps ?? NaN;
    const bindQps = results[1].perf?.qps ?? NaN;
    console.log(`\nDNS, authoritative, UDP: ${NAMES} hosts (${makeZone().split('\n').length - 1} zone lines), ${QUERIES} mixed queries; ` +
      `dnsperf ${v.dnsperf}, ${SECONDS} s, -c ${CLIENTS}, no rate limit (-q 100); peers: NSD ${v.nsd} (server-count 1, RRL off), BIND ${v.bind} (-n 1)`);
    console.log(`${'server'.padEnd(34)} ${'qps'.padStart(9)} ${'lat ms'.padStart(7)} ${'max ms'.padStart(7)} ${'lost'.padStart(6)} ${'/NSD'.padStart(6)} ${'/BIND'.padStart(6)}`);
    for (const { name, perf, error } of results) {
      if (!perf) { console.log(`${name.padEnd(34)} failed: ${error}`); continue; }
      console.log(`${name.padEnd(34)} ${perf.qps.toFixed(0).padStart(9)} ${perf.latencyMs.toFixed(3).padStart(7)} ${perf.latencyMaxMs.toFixed(1).padStart(7)} ` +
        `${String(perf.lost).padStart(6)} ${(perf.qps / nsdQps).toFixed(3).padStart(6)} ${(perf.qps / bindQps).toFixed(3).padStart(6)}${error ? `  (${error})` : ''}`);
    }
    console.log(`response codes of one pass over the query file at ${PASS_QPS} qps (should be equal across servers):`);
    for (const { name, pass } of results) console.log(`  ${name.padEnd(32)} ${pass ? pass.codes + (pass.lost ? ` (${pass.lost} lost)` : '') : '-'}`);

    if (!CALLGRIND) return;
    /* ---- instructions per query ---- */
    const cgFile = join(work, 'callgrind-queries.txt');
    writeFileSync(cgFile, makeQueries(CG_QUERIES));
    /** The sum of the totals (Ir) of every callgrind output file whose name starts with `prefix`. */
    const irOf = (file: string): number => Number(/^(?:totals|summary): (\d+)/m.exec(readFileSync(join(work, file), 'utf8'))?.[1] ?? 0);
    const totalIr = (prefix: string): number => readdirSync(work).filter((n) => n.startsWith(prefix)).reduce((sum, f) => sum + irOf(f), 0);
    type Start = (wrap: string[]) => Promise<Running>;
    const underCallgrind = async (tag: string, startIt: Start, host: string, port: number, passes: number, between?: (r: Running) => void): Promise<void> => {
      const r = await startIt(['valgrind', '--tool=callgrind', `--callgrind-out-file=${join(work, `cg.${tag}.`)}%p`]);
      try {
        for (let i = 0; i < passes; i++) {
          if (i > 0 && between) between(r);
          const p = dnsperf(host, port, cgFile, ['-n', '1', '-c', '1', '-q', '4', '-t', '30'], 1800);
          if (p.completed !== CG_QUERIES) throw new Error(`${tag}: ${p.completed} of ${CG_QUERIES} queries answered under callgrind`);
        }
      } finally {
        await stop(r, 300_000);
      }
    };
    const stamp = () => new Date().toISOString().slice(11, 19);
    /**
     * Ours (one process): the query file once as a warm-up (memoised answers, caches), then
     * `callgrind_control -d` dumps and zeroes the counters, the file again, and the exit dumps
     * what that second pass cost (the idle loop blocks in poll and costs next to nothing).
     */
    const perQueryDumped = async (tag: string, startIt: Start, host: string, port: number): Promise<number> => {
      process.stderr.write(`bench/dns [${stamp()}]: callgrind: ${tag}, 2 x ${CG_QUERIES} queries…\n`);
      await underCallgrind(tag, startIt, host, port, 2, (r) => {
        const c = spawnSync('callgrind_control', ['-d', String(r.child.pid)], { encoding: 'utf8', timeout: 120_000 });
        if (c.status !== 0) throw new Error(`callgrind_control -d ${r.child.pid}: ${c.stdout}${c.stderr}`);
      });
      // The dump on request went to cg.ours.PID.1; the one at exit, since then, to cg.ours.PID.
      let ir = 0;
      for (const f of readdirSync(work).filter((n) => new RegExp(`^cg\\.${tag}\\.\\d+$`).test(n))) ir += irOf(f);
      if (!ir) throw new Error(`${tag}: no callgrind totals in ${work}`);
      return ir / CG_QUERIES;
    };
    /**
     * NSD forks its server and xfrd processes, which callgrind_control cannot reach, so it runs
     * twice: warm-up pass only, and warm-up plus the measured pass; every process's totals at
     * exit are summed and the difference is the second pass.
     */
    const perQueryDifference = async (tag: string, startIt: Start, host: string, port: number): Promise<number> => {
      process.stderr.write(`bench/dns [${stamp()}]: callgrind: ${tag}, 1 then 2 x ${CG_QUERIES} queries…\n`);
      await underCallgrind(`${tag}1`, startIt, host, port, 1);
      await underCallgrind(`${tag}2`, startIt, host, port, 2);
      const one = totalIr(`cg.${tag}1.`);
      const two = totalIr(`cg.${tag}2.`);
      if (!one || !two) throw new Error(`${tag}: no callgrind totals in ${work}`);
      return (two - one) / CG_QUERIES;
    };
    const cgPort = PORTS.nsd + 10;
    const nsdIr = await perQueryDifference('nsd', async (wrap) => {
      const r = startIn(wrap[0], [...wrap.slice(1), 'nsd', '-d', '-c', nsdConf(work, zone, cgPort, 'cg')]);
      await waitForSoa(r, '127.0.0.1', cgPort, 300_000, 'nsd under callgrind');
      return r;
    }, '127.0.0.1', cgPort);
    const oursIr = await perQueryDumped('ours', (wrap) => oursUnix(wrap), OURS, 53);
    process.stderr.write(`bench/dns [${stamp()}]: callgrind: the responder alone…\n`);
    const responderIr = await responderIrPerQuery(work, zone, CG_QUERIES);
    console.log(`\nInstructions per query (callgrind Ir over the second of two passes of ${CG_QUERIES} mixed queries, 4 in flight; ${v.valgrind}; ratio ours/NSD)`);
    console.log(`${'server'.padEnd(34)} ${'Ir/query'.padStart(10)} ${'/NSD'.padStart(7)}`);
    console.log(`${`NSD ${v.nsd} (all its processes)`.padEnd(34)} ${nsdIr.toFixed(0).padStart(10)} ${'1.00'.padStart(7)}`);
    console.log(`${'ours, unix board (Duktape)'.padEnd(34)} ${oursIr.toFixed(0).padStart(10)} ${(oursIr / nsdIr).toFixed(2).padStart(7)}`);
    console.log(`${'  of which services/dns (responder)'.padEnd(34)} ${responderIr.toFixed(0).padStart(10)} ${(responderIr / nsdIr).toFixed(2).padStart(7)}`);
    console.log(`${'  the rest (stack, loop, board)'.padEnd(34)} ${(oursIr - responderIr).toFixed(0).padStart(10)} ${((oursIr - responderIr) / nsdIr).toFixed(2).padStart(7)}`);
  } finally {
    try { ip(['netns', 'del', ns]); } catch { /* gone */ }
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
