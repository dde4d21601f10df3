/* The C side of a build: make the kernel pieces, link an image. */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD, REPO } from '../paths';
import { UserError } from '../errors';

export const HOST_COMPILER = join(BUILD, 'host', 'nymote-bcc');

/** make target per kernel flavour: 'unix' (this machine), 'arm32' or 'x86_64' (Xen guests). */
export type KernelTarget = 'unix' | 'arm32' | 'x86_64';

export function makeKernel(target: KernelTarget): void {
  const targets = target === 'unix' ? ['unix', 'host'] : ['unix', 'host', target];
  const r = spawnSync('make', ['-s', '-C', join(REPO, 'kernel'), ...targets, '-j2'], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new UserError(`kernel build failed (make -C kernel ${targets.join(' ')}):\n${r.stdout}${r.stderr}`);
  }
}

export function engineConfigHash(): string {
  return execFileSync('cat', [join(BUILD, 'engine', 'config_hash.txt')], { encoding: 'utf8' }).trim();
}

/** Text + data bytes of object files, as `size` (or a cross `size`) reports them. */
export function codeBytes(objects: string[], sizeTool = 'size'): number {
  const out = execFileSync(sizeTool, ['-B', ...objects], { encoding: 'utf8' });
  return out.split('\n').slice(1).filter(Boolean).reduce((sum, line) => {
    const [text, data] = line.trim().split(/\s+/).map(Number);
    return sum + text + data;
  }, 0);
}

/** What the build needs to know of each kernel flavour kernel/Makefile makes. */
export interface KernelFlavour {
  target: KernelTarget;
  library: string;
  /** Our C, for the size report (the engine is counted apart). */
  kernelObjects: string[];
  engineObject: string;
  /** `size` that reads these objects. */
  sizeTool: string;
}

const CORE_OBJECTS = ['engine.o', 'alloc.o', 'sha256.o', 'blob.o', 'inflate.o', 'checksum.o', 'format.o', 'config_hash.o'];

function flavour(target: KernelTarget, objects: string[], sizeTool: string): KernelFlavour {
  const dir = join(BUILD, target);
  return {
    target,
    library: join(dir, 'libnymote.a'),
    kernelObjects: objects.map((o) => join(dir, o)),
    engineObject: join(dir, 'duktape.o'),
    sizeTool,
  };
}

export const KERNELS: Record<KernelTarget, KernelFlavour> = {
  unix: flavour('unix', [...CORE_OBJECTS, 'platform.o'], 'size'),
  x86_64: flavour('x86_64', ['start.o', ...CORE_OBJECTS, 'guest.o', 'mm.o', 'platform.o', 'libc.o', 'xen.o', 'natives.o'], 'size'),
  arm32: flavour('arm32', ['start.o', ...CORE_OBJECTS, 'guest.o', 'mmu.o', 'gic.o', 'fdt.o', 'platform.o', 'syscalls.o', 'xen.o', 'natives.o'], 'arm-none-eabi-size'),
};
const ARM_ARCH = ['-mthumb', '-march=armv7-a+fp', '-mfloat-abi=hard'];

function blobAsm(blob: string): string[] {
  return [
    '\t.section .rodata',
    '\t.balign 16',
    '\t.global nymote_app_blob, nymote_app_blob_end',
    'nymote_app_blob:',
    `\t.incbin ${JSON.stringify(blob)}`,
    'nymote_app_blob_end:',
  ];
}

function runSteps(out: string, steps: [string, string[]][]): void {
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new UserError(`linking ${out} failed (${cmd}):\n${r.stderr}`);
  }
}

