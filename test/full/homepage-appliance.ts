/*
 * The homepage appliance booted --full (appliance.ts): the site is on its
 * data volume (xvda over blkfront, FAT32) and HTTP goes over netfront.
 * curl and headless Chromium, from the other side of dom0's bridge, get
 * the same bytes as the content/ folder holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers';
import { bootAppliance, type BootedAppliance } from './appliance';

const CONTENT = join(REPO, 'apps', 'homepage', 'content');
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = spawnSync('sh', ['-c', `command -v ${CHROMIUM}`]).status === 0;

export function homepageApplianceCases(board: string, net: string): void {
  const work = mkdtempSync(join(tmpdir(), 'nymote-http-hil-'));
  let guest: BootedAppliance;
  let started = 0;
  const curl = (args: string[]) => new Promise<{ out: string; err: string }>((resolve) =>
    execFile('ip', ['netns', 'exec', guest.ns, 'curl', '-sS', '--max-time', '60', ...args], { encoding: 'latin1', maxBuffer: 16 << 20 },
      (_e, out, err) => resolve({ out, err })));

  beforeAll(async () => {
    started = Date.now();
    guest = await bootAppliance('homepage', board, net);
  }, 300_000);
  afterAll(async () => {
    await guest?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  describe(`apps/homepage on ${board} --full: the site from its data volume over blkfront, HTTP over netfront`, () => {
    it('serves its files byte-exact, with validators, ranges and the gzip variant', async () => {
      const base = `http://${guest.guest}`;
      // Asked from the start, once a second: the time to the first response is the boot time a user sees.
      for (const until = Date.now() + 300_000; ;) {
        const first = await new Promise<string>((resolve) => execFile('ip', ['netns', 'exec', guest.ns, 'curl', '-sS', '--max-time', '1', '-o', '/dev/null', '-w', '%{http_code}', base + '/'],
          (_e, out) => resolve(out)));
        if (first === '200') break;
        if (Date.now() > until) throw new Error(`no HTTP response from ${base} in 300 s:\n${guest.out().slice(-6000)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      console.log(`${board} --full: QEMU start to the first HTTP response: ${((Date.now() - guest.startedAt) / 1000).toFixed(1)} s (with the build: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      await guest.waitFor(new RegExp(`homepage: serving its data volume on http://${guest.guest.replace(/\./g, '\\.')}:80/`), 10_000);
      expect((await curl([base + '/'])).out).toBe(readFileSync(join(CONTENT, 'index.html'), 'latin1'));
      const png = readFileSync(join(CONTENT, 'images', 'garden.png'));
      expect(Buffer.from((await curl([base + '/images/garden.png'])).out, 'latin1').equals(png)).toBe(true);
      const head = (await curl(['-I', base + '/style.css'])).out;
      const etag = /^ETag: (.*)\r$/mi.exec(head)![1];
      expect((await curl(['-o', '/dev/null', '-w', '%{http_code}', '-H', `If-None-Match: ${etag}`, base + '/style.css'])).out).toBe('304');
      expect(Buffer.from((await curl(['-r', '1000-1999', base + '/images/garden.png'])).out, 'latin1').equals(png.subarray(1000, 2000))).toBe(true);
      const zipped = await curl(['-i', '--compressed', base + '/style.css']);
      expect(zipped.out).toMatch(/^Content-Encoding: gzip\r$/mi);
      expect(zipped.out.slice(zipped.out.indexOf('\r\n\r\n') + 4)).toBe(readFileSync(join(CONTENT, 'style.css'), 'latin1'));
      const health = JSON.parse((await curl([base + '/healthz'])).out) as { status: string; board: string };
      expect(health).toMatchObject({ status: 'ok', board });
      // the access log, on the guest's console as dom0 relays it (a little behind)
      await guest.waitFor(/"GET \/healthz HTTP\/1\.1" 200 \d+/, 60_000);
    }, 400_000);

    it.skipIf(!haveChromium)('loads in headless Chromium with its title and images', async () => {
      const { chromium } = await import('playwright-core');
      const wrapper = join(work, 'chromium-in-netns');
      writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${guest.ns} ${CHROMIUM} "$@"\n`);
      chmodSync(wrapper, 0o755);
      const browser = await chromium.launch({ executablePath: wrapper, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
      try {
        const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
        expect((await page.goto(`http://${guest.guest}/`, { waitUntil: 'load', timeout: 120_000 }))?.status()).toBe(200);
        expect(await page.title()).toBe('Home on a nymote appliance');
        expect(await page.evaluate('document.getElementById("photo").naturalWidth')).toBe(128);
        const dir = join(REPO, 'build', 'test-artifacts');
        mkdirSync(dir, { recursive: true });
        await page.screenshot({ path: join(dir, `homepage-${board}-full.png`), fullPage: true });
      } finally {
        await browser.close();
      }
    }, 300_000);
  });
}
