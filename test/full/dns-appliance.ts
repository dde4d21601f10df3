/*
 * The dns appliance booted --full (appliance.ts): the image's data volume,
 * its xvda, holds the zone (blkfront, FAT32). dig asks it from the other side of the bridge, and NSD serving
 * the same zone file on the host must answer record for record the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalDig, startNsd } from '../dig';
import { REPO } from '../helpers';
import { bootAppliance, type BootedAppliance } from './appliance';

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
  const NSD_PORT = 21000 + (process.pid % 10000);
  const work = mkdtempSync(join(tmpdir(), 'nymote-dns-hil-'));
  let guest: BootedAppliance;
  let nsd: ChildProcess | undefined;
  let started = 0;

  beforeAll(async () => {
    if (have('nsd')) nsd = startNsd(work, NSD_PORT, [{ name: 'home.arpa', file: ZONE }]);
    started = Date.now();
    guest = await bootAppliance('dns', board, net);
  }, 300_000);

  afterAll(async () => {
    await guest?.stop();
    nsd?.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  });

  describe(`apps/dns on ${board} --full: zones from its data volume over blkfront, answers over netfront`, () => {
    it('loads the zone from the xvda disk and answers dig from the other side of the bridge', async () => {
      // Asked from the start, once a second: the time to the first answer is the boot time a user sees.
      let answer = '';
      for (const until = Date.now() + 300_000; !/flags: qr aa;/.test(answer);) {
        if (Date.now() > until) throw new Error(`no answer from ${guest.guest}:53 in 300 s:\n${guest.out().slice(-6000)}`);
        answer = await dig([`@${guest.guest}`, '+norec', '+tries=1', '+time=1', 'www.home.arpa', 'A'], guest.ns);
      }
      console.log(`${board} --full: QEMU start to the first DNS answer: ${((Date.now() - guest.startedAt) / 1000).toFixed(1)} s (with the build: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      await guest.waitFor(new RegExp(`dns: serving home\\.arpa\\. on ${guest.guest.replace(/\./g, '\\.')}:53`), 10_000);
      expect(answer).toMatch(/flags: qr aa;/);
      expect(answer).toMatch(/www\.home\.arpa\.\s+3600\s+IN\s+CNAME\s+nymote\.home\.arpa\.\nnymote\.home\.arpa\.\s+3600\s+IN\s+A\s+192\.168\.1\.2/);
    }, 400_000);

    it.skipIf(!have('nsd'))('answers every query as NSD does for the same zone file (flags, sections, TTLs)', async () => {
      for (const [name, type, extra] of QUERIES) {
        const args = ['+norec', '+tries=3', '+time=5', name, type, ...extra];
        const ours = normalDig(await dig([`@${guest.guest}`, ...args], guest.ns));
        const theirs = normalDig(await dig(['@127.0.0.1', '-p', String(NSD_PORT), ...args]));
        expect(ours, `dig ${args.join(' ')}`).toBe(theirs);
      }
    }, 300_000);
  });
}
