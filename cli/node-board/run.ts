/*
 * `nymote run APP -b node` and `nymote dev APP`: the app's TypeScript in a
 * Node child process (start.ts, through tsx) on the host's sockets and files. The app's
 * content/ folder becomes a data volume as a build makes one
 * (images/<app>-node/data.img) and is its disk unless --disk names another.
 * dev restarts the child whenever a source file of the app or of the
 * package changes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { runForeground } from '../child';
import { readAppInfo, wantsDataDisk } from '../build/appinfo';
import { DATA_IMAGE, writeDataVolume } from '../build/index';
import { REPO, display } from '../paths';

const HERE = join(REPO, 'cli', 'node-board');
/** Package folders whose sources an app runs on the node board. */
const PACKAGE_SOURCES = ['kernel/runtime', 'drivers', 'net', 'store', 'services'];

export interface NodeRunOptions {
  outDir: string;
  quiet?: boolean;
  /** Restart on source changes (nymote dev) instead of exiting with the app. */
  watch?: boolean;
}

async function appArgs(appPath: string, args: string[], opts: NodeRunOptions): Promise<{ entry: string; args: string[]; sources: string[] }> {
  const app = readAppInfo(appPath);
  const content = join(app.dir, 'content');
  if (wantsDataDisk(app.needs, args) && existsSync(content) && statSync(content).isDirectory()) {
    const file = join(opts.outDir, `${app.name}-node`, DATA_IMAGE);
    const data = await writeDataVolume(file, content);
    if (!opts.quiet) process.stderr.write(`nymote: data volume ${display(file)} (${data.files} files from ${display(content)})\n`);
    args = [...args, '--disk', file];
  }
  return { entry: app.entry, args, sources: [app.dir, ...PACKAGE_SOURCES.map((d) => join(REPO, d))] };
}

/** tsx's loader as a URL, so the child finds it from any working folder. */
const TSX = import.meta.resolve('tsx');

function childArgs(entry: string, args: string[]): string[] {
  return ['--import', TSX, join(HERE, 'start.ts'), entry, ...args];
}

/**
 * tsx reads the package's tsconfig, whose paths map 'nymote' to the API
 * module: so an app folder anywhere on disk (ESM or not) imports it, as the
 * image builder resolves it (DESIGN.md §7).
 */
const CHILD_ENV = { ...process.env, TSX_TSCONFIG_PATH: join(REPO, 'tsconfig.json') };

function startChild(entry: string, args: string[]): ChildProcess {
  return spawn(process.execPath, childArgs(entry, args), { stdio: 'inherit', env: CHILD_ENV });
}

/** Runs the app under Node; resolves to its exit code (dev: only when interrupted). */
export async function runOnNode(appPath: string, args: string[], opts: NodeRunOptions): Promise<number> {
  const run = await appArgs(appPath, args, opts);
  if (!opts.watch) return runForeground(process.execPath, childArgs(run.entry, run.args), { env: CHILD_ENV });
  return new Promise((resolve) => {
    let child: ChildProcess | null = null;
    let restartTimer: NodeJS.Timeout | undefined;
    const start = () => {
      const c = startChild(run.entry, run.args);
      child = c;
      c.on('exit', (code, signal) => {
        if (child === c && !opts.quiet) process.stderr.write(`nymote dev: the app exited (${signal ?? code}); waiting for a change\n`);
      });
    };
    const restart = (file: string) => {
      clearTimeout(restartTimer);
      // Editors write a file in bursts: restart once they are done.
      restartTimer = setTimeout(() => {
        if (!opts.quiet) process.stderr.write(`nymote dev: ${file} changed: restarting\n`);
        const old = child;
        child = null;
        if (old && old.exitCode === null && old.signalCode === null) {
          old.once('exit', start);
          old.kill('SIGTERM');
        } else {
          start();
        }
      }, 150);
    };
    const watchers: FSWatcher[] = run.sources.map((dir) => watch(dir, { recursive: true }, (_event, name) => {
      if (name && /\.(ts|mts|js|mjs|json|zone|html|css)$/.test(name) && !/\.test\.ts$/.test(name)) restart(join(dir, name));
    }));
    process.once('SIGINT', () => {
      for (const w of watchers) w.close();
      const c = child;
      child = null;
      if (c && c.exitCode === null) { c.once('exit', () => resolve(130)); c.kill('SIGTERM'); } else resolve(130);
    });
    if (!opts.quiet) process.stderr.write(`nymote dev: watching ${display(run.sources[0])} and the package sources; Ctrl-C stops\n`);
    start();
  });
}
