/* `nymote new`: a scaffolded app builds and runs from its own folder, wherever that is. */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nymote, REPO } from '../helpers';

describe('nymote new', () => {
  it('scaffolds the homepage template: an image builds from it and it serves its content/ on the node board', async () => {
    const where = mkdtempSync(join(tmpdir(), 'nymote-new-'));
    const made = nymote(['new', 'my-site', '-d', where], where);
    expect(made.stderr).toBe('');
    expect(made.stdout).toContain('from the homepage template');
    const app = join(where, 'my-site');
    expect(readFileSync(join(app, 'app.ts'), 'utf8')).toContain("name: 'my-site'");
    expect(existsSync(join(app, 'content', 'index.html'))).toBe(true);
    expect(existsSync(join(app, 'interop.test.ts'))).toBe(false);

    const built = nymote(['build', '-q', app, '-b', 'unix', '-o', join(where, 'images')], where);
    expect(built.stderr).toBe('');
    expect(JSON.parse(readFileSync(join(where, 'images', 'my-site-unix', 'manifest.json'), 'utf8'))).toMatchObject({ app: 'my-site', data: { image: 'data.img' } });

    const port = 24000 + (process.pid % 10000);
    const server = spawn(process.execPath, [join(REPO, 'bin', 'nymote.js'), 'run', app, '-b', 'node', '-q', '-o', join(where, 'images'), '--', '--port', String(port)], { cwd: where });
    let out = '';
    server.stdout.on('data', (d) => { out += d; });
    server.stderr.on('data', (d) => { out += d; });
    try {
      for (const until = Date.now() + 60_000; !/homepage: serving its data volume/.test(out);) {
        if (Date.now() > until || server.exitCode !== null) throw new Error(out);
        await new Promise((r) => setTimeout(r, 50));
      }
      const page = spawnSync('curl', ['-sS', `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
      expect(page.stdout).toBe(readFileSync(join(app, 'content', 'index.html'), 'utf8'));
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.on('exit', r));
    }
  }, 120_000);

  it('refuses an existing folder, a bad name and an unknown template', () => {
    const where = mkdtempSync(join(tmpdir(), 'nymote-new-'));
    expect(nymote(['new', 'ok', '-d', where]).code).toBe(0);
    expect(nymote(['new', 'ok', '-d', where]).stderr).toContain('already exists');
    expect(nymote(['new', 'Bad_Name', '-d', where]).stderr).toContain("app name 'Bad_Name' must be lower-case letters");
    expect(nymote(['new', 'x', '-t', 'nope', '-d', where]).stderr).toContain("unknown template 'nope': one of homepage, hello");
  });
});
