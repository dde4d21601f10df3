/*
 * nymote build: app folder + board -> images/<app>-<board>/ with the image,
 * its bytecode blob, the bundle, manifest.json and a size report.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { BoardSpec, DeviceKind } from '../../board/spec';
import { deviceKind, readAppInfo, type AppInfo } from './appinfo';
import { diskCreate, diskFill } from '../disk/index';
import { bundleApp, BUNDLE_NAME } from './bundle';
import { lookupLine } from './linemap';
import { packBlob } from './pack';
import { formatModuleSizes, moduleSizes, moduleSizesHtml, type ModuleSize } from './module-sizes';
import { HOST_COMPILER, KERNELS, codeBytes, engineConfigHash, linkArm32Image, linkUnixImage, linkX86Image, makeKernel } from './kernel';
import { xenBinary } from '../boot/xen-console';
import { Progress } from '../progress';
import { xlConfig, xlLoadableZimage } from '../dom0/xl';
import { UserError } from '../errors';
import { BUILD, REPO, display } from '../paths';

/** The per-module size report beside the image. */
export const SIZES_NAME = 'sizes.txt';
/** The same report as a treemap page. */
export const SIZES_HTML_NAME = 'sizes.html';
/** The blob the image links: app.blob's bytecode deflated (see pack.ts). */
export const PACKED_BLOB_NAME = 'app.packed.blob';

export interface Manifest {
  app: string;
  board: string;
  arch: string;
  version: string;
  engine: { duktape: string; configHash: string };
  /** The bytecode as compiled (app.blob), and the deflated copy the image carries (app.packed.blob). */
  bytecode: { bytes: number; sha256: string; packed: number };
  sizes: { kernel: number; engine: number; runtime: number; app: number; total: number };
  /** Every bundled module's bytes, largest bytecode first (also in sizes.txt). */
  modules: ModuleSize[];
  memoryMiB: number;
  /** The app's devices by name, with their kind (defineApp's needs): a full boot gives the guest these. */
  devices?: Record<string, string>;
  /** The data volume made from the app's content/ folder (FAT32): the disk a boot gives the app unless told another. */
  data?: { image: string; files: number; bytes: number };
  image: string;
  files: string[];
  /** Inputs and their stamps, so `run` can skip an up-to-date build. */
  inputs: Record<string, string>;
}

export interface BuildOptions {
  outDir?: string;
  quiet?: boolean;
  /** Rebuild even when the image is up to date. */
  force?: boolean;
}

/** The data volume's file name in an image folder. */
export const DATA_IMAGE = 'data.img';

/** Every file under a directory (for the build's input stamps). */
function treeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? treeFiles(join(dir, e.name)) : [join(dir, e.name)]);
}

/** Text files worth precompressing: a server sends `NAME.gz` to clients that accept gzip. */
const COMPRESSIBLE = /\.(html?|css|js|mjs|json|svg|txt|xml|map|wasm)$/i;

/**
 * A copy of content/ with a `.gz` beside each compressible file of 1 KiB or
 * more that gzip shrinks by a tenth (unless the app ships its own .gz):
 * the precompressed variants an HTTP server picks by Accept-Encoding.
 */
function stageContent(content: string, stage: string): number {
  rmSync(stage, { recursive: true, force: true });
  cpSync(content, stage, { recursive: true });
  let added = 0;
  for (const file of treeFiles(stage)) {
    if (!COMPRESSIBLE.test(file) || existsSync(file + '.gz')) continue;
    const bytes = readFileSync(file);
    if (bytes.length < 1024) continue;
    const gz = gzipSync(bytes, { level: 9 });
    if (gz.length > bytes.length * 0.9) continue;
    writeFileSync(file + '.gz', gz);
    added++;
  }
  return added;
}

/**
 * The app's content/ folder as a FAT32 volume (with precompressed .gz
 * variants): room for the content twice over plus 32 MiB for what the app
 * writes, at least 64 MiB (the file is sparse, so the unused part costs no
 * disk).
 */
