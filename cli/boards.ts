/* Discovers boards: every board/<name>/board.ts is one. */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BoardSpec } from '../board/spec';
import { REPO } from './paths';
import { UserError } from './errors';

export async function loadBoards(): Promise<BoardSpec[]> {
  const dir = join(REPO, 'board');
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'board.ts')))
    .map((d) => d.name)
    .sort();
  const boards: BoardSpec[] = [];
  for (const name of names) {
    const mod = (await import(pathToFileURL(join(dir, name, 'board.ts')).href)) as { default: BoardSpec };
    if (mod.default.name !== name) throw new Error(`board/${name}/board.ts names itself '${mod.default.name}'`);
    boards.push(mod.default);
  }
  return boards;
}

export async function findBoard(name: string): Promise<BoardSpec> {
  const boards = await loadBoards();
  const board = boards.find((b) => b.name === name);
  if (!board) {
    throw new UserError(`unknown board '${name}'. Known boards: ${boards.map((b) => b.name).join(', ')} (see 'nymote boards')`, 2);
  }
  return board;
}
