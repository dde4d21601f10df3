/*
 * apps/dns against real clients and against NSD: the node board (Node's
 * sockets, `nymote run apps/dns -b node`) and the unix board (Duktape, our TCP/IP stack
 * on a tap in a network namespace) serve services/dns/fixtures/{authority,
 * second}.zone; dig and kdig ask each feature over UDP and TCP, and every
 * answer (rcode, flags, sections, TTLs) must equal NSD's for the same
 * zones, started here on a high port. Differences on purpose are left out
 * of the query list and listed in services/dns/README.md.
 * Tools that are missing skip their tests with a message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { normalDig, startNsd } from '../../test/dig';
import { buildApp, REPO } from '../../test/helpers';

const have = (tool: string, arg = '-v'): boolean => spawnSync(tool, [arg], { stdio: 'ignore' }).error === undefined;
const haveNsd = have('nsd');
const haveDig = have('dig');
const haveKdig = have('kdig');
if (!haveNsd) console.warn('apps/dns interop: nsd is not installed (apt-get install nsd): the NSD comparisons are skipped');

const ZONES = ['authority.zone', 'second.zone'].map((f) => join(REPO, 'services', 'dns', 'fixtures', f));
const work = mkdtempSync(join(tmpdir(), 'nymote-dns-'));
const NSD_PORT = 20000 + (process.pid % 10000);
const NODE_PORT = NSD_PORT + 1;
const ns = `nyt-dns-${process.pid}`;
const NET = '10.79.0';
const OURS = `${NET}.2`;

/* Every feature: [name, type, extra dig options]. */
const QUERIES: [string, string, string[]][] = [
  ['www.example.com', 'A', []], ['chain1.example.com', 'A', []], ['chain1.example.com', 'CNAME', []],
  ['loop1.example.com', 'A', []], ['dangling.example.com', 'A', []], ['outside.example.com', 'A', []], ['other.example.com', 'A', []],
  ['example.com', 'MX', []], ['_sip._udp.example.com', 'SRV', []], ['example.com', 'NS', []], ['example.com', 'SOA', ['+noedns']],
  ['nothere.example.com', 'A', []], ['web.example.com', 'MX', []], ['ent.example.com', 'A', []], ['b.ent.example.com', 'A', []],
  ['x.wild.example.com', 'A', []], ['a.b.wild.example.com', 'TXT', []], ['x.wild.example.com', 'MX', []], ['x.wild.example.com', 'AAAA', []],
  ['exists.wild.example.com', 'TXT', []], ['y.exists.wild.example.com', 'A', []], ['z.cwild.example.com', 'A', []], ['*.wild.example.com', 'A', []],
  ['a.sub.example.com', 'A', []], ['sub.example.com', 'NS', []], ['ns.sub.example.com', 'A', []], ['sub.example.com', 'DS', []],
  ['example.com', 'ANY', []], ['x.wild.example.com', 'ANY', []], ['www.example.com', 'ANY', []], ['nothere.example.com', 'ANY', []],
  ['www.example.org', 'A', []], ['example.com', 'A', ['-c', 'CH']],
  ['big.example.com', 'TXT', ['+noedns', '+ignore']], ['big.example.com', 'TXT', ['+bufsize=600', '+ignore']], ['big.example.com', 'TXT', ['+dnssec']],
  ['MIXED.case.example.com', 'A', []], ['example.com', 'SOA', ['+edns=1', '+noednsneg']], ['example.com', 'A', ['+opcode=status']],
  ['example.com', 'A', ['+header-only']], ['x.wild.example.com', 'A', ['+bufsize=100']],
];

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000 }, (_err, stdout, stderr) => resolve(stdout + stderr));
  });
}

function normalKdig(out: string): string {
  return out.split('\n').filter((l) => !/^;; (Received|From|Time)|^$|^;; COOKIE/.test(l))
    .map((l) => l.replace(/id: \d+/, 'id').replace(/\s+/g, ' ')).join('\n');
}

const kdigOptions = (extra: string[]): string[] | null => {
  const map: Record<string, string> = { '+noedns': '+noedns', '+ignore': '+ignore', '+dnssec': '+dnssec', '+header-only': '', '+noednsneg': '' };
  const out: string[] = [];
  for (const e of extra) {
    if (e in map) { if (map[e]) out.push(map[e]); else return null; }
    else if (e.startsWith('+bufsize=')) out.push('+bufsize=' + e.slice(9));
    else if (e.startsWith('+edns=')) out.push('+edns=' + e.slice(6));
    else if (e.startsWith('+opcode=')) out.push('+opcode=' + e.slice(8).toUpperCase());
    else if (e === '-c' || e === 'CH') out.push(e);
    else return null;
  }
  return out;
};

interface Target { label: string; dig: (args: string[]) => Promise<string>; kdig: (args: string[]) => Promise<string> }

