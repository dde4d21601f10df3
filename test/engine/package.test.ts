/*
 * The package works installed (DESIGN.md §1, §7): `npm pack`, the tarball
 * installed into an empty project, then the user's path there: `npx nymote
 * new` and `npx nymote run -b unix`, the kernel made from the package's own
 * sources (in node_modules/nymote/build) and images/ written in the project.
 *
 * Offline: the project gets a lockfile cut from the repo's (the packages that
 * are not dev-only, plus the tarball), so `npm ci --offline` takes everything
 * from the npm cache that `npm ci` in the repo filled, here or on a fresh CI
 * machine. A runtime dependency filed under devDependencies is missing there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'nymote-package-'));
const project = join(root, 'project');
const installed = join(project, 'node_modules', 'nymote');
const ns = `nyt-pkg-${process.pid}`;

/*
 * The children's environment: none of the variables an npm above us set
 * (npm_config_local_prefix would point the project's npm at the repo), and no
 * build folder of the repo's (cli/paths.ts exports NYMOTE_BUILD).
 */
const KEEP = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_registry', 'npm_config_cafile']);
const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
  !(/^npm_/i.test(k) && !KEEP.has(k.toLowerCase())) && !['NYMOTE_BUILD', 'BUILD', 'INIT_CWD'].includes(k)));

interface Ran { stdout: string; stderr: string; code: number | null; seconds: number }
/** A command to its end (not spawnSync: a blocked worker misses vitest's calls for minutes). */
function run(cmd: string, args: string[], cwd: string, timeoutMs = 400_000): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20 }, (e, stdout, stderr) => {
      const code = e ? (e as { code?: unknown }).code : 0;
      if (e && typeof code !== 'number') reject(e);
      else resolve({ stdout, stderr, code: code as number, seconds: (Date.now() - started) / 1000 });
    });
  });
}
async function ok(running: Promise<Ran>, what: string): Promise<Ran> {
  const r = await running;
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The project's lockfile: the tarball, and the repo's locked packages that are not dev-only. */
function projectLock(tarball: string): { manifest: object; lock: object } {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;
  const repoLock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const spec = `file:${relative(project, tarball)}`;
  const integrity = 'sha512-' + createHash('sha512').update(readFileSync(tarball)).digest('base64');
  const nymote: Record<string, unknown> = { version: pkg.version, resolved: spec, integrity };
  for (const k of ['license', 'dependencies', 'optionalDependencies', 'peerDependencies', 'bin', 'engines']) if (pkg[k]) nymote[k] = pkg[k];
  const packages: Record<string, unknown> = { '': { name: 'project', dependencies: { nymote: spec } }, 'node_modules/nymote': nymote };
  for (const [path, entry] of Object.entries(repoLock.packages)) if (path && !entry.dev) packages[path] = entry;
  return {
    manifest: { name: 'project', private: true, dependencies: { nymote: spec } },
    lock: { name: 'project', lockfileVersion: 3, requires: true, packages },
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

beforeAll(async () => {
  mkdirSync(join(root, 'pack'));
  mkdirSync(project);
  const packed = await ok(run('npm', ['pack', '--json', '--pack-destination', join(root, 'pack')], REPO), 'npm pack');
  const tarball = join(root, 'pack', (JSON.parse(packed.stdout) as { filename: string }[])[0].filename);
  const { manifest, lock } = projectLock(tarball);
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock, null, 2) + '\n');
  const installing = await ok(run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--prefix', project], project), 'npm ci --offline');
  console.log(`package: npm pack ${packed.seconds.toFixed(1)} s, npm ci --offline ${installing.seconds.toFixed(1)} s`);
}, 300_000);

afterAll(() => {
  try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'pipe' }); } catch { /* not made */ }
  rmSync(root, { recursive: true, force: true });
});