export async function writeDataVolume(file: string, content: string): Promise<{ image: string; files: number; bytes: number }> {
  const stage = file + '.content';
  stageContent(content, stage);
  try {
    const bytes = treeFiles(stage).reduce((n, f) => n + statSync(f).size, 0);
    const MiB = 1024 * 1024;
    const size = Math.max(64 * MiB, Math.ceil((2 * bytes + 32 * MiB) / MiB) * MiB);
    mkdirSync(dirname(file), { recursive: true });
    rmSync(file, { force: true });
    await diskCreate(file, String(size), { label: 'NYMOTE' });
    const filled = await diskFill(file, stage);
    return { image: DATA_IMAGE, files: filled.files, bytes: filled.bytes };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function version(): string {
  return (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
}

function hostArch(): string {
  return ({ x64: 'x86_64', arm: 'arm32', arm64: 'aarch64' } as Record<string, string>)[process.arch] ?? process.arch;
}

function stamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}


export function imageDir(app: AppInfo, board: BoardSpec, outDir?: string): string {
  return join(outDir ?? join(process.cwd(), 'images'), `${app.name}-${board.name}`);
}

/** The image's xl config, for starting it with `xl create` on a Xen host with a dom0. */
function writeGuestConfig(dir: string, app: AppInfo, kernelFile: string, memoryMiB: number, platform: 'x86' | 'arm', data: boolean): void {
  const kinds = Object.values(app.needs).map(deviceKind);
  const entropy = platform === 'arm'
    ? 'An ARM guest has no RNG: extra must carry nymote.seed=<64 hex digits>, fresh random bytes for every start.'
    : 'nymote.seed=<hex> in extra adds boot entropy where the CPU has no RDRAND.';
  writeFileSync(join(dir, `${app.name}.cfg`), xlConfig({
    name: app.name, kernel: kernelFile, memoryMiB, platform,
    comment: `${app.name}: a nymote guest. Start it from this folder with: xl create -c ${app.name}.cfg\n` +
      `extra holds the app's arguments. ${entropy}` +
      (kinds.includes('block') && !data ? '\nThe app needs a disk: add disk = [ "format=raw,vdev=xvda,access=rw,target=/path/to/data.img" ]' : ''),
    // the app's network device: the host's usual bridge
    vifs: kinds.includes('network') ? ['bridge=xenbr0'] : [],
    // its data volume, next to the config (xl resolves a relative target against its working directory)
    disks: kinds.includes('block') && data ? [`format=raw,vdev=xvda,access=rw,target=${DATA_IMAGE}`] : [],
  }));
}

/** The manifest of an up-to-date image, or undefined. */
export function upToDate(dir: string): Manifest | undefined {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return undefined;
  const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  if (!m.inputs || !Object.keys(m.inputs).length) return undefined;
  for (const [file, s] of Object.entries(m.inputs)) if (stamp(file) !== s) return undefined;
  return existsSync(join(dir, m.image)) ? m : undefined;
}

function kib(n: number): string {
  return `${(n / 1024).toFixed(1).padStart(8)} KiB`;
}

/** An xl config that starts the PV kernel next to it on any x86_64 Xen host. */
export async function build(appPath: string, board: BoardSpec, opts: BuildOptions = {}): Promise<{ dir: string; manifest: Manifest }> {
  if (board.platform === 'node') {
    throw new UserError(`board '${board.name}' builds no image: the app's TypeScript runs under Node ('nymote run APP -b node', or 'nymote dev APP' to reload on change)`);
  }
  const app = readAppInfo(appPath);
  const dir = imageDir(app, board, opts.outDir);
  if (!opts.force) {
    const current = upToDate(dir);
    if (current) return { dir, manifest: current };
  }
  const kernel = KERNELS[board.platform === 'unix' ? 'unix' : board.arch === 'arm32' ? 'arm32' : 'x86_64'];
  if (board.platform === 'xen' && board.arch === 'host') {
    throw new UserError(`board '${board.name}': a xen board names its CPU (arch 'arm32' or 'x86_64'), not 'host'`);
  }
  const kinds: DeviceKind[] = [];
  for (const [device, need] of Object.entries(app.needs)) {
    const kind = deviceKind(need) as DeviceKind;
    // An optional need the board cannot meet is undefined at boot (homepage's host files on a Xen board).
    if (!board.devices.includes(kind) && need.endsWith('?')) continue;
    if (!board.devices.includes(kind)) {
      throw new UserError(`${display(app.entry)}: needs a '${kind}' device ('${device}'), which board '${board.name}' does not provide (it has: ${board.devices.join(', ')})`);
    }
    if (!kinds.includes(kind)) kinds.push(kind);
  }

  const content = join(app.dir, 'content');
  const hasContent = existsSync(content) && statSync(content).isDirectory();
  const progress = new Progress(hasContent ? 6 : 5, opts.quiet);
  mkdirSync(dir, { recursive: true });
  const work = join(BUILD, 'work', `${app.name}-${board.name}`);
  mkdirSync(work, { recursive: true });

  progress.next(`kernel: ${board.platform} platform + host bytecode compiler (make)`);
  makeKernel(kernel.target);

  progress.next(`bundle: ${display(app.entry)} + runtime + drivers -> ES5 (rollup, typescript)`);
  const bundle = await bundleApp({ appEntry: app.entry, appDir: app.dir, boardName: board.name, kinds, workDir: work });
  const bundlePath = join(dir, BUNDLE_NAME);
  writeFileSync(bundlePath, bundle.code);
  writeFileSync(bundlePath + '.map', bundle.map);

  progress.next('bytecode: compile the bundle in Duktape (host compiler, same engine config as the image)');
  const blobPath = join(dir, 'app.blob');
  const bcc = spawnSync(HOST_COMPILER, [bundlePath, blobPath, BUNDLE_NAME], { encoding: 'utf8' });
  if (bcc.status !== 0) {
    const m = /^app\.js:(\d+): (.*)$/m.exec(bcc.stderr);
    const where = m ? lookupLine(bundle.lineMap, Number(m[1])) : undefined;
    throw new UserError(`build failed: Duktape cannot compile the bundle${where ? ` at ${where}` : ''}: ${m ? m[2] : bcc.stderr.trim()}\n` +
      `  (code that reaches the image must compile to ES5; see ${display(bundlePath)}${m ? ` line ${m[1]}` : ''})`);
  }
  const blob = readFileSync(blobPath);
  const bytecode = blob.subarray(96);
  const packed = packBlob(blob);
  writeFileSync(join(dir, PACKED_BLOB_NAME), packed);
  const imageBlob = join(dir, PACKED_BLOB_NAME);

  progress.next(`link: ${board.image.format} image`);
  const imageName = { zimage: `${app.name}.zImage`, 'pv-elf': `${app.name}.elf`, executable: app.name, none: '' }[board.image.format];
  const imagePath = join(dir, imageName);
  const extraFiles: string[] = [];
  if (kernel.target === 'arm32') {
    linkArm32Image(imageBlob, join(dir, `${app.name}.elf`), imagePath, work);
    // What xl on a real board's dom0 (the Pi's) loads: see xlLoadableZimage.
    writeFileSync(join(dir, `${app.name}.xl.zImage`), xlLoadableZimage(readFileSync(imagePath)));
    writeGuestConfig(dir, app, `${app.name}.xl.zImage`, board.memoryMiB, 'arm', hasContent);
    extraFiles.push(`${app.name}.elf`, `${app.name}.xl.zImage`, `${app.name}.cfg`);
  } else if (kernel.target === 'x86_64') {
    linkX86Image(imageBlob, imagePath, join(dir, `${app.name}.debug.elf`), work);
    writeGuestConfig(dir, app, imageName, board.memoryMiB, 'x86', hasContent);
    extraFiles.push(`${app.name}.debug.elf`, `${app.name}.cfg`);
  } else {
    linkUnixImage(imageBlob, imagePath, board.memoryMiB, work);
  }
  if (board.emulate) {
    // The image folder carries its hypervisor, so it boots without the cache.
    copyFileSync(xenBinary(board), join(dir, 'xen'));
    extraFiles.push('xen');
  }

  let data: Manifest['data'];
  if (hasContent) {
    progress.next(`data volume: ${display(content)} -> ${DATA_IMAGE} (FAT32)`);
    data = await writeDataVolume(join(dir, DATA_IMAGE), content);
    extraFiles.push(DATA_IMAGE);
  }

  progress.next('manifest and size report');
  const sizes = {
    kernel: codeBytes(kernel.kernelObjects, kernel.sizeTool),
    engine: codeBytes([kernel.engineObject], kernel.sizeTool),
    runtime: bundle.runtimeBytes,
    app: bundle.appBytes,
    total: statSync(imagePath).size,
  };
  const modules = moduleSizes(bundle.modules, work);
  writeFileSync(join(dir, SIZES_NAME), formatModuleSizes(modules));
  writeFileSync(join(dir, SIZES_HTML_NAME), moduleSizesHtml(`${app.name} on ${board.name}`,
    { kernel: sizes.kernel, engine: sizes.engine, packedBytecode: packed.length - 96, total: sizes.total }, modules));
  const inputs: Record<string, string> = {};
  for (const f of [...bundle.inputs, app.entry, kernel.library, HOST_COMPILER, join(REPO, 'package.json')]) inputs[f] = stamp(f);
  if (hasContent) for (const f of treeFiles(content)) inputs[f] = stamp(f);
  const manifest: Manifest = {
    app: app.name,
    board: board.name,
    arch: board.arch === 'host' ? hostArch() : board.arch,
    version: version(),
    engine: { duktape: '2.7.0', configHash: engineConfigHash() },
    bytecode: { bytes: bytecode.length, sha256: createHash('sha256').update(bytecode).digest('hex'), packed: packed.length - 96 },
    sizes,
    modules,
    memoryMiB: board.memoryMiB,
    devices: app.needs,
    ...(data ? { data } : {}),
    image: imageName,
    files: [imageName, ...extraFiles, 'app.blob', PACKED_BLOB_NAME, BUNDLE_NAME, BUNDLE_NAME + '.map', SIZES_NAME, SIZES_HTML_NAME, 'manifest.json'],
    inputs,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  if (!opts.quiet) {
    const report = [
      `sizes for ${app.name} on ${board.name}:`,
      `  kernel (C, text+data)   ${kib(sizes.kernel)}`,
      `  engine (Duktape)        ${kib(sizes.engine)}`,
      `  runtime + drivers (ES5) ${kib(sizes.runtime)}`,
      `  app (ES5)               ${kib(sizes.app)}`,
      `  bytecode (as loaded)    ${kib(bytecode.length)}`,
      `  bytecode (in the image) ${kib(packed.length - 96)}   deflated`,
      `  image total             ${kib(sizes.total)}   ${display(imagePath)}`,
      `  largest modules (bytecode, ES5; all ${modules.length} in ${display(join(dir, SIZES_NAME))}, treemap ${SIZES_HTML_NAME}):`,
      ...modules.slice(0, 5).map((m) => `    ${kib(m.bytecode)} ${kib(m.es5)}  ${m.module}`),
      ...(data ? [`  data volume content     ${kib(data.bytes)}   ${display(join(dir, DATA_IMAGE))} (${data.files} files, FAT32)`] : []),
      board.platform === 'xen' ? `  guest RAM               ${String(board.memoryMiB).padStart(8)} MiB${board.emulate ? ` (Xen ${board.emulate.xen})` : ''}`
        : `  RAM for the heap        ${String(board.memoryMiB).padStart(8)} MiB`,
    ];
    process.stderr.write(report.join('\n') + '\n');
    progress.done(`built ${display(dir)}`);
  }
  return { dir, manifest };
}
