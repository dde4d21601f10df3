/*
 * The unix board's tap Netif against the Linux network stack, inside a
 * network namespace this test creates: Linux ARPs for the image's IP, the
 * image answers, Linux then sends it an ICMP echo.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildApp, REPO } from '../helpers';

const ns = `nyt-tap-${process.pid}`;
const sh = (cmd: string[]) => execFileSync('ip', cmd, { stdio: 'pipe' });

beforeAll(() => {
  sh(['netns', 'add', ns]);
  sh(['-n', ns, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
  sh(['-n', ns, 'addr', 'add', '10.77.0.1/24', 'dev', 'tap0']);
  sh(['-n', ns, 'link', 'set', 'tap0', 'up']);
});

afterAll(() => {
  try { sh(['netns', 'del', ns]); } catch { /* already gone */ }
});

it('answers ARP and receives IPv4 through a tap device', async () => {
  const { dir, manifest } = await buildApp(join(REPO, 'test', 'fixtures', 'tap-arp'));
  const image = spawn('ip', ['netns', 'exec', ns, join(dir, manifest.image), '--tap', 'tap0', '--mac', '02:00:00:77:00:02', '--ip', '10.77.0.2', '--wait', '8000']);
  let out = '';
  let err = '';
  image.stdout.on('data', (d) => { out += d; });
  image.stderr.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((resolve) => image.on('exit', resolve));
  await new Promise((r) => setTimeout(r, 300));
  // One echo request; the reply never comes (the image is no IP stack), so ping's status is ignored.
  const ping = spawnSync('ip', ['netns', 'exec', ns, 'ping', '-c', '1', '-W', '2', '10.77.0.2'], { encoding: 'utf8' });
  expect(ping.stderr).not.toMatch(/No such file|not found/);
  const code = await exited;
  expect(err).toBe('');
  expect(out).toContain('listening as 02:00:00:77:00:02 mtu 1500');
  expect(out).toContain('arp who-has 10.77.0.2 tell 10.77.0.1');
  expect(out).toContain('arp reply sent');
  // Linux sent the echo to our MAC: it took the ARP reply the image wrote.
  expect(out).toContain('ipv4 protocol 1 from 10.77.0.1 to 02:00:00:77:00:02');
  expect(code).toBe(0);
}, 60_000);