const direct = (host: string, port: number): Target => ({
  label: `${host}:${port}`,
  dig: (a) => run('dig', [`@${host}`, '-p', String(port), '+norec', '+tries=1', '+time=3', ...a]),
  kdig: (a) => run('kdig', [`@${host}`, '-p', String(port), '+norec', '+retry=0', '+timeout=3', ...a]),
});
const inNamespace = (host: string, port: number): Target => ({
  label: `${host}:${port} (netns)`,
  dig: (a) => run('ip', ['netns', 'exec', ns, 'dig', `@${host}`, '-p', String(port), '+norec', '+tries=1', '+time=3', ...a]),
  kdig: (a) => run('ip', ['netns', 'exec', ns, 'kdig', `@${host}`, '-p', String(port), '+norec', '+retry=0', '+timeout=3', ...a]),
});

interface Running { child: ChildProcess; out: () => string; exited: Promise<number | null> }
function start(cmd: string, args: string[]): Running {
  const child = spawn(cmd, args);
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, out: () => out, exited };
}
async function waitFor(r: Running, pattern: RegExp, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!pattern.test(r.out())) {
    if (Date.now() > until) throw new Error(`no ${pattern} in:\n${r.out()}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}
async function stop(r: Running | undefined): Promise<void> {
  if (!r || r.child.exitCode !== null) return;
  r.child.kill('SIGTERM');
  await r.exited;
}

let nsd: Running | undefined;
const nsdTarget = direct('127.0.0.1', NSD_PORT);

beforeAll(async () => {
  if (!haveNsd) return;
  const child = startNsd(work, NSD_PORT, [{ name: 'example.com', file: ZONES[0], provideXfr: '127.0.0.1' }, { name: 'example.net', file: ZONES[1] }]);
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  nsd = { child, out: () => out, exited: new Promise((resolve) => child.on('exit', resolve)) };
  const until = Date.now() + 20_000;
  while (!/status: NOERROR/.test(await nsdTarget.dig(['example.com', 'SOA']))) {
    if (Date.now() > until) throw new Error('nsd did not start:\n' + nsd.out());
    await new Promise((res) => setTimeout(res, 100));
  }
}, 60_000);

afterAll(async () => {
  await stop(nsd);
  rmSync(work, { recursive: true, force: true });
});

/** The comparisons and checks, against one running apps/dns. */
function suite(target: () => Target, axfrFromHere: boolean): void {
  for (const transport of ['udp', 'tcp'] as const) {
    const tcp = transport === 'tcp' ? ['+tcp'] : [];
    it.skipIf(!haveNsd || !haveDig)(`dig over ${transport}: every feature answers as NSD does`, async () => {
      for (const [name, type, extra] of QUERIES) {
        if (transport === 'tcp' && extra.includes('+ignore')) continue; // TCP never truncates
        const args = [name, type, ...extra, ...tcp];
        const [ours, theirs] = await Promise.all([target().dig(args), nsdTarget.dig(args)]);
        expect(normalDig(ours), `dig ${args.join(' ')}`).toBe(normalDig(theirs));
      }
    }, 120_000);
    it.skipIf(!haveNsd || !haveKdig)(`kdig over ${transport}: every feature answers as NSD does`, async () => {
      for (const [name, type, extra] of QUERIES) {
        const k = kdigOptions(extra);
        if (!k || (transport === 'tcp' && extra.includes('+ignore'))) continue;
        const args = [name, type, ...k, ...tcp];
        const [ours, theirs] = await Promise.all([target().kdig(args), nsdTarget.kdig(args)]);
        expect(normalKdig(ours), `kdig ${args.join(' ')}`).toBe(normalKdig(theirs));
      }
    }, 120_000);
  }
  it.skipIf(!haveDig)('dig retries a truncated UDP answer over TCP and gets it whole', async () => {
    const out = await target().dig(['big.example.com', 'TXT', '+noedns']);
    expect(out).toMatch(/Truncated, retrying in TCP mode/);
    expect(out).toMatch(/ANSWER: 8,/);
  });
  it.skipIf(!haveKdig)('kdig sends several queries down one TCP connection (RFC 7766 pipelining)', async () => {
    const out = await target().kdig(['+tcp', '+keepopen', 'www.example.com', 'A', 'x.wild.example.com', 'A', 'nothere.example.com', 'A']);
    expect(out.match(/status: (NOERROR|NXDOMAIN)/g)).toEqual(['status: NOERROR', 'status: NOERROR', 'status: NXDOMAIN']);
  });
  it.skipIf(!haveDig)(axfrFromHere ? 'transfers the zone to an allowed peer, the same records as NSD' : 'refuses a zone transfer to a peer not allowed', async () => {
    const ours = await target().dig(['example.com', 'AXFR']);
    if (!axfrFromHere) { expect(ours).toMatch(/Transfer failed/); return; }
    const records = (out: string) => out.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.replace(/\s+/g, ' ').toLowerCase()).sort();
    expect(records(ours).length).toBeGreaterThan(40);
    if (haveNsd) expect(records(ours)).toEqual(records(await nsdTarget.dig(['example.com', 'AXFR'])));
  });
}

describe('apps/dns on the node board (Node sockets)', () => {
  let server: Running | undefined;
  beforeAll(async () => {
    server = start(process.execPath, [join(REPO, 'bin', 'nymote.js'), 'run', join(REPO, 'apps', 'dns'), '-b', 'node', '-q', '--', '--port', String(NODE_PORT),
      '--axfr-allow', '127.0.0.1', ...ZONES.flatMap((z) => ['--zone', z])]);
    await waitFor(server, /dns: serving example\.com\. example\.net\. on 127\.0\.0\.1:\d+/);
  }, 60_000);
  afterAll(async () => { await stop(server); });
  suite(() => direct('127.0.0.1', NODE_PORT), true);

  it.skipIf(!haveDig)('without --zone serves the zones in zones/ on its data volume (made from apps/dns/content)', async () => {
    const port = NODE_PORT + 2;
    const store = start(process.execPath, [join(REPO, 'bin', 'nymote.js'), 'run', join(REPO, 'apps', 'dns'), '-b', 'node', '-q', '--', '--port', String(port)]);
    try {
      await waitFor(store, /dns: serving home\.arpa\. on 127\.0\.0\.1:\d+/);
      expect(await direct('127.0.0.1', port).dig(['www.home.arpa', 'A', '+noall', '+answer'])).toMatch(/www\.home\.arpa\.\s+3600\s+IN\s+CNAME\s+nymote\.home\.arpa\.\nnymote\.home\.arpa\.\s+3600\s+IN\s+A\s+192\.168\.1\.2/);
    } finally {
      await stop(store);
    }
  }, 60_000);
});

describe('apps/dns on the unix board (Duktape, our TCP/IP stack on a tap)', () => {
  let server: Running | undefined;
  let image = '';
  beforeAll(async () => {
    const { dir, manifest } = await buildApp(join(REPO, 'apps', 'dns'));
    image = join(dir, manifest.image);
    const ip = (args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
    ip(['netns', 'add', ns]);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    ip(['-n', ns, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
    ip(['-n', ns, 'addr', 'add', `${NET}.1/24`, 'dev', 'tap0']);
    ip(['-n', ns, 'link', 'set', 'tap0', 'up']);
    server = start('ip', ['netns', 'exec', ns, image, '--tap', 'tap0', '--ipv4', `${OURS}/24`, ...ZONES.flatMap((z) => ['--zone', z])]);
    await waitFor(server, new RegExp(`dns: serving example\\.com\\. example\\.net\\. on ${OURS.replace(/\./g, '\\.')}:53`));
  }, 300_000);
  afterAll(async () => {
    await stop(server);
    try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'pipe' }); } catch { /* not created */ }
  });
  suite(() => inNamespace(OURS, 53), false);

  it('prints the zone error (file:line) and exits 1 for a bad zone', () => {
    const bad = join(work, 'bad.zone');
    writeFileSync(bad, '$ORIGIN example.com.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n NS ns\nwww CNAME x\nwww A 192.0.2.1\n');
    // The board opens the app's devices before main runs, so it needs a tap of its own.
    const r = spawnSync('ip', ['netns', 'exec', ns, image, '--tap', 'tap1', '--zone', bad], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stdout).toContain(`${bad}:6: data beside the CNAME at www.example.com.`);
    expect(r.status).toBe(1);
  });

  it.skipIf(!haveDig)("without --zone serves the zones in zones/ on the image's data volume (data.img, from apps/dns/content)", async () => {
    const ip = (args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
    ip(['-n', ns, 'tuntap', 'add', 'dev', 'tap2', 'mode', 'tap']);
    ip(['-n', ns, 'addr', 'add', '10.79.1.1/24', 'dev', 'tap2']);
    ip(['-n', ns, 'link', 'set', 'tap2', 'up']);
    const store = start('ip', ['netns', 'exec', ns, process.execPath, join(REPO, 'bin', 'nymote.js'), 'boot', dirname(image), '--', '--tap', 'tap2', '--ipv4', '10.79.1.2/24']);
    try {
      await waitFor(store, /dns: serving home\.arpa\. on 10\.79\.1\.2:53/);
      const answer = await inNamespace('10.79.1.2', 53).dig(['x.iot.home.arpa', 'A', '+noall', '+answer']);
      expect(answer).toMatch(/x\.iot\.home\.arpa\.\s+3600\s+IN\s+A\s+192\.168\.1\.200/);
    } finally {
      await stop(store);
    }
  }, 60_000);
});