describe('the package installed from its tarball into an empty project', () => {
  it('ships the sources a build needs and none of the tests, fixtures, benches or build outputs', () => {
    const files = filesUnder(installed);
    for (const needed of ['bin/nymote.js', 'cli/main.ts', 'sdk/index.ts', 'kernel/Makefile', 'kernel/core/engine.c', 'kernel/runtime/index.ts',
      'board/unix/drivers.ts', 'apps/hello/app.ts', 'apps/homepage/content/index.html', 'rollup.config.ts', 'tsconfig.json']) {
      expect(files).toContain(needed);
    }
    expect(files.filter((f) => /\.test\.ts$|(^|\/)(testing|fixtures)\/|^(test|bench|images|build|scripts)\//.test(f))).toEqual([]);
    expect(existsSync(join(project, 'node_modules', '.bin', 'nymote'))).toBe(true);
  });

  it('npx nymote new NAME -t hello, then npx nymote run NAME -b unix: the kernel is made in the package, the image in ./images', async () => {
    const made = await ok(run('npx', ['nymote', 'new', 'greeter', '-t', 'hello'], project), 'nymote new');
    expect(made.stdout).toContain('created greeter from the hello template');
    expect(readFileSync(join(project, 'greeter', 'app.ts'), 'utf8')).toContain("name: 'greeter'");

    const ran = await run('npx', ['nymote', 'run', 'greeter', '-b', 'unix', '--', '--exit', '3'], project);
    console.log(`package: nymote run greeter (kernel make + build + run) ${ran.seconds.toFixed(1)} s`);
    expect(ran.stdout, ran.stderr).toContain('hello from nymote on the unix board (unix, Duktape 2.7.0)');
    expect(ran.stdout).toContain('timers fired in order: timer-100 timer-200 timer-300');
    expect(ran.stdout).toContain('exiting with 3');
    expect(ran.code, ran.stderr).toBe(3);
    expect(ran.stderr).toContain('built images/greeter-unix');
    expect(JSON.parse(readFileSync(join(project, 'images', 'greeter-unix', 'manifest.json'), 'utf8'))).toMatchObject({ app: 'greeter', board: 'unix' });
    expect(existsSync(join(installed, 'build', 'host', 'nymote-bcc'))).toBe(true);
    expect(existsSync(join(installed, 'build', 'unix', 'libnymote.a'))).toBe(true);
  }, 600_000);

  it('npx nymote new site (the homepage template, ./site), then npx nymote run site -b unix serves it over a tap', async () => {
    const made = await ok(run('npx', ['nymote', 'new', 'site'], project), 'nymote new');
    expect(made.stdout).toContain('created site from the homepage template');
    const index = readFileSync(join(project, 'site', 'content', 'index.html'), 'utf8');

    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
    execFileSync('ip', ['-n', ns, 'addr', 'add', '10.79.9.1/24', 'dev', 'tap0']);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'tap0', 'up']);
    const started = Date.now();
    // Its own process group: stopping it stops npx, nymote and the image.
    const server = spawn('ip', ['netns', 'exec', ns, 'npx', 'nymote', 'run', 'site', '-b', 'unix', '--',
      '--tap', 'tap0', '--ipv4', '10.79.9.2/24', '--access-log', 'off'], { cwd: project, env, detached: true });
    let out = '';
    server.stdout.on('data', (d) => { out += d; });
    server.stderr.on('data', (d) => { out += d; });
    const exited = new Promise((resolve) => server.on('exit', resolve));
    try {
      for (const until = Date.now() + 400_000; !/homepage: serving its data volume on http:\/\/10\.79\.9\.2:80\//.test(out);) {
        if (Date.now() > until || server.exitCode !== null) throw new Error(out);
        await new Promise((r) => setTimeout(r, 100));
      }
      console.log(`package: nymote run site (build + boot) ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const curl = (path: string) => run('ip', ['netns', 'exec', ns, 'curl', '-sS', '--max-time', '20', `http://10.79.9.2${path}`], project, 30_000);
      const page = await curl('/');
      expect(page.stderr).toBe('');
      expect(page.stdout).toBe(index);
      expect(JSON.parse((await curl('/healthz')).stdout)).toMatchObject({ status: 'ok', board: 'unix' });
      expect(JSON.parse(readFileSync(join(project, 'images', 'site-unix', 'manifest.json'), 'utf8'))).toMatchObject({ app: 'site', data: { image: 'data.img' } });
    } finally {
      if (server.exitCode === null) process.kill(-server.pid!, 'SIGTERM');
      await exited;
    }
  }, 600_000);
});
