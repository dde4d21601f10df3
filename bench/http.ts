/*
 * bench/http: static files over HTTP/1.1, ours against nginx, in one run on
 * this machine (DESIGN.md §9). Every server serves apps/homepage/content.
 * Run: npx tsx bench/http.ts [--seconds N] [--connections N] [--warmup N]
 *        [--paths /,/images/garden.png] [--servers nginx,node,unix]
 *        [--callgrind] [--callgrind-requests N] [--callgrind-warmup N]
 *        [--core-only [--data-volume IMG]]
 *
 *   nginx              nginx (Debian nginx-light), worker_processes 1
 *                      (one worker), sendfile on, access log off, keep-alive with
 *                      no request limit, on loopback
 *   ours, node board   `nymote run apps/homepage -b node`: Node's sockets,
 *                      loopback (the site from the data volume the run makes)
 *   ours, unix board   `nymote boot images/homepage-unix`: apps/homepage in
 *                      Duktape, our TCP/IP stack on a tap, the image's FAT32
 *                      data volume
 *
 * All of them run in one network namespace and wrk runs there too. Before
 * the load, one curl per server and path must get 200 and a body
 * byte-identical to the content file (a server answering errors fast cannot
 * win); after the load the same check runs again (a server broken by the
 * load is marked). Each path then gets a wrk warm-up of --warmup (1) s and
 * a run of `wrk -t1 -c<--connections> -d<--seconds>s --latency` (16, 10 s);
 * wrk sends no Accept-Encoding, so everyone sends the plain file. Reported:
 * requests/s, MiB/s (wrk's, headers included), the size of the response
 * head (from the curl check: the rest of a response is the file), p50 and p99
 * latency, the errors wrk counts (non-2xx/3xx responses, socket errors:
 * connect, read, write, timeout), and req/s ours / nginx. A row with
 * errors, or whose check failed, is marked '!'.
 *
 * --callgrind (off by default: minutes) then counts the instructions per
 * request of the unix image and of nginx (master_process off: one process)
 * under valgrind's callgrind: per path --callgrind-warmup (20) requests,
 * then `callgrind_control -d` (dump and zero), --callgrind-requests (200)
 * sequential keep-alive requests (one curl, one connection), dump again:
 * the second dump is the cost of those requests. Callgrind counts
 * user-space instructions only: nginx's packet path (and sendfile's copy)
 * is in the kernel, ours on the unix board is not.
 *
 * --callgrind also counts the HTTP core and the file system alone, without
 * TCP: services/http/fixtures/bench (apps/homepage's handler over the
 * image's data volume, one in-memory keep-alive connection) run inside
 * Duktape on the unix board under callgrind twice per path, with
 * --callgrind-warmup and with --callgrind-warmup + --callgrind-requests
 * requests; the difference over the extra requests is one request's cost
 * in the core. --core-only runs just that (no root, no servers), on
 * --data-volume IMG when given (else the homepage image's, built first).
 * Each callgrind table ends with the top functions (self Ir) of one
 * measured run.
 *
 * Ratios are ours / nginx. Nothing here asserts a time. Needs root (netns,
 * tap), wrk, curl and ip; without nginx its rows are skipped. Exits 2,
 * naming the Debian package, when a needed tool is missing.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../cli/build/index';
import { findBoard } from '../cli/boards';
import { REPO } from '../cli/paths';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf('--' + name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const numberArg = (name: string, dflt: number): number => {
  const v = flag(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!(n > 0)) { console.error(`bench/http: --${name} ${v}: not a positive number`); process.exit(2); }
  return n;
};
const SECONDS = numberArg('seconds', 10);
const CONNECTIONS = numberArg('connections', 16);
const WARMUP = numberArg('warmup', 1);
const PATHS = (flag('paths') ?? '/,/images/garden.png').split(',').filter((p) => p);
const SERVERS = (flag('servers') ?? 'nginx,node,unix').split(',');
const CALLGRIND = argv.includes('--callgrind');
/** Under callgrind ours takes about 0.4 s a request on this machine: 220 requests a path are a minute and a half. */
const CG_REQUESTS = numberArg('callgrind-requests', 200);
const CG_WARMUP = numberArg('callgrind-warmup', 20);
const CORE_ONLY = argv.includes('--core-only');
/** One piece of the path alone (services/http/fixtures/bench/micro.ts): parse, date, log, check, head, await, timer, read, write. */
const MICRO = flag('micro');