/** Links the xen-arm32 guest: an ELF (kept for its symbols) and the zImage Xen boots. */
export function linkArm32Image(blob: string, elf: string, zimage: string, workDir: string): void {
  const asm = join(workDir, 'image-arm32.S');
  writeFileSync(asm, blobAsm(blob).join('\n') + '\n');
  const obj = join(workDir, 'image-arm32.o');
  const lib = join(BUILD, 'arm32');
  runSteps(zimage, [
    ['arm-none-eabi-gcc', [...ARM_ARCH, '-c', asm, '-o', obj]],
    ['arm-none-eabi-gcc', [...ARM_ARCH, '-nostartfiles', '-T', join(REPO, 'kernel', 'arch', 'arm32', 'link.ld'), '-Wl,--gc-sections',
      join(lib, 'start.o'), obj, '-Wl,--start-group', `-L${lib}`, '-lnymote', '--specs=nano.specs', '-lm', '-lc', '-lgcc', '-Wl,--end-group', '-o', elf]],
    ['arm-none-eabi-objcopy', ['-O', 'binary', elf, zimage]],
  ]);
}

/** Debian's musl, whose libc.a the x86_64 guest links (kernel/libc/libc.c). */
export const MUSL_LIBC = '/usr/lib/x86_64-linux-musl/libc.a';

/**
 * Functions in a linked guest that still execute SYSCALL: libc code that
 * wants Linux. A PV guest has no Linux under it, so the build refuses them.
 */
export function syscallUsers(elf: string): string[] {
  const dump = execFileSync('objdump', ['-d', '--no-show-raw-insn', elf], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const users = new Set<string>();
  let current = '?';
  for (const line of dump.split('\n')) {
    const fn = /^[0-9a-f]+ <([^>]+)>:$/.exec(line);
    if (fn) { current = fn[1]; continue; }
    if (/\tsyscall\b/.test(line) && current !== 'hypercall_page') users.add(current);
  }
  return [...users].sort();
}

/**
 * Links the xen-x86_64 PV guest: one ELF, which Xen (as dom0 kernel or via
 * xl) loads as it is, stripped of debug info; `debugElf` keeps it.
 */
export function linkX86Image(blob: string, elf: string, debugElf: string, workDir: string): void {
  const asm = join(workDir, 'image-x86_64.S');
  writeFileSync(asm, [...blobAsm(blob), '\t.section .note.GNU-stack,"",@progbits', ''].join('\n'));
  const obj = join(workDir, 'image-x86_64.o');
  const lib = join(BUILD, 'x86_64');
  runSteps(elf, [
    ['gcc', ['-m64', '-c', asm, '-o', obj]],
    ['gcc', ['-m64', '-nostdlib', '-static', '-no-pie', '-T', join(REPO, 'kernel', 'arch', 'x86_64', 'link.ld'), '-Wl,--gc-sections',
      '-Wl,--build-id=none', join(lib, 'start.o'), obj, '-Wl,--start-group', `-L${lib}`, '-lnymote', MUSL_LIBC, '-lgcc', '-Wl,--end-group', '-o', debugElf]],
    ['objcopy', ['--strip-debug', debugElf, elf]],
  ]);
  const users = syscallUsers(elf);
  if (users.length > 0) {
    throw new UserError(`linking ${elf} failed: these functions make Linux system calls, which a Xen guest cannot: ${users.join(', ')}`);
  }
}

/** Links the unix executable: the kernel library plus the app blob. */
export function linkUnixImage(blob: string, out: string, memoryMiB: number, workDir: string): void {
  const asm = join(workDir, 'image.S');
  writeFileSync(asm, [
    ...blobAsm(blob),
    '\t.global nymote_image_memory_mib',
    '\t.balign 4',
    'nymote_image_memory_mib:',
    `\t.long ${memoryMiB}`,
    '\t.section .note.GNU-stack,"",%progbits',
    '',
  ].join('\n'));
  const obj = join(workDir, 'image.o');
  runSteps(out, [
    ['cc', ['-c', asm, '-o', obj]],
    ['cc', ['-o', out, obj, `-L${join(BUILD, 'unix')}`, '-lnymote', '-lm', '-Wl,--gc-sections', '-s']],
  ]);
}
