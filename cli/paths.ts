import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative, isAbsolute, resolve } from 'node:path';

/** The nymote package root (where kernel/, board/, drivers/ live): the repo, or node_modules/nymote in a project. */
export const REPO = dirname(dirname(fileURLToPath(import.meta.url)));

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the kernel's objects, the host bytecode compiler and build scratch go
 * (images go to the user's images/, see cli/build). $NYMOTE_BUILD if set; else
 * build/ in the package folder: in the repo as always, and in a project that
 * installed nymote node_modules/nymote/build, because those objects are made
 * from the package's own sources: reinstalling or upgrading the package
 * replaces the folder and them with it (npm dates every packed file 1985, so
 * make could not tell objects kept elsewhere from a newer version's sources).
 * Where the package folder is read-only (a global install by root), a cache
 * of the user's named by the package's version and location.
 */
function buildDir(): string {
  if (process.env.NYMOTE_BUILD) return resolve(process.env.NYMOTE_BUILD);
  const own = join(REPO, 'build');
  if (writable(existsSync(own) ? own : REPO)) return own;
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  const where = createHash('sha256').update(REPO).digest('hex').slice(0, 12);
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nymote', `build-${version}-${where}`);
}

export const BUILD = buildDir();
// kernel/Makefile builds into $(NYMOTE_BUILD): `make -C kernel` inherits it from this process.
process.env.NYMOTE_BUILD = BUILD;

/** A path as a developer would type it from the current directory. */
export function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