const CONTENT = join(REPO, 'apps', 'homepage', 'content');
const ns = `nyb-http-${process.pid}`;
const NET = '10.79.9';
const OURS = `${NET}.2`;
const PORTS = { nginx: 8401, node: 8402, nginxCallgrind: 8411 };

const log = (s: string) => process.stderr.write(`bench/http [${new Date().toISOString().slice(11, 19)}]: ${s}\n`);

/* ---- tools ---- */

const has = (tool: string, a: string[]) => spawnSync(tool, a, { stdio: 'ignore' }).error === undefined;
function checkTools(): { nginx: boolean } {
  const needed: [string, string[], string][] = [
    ['wrk', ['-v'], 'wrk'], ['curl', ['-V'], 'curl'], ['ip', ['-V'], 'iproute2'],
    ...(CALLGRIND ? [['valgrind', ['--version'], 'valgrind'], ['callgrind_control', ['-h'], 'valgrind']] as [string, string[], string][] : []),
  ];
  const missing = needed.filter(([tool, a]) => !has(tool, a));
  if (missing.length) {
    for (const [tool, , pkg] of missing) console.error(`bench/http: ${tool} is not installed (Debian package ${pkg}: apt-get install ${pkg}, or scripts/setup.sh)`);
    process.exit(2);
  }
  if (process.getuid && process.getuid() !== 0) {
    console.error('bench/http: needs root (a network namespace and a tap device)');
    process.exit(2);
  }
  const nginx = has('nginx', ['-v']);
  if (!nginx && SERVERS.includes('nginx')) console.error('bench/http: nginx is not installed (Debian package nginx-light: apt-get install nginx-light): skipping its rows, no ratios');
  return { nginx };
}

const text = (cmd: string, a: string[]): string => {
  const r = spawnSync(cmd, a, { encoding: 'utf8' });
  return (r.stdout ?? '') + (r.stderr ?? '');
};

/* ---- processes: each server in its own process group, so a stop reaches its children (nginx's worker, nymote's app) ---- */

const ip = (a: string[]) => execFileSync('ip', a, { stdio: 'pipe' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running { child: ChildProcess; out: () => string; exited: Promise<number | null> }
const live = new Set<Running>();
/** wrk and curl runs in flight, killed on Ctrl-C with the servers. */
const inFlight = new Set<ChildProcess>();

function startIn(cmd: string, a: string[]): Running {
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...a], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const r: Running = { child, out: () => out, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  live.add(r);
  return r;
}
const groupAlive = (pid: number): boolean => {
  try { process.kill(-pid, 0); return true; } catch { return false; }
};
const killGroup = (pid: number | undefined, signal: NodeJS.Signals): void => {
  if (pid === undefined) return;
  try { process.kill(-pid, signal); } catch { /* gone */ }
};
/** SIGTERM to the server's process group; SIGKILL for whatever of it is still there after `ms`. */
async function stop(r: Running | undefined, ms = 30_000): Promise<void> {
  if (!r) return;
  const pid = r.child.pid;
  if (pid !== undefined && groupAlive(pid)) {
    killGroup(pid, 'SIGTERM');
    const until = Date.now() + ms;
    while (groupAlive(pid) && Date.now() < until) await sleep(50);
    killGroup(pid, 'SIGKILL');
  }
  await r.exited;
  live.delete(r);
}
async function waitForLine(r: Running, pattern: RegExp, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!pattern.test(r.out())) {
    if (r.child.exitCode !== null || Date.now() > until) throw new Error(`${what} did not start:\n${r.out()}`);
    await sleep(50);
  }
}

/** A command inside the namespace, asynchronously (so Ctrl-C is handled while it runs), killed after limitS. */
function runIn(cmd: string, a: string[], limitS: number): Promise<{ code: number | null; out: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...a], { stdio: ['ignore', 'pipe', 'pipe'] });
    inFlight.add(child);
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    let timedOut = false;
    const t = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, limitS * 1000);
    child.on('error', (e) => { clearTimeout(t); inFlight.delete(child); resolve({ code: null, out: out + e.message, timedOut }); });
    child.on('close', (code) => { clearTimeout(t); inFlight.delete(child); resolve({ code, out, timedOut }); });
  });
}

