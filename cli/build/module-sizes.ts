/*
 * What each module costs in an image: its ES5 bytes in the bundle, and the
 * bytecode Duktape makes of it alone (the module's code compiled as one
 * function by the host compiler, minus an empty function's), and that
 * bytecode deflated alone (what it roughly costs in the image, which carries
 * the whole bytecode deflated). Sizes are deterministic, so budgets on them
 * can be tested.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { HOST_COMPILER } from './kernel';
import { folderTree, treemapHtml, type SizeNode } from './treemap';

export interface ModuleSize { module: string; es5: number; bytecode: number; deflated: number }

/** The blob's header (kernel.h's image header) is not bytecode. */
const BLOB_HEADER = 96;

function bytecodeOf(code: string, work: string): { bytes: number; deflated: number } {
  const src = join(work, 'module.js');
  const out = join(work, 'module.blob');
  writeFileSync(src, `(function () {\n${code}\n});\n`);
  const r = spawnSync(HOST_COMPILER, [src, out, 'module.js'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`measuring a module's bytecode: ${r.stderr.trim()}`);
  const bytecode = readFileSync(out).subarray(BLOB_HEADER);
  return { bytes: bytecode.length, deflated: deflateRawSync(bytecode, { level: 9, memLevel: 9 }).length };
}

export function moduleSizes(modules: { name: string; code: string }[], work: string): ModuleSize[] {
  const dir = join(work, 'module-sizes');
  mkdirSync(dir, { recursive: true });
  const empty = bytecodeOf('', dir);
  return modules
    .map((m) => {
      const own = bytecodeOf(m.code, dir);
      return { module: m.name, es5: Buffer.byteLength(m.code), bytecode: own.bytes - empty.bytes, deflated: Math.max(0, own.deflated - empty.deflated) };
    })
    .sort((a, b) => b.bytecode - a.bytecode || a.module.localeCompare(b.module));
}

/** The size report's table: every module, largest bytecode first. */
export function formatModuleSizes(sizes: ModuleSize[]): string {
  const rows = sizes.map((s) => `${String(s.bytecode).padStart(9)} ${String(s.deflated).padStart(9)} ${String(s.es5).padStart(9)}  ${s.module}`);
  return [`${'bytecode'.padStart(9)} ${'deflated'.padStart(9)} ${'ES5'.padStart(9)}  module (bytes)`, ...rows].join('\n') + '\n';
}

/** The treemap page: the image's parts by what they cost in it (see treemap.ts). */
export function moduleSizesHtml(title: string, parts: { kernel: number; engine: number; packedBytecode: number; total: number }, sizes: ModuleSize[]): string {
  const bytecode = folderTree('bytecode', sizes.map((s) => ({ path: s.module, bytes: s.deflated, detail: `bytecode ${s.bytecode}, ES5 ${s.es5}` })));
  const rest = parts.total - parts.kernel - parts.engine - parts.packedBytecode;
  const root: SizeNode = {
    name: 'image', bytes: parts.total, children: [
      { name: 'kernel (C)', bytes: parts.kernel, detail: 'text+data of our C' },
      { name: 'engine (Duktape)', bytes: parts.engine, detail: 'text+data' },
      bytecode,
      ...(rest > 0 ? [{ name: 'libc, headers, alignment', bytes: rest }] : []),
    ],
  };
  const note = `Image ${parts.total.toLocaleString('en')} bytes. Areas are bytes in the image: the kernel's and the engine's text+data, ` +
    `and each module's bytecode deflated alone (the image carries the whole bytecode deflated at once: ${parts.packedBytecode.toLocaleString('en')} bytes). ` +
    'Hover a box for its numbers.';
  return treemapHtml(title, note, root, {
    head: ['bytecode', 'deflated', 'ES5', 'module'],
    rows: sizes.map((s) => ({ name: s.module, columns: [s.bytecode, s.deflated, s.es5] })),
  });
}
