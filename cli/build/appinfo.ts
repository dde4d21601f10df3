/*
 * Reads what the builder must know before bundling from the app's source:
 * its name and the devices it needs (defineApp's literal arguments). Parsing
 * instead of running keeps app code off the build host.
 */
import type { DeviceKind } from '../../board/spec';
import ts from 'typescript';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors';
import { display } from '../paths';

/** Every kind a need may name (board/spec.ts's DeviceKinds). */
const DEVICE_KINDS: readonly DeviceKind[] = ['console', 'block', 'network', 'netif', 'files'];

export interface AppInfo {
  dir: string;
  entry: string;
  name: string;
  needs: Record<string, string>;
}

export function findAppEntry(appPath: string): string {
  const p = resolve(appPath);
  if (!existsSync(p)) throw new UserError(`no app at ${appPath}: expected a folder holding app.ts (or the app.ts file itself)`);
  const entry = statSync(p).isDirectory() ? join(p, 'app.ts') : p;
  if (!existsSync(entry)) throw new UserError(`${display(p)} has no app.ts`);
  return entry;
}

function literalText(node: ts.Expression | undefined): string | undefined {
  return node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;
}

export function readAppInfo(appPath: string): AppInfo {
  const entry = findAppEntry(appPath);
  const source = ts.createSourceFile(entry, readFileSync(entry, 'utf8'), ts.ScriptTarget.Latest, true);
  let spec: ts.ObjectLiteralExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (!spec && ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'defineApp') {
      const arg = node.arguments[0];
      if (arg && ts.isObjectLiteralExpression(arg)) spec = arg;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const where = display(entry);
  if (!spec) throw new UserError(`${where}: no defineApp({ name, needs, main }) call found (import { defineApp } from "nymote")`);
  const prop = (key: string) =>
    spec!.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText() === key);
  const lineOf = (n: ts.Node) => source.getLineAndCharacterOfPosition(n.getStart()).line + 1;

  const nameProp = prop('name');
  const name = literalText(nameProp?.initializer);
  if (!name) throw new UserError(`${where}:${lineOf(nameProp ?? spec)}: defineApp's name must be a string literal`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new UserError(`${where}:${lineOf(nameProp!)}: app name '${name}' must be lower-case letters, digits and '-'`);

  const needs: Record<string, string> = {};
  const needsProp = prop('needs');
  if (needsProp) {
    if (!ts.isObjectLiteralExpression(needsProp.initializer)) throw new UserError(`${where}:${lineOf(needsProp)}: defineApp's needs must be an object literal`);
    for (const p of needsProp.initializer.properties) {
      const kind = ts.isPropertyAssignment(p) ? literalText(p.initializer) : undefined;
      if (!kind || !p.name) throw new UserError(`${where}:${lineOf(p)}: each need must be name: 'kind' (a string literal)`);
      if (!DEVICE_KINDS.includes(kind.replace(/\?$/, '') as DeviceKind)) throw new UserError(`${where}:${lineOf(p)}: unknown device kind '${kind}' (${DEVICE_KINDS.join(', ')}; a trailing ? makes it optional)`);
      needs[p.name.getText().replace(/^['"]|['"]$/g, '')] = kind;
    }
  }
  return { dir: resolve(entry, '..'), entry, name, needs };
}

/** The kind a need names ("block?" -> "block"). */
export function deviceKind(need: string): string {
  return need.endsWith('?') ? need.slice(0, -1) : need;
}

/**
 * Whether a boot should give the app its data volume as the disk: it needs
 * a block device and the arguments name none (--disk, or --<device>).
 */
export function wantsDataDisk(needs: Record<string, string>, args: string[]): boolean {
  const blocks = Object.entries(needs).filter(([, need]) => deviceKind(need) === 'block').map(([name]) => name);
  if (blocks.length === 0) return false;
  return !['disk', ...blocks].some((name) => args.some((a) => a === `--${name}` || a.startsWith(`--${name}=`)));
}
