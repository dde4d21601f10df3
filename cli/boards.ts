/* Discovers boards: every board/<name>/board.ts is one; its assets sit beside it. */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BoardSpec } from '../board/spec';
import { REPO } from './paths';
import { UserError } from './errors';

const BOARDS = join(REPO, 'board');

/** A file in the board's folder (an asset its boot names). */
export const boardFile = (board: BoardSpec, file: string): string => join(BOARDS, board.name, file);

export async function loadBoards(): Promise<BoardSpec[]> {
  const names = readdirSync(BOARDS, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(BOARDS, d.name, 'board.ts')))
    .map((d) => d.name)
    .sort();
  const boards: BoardSpec[] = [];
  for (const name of names) {
    const mod = (await import(pathToFileURL(join(BOARDS, name, 'board.ts')).href)) as { default: BoardSpec };
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
