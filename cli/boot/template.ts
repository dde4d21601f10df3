/*
 * Board assets that `nymote boot` completes (device-tree fragments): ${name}
 * placeholders filled with the boot's values. A placeholder the boot does
 * not know is a mistake in the asset, so it fails the boot by name rather
 * than reaching Xen as literal text.
 */
import { readFileSync } from 'node:fs';
import type { BoardSpec } from '../../board/spec';
import { boardFile } from '../boards';
import { UserError } from '../errors';
import { display } from '../paths';

export type TemplateValues = Readonly<Record<string, string | number>>;

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/** The placeholder names `text` uses, in order of first use. */
export const placeholders = (text: string): string[] => [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))];

/** `text` with each ${name} replaced by `escape(values[name])`; `source` names the asset in errors. */
export const fillTemplate = (text: string, values: TemplateValues, source: string, escape = (s: string) => s): string => {
  const unknown = placeholders(text).filter((name) => !Object.hasOwn(values, name));
  if (unknown.length) {
    throw new UserError(`${source}: unknown placeholder ${unknown.map((n) => `\${${n}}`).join(', ')} (known: ${Object.keys(values).join(', ')})`);
  }
  return text.replace(PLACEHOLDER, (_, name: string) => escape(String(values[name])));
};

/** A string for inside a device-tree source's double quotes. */
export const dtsEscape = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** The board's device-tree fragment `file` (in its folder), filled in. */
export const boardDtsFragment = (board: BoardSpec, file: string, values: TemplateValues): string => {
  const path = boardFile(board, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`${display(path)} is missing: board '${board.name}' names it for its boot`);
  }
  return fillTemplate(text, values, display(path), dtsEscape);
};
