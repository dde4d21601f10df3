/*
 * An appliance booted as a user boots it on a Xen host: `nymote build APP
 * -b BOARD`, then `nymote boot --full`, the guest beside Debian's Linux
 * dom0 with its vif bridged to a host tap (in a network namespace made
 * here, where the probes run) and the image's data volume as its xvda.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { buildApp, REPO } from '../helpers';

export interface BootedAppliance {
  /** The network namespace holding the host's end of the tap. */
  ns: string;
  guest: string;
  /** When QEMU was started (Date.now(), after the build): boot times count from here. */
  startedAt: number;
  out(): string;
  /** Waits for the console to match; fails with the console's tail. */
  waitFor(pattern: RegExp, ms: number): Promise<void>;
  /** Stops `nymote boot` (which stops QEMU) and removes the namespace. */
  stop(): Promise<void>;
}

export async function bootAppliance(app: string, board: string, net: string, args: string[] = []): Promise<BootedAppliance> {
  const ns = `nyt-${app.slice(0, 6)}-${process.pid}`;
  const guest = `${net}.2`;
  const sh = (cmd: string, a: string[]) => execFileSync(cmd, a, { stdio: 'pipe' });
  const { dir } = await buildApp(join(REPO, 'apps', app), { board });
  sh('ip', ['netns', 'add', ns]);
  sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  sh('ip', ['-n', ns, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
  sh('ip', ['-n', ns, 'addr', 'add', `${net}.1/24`, 'dev', 'tap0']);
  sh('ip', ['-n', ns, 'link', 'set', 'tap0', 'up']);
  // No --disk: the boot gives the guest the image's data.img (the app's content/).
  const startedAt = Date.now();
  const boot: ChildProcess = spawn('ip', ['netns', 'exec', ns, process.execPath, join(REPO, 'bin', 'nymote.js'), 'boot', dir, '--full',
    '--timeout', '600', '--', '--tap', 'tap0', '--ipv4', `${guest}/24`, ...args]);
  let out = '';
  boot.stdout!.on('data', (d) => { out += d; });
  boot.stderr!.on('data', (d) => { out += d; });
  return {
    ns,
    guest,
    startedAt,
    out: () => out,
    async waitFor(pattern, ms) {
      for (const until = Date.now() + ms; !pattern.test(out);) {
        if (Date.now() > until || boot.exitCode !== null) throw new Error(`no ${pattern} in:\n${out.slice(-6000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      if (boot.exitCode === null && boot.signalCode === null) {
        const exited = new Promise((r) => boot.once('exit', r));
        boot.kill('SIGTERM');
        await exited;
      }
      try { sh('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
      // Stopping `nymote boot` must stop the emulated machine with it.
      const left = spawnSync('pgrep', ['-f', `qemu-system.*${dir}/xen`], { encoding: 'utf8' }).stdout.trim();
      if (left) throw new Error(`QEMU still runs after nymote boot stopped: pid ${left}`);
    },
  };
}
