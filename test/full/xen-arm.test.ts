/*
 * Full topology, ARM (tier 5; the Raspberry Pi 4 shape): Debian's arm64 Xen
 * in QEMU boots Debian's arm64 Linux as dom0 from a busybox initramfs our
 * image code assembles; dom0 starts our arm32 guest with `xl create` and
 * relays its console (the emulated PL011, xenconsoled's vuart log). The same
 * runtime cases as dom0less, plus the dom0's own failures.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { bootImage, buildApp, REPO } from '../helpers';
import { BOOT_FAILED } from '../../cli/boot/xen-console';
import { runtimeCases } from '../guest/runtime';

const BOARD = 'qemu-arm64';

describe(`arm32 guest on ${BOARD} as an xl domU beside an arm64 Linux dom0 (--full)`, () => {
  runtimeCases({
    board: BOARD, arch: 'arm32', bootOptions: ['--full'], hangTimeoutS: 30,
    tailLine: (text) => new RegExp(`\\| nymote-guest: ${text}`),
  });

  it('runs hello in a domU with 8 MB of memory, after dom0 reports ready', async () => {
    const { dir } = await buildApp(join(REPO, 'apps', 'hello'), { board: BOARD });
    const r = bootImage(dir, ['--exit', '5'], ['--full', '--memory', '8']);
    expect(r.stdout, r.stderr).toContain('exiting with 5');
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/nymote-dom0: ready after \d+\.\d+ s/);
  });

  it('fails a dom0 that panics, never passes it', async () => {
    const { dir } = await buildApp(join(REPO, 'apps', 'hello'), { board: BOARD });
    // no init where the kernel is told to look: Linux panics (no root to mount)
    const r = bootImage(dir, [], ['--full', '--dom0-args', 'rdinit=/missing init=/missing', '--timeout', '60']);
    expect(r.code, r.stderr).toBe(BOOT_FAILED);
    expect(r.stderr).toMatch(/the Linux dom0 panicked|Dom0 crashed|Xen panicked/);
    expect(r.stdout).not.toContain('hello from nymote');
  });

  it('refuses --full on qemu-arm32, which has no Linux dom0 here, before booting anything', async () => {
    const { dir } = await buildApp(join(REPO, 'apps', 'hello'), { board: 'qemu-arm32' });
    const r = bootImage(dir, [], ['--full']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--full is not there for board 'qemu-arm32'");
  });
});
