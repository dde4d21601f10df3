/*
 * The PV-device HIL run shared by the full-topology boards: the
 * pv-appliance fixture boots as an xl domU with a vif bridged by dom0 to a
 * host tap (in a network namespace this test creates) and a FAT32 image as
 * its xvda. From the host side, Linux's ping and socat probe it; dom0 runs
 * `xl network-detach` and `network-attach` on cue; after the guest exits,
 * mtools and fsck.fat read what it wrote into the image.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tcpEchoFromNamespace } from '../tcp-echo';
import { buildApp, REPO } from '../helpers';

/** dom0's side of the detach/attach cue: it reads the guest's console log. */
const DOM0_SCRIPT = `#!/bin/sh
log=/var/log/xen/console/$(cat /guest/console-log 2>/dev/null || echo guest-nymote.log)
mac=$(sed -n 's/.*mac=\\([0-9a-f:]*\\).*/\\1/p' /guest/guest.cfg)
until grep -q 'please detach the vif' "$log" 2>/dev/null; do usleep 200000; done
xl network-detach nymote 0 && echo detached
sleep 2
xl network-attach nymote mac=$mac && echo reattached
`;

export function pvDeviceCases(board: string, net: string): void {
  const ns = `nyt-hil-${process.pid}`;
  const HOST = `${net}.1`;
  const GUEST = `${net}.2`;
  const work = mkdtempSync(join(tmpdir(), 'nymote-hil-'));
  const volume = join(work, 'data.img');
  const token = randomBytes(6).toString('hex');
  let boot: ChildProcess;
  let out = '';
  let exited: Promise<number | null>;
  let started = 0;

  const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });
  const inNs = (cmd: string, args: string[], input?: Buffer) =>
    spawnSync('ip', ['netns', 'exec', ns, cmd, ...args], { input, maxBuffer: 64 << 20, timeout: 240_000 });

  async function waitFor(pattern: RegExp, ms: number, from = 0): Promise<void> {
    const until = Date.now() + ms;
    while (!pattern.test(out.slice(from))) {
      if (Date.now() > until) throw new Error(`no ${pattern} within ${ms} ms in:\n${out.slice(-6000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Every byte back (test/tcp-echo.ts waits for them; socat cut off a tail still in flight), length before hash. */
  async function echo(bytes: number): Promise<void> {
    const data = randomBytes(bytes);
    const { back, summary } = await tcpEchoFromNamespace(ns, GUEST, 7, data, work);
    expect(back.length, summary).toBe(bytes);
    expect(createHash('sha256').update(back).digest('hex'), `${summary}, but not the bytes sent`).toBe(createHash('sha256').update(data).digest('hex'));
  }

  const control = (command: string) => inNs('socat', ['-t', '3', '-', `UDP:${GUEST}:9000`], Buffer.from(command + '\n'));

  beforeAll(async () => {
    const { dir } = await buildApp(join(REPO, 'test', 'fixtures', 'pv-appliance'), { board });
    sh(process.execPath, [join(REPO, 'bin', 'nymote.js'), 'disk', 'create', volume, '64M']);
    writeFileSync(join(work, 'host.txt'), `the host's token ${token}\n`);
    sh('mcopy', ['-i', volume, join(work, 'host.txt'), '::/host.txt']);
    writeFileSync(join(work, 'dom0.sh'), DOM0_SCRIPT);
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', ns, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
    sh('ip', ['-n', ns, 'addr', 'add', `${HOST}/24`, 'dev', 'tap0']);
    sh('ip', ['-n', ns, 'link', 'set', 'tap0', 'up']);
    started = Date.now();
    boot = spawn('ip', ['netns', 'exec', ns, process.execPath, join(REPO, 'bin', 'nymote.js'), 'boot', dir, '--full',
      '--timeout', '900', '--dom0-script', join(work, 'dom0.sh'), '--', '--tap', 'tap0', '--ipv4', `${GUEST}/24`, '--disk', volume]);
    boot.stdout!.on('data', (d) => { out += d; });
    boot.stderr!.on('data', (d) => { out += d; });
    exited = new Promise((resolve) => boot.on('exit', resolve));
  }, 120_000);

  afterAll(() => {
    boot?.kill('SIGTERM');
    try { sh('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
    rmSync(work, { recursive: true, force: true });
  });

  describe(`PV devices on ${board} --full: netfront and blkfront against Linux's netback and blkback`, () => {
    it('mounts the FAT32 disk, then answers ping from the other side of the bridge (boot time printed)', async () => {
      await waitFor(/pv-appliance: read \/host\.txt: the host's token [0-9a-f]+/, 240_000);
      expect(out).toContain(`the host's token ${token}`);
      await waitFor(/pv-appliance: serving echo/, 120_000);
      // time from QEMU's start to the first answered ping
      for (;;) {
        if (inNs('ping', ['-c', '1', '-W', '1', GUEST]).status === 0) break;
        expect(Date.now() - started, out.slice(-4000)).toBeLessThan(300_000);
      }
      console.log(`${board} --full: QEMU start to the guest answering ping: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const ping = inNs('ping', ['-c', '5', '-i', '0.2', '-W', '2', GUEST]);
      expect(ping.stdout.toString()).toMatch(/5 packets transmitted, 5 received/);
    }, 400_000);

    it('echoes 10 MB over TCP byte-exact', async () => { await echo(10 << 20); }, 300_000);

    it('survives xl network-detach and network-attach, and works again after', async () => {
      const mark = out.length;
      expect(control('detach').stdout.toString()).toContain('ok');
      await waitFor(/net: link down/, 60_000, mark);
      await waitFor(/net: connected to \/local\/domain\/0\/backend\/vif\/1\/\d+/, 90_000, mark);
      for (let i = 0; inNs('ping', ['-c', '1', '-W', '1', GUEST]).status !== 0; i++) expect(i, out.slice(-4000)).toBeLessThan(30);
      await echo(1 << 20);
    }, 300_000);

    it('exits on request, and what it wrote is in the image for mtools and fsck.fat', async () => {
      expect(control('exit').stdout.toString()).toContain('bye');
      const code = await exited;
      expect(code, out.slice(-4000)).toBe(0);
      const written = spawnSync('mtype', ['-i', volume, '::/guest.txt'], { encoding: 'utf8' });
      expect(written.stdout).toBe(`written by the guest through blkfront, after the host's token ${token}\n`);
      const fsck = spawnSync('fsck.fat', ['-n', volume], { encoding: 'utf8' });
      expect(fsck.status, fsck.stdout + fsck.stderr).toBe(0);
    }, 200_000);
  });
}
