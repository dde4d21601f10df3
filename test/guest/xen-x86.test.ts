/*
 * Guest tier (x86_64 PV): the same bytecode as on unix, booted by Debian's
 * amd64 Xen in QEMU (TCG) as dom0, the fast topology. The guest's console
 * (console_io) reaches the serial port between Xen's "(XEN)" lines; exit
 * codes come back through `nymote boot`.
 */
import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { bootImage, buildApp, REPO } from '../helpers';
import { BOOT_FAILED } from '../../cli/boot/xen-console';
import { MUSL_LIBC, syscallUsers } from '../../cli/build/kernel';
import { runtimeCases } from './runtime';

const BOARD = 'qemu-x86-xen';

/** Address of a symbol in an ELF, and the file offset it is loaded from. */
function locate(elf: string, symbol: string): { address: number; offset: number } {
  const symbols = execFileSync('nm', [elf], { encoding: 'utf8' });
  const m = new RegExp(`^([0-9a-f]+) [A-Za-z] ${symbol}$`, 'm').exec(symbols);
  if (!m) throw new Error(`${symbol} is not in ${elf}`);
  const address = parseInt(m[1], 16);
  for (const line of execFileSync('readelf', ['-lW', elf], { encoding: 'utf8' }).split('\n')) {
    const seg = /^\s+LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)/.exec(line);
    if (!seg) continue;
    const [fileOffset, vaddr, fileSize] = [seg[1], seg[2], seg[3]].map((h) => parseInt(h, 16));
    if (address >= vaddr && address < vaddr + fileSize) return { address, offset: address - vaddr + fileOffset };
  }
  throw new Error(`${symbol} is not in a loaded part of ${elf}`);
}

/** A copy of a built hello image with bytes at a symbol replaced. */
function patchedHello(dir: string, image: string, symbol: string, patch: (bytes: Buffer, at: number) => void): { copy: string; address: number } {
  const copy = mkdtempSync(join(tmpdir(), 'nymote-patched-'));
  cpSync(dir, copy, { recursive: true });
  const { address, offset } = locate(join(dir, image), symbol);
  const bytes = readFileSync(join(copy, image));
  patch(bytes, offset);
  writeFileSync(join(copy, image), bytes);
  return { copy, address };
}

describe(`x86_64 PV guest on ${BOARD} (as dom0)`, () => {
  runtimeCases({ board: BOARD, arch: 'x86_64', tailLine: (text) => new RegExp(`\\| ${text}`) });

  it('runs hello in a guest with 8 MB of memory; the build reports the image size', async () => {
    const { dir, manifest } = await buildApp(join(REPO, 'apps', 'hello'), { board: BOARD });
    expect(manifest.files).toEqual(expect.arrayContaining(['hello.elf', 'hello.debug.elf', 'hello.cfg', 'xen']));
    expect(manifest.sizes.total).toBe(readFileSync(join(dir, 'hello.elf')).length);
    const r = bootImage(dir, ['--exit', '5'], ['--memory', '8']);
    expect(r.stdout).toContain('exiting with 5');
    expect(r.code).toBe(5);
  });

  it('refuses a flipped byte in the linked-in bytecode, as on unix', async () => {
    const { dir, manifest } = await buildApp(join(REPO, 'apps', 'hello'), { board: BOARD });
    const { copy } = patchedHello(dir, manifest.image, 'nymote_app_blob', (b, at) => { b[at + 96 + 1000] ^= 0x10; });
    const r = bootImage(copy);
    expect(r.stdout).toContain('nymote: refusing to load the application image');
    expect(r.stdout).not.toContain('hello from nymote');
    expect(r.code).toBe(65);
  });

  // Faults planted where the engine would start (traps and memory are set
  // up by then): UD2; and a load through a null pointer (page 0 is unmapped).
  const faults: [string, number[], string][] = [
    ['invalid opcode', [0x0f, 0x0b], 'address=0x0000000000000000'],
    ['page fault', [0x31, 0xc0, 0x48, 0x8b, 0x00], 'address=0x0000000000000000'], // xor eax,eax; mov rax,[rax]
  ];
  it.each(faults)('fails a guest %s with the fault report and the console tail', async (kind, code, address) => {
    const { dir, manifest } = await buildApp(join(REPO, 'apps', 'hello'), { board: BOARD });
    const { copy, address: entry } = patchedHello(dir, manifest.image, 'nymote_main', (b, at) => { code.forEach((byte, i) => { b[at + i] = byte; }); });
    const r = bootImage(copy, [], ['--timeout', '60']);
    expect(r.code).toBe(BOOT_FAILED);
    const report = new RegExp(`nymote: guest fault: ${kind} at rip=0x([0-9a-f]{16}) (address=0x[0-9a-f]{16})`).exec(r.stderr);
    expect(report, r.stderr).not.toBeNull();
    expect(parseInt(report![1], 16)).toBe(entry + (kind === 'page fault' ? 2 : 0));
    expect(report![2]).toBe(address);
    expect(r.stderr).toContain('Last console lines:');
    expect(r.stdout).not.toContain('hello from nymote');
  });

  it('fails a Xen panic (a kernel Xen cannot load as dom0), never passes it', async () => {
    const { dir, manifest } = await buildApp(join(REPO, 'apps', 'hello'), { board: BOARD });
    const image = readFileSync(join(dir, manifest.image));
    const note = image.indexOf('xen-3.0\0');
    expect(note).toBeGreaterThan(0);
    const copy = mkdtempSync(join(tmpdir(), 'nymote-patched-'));
    cpSync(dir, copy, { recursive: true });
    image.write('xen-9.9', note); // the XEN_VERSION note: Xen refuses the kernel, then cannot go on
    writeFileSync(join(copy, manifest.image), image);
    const r = bootImage(copy, [], ['--timeout', '60']);
    expect(r.code).toBe(BOOT_FAILED);
    expect(r.stderr).toContain('Xen panicked');
    expect(r.stdout).not.toContain('hello from nymote');
  });

  it('refuses at build time libc code that would make Linux system calls', async () => {
    const { dir, manifest } = await buildApp(join(REPO, 'apps', 'hello'), { board: BOARD });
    expect(syscallUsers(join(dir, manifest.image))).toEqual([]);
    const work = mkdtempSync(join(tmpdir(), 'nymote-syscall-'));
    writeFileSync(join(work, 'probe.c'), 'int getpid(void);\nvoid _start(void) { getpid(); for (;;) {} }\n');
    execFileSync('gcc', ['-O2', '-fno-pie', '-fno-stack-protector', '-c', join(work, 'probe.c'), '-o', join(work, 'probe.o')]);
    execFileSync('gcc', ['-nostdlib', '-static', '-no-pie', join(work, 'probe.o'), MUSL_LIBC, '-o', join(work, 'probe.elf')]);
    expect(syscallUsers(join(work, 'probe.elf'))).toContain('getpid');
  });
});
