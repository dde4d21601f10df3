/*
 * Guest tier (arm32): the same bytecode as on unix, booted as a Xen guest
 * under QEMU on both virtual ARM boards: Debian's arm64 Xen with a GICv3
 * (the Raspberry Pi 4 shape) and Debian's armhf Xen with a GICv2. Output
 * is the guest's console, read through Xen's; exit codes come back through
 * `nymote boot`.
 */
import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { bootImage, buildApp, REPO } from '../helpers';
import { BOOT_FAILED } from '../../cli/boot/xen-console';
import { runtimeCases } from './runtime';

const LOAD_ADDRESS = 0x40208000;

/**
 * A copy of a built hello image with its zImage patched by `patch`, which
 * gets the image bytes and the file offset of a symbol of hello.elf.
 */
function patchedHello(dir: string, image: string, patch: (bytes: Buffer, offsetOf: (symbol: string) => number) => void): string {
  const copy = mkdtempSync(join(tmpdir(), 'nymote-patched-'));
  cpSync(dir, copy, { recursive: true });
  const symbols = execFileSync('arm-none-eabi-nm', [join(dir, 'hello.elf')], { encoding: 'utf8' });
  const offsetOf = (symbol: string) => {
    const m = new RegExp(`^([0-9a-f]+) [A-Za-z] ${symbol}$`, 'm').exec(symbols);
    if (!m) throw new Error(`${symbol} is not in hello.elf`);
    return (parseInt(m[1], 16) & ~1) - LOAD_ADDRESS; // bit 0 marks Thumb code
  };
  const bytes = readFileSync(join(copy, image));
  patch(bytes, offsetOf);
  writeFileSync(join(copy, image), bytes);
  return copy;
}

describe.each(['qemu-arm64', 'qemu-arm32'])('arm32 guest on %s', (board) => {
  // Promises/A+ on one ARM board: both run the same engine build and bytecode (the suite tests the
  // runtime's promises); what differs, the interrupt controller, the timer, ordering and evtchn cases cover.
  runtimeCases({ board, arch: 'arm32', tailLine: (text) => new RegExp(`\\| \\(XEN\\) DOM1: ${text}`), aplus: board === 'qemu-arm32' });

  it('runs hello in a guest with 4 MB of memory', async () => {
    const { dir } = await buildApp(join(REPO, 'apps', 'hello'), { board });
    const r = bootImage(dir, [], ['--memory', '4']);
    expect(r.stdout).toContain('exiting with 0');
    expect(r.code).toBe(0);
  });

  it('refuses a flipped byte in the linked-in bytecode, as on unix', async () => {
    const { dir, manifest } = await buildApp(join(REPO, 'apps', 'hello'), { board });
    const copy = patchedHello(dir, manifest.image, (image, offsetOf) => { image[offsetOf('nymote_app_blob') + 96 + 1000] ^= 0x10; });
    const r = bootImage(copy);
    expect(r.stdout).toContain('nymote: refusing to load the application image');
    expect(r.stdout).not.toContain('hello from nymote');
    expect(r.code).toBe(65);
  });

  // Faults planted at the kernel's C entry (the vectors are set by then), as
  // Thumb code: an undefined instruction; a load from unmapped address 0.
  const faults: [string, number[], number][] = [
    ['undefined instruction', [0xde00], 0],
    ['data abort', [0x2000, 0x6800], 2], // movs r0, #0; ldr r0, [r0]
  ];
  it.each(faults)('fails a guest %s with the fault report and the console tail', async (kind, code, faultAt) => {
    const { dir, manifest } = await buildApp(join(REPO, 'apps', 'hello'), { board });
    let entry = 0;
    const copy = patchedHello(dir, manifest.image, (image, offsetOf) => {
      entry = LOAD_ADDRESS + offsetOf('arm32_main');
      code.forEach((halfword, i) => image.writeUInt16LE(halfword, offsetOf('arm32_main') + 2 * i));
    });
    const r = bootImage(copy, [], ['--timeout', '60']);
    expect(r.code).toBe(BOOT_FAILED);
    const report = new RegExp(`nymote: guest fault: ${kind} at pc=0x([0-9a-f]{8})`).exec(r.stderr);
    expect(report, r.stderr).not.toBeNull();
    // Xen injects stage-2 aborts with a Thumb return offset of 4 where the
    // architecture says 8, so the reported pc may sit one instruction early.
    expect(Math.abs(parseInt(report![1], 16) - (entry + faultAt))).toBeLessThanOrEqual(4);
    if (kind === 'data abort') expect(r.stderr).toContain('address=0x00000000');
    expect(r.stderr).toContain('Last console lines:');
    expect(r.stdout).not.toContain('hello from nymote');
  });

  it('fails a Xen panic, never passes it', async () => {
    const { dir } = await buildApp(join(REPO, 'apps', 'hello'), { board });
    const r = bootImage(dir, [], ['--memory', '4096', '--timeout', '60']); // more than the machine has
    expect(r.code).toBe(BOOT_FAILED);
    expect(r.stderr).toContain('Xen panicked');
    expect(r.stdout).not.toContain('exiting with');
  });
});
