/*
 * What each module costs in an image: its ES5 bytes in the bundle, and the
 * bytecode Duktape makes of it alone (the module's code compiled as one
 * function by the host compiler, minus an empty function's). Sizes are
 * deterministic, so budgets on them can be tested.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_COMPILER } from './kernel';

export interface ModuleSize { module: string; es5: number; bytecode: number }

/** The blob's header (kernel.h's image header) is not bytecode. */
const BLOB_HEADER = 96;

function bytecodeOf(code: string, work: string): number {
  const src = join(work, 'module.js');
  const out = join(work, 'module.blob');
  writeFileSync(src, `(function () {\n${code}\n});\n`);
  const r = spawnSync(HOST_COMPILER, [src, out, 'module.js'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`measuring a module's bytecode: ${r.stderr.trim()}`);
  return readFileSync(out).length - BLOB_HEADER;
}

export function moduleSizes(modules: { name: string; code: string }[], work: string): ModuleSize[] {
  const dir = join(work, 'module-sizes');
  mkdirSync(dir, { recursive: true });
  const empty = bytecodeOf('', dir);
  return modules
    .map((m) => ({ module: m.name, es5: Buffer.byteLength(m.code), bytecode: bytecodeOf(m.code, dir) - empty }))
    .sort((a, b) => b.bytecode - a.bytecode || a.module.localeCompare(b.module));
}

/** The size report's table: every module, largest bytecode first. */
export function formatModuleSizes(sizes: ModuleSize[]): string {
  const rows = sizes.map((s) => `${String(s.bytecode).padStart(9)} ${String(s.es5).padStart(9)}  ${s.module}`);
  return [`${'bytecode'.padStart(9)} ${'ES5'.padStart(9)}  module (bytes)`, ...rows].join('\n') + '\n';
}
