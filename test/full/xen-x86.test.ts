/*
 * Full topology, x86_64 (tier 5): Debian's amd64 Xen in QEMU boots Debian's
 * Linux as dom0 from a busybox initramfs our image code assembles; dom0
 * starts our PV guest with `xl create` and relays its PV console ring. The
 * same runtime cases as the fast topology, plus the dom0's own failures.
 */
import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { bootImage, buildApp, REPO } from '../helpers';
import { BOOT_FAILED } from '../../cli/boot/xen-console';
import { runtimeCases } from '../guest/runtime';

const BOARD = 'qemu-x86-xen';

describe(`x86_64 PV guest on ${BOARD} as an xl domU beside a Linux dom0 (--full)`, () => {
  runtimeCases({
    board: BOARD, arch: 'x86_64', bootOptions: ['--full'], hangTimeoutS: 45,
    tailLine: (text) => new RegExp(`\\| nymote-guest: ${text}`),
  });

  it('runs hello in a domU with 8 MB of memory', async () => {
    const { dir } = await buildApp(join(REPO, 'apps', 'hello'), { board: BOARD });
    const r = bootImage(dir, ['--exit', '5'], ['--full', '--memory', '8']);
    expect(r.stdout, r.stderr).toContain('exiting with 5');
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/nymote-dom0: ready after \d+\.\d+ s/);
  });

  it('fails a guest that xl cannot start, with dom0\'s own error in the tail', async () => {
    const { dir, manifest } = await buildApp(join(REPO, 'apps', 'hello'), { board: BOARD });
    const copy = mkdtempSync(join(tmpdir(), 'nymote-notelf-'));
    cpSync(dir, copy, { recursive: true });
    const image = readFileSync(join(copy, manifest.image));
    image.write('NOPE', 0); // no ELF magic: libxl's loader refuses it
    writeFileSync(join(copy, manifest.image), image);
    const r = bootImage(copy, [], ['--full']);
    expect(r.code, r.stderr).toBe(BOOT_FAILED);
    expect(r.stderr).toContain('the Linux dom0 could not start the guest: nymote-dom0: FAILED: xl create');
    expect(r.stderr).toMatch(/\| libxl: error/);
  });

  it('fails a dom0 that panics, never passes it', async () => {
    const { dir } = await buildApp(join(REPO, 'apps', 'hello'), { board: BOARD });
    // no init where the kernel is told to look: Linux panics ("No working init found")
    const r = bootImage(dir, [], ['--full', '--dom0-args', 'rdinit=/missing init=/missing']);
    expect(r.code, r.stderr).toBe(BOOT_FAILED);
    expect(r.stderr).toMatch(/the Linux dom0 panicked|Dom0 crashed|Xen panicked/);
  });
});

describe('a domU image for any Xen host (board xen-x86)', () => {
  it('boots as it would on a Xen host: an xl domU beside a Linux dom0, in the emulated PC', async () => {
    const { dir, manifest } = await buildApp(join(REPO, 'apps', 'hello'), { board: 'xen-x86' });
    expect(manifest.files).toEqual(expect.arrayContaining(['hello.elf', 'hello.cfg']));
    expect(manifest.files).not.toContain('xen');
    const r = bootImage(dir, ['--exit', '9']);
    expect(r.stdout, r.stderr).toContain('hello from nymote on the xen-x86 board');
    expect(r.code, r.stderr).toBe(9);
  });
});
