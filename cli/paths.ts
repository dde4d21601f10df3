import { fileURLToPath } from 'node:url';
import { dirname, join, relative, isAbsolute } from 'node:path';

/** The nymote package root (where kernel/, board/, drivers/ live). */
export const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
export const BUILD = join(REPO, 'build');

/** A path as a developer would type it from the current directory. */
export function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