/* ---- the files and the check ---- */

/** The content file a path names (a folder: its index.html). */
const contentFile = (path: string): string => join(CONTENT, path.endsWith('/') ? path + 'index.html' : path);

/** One curl: status 200 and exactly the content file's bytes (and the size of the response head), or what was wrong. */
async function check(base: string, path: string, work: string): Promise<string | { headBytes: number }> {
  const file = join(work, 'body');
  rmSync(file, { force: true });
  const r = await runIn('curl', ['-s', '-S', '--max-time', '10', '-o', file, '-w', '%{http_code} %{size_header}', base + path], 20);
  if (r.code !== 0) return `curl ${base}${path}: ${r.timedOut ? 'no answer in 20 s' : r.out.trim()}`;
  const [status, headBytes] = r.out.trim().split('\n').pop()!.split(' ');
  if (status !== '200') return `curl ${base}${path}: status ${status}`;
  const want = readFileSync(contentFile(path));
  const got = readFileSync(file);
  if (!got.equals(want)) return `curl ${base}${path}: ${got.length} bytes that are not the ${want.length} of ${contentFile(path).slice(REPO.length + 1)}`;
  return { headBytes: Number(headBytes) };
}

/** Waits until the server answers the first path (nginx prints no ready line). */
async function waitForAnswer(r: Running, base: string, work: string, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (typeof await check(base, PATHS[0], work) === 'string') {
    if (r.child.exitCode !== null || Date.now() > until) throw new Error(`${what} did not start:\n${r.out()}`);
    await sleep(200);
  }
}

/* ---- wrk ---- */

interface Load {
  rps: number; mibps: number; p50ms: number; p99ms: number;
  non2xx: number; socket: { connect: number; read: number; write: number; timeout: number }; out: string;
}
const UNIT_MS: Record<string, number> = { us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const UNIT_BYTES: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
function parseWrk(out: string): Load {
  const mib = (m: RegExpExecArray | null): number => (m ? Number(m[1]) * (UNIT_BYTES[m[2]] ?? NaN) / 1024 ** 2 : NaN);
  const ms = (re: RegExp): number => {
    const m = re.exec(out);
    return m ? Number(m[1]) * (UNIT_MS[m[2]] ?? NaN) : NaN;
  };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    mibps: mib(/Transfer\/sec:\s+([\d.]+)(\w+)/.exec(out)),
    p50ms: ms(/^\s+50%\s+([\d.]+)(\w+)/m),
    p99ms: ms(/^\s+99%\s+([\d.]+)(\w+)/m),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socket: sock ? { connect: +sock[1], read: +sock[2], write: +sock[3], timeout: +sock[4] } : { connect: 0, read: 0, write: 0, timeout: 0 },
    out,
  };
}
async function wrk(url: string, seconds: number): Promise<Load> {
  const r = await runIn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', url], seconds + 60);
  if (r.timedOut) throw new Error(`wrk against ${url} did not finish in ${seconds + 60} s`);
  const load = parseWrk(r.out);
  if (r.code !== 0 || Number.isNaN(load.rps)) throw new Error(`wrk against ${url} failed (${r.code}):\n${r.out}`);
  return load;
}
const errorCount = (l: Load): number => l.non2xx + l.socket.connect + l.socket.read + l.socket.write + l.socket.timeout;
const errorText = (l: Load): string => {
  const parts = [
    l.non2xx ? `${l.non2xx} non-2xx/3xx` : '',
    ...(['connect', 'read', 'write', 'timeout'] as const).map((k) => (l.socket[k] ? `${l.socket[k]} ${k}` : '')),
  ].filter((s) => s);
  return parts.length ? parts.join(', ') : '0';
};

