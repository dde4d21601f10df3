/* The C side of a build: make the kernel pieces, link an image. */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD, REPO } from '../paths';
import { UserError } from '../errors';

export const HOST_COMPILER = join(BUILD, 'host', 'nymote-bcc');

export function makeKernel(platform: 'unix'): void {
  const r = spawnSync('make', ['-s', '-C', join(REPO, 'kernel'), platform, 'host', '-j2'], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new UserError(`kernel build failed (make -C kernel ${platform} host):\n${r.stdout}${r.stderr}`);
  }
}

export function engineConfigHash(): string {
  return execFileSync('cat', [join(BUILD, 'engine', 'config_hash.txt')], { encoding: 'utf8' }).trim();
}

/** Text + data bytes of object files, as `size` reports them. */
export function codeBytes(objects: string[]): number {
  const out = execFileSync('size', ['-B', ...objects], { encoding: 'utf8' });
  return out.split('\n').slice(1).filter(Boolean).reduce((sum, line) => {
    const [text, data] = line.trim().split(/\s+/).map(Number);
    return sum + text + data;
  }, 0);
}

export const UNIX_KERNEL_OBJECTS = ['engine.o', 'alloc.o', 'sha256.o', 'blob.o', 'config_hash.o', 'platform.o'].map((o) => join(BUILD, 'unix', o));
export const UNIX_ENGINE_OBJECT = join(BUILD, 'unix', 'duktape.o');

/** Links the unix executable: the kernel library plus the app blob. */
export function linkUnixImage(blob: string, out: string, memoryMiB: number, workDir: string): void {
  const asm = join(workDir, 'image.S');
  writeFileSync(asm, [
    '\t.section .rodata',
    '\t.balign 16',
    '\t.global nymote_app_blob, nymote_app_blob_end, nymote_image_memory_mib',
    'nymote_app_blob:',
    `\t.incbin ${JSON.stringify(blob)}`,
    'nymote_app_blob_end:',
    '\t.balign 4',
    'nymote_image_memory_mib:',
    `\t.long ${memoryMiB}`,
    '\t.section .note.GNU-stack,"",%progbits',
    '',
  ].join('\n'));
  const obj = join(workDir, 'image.o');
  const steps: [string, string[]][] = [
    ['cc', ['-c', asm, '-o', obj]],
    ['cc', ['-o', out, obj, `-L${join(BUILD, 'unix')}`, '-lnymote', '-lm', '-Wl,--gc-sections', '-s']],
  ];
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new UserError(`linking ${out} failed:\n${r.stderr}`);
  }
}
