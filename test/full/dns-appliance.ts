/*
 * The dns appliance as a user runs it on a Xen host: `nymote build apps/dns`
 * then `nymote boot --full`, the guest beside Debian's Linux dom0 with a
 * vif bridged to a host tap (in a network namespace this test creates) and
 * the image's data volume as its xvda, which holds the zone (blkfront,
 * FAT32). dig asks it from the other side of the bridge, and NSD serving
 * the same zone file on the host must answer record for record the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalDig, startNsd } from '../dig';
import { buildApp, REPO } from '../helpers';

const ZONE = join(REPO, 'apps', 'dns', 'content', 'zones', 'home.arpa.zone');
const have = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** [name, type, extra dig options]: the zone's features. */
const QUERIES: [string, string, string[]][] = [
  ['home.arpa', 'SOA', []], ['home.arpa', 'NS', []], ['home.arpa', 'MX', []], ['home.arpa', 'TXT', []],
  ['www.home.arpa', 'A', []], ['nas.home.arpa', 'AAAA', []], ['_http._tcp.home.arpa', 'SRV', []],
  ['sensor7.iot.home.arpa', 'A', []], ['sensor7.iot.home.arpa', 'AAAA', []], ['nothere.home.arpa', 'A', []],
  ['example.org', 'A', []], ['www.home.arpa', 'A', ['+tcp']], ['home.arpa', 'ANY', ['+tcp']],
];

function dig(args: string[], ns?: string): Promise<string> {
  const [cmd, all] = ns ? ['ip', ['netns', 'exec', ns, 'dig', ...args]] : ['dig', args];
  return new Promise((resolve) => execFile(cmd, all, { timeout: 30_000 }, (_e, stdout, stderr) => resolve(stdout + stderr)));
}

export function dnsApplianceCases(board: string, net: string): void {
  const ns = `nyt-dnsx-${process.pid}`;
  const GUEST = `${net}.2`;
  const NSD_PORT = 21000 + (process.pid % 10000);
  const work = mkdtempSync(join(tmpdir(), 'nymote-dns-hil-'));
  let boot: ChildProcess;
  let nsd: ChildProcess | undefined;
  let out = '';
  let started = 0;
  const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });

  beforeAll(async () => {
    const { dir } = await buildApp(join(REPO, 'apps', 'dns'), { board });
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', ns, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
    sh('ip', ['-n', ns, 'addr', 'add', `${net}.1/24`, 'dev', 'tap0']);
    sh('ip', ['-n', ns, 'link', 'set', 'tap0', 'up']);
    if (have('nsd')) nsd = startNsd(work, NSD_PORT, [{ name: 'home.arpa', file: ZONE }]);
    started = Date.now();
    // No --disk: the boot gives the guest the image's data.img, which holds zones/home.arpa.zone.
    boot = spawn('ip', ['netns', 'exec', ns, process.execPath, join(REPO, 'bin', 'nymote.js'), 'boot', dir, '--full',
      '--timeout', '600', '--', '--tap', 'tap0', '--ipv4', `${GUEST}/24`]);
    boot.stdout!.on('data', (d) => { out += d; });
    boot.stderr!.on('data', (d) => { out += d; });
  }, 300_000);

  afterAll(() => {
    boot?.kill('SIGTERM');
    nsd?.kill('SIGTERM');
    try { sh('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
    rmSync(work, { recursive: true, force: true });
  });

  describe(`apps/dns on ${board} --full: zones from its data volume over blkfront, answers over netfront`, () => {
    it('loads the zone from the xvda disk and answers dig from the other side of the bridge', async () => {
      for (const until = Date.now() + 300_000; !new RegExp(`dns: serving home\\.arpa\\. on ${GUEST.replace(/\./g, '\\.')}:53`).test(out);) {
        if (Date.now() > until) throw new Error(`the guest did not serve in:\n${out.slice(-6000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      console.log(`${board} --full: QEMU start to the dns appliance serving: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const answer = await dig([`@${GUEST}`, '+norec', '+tries=3', '+time=5', 'www.home.arpa', 'A'], ns);
      expect(answer).toMatch(/flags: qr aa;/);
      expect(answer).toMatch(/www\.home\.arpa\.\s+3600\s+IN\s+CNAME\s+nymote\.home\.arpa\.\nnymote\.home\.arpa\.\s+3600\s+IN\s+A\s+192\.168\.1\.2/);
    }, 400_000);

    it.skipIf(!have('nsd'))('answers every query as NSD does for the same zone file (flags, sections, TTLs)', async () => {
      for (const [name, type, extra] of QUERIES) {
        const args = ['+norec', '+tries=3', '+time=5', name, type, ...extra];
        const ours = normalDig(await dig([`@${GUEST}`, ...args], ns));
        const theirs = normalDig(await dig(['@127.0.0.1', '-p', String(NSD_PORT), ...args]));
        expect(ours, `dig ${args.join(' ')}`).toBe(theirs);
      }
    }, 300_000);
  });
}