/* ---- the servers ---- */

function nginxConf(work: string, port: number, tag: string, oneProcess: boolean): string {
  const dir = join(work, `nginx-${tag}`);
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, [
    'daemon off;', oneProcess ? 'master_process off;' : 'worker_processes 1;',
    `pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${dir}/body;`, `  proxy_temp_path ${dir}/proxy;`, `  fastcgi_temp_path ${dir}/fastcgi;`,
    `  uwsgi_temp_path ${dir}/uwsgi;`, `  scgi_temp_path ${dir}/scgi;`,
    '  types { text/html html; text/css css; image/png png; image/svg+xml svg; }',
    '  default_type application/octet-stream;',
    '  sendfile on;', '  tcp_nopush on;', '  gzip_static on;',
    // Keep-alive without nginx's default limit of 1000 requests per connection: ours has none.
    '  keepalive_timeout 65;', '  keepalive_requests 100000000;',
    `  server { listen 127.0.0.1:${port}; root ${CONTENT}; index index.html; }`,
    '}', '',
  ].join('\n'));
  return conf;
}
function startNginx(work: string, port: number, tag: string, oneProcess: boolean, wrap: string[] = []): Running {
  const conf = nginxConf(work, port, tag, oneProcess);
  const dir = join(work, `nginx-${tag}`);
  const a = ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf];
  return wrap.length ? startIn(wrap[0], [...wrap.slice(1), 'nginx', ...a]) : startIn('nginx', a);
}

/* ---- the HTTP core and the store alone, in Duktape, without TCP (services/http/fixtures/bench) ---- */

interface CoreCost { ir: Map<string, number>; top: string[]; error?: string }

/** Self Ir of the top functions of a callgrind output file. */
function topFunctions(file: string, n: number): string[] {
  const out = text('callgrind_annotate', ['--inclusive=no', '--threshold=100', file]);
  const lines = out.split('\n').filter((l) => /^\s*[\d,]+ \(\s*[\d.]+%\)\s+\S/.test(l))
    .filter((l) => !/PROGRAM TOTALS|\?\?\?:0x|libc-start|below main/.test(l));
  // Images are stripped: without the engine's symbols only addresses would show, which tell nothing.
  if (lines.length === 0) return ['(no symbols: the image is stripped; build one unstripped to see the engine\'s functions)'];
  return lines.slice(0, n).map((l) => l.trim().replace(/\s+/g, ' ').replace(/ \[[^\]]*\]$/, ''));
}

async function coreCallgrind(dataVolume: string, work: string): Promise<CoreCost> {
  const built = await build(join(REPO, 'services', 'http', 'fixtures', 'bench'), await findBoard('unix'),
    { quiet: true, outDir: join(work, 'core-image') });
  const image = join(built.dir, built.manifest.image);
  const result: CoreCost = { ir: new Map(), top: [] };
  const run = (path: string, requests: number, tag: string): number => {
    const out = join(work, `cg.core.${tag}`);
    const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, image, '--disk', dataVolume,
      '--path', path, '--requests', String(requests), ...(MICRO ? ['--micro', MICRO] : [])], { encoding: 'utf8', timeout: 1_800_000 });
    const line = /^bench: .*status (\d+)$/m.exec(r.stdout ?? '');
    if (r.status !== 0 || !line || line[1] !== '200') throw new Error(`core bench ${path} x${requests}: exit ${r.status}: ${(r.stdout ?? '') + (r.stderr ?? '').slice(-500)}`);
    return Number(/^(?:totals|summary): (\d+)/m.exec(readFileSync(out, 'utf8'))?.[1] ?? NaN);
  };
  for (const [i, path] of PATHS.entries()) {
    log(`callgrind: HTTP core alone: ${path}: ${CG_WARMUP} and ${CG_WARMUP + CG_REQUESTS} requests…`);
    const base = run(path, CG_WARMUP, `${i}.a`);
    const more = run(path, CG_WARMUP + CG_REQUESTS, `${i}.b`);
    result.ir.set(path, (more - base) / CG_REQUESTS);
    if (i === 0) result.top = topFunctions(join(work, `cg.core.${i}.b`), 12);
  }
  return result;
}

