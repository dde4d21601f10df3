/*
 * `nymote new NAME [-t homepage|hello] [-d FOLDER]`: a new app folder
 * FOLDER/NAME copied from one of the package's apps, which import only from
 * 'nymote' so they build from anywhere on disk. FOLDER defaults to apps/ where
 * the current folder has one (this repo, a project of several apps), else the
 * current folder (a project that installed nymote: ./NAME).
 * The copy's defineApp name becomes NAME; build outputs are not copied.
 */
import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from './errors';
import { REPO, display } from './paths';

export const TEMPLATES: Record<string, string> = {
  homepage: 'a static website from content/ plus /healthz (HTTP on port 80)',
  hello: 'the smallest app: timers, promises, console output',
};

/** Where `nymote new` puts an app when not told: apps/ if the current folder has one, else the current folder. */
export function defaultAppsDir(): string {
  return existsSync('apps') && statSync('apps').isDirectory() ? 'apps' : '.';
}

export function newApp(name: string, opts: { template?: string; dir?: string } = {}): string {
  const template = opts.template ?? 'homepage';
  if (!(template in TEMPLATES)) throw new UserError(`unknown template '${template}': one of ${Object.keys(TEMPLATES).join(', ')}`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new UserError(`app name '${name}' must be lower-case letters, digits and '-' (it names the image: images/${name}-<board>/)`);
  const target = resolve(opts.dir ?? defaultAppsDir(), name);
  if (existsSync(target)) throw new UserError(`${display(target)} already exists`);
  const from = join(REPO, 'apps', template);
  cpSync(from, target, { recursive: true, filter: (src) => !/\.test\.ts$/.test(src) });
  const entry = join(target, 'app.ts');
  const source = readFileSync(entry, 'utf8');
  const renamed = source.replace(new RegExp(`name: '${template}'`), `name: '${name}'`);
  if (renamed === source) throw new UserError(`template ${template}: no "name: '${template}'" in its app.ts`);
  writeFileSync(entry, renamed);
  return [
    `created ${display(target)} from the ${template} template (${TEMPLATES[template]})`,
    `  run it here:       npx nymote run ${display(target)}${template === 'hello' ? '' : ' -b node -- --port 8080'}`,
    `  build an image:    npx nymote build ${display(target)} -b qemu-arm64`,
  ].join('\n');
}
