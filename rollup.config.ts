/*
 * How an app becomes one ES5 bundle: the generated entry (runtime first, then
 * the board's drivers, then the app), TypeScript to ES5 with tslib helpers,
 * `nymote` resolved to this package's own sources from any app folder.
 * The builder (cli/build/bundle.ts) calls nymoteRollupOptions(); this file's
 * default export lets `npx rollup -c rollup.config.ts --environment APP:apps/hello,BOARD:unix`
 * produce the same bundle for inspection.
 */
import typescript from '@rollup/plugin-typescript';
import { recordCodecTransformers } from './cli/build/records-transform';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin, RollupOptions } from 'rollup';

const REPO = fileURLToPath(new URL('.', import.meta.url));
const ENTRY = '\0nymote:entry';
const BOARD = '\0nymote:board';
const HELPERS = join(REPO, 'kernel/runtime/helpers.ts');
const SDK = join(REPO, 'sdk/index.ts');
/** The floors whose modules do nothing when imported: a module an app does not use is left out. */
const PURE_FLOORS = ['lib', 'drivers', 'net', 'store', 'services', 'sdk', 'board'].map((f) => join(REPO, f) + '/');
const PROMISE = join(REPO, 'kernel/runtime/promise.ts');
/**
 * Other packages' code (rollup takes it as it is): a node_modules path, except
 * this package's own sources when it is itself installed under node_modules.
 */
const OTHER_PACKAGES = new RegExp(`^(?!${REPO.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!(?:.*/)?node_modules/)).*/node_modules/`);

export interface BundleParams {
  /** Absolute path of the app's app.ts. */
  appEntry: string;
  appDir: string;
  boardName: string;
  /** The device kinds the app needs: only their drivers (board/<name>/drivers.ts) are bundled. */
  kinds: string[];
  /** Where the generated tsconfig goes. */
  workDir: string;
}

/** Compiler options for code that runs inside Duktape (see DESIGN.md §5). */
export function imageCompilerOptions(): Record<string, unknown> {
  return {
    target: 'ES5',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    // What Duktape has plus what kernel/runtime installs (Promise.finally/allSettled/any, …).
    lib: ['ES2017', 'ES2018.Promise', 'ES2019.Array', 'ES2019.Object', 'ES2019.String', 'ES2020.Promise', 'ES2021.Promise'],
    types: [],
    strict: true,
    downlevelIteration: true,
    importHelpers: true,
    noEmitOnError: true,
    sourceMap: true,
    inlineSources: false,
    declaration: false,
    skipLibCheck: true,
    isolatedModules: false,
    esModuleInterop: true,
    forceConsistentCasingInFileNames: true,
    pretty: false,
    // Apps may live outside this package: resolve its own modules from here.
    paths: {
      nymote: [SDK],
      tslib: [join(REPO, 'node_modules/tslib/tslib.d.ts')],
    },
  };
}

const boardDrivers = (board: string) => join(REPO, 'board', board, 'drivers.ts');

function entryPlugin(p: BundleParams): Plugin {
  return {
    name: 'nymote-entry',
    resolveId(id, importer) {
      // tslib's helpers, with our __awaiter (kernel/runtime/helpers.ts); those two modules get the real tslib
      if (id === 'tslib' && importer !== HELPERS && importer !== PROMISE) return HELPERS;
      if (id === 'nymote:entry') return ENTRY;
      if (id === 'nymote:board') return BOARD;
      if (id === 'nymote') return SDK;
      return null;
    },
    load(id) {
      if (id === ENTRY) {
        return [
          `import ${JSON.stringify(join(REPO, 'kernel/runtime/index.ts'))};`,
          `import { start } from ${JSON.stringify(join(REPO, 'sdk/boot.ts'))};`,
          `import board from 'nymote:board';`,
          `import app from ${JSON.stringify(p.appEntry)};`,
          `start(app, board);`,
        ].join('\n');
      }
      if (id === BOARD) {
        // Named imports of the needed kinds only: the others' drivers are never bundled.
        const lines = p.kinds.map((kind, i) => `import { ${kind} as driver${i} } from ${JSON.stringify(boardDrivers(p.boardName))};`);
        lines.push(`export default { name: ${JSON.stringify(p.boardName)}, drivers: { ${p.kinds.map((k, i) => `${JSON.stringify(k)}: driver${i}`).join(', ')} } };`);
        return lines.join('\n');
      }
      return null;
    },
  };
}

export function nymoteRollupOptions(p: BundleParams): RollupOptions {
  // A tsconfig of our own, so the app folder may live anywhere and the
  // runtime's kernel.d.ts is always part of the program.
  mkdirSync(p.workDir, { recursive: true });
  const tsconfig = join(p.workDir, 'tsconfig.image.json');
  writeFileSync(tsconfig, JSON.stringify({
    compilerOptions: imageCompilerOptions(),
    // Every module the entry imports must be a root: the board's drivers are
    // reached only through the virtual nymote:board module.
    files: [
      join(REPO, 'kernel/runtime/kernel.d.ts'),
      join(REPO, 'kernel/runtime/globals.d.ts'),
      join(REPO, 'kernel/runtime/index.ts'),
      join(REPO, 'sdk/boot.ts'),
      boardDrivers(p.boardName),
      p.appEntry,
    ],
  }, null, 2));
  return {
    input: 'nymote:entry',
    // Only the runtime (it installs globals), apps and packages (their own
    // package.json says) have side effects on import: the floors do not.
    treeshake: { moduleSideEffects: (id) => !PURE_FLOORS.some((floor) => id.startsWith(floor)) },
    plugins: [
      entryPlugin(p),
      nodeResolve({ browser: true, preferBuiltins: false }),
      typescript({
        tsconfig,
        // Any TypeScript the app reaches: its folder, code it shares with
        // sibling folders, and nymote's own layers.
        include: ['**/*.ts'],
        exclude: ['**/*.test.ts', OTHER_PACKAGES],
        filterRoot: false,
        outputToFilesystem: false,
        noForceEmit: false,
        // typed records: each records<T>() call gets T's codec, made from the checker
        transformers: recordCodecTransformers,
      }),
    ],
    onwarn(warning, warn) {
      if (warning.code === 'CIRCULAR_DEPENDENCY' && /node_modules/.test(warning.message)) return;
      warn(warning);
    },
  };
}

export default function cliConfig(): RollupOptions {
  const app = process.env.APP ?? 'apps/hello';
  const board = process.env.BOARD ?? 'unix';
  const appDir = join(process.cwd(), app);
  return {
    ...nymoteRollupOptions({
      appEntry: join(appDir, 'app.ts'),
      appDir,
      boardName: board,
      kinds: ['console'],
      workDir: join(REPO, 'build', 'rollup'),
    }),
    output: { file: join(REPO, 'build', 'rollup', 'app.js'), format: 'iife', sourcemap: true },
  };
}