function printCore(core: CoreCost, valgrind: string): void {
  console.log(`\nHTTP core + file system alone (services/http/fixtures/bench in Duktape, unix board, one in-memory keep-alive connection, no TCP): ` +
    `callgrind Ir per request, (${CG_WARMUP + CG_REQUESTS} - ${CG_WARMUP} requests) / ${CG_REQUESTS}; ${valgrind}`);
  if (core.error) { console.log(`failed: ${core.error}`); return; }
  for (const path of PATHS) console.log(`${path.padEnd(20)} ${'HTTP core + store'.padEnd(40)} ${(core.ir.get(path) ?? NaN).toFixed(0).padStart(11)}`);
  if (core.top.length) {
    console.log(`top functions (self Ir) of ${PATHS[0]} x${CG_WARMUP + CG_REQUESTS}, boot and mount included:`);
    for (const l of core.top) console.log(`  ${l}`);
  }
}

interface Server { key: string; name: string; base: string; start: () => Promise<Running> }
interface Row { path: string; server: Server; headBytes?: number; load?: Load; error?: string; checkAfter?: string }

async function main(): Promise<void> {
  if (CORE_ONLY) {
    if (!has('valgrind', ['--version'])) { console.error('bench/http: valgrind is not installed (apt-get install valgrind)'); process.exit(2); }
    const work = mkdtempSync(join(tmpdir(), 'nymote-bench-http-core-'));
    try {
      let volume = flag('data-volume');
      if (volume === undefined) {
        log('building apps/homepage for the unix board (its data volume)…');
        const built = await build(join(REPO, 'apps', 'homepage'), await findBoard('unix'), { quiet: true, outDir: join(REPO, 'images') });
        volume = join(built.dir, built.manifest.data?.image ?? 'data.img');
      }
      const core = await coreCallgrind(volume, work);
      printCore(core, text('valgrind', ['--version']).trim());
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return;
  }
  const tools = checkTools();
  const work = mkdtempSync(join(tmpdir(), 'nymote-bench-http-'));
  // nginx's worker runs as nobody: it must reach its config folder.
  chmodSync(work, 0o755);
  let nsMade = false;
  let cleaned = false;
  const cleanup = (): void => {
    if (cleaned) return;
    cleaned = true;
    for (const r of live) killGroup(r.child.pid, 'SIGKILL');
    for (const c of inFlight) c.kill('SIGKILL');
    if (nsMade) { try { ip(['netns', 'del', ns]); } catch { /* gone */ } }
    rmSync(work, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => { process.stderr.write(`\nbench/http: ${sig}: stopping the servers, deleting ${ns}\n`); cleanup(); process.exit(130); });
  }

  try {
    for (const p of PATHS) {
      if (!p.startsWith('/') || !existsSync(contentFile(p))) { console.error(`bench/http: --paths: ${p} is no file under apps/homepage/content`); process.exitCode = 2; return; }
    }
    log('building apps/homepage for the unix board…');
    const built = await build(join(REPO, 'apps', 'homepage'), await findBoard('unix'), { quiet: true, outDir: join(REPO, 'images') });
    const image = join(built.dir, built.manifest.image);
    const dataVolume = join(built.dir, built.manifest.data?.image ?? 'data.img');

    ip(['netns', 'add', ns]);
    nsMade = true;
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    ip(['-n', ns, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
    ip(['-n', ns, 'addr', 'add', `${NET}.1/24`, 'dev', 'tap0']);
    ip(['-n', ns, 'link', 'set', 'tap0', 'up']);
    const flushArp = () => { try { ip(['-n', ns, 'neigh', 'flush', 'dev', 'tap0']); } catch { /* none */ } };
    const unixArgs = ['--tap', 'tap0', '--ipv4', `${OURS}/24`, '--access-log', 'off'];
    const ready = (host: string, port: number) => new RegExp(`homepage: serving its data volume on http://${host.replace(/\./g, '\\.')}:${port}/`);

    const all: Server[] = [
      { key: 'nginx', name: 'nginx', base: `http://127.0.0.1:${PORTS.nginx}`, start: async () => {
        const r = startNginx(work, PORTS.nginx, 'perf', false);
        await waitForAnswer(r, `http://127.0.0.1:${PORTS.nginx}`, work, 30_000, 'nginx');
        return r;
      } },
      { key: 'node', name: 'ours, node board (V8)', base: `http://127.0.0.1:${PORTS.node}`, start: async () => {
        const r = startIn(process.execPath, [join(REPO, 'bin', 'nymote.js'), 'run', join(REPO, 'apps', 'homepage'), '-b', 'node', '-q', '--',
          '--port', String(PORTS.node), '--access-log', 'off']);
        await waitForLine(r, ready('127.0.0.1', PORTS.node), 120_000, 'nymote run apps/homepage -b node');
        return r;
      } },
      { key: 'unix', name: 'ours, unix board (Duktape, tap)', base: `http://${OURS}`, start: async () => {
        flushArp();
        const r = startIn(process.execPath, [join(REPO, 'bin', 'nymote.js'), 'boot', built.dir, '--', ...unixArgs]);
        await waitForLine(r, ready(OURS, 80), 120_000, 'nymote boot images/homepage-unix');
        return r;
      } },
    ];
    const servers = all.filter((s) => SERVERS.includes(s.key) && (s.key !== 'nginx' || tools.nginx));

    const rows: Row[] = [];
    for (const s of servers) {
      log(`${s.name}: starting…`);
      let r: Running | undefined;
      const mine = PATHS.map((path) => ({ path, server: s } as Row));
      rows.push(...mine);
      try {
        r = await s.start();
        for (const row of mine) {
          const before = await check(s.base, row.path, work);
          if (typeof before === 'string') { row.error = `check before the load: ${before}`; continue; }
          row.headBytes = before.headBytes;
          const url = s.base + row.path;
          log(`${s.name}: ${row.path}: wrk ${WARMUP} s warm-up, then ${SECONDS} s, ${CONNECTIONS} connections…`);
          try {
            await wrk(url, WARMUP);
            row.load = await wrk(url, SECONDS);
          } catch (e) {
            row.error = (e as Error).message.split('\n')[0];
          }
          if (r.child.exitCode !== null) { row.error = `exited (${r.child.exitCode}) during the run:\n${r.out().slice(-2000)}`; break; }
          const after = await check(s.base, row.path, work);
          if (typeof after === 'string') row.checkAfter = after;
        }
      } catch (e) {
        for (const row of mine) row.error ??= (e as Error).message.split('\n').slice(0, 6).join('\n');
      } finally {
        await stop(r);
      }
    }

    /* ---- the table ---- */
    const nginxVersion = tools.nginx ? (/nginx\/(\S+)/.exec(text('nginx', ['-v']))?.[1] ?? '?') : 'not installed';
    const wrkVersion = text('wrk', ['-v']).split('\n')[0].replace(/ Copyright.*/, '').trim();
    console.log(`\nHTTP/1.1 static files (apps/homepage/content), keep-alive, no Accept-Encoding; wrk -t1 -c${CONNECTIONS} -d${SECONDS}s --latency ` +
      `after a ${WARMUP} s warm-up, all in one network namespace`);
    const peer = tools.nginx ? `nginx ${nginxVersion} (nginx-light; worker_processes 1, sendfile on, access_log off, keepalive_requests unlimited)` : 'nginx not installed';
    console.log(`peer: ${peer}; ` +
      `load: ${wrkVersion}; ours: node board on Node ${process.version}, unix board on Duktape ${built.manifest.engine.duktape} ` +
      `(image ${built.manifest.sizes.total} bytes, our TCP/IP stack on a tap)`);
    const head = ['', 'path'.padEnd(20), 'server'.padEnd(32), 'req/s'.padStart(9), 'MiB/s'.padStart(8), 'head B'.padStart(6),
      'p50 ms'.padStart(8), 'p99 ms'.padStart(8), '/nginx'.padStart(7), '  errors'];
    console.log(head.join(' '));
    const f = (n: number, d: number, w: number) => (Number.isFinite(n) ? n.toFixed(d) : '-').padStart(w);
    const notes: string[] = [];
    for (const row of rows) {
      const nginxRow = rows.find((x) => x.path === row.path && x.server.key === 'nginx');
      const base = nginxRow?.load?.rps ?? NaN;
      const bad = row.error !== undefined || row.checkAfter !== undefined || (row.load !== undefined && errorCount(row.load) > 0);
      const mark = bad ? '!' : ' ';
      if (!row.load) {
        console.log(`${mark}${row.path.padEnd(20)} ${row.server.name.padEnd(32)} failed: ${row.error?.split('\n')[0]}`);
        if (row.error?.includes('\n')) notes.push(`${row.server.name} ${row.path}: ${row.error}`);
        continue;
      }
      const l = row.load;
      console.log(`${mark}${row.path.padEnd(20)} ${row.server.name.padEnd(32)} ${f(l.rps, 0, 9)} ${f(l.mibps, 2, 8)} ${f(row.headBytes ?? NaN, 0, 6)} ` +
        `${f(l.p50ms, 3, 8)} ${f(l.p99ms, 3, 8)} ${row.server.key === 'nginx' ? '1.000'.padStart(7) : f(l.rps / base, 3, 7)}  ${errorText(l)}`);
      if (row.error) notes.push(`${row.server.name} ${row.path}: ${row.error}`);
      if (row.checkAfter) notes.push(`${row.server.name} ${row.path}: check after the load failed: ${row.checkAfter}`);
    }
    if (notes.length) {
      console.log('! marks a row with errors (wrk counts non-2xx/3xx responses and socket errors) or a failed check:');
      for (const n of notes) console.log(`  ${n}`);
    }

    if (!CALLGRIND) return;
    /* ---- instructions per request ---- */
    const valgrind = text('valgrind', ['--version']).trim();
    const irOf = (file: string): number => Number(/^(?:totals|summary): (\d+)/m.exec(readFileSync(join(work, file), 'utf8'))?.[1] ?? NaN);
    /** One curl, one keep-alive connection, `count` requests of `url` one after another; each must be 200 with the file's size. */
    const sequential = async (url: string, path: string, count: number): Promise<void> => {
      const cfg = join(work, 'curl.cfg');
      writeFileSync(cfg, Array.from({ length: count }, () => `url = "${url}"\noutput = "/dev/null"\n`).join(''));
      const r = await runIn('curl', ['-s', '-S', '-K', cfg, '-w', '%{http_code} %{size_download} %{num_connects}\\n'], 3600);
      const lines = r.out.trim().split('\n');
      const size = readFileSync(contentFile(path)).length;
      const ok = lines.filter((l) => l.startsWith(`200 ${size} `)).length;
      const connects = lines.reduce((n, l) => n + Number(l.split(' ')[2] ?? 0), 0);
      if (r.code !== 0 || ok !== count) throw new Error(`curl ${count} x ${url}: ${ok} answered 200 with ${size} bytes (${r.code}): ${lines.slice(-3).join(' | ')}`);
      if (connects !== 1) log(`callgrind: ${url}: curl opened ${connects} connections for ${count} requests (not one keep-alive connection)`);
    };
    /** Ir per request for each path: warm-up, dump (and zero), the measured requests, dump; the second dump counts. */
    const perRequest = async (tag: string, r: Running, base: string): Promise<Map<string, number>> => {
      const pid = r.child.pid!;
      // Dumps on request go to cg.TAG.PID.1, .2, …; cg.TAG.PID is written at exit.
      const dumpNumber = (n: string): number => Number(new RegExp(`^cg\\.${tag}\\.\\d+\\.(\\d+)$`).exec(n)?.[1] ?? -1);
      const dumps = () => readdirSync(work).filter((n) => dumpNumber(n) >= 0).sort((a, b) => dumpNumber(a) - dumpNumber(b));
      const dump = async () => {
        const c = await runIn('callgrind_control', ['-d', String(pid)], 300);
        if (c.code !== 0) throw new Error(`callgrind_control -d ${pid}: ${c.out}`);
      };
      const result = new Map<string, number>();
      for (const path of PATHS) {
        log(`callgrind: ${tag}: ${path}: ${CG_WARMUP} + ${CG_REQUESTS} requests…`);
        await sequential(base + path, path, CG_WARMUP);
        await dump();
        await sequential(base + path, path, CG_REQUESTS);
        await dump();
        const files = dumps();
        result.set(path, irOf(files[files.length - 1]) / CG_REQUESTS);
      }
      return result;
    };
    const cgOut = (tag: string) => `--callgrind-out-file=${join(work, `cg.${tag}.`)}%p`;
    const cg: { name: string; ir?: Map<string, number>; error?: string }[] = [];
    if (tools.nginx && SERVERS.includes('nginx')) {
      const entry: (typeof cg)[number] = { name: `nginx ${nginxVersion} (master_process off)` };
      cg.push(entry);
      const base = `http://127.0.0.1:${PORTS.nginxCallgrind}`;
      const r = startNginx(work, PORTS.nginxCallgrind, 'cg', true, ['valgrind', '--tool=callgrind', cgOut('nginx')]);
      try {
        await waitForAnswer(r, base, work, 300_000, 'nginx under callgrind');
        entry.ir = await perRequest('nginx', r, base);
      } catch (e) { entry.error = (e as Error).message.split('\n')[0]; } finally { await stop(r, 300_000); }
    }
    let unixTop: string[] = [];
    if (SERVERS.includes('unix')) {
      const entry: (typeof cg)[number] = { name: `ours, unix board (Duktape ${built.manifest.engine.duktape})` };
      cg.push(entry);
      flushArp();
      const r = startIn('valgrind', ['--tool=callgrind', cgOut('ours'), image, ...unixArgs, '--disk', dataVolume]);
      try {
        await waitForLine(r, ready(OURS, 80), 900_000, 'the unix image under callgrind');
        entry.ir = await perRequest('ours', r, `http://${OURS}`);
        const last = readdirSync(work).filter((n) => /^cg\.ours\.\d+\.\d+$/.test(n)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop())).pop();
        if (last) unixTop = topFunctions(join(work, last), 12);
      } catch (e) { entry.error = (e as Error).message.split('\n')[0]; } finally { await stop(r, 300_000); }
    }
    let core: CoreCost;
    try {
      core = await coreCallgrind(dataVolume, work);
    } catch (e) { core = { ir: new Map(), top: [], error: (e as Error).message.split('\n')[0] }; }
    console.log(`\nInstructions per request (callgrind Ir over ${CG_REQUESTS} sequential keep-alive requests after ${CG_WARMUP} warm-up ones, one curl; ` +
      `${valgrind}; user space only: nginx's TCP/IP and sendfile are in the kernel, ours is not)`);
    console.log(`${'path'.padEnd(20)} ${'server'.padEnd(40)} ${'Ir/request'.padStart(11)} ${'/nginx'.padStart(8)}`);
    const nginxIr = cg.find((c) => c.name.startsWith('nginx'))?.ir;
    for (const path of PATHS) {
      for (const c of cg) {
        const ir = c.ir?.get(path);
        if (ir === undefined) { console.log(`${path.padEnd(20)} ${c.name.padEnd(40)} failed: ${c.error ?? '?'}`); continue; }
        console.log(`${path.padEnd(20)} ${c.name.padEnd(40)} ${ir.toFixed(0).padStart(11)} ${(ir / (nginxIr?.get(path) ?? NaN)).toFixed(1).padStart(8)}`);
      }
    }
    if (unixTop.length) {
      console.log(`top functions (self Ir) of the unix board's last measured requests (${PATHS[PATHS.length - 1]}):`);
      for (const l of unixTop) console.log(`  ${l}`);
    }
    printCore(core, valgrind);
  } finally {
    for (const r of [...live]) await stop(r, 5000);
    cleanup();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
