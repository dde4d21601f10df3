/* Building and running images from tests, on the unix board. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Manifest } from '../cli/build/index';
import { findBoard } from '../cli/boards';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const TEST_IMAGES = join(REPO, 'build', 'test-images');

/** A test app under test/fixtures. */
export const fixture = (name: string): string => join(REPO, 'test', 'fixtures', name);

export interface Run { stdout: string; stderr: string; code: number | null }

export async function buildApp(appDir: string, opts: { outDir?: string; board?: string } = {}): Promise<{ dir: string; manifest: Manifest }> {
  return build(appDir, await findBoard(opts.board ?? 'unix'), { outDir: opts.outDir ?? TEST_IMAGES, quiet: true, force: true });
}

/** Boots an image with `nymote boot` (virtual boards: QEMU + Xen), as a user would. */
export function bootImage(dir: string, args: string[] = [], bootOptions: string[] = []): Run {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'nymote.js'), 'boot', dir, ...bootOptions, '--', ...args],
    { encoding: 'utf8', timeout: 300_000 });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

export function runImage(dir: string, manifest: Manifest, args: string[] = [], timeoutMs = 60_000): Run {
  const r = spawnSync(join(dir, manifest.image), args, { encoding: 'utf8', timeout: timeoutMs });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

/** Runs the `nymote` command as a user would. */
export function nymote(args: string[], cwd = REPO): Run {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'nymote.js'), ...args], { encoding: 'utf8', cwd, timeout: 180_000 });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

/** The 1-based line of the first line of `file` containing `marker`. */
export function lineOf(file: string, marker: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`${marker} not in ${file}`);
  return i + 1;
}
