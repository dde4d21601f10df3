/*
 * The node board (the app's TypeScript under Node: `nymote run -b node`,
 * `nymote dev`) beside the unix board, and what both do with an app's
 * content/ folder: the data volume a build makes of it, the disk a boot
 * gives the app unless --disk names another, checked with fsck.fat and
 * mtools (not our code).
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, bootImage, fixture, nymote, REPO, runImage } from '../helpers';

const have = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const STORE_LINE = /store-content: hello from content\/ \| notes: a\.txt 6, random\.bin 6756/;

describe('the node board', () => {
  it('runs an app from any folder under Node: its output, boot arguments and exit code', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'nymote-node-'));
    cpSync(join(REPO, 'apps', 'hello'), join(elsewhere, 'hello'), { recursive: true });
    const r = nymote(['run', '-q', '-b', 'node', join(elsewhere, 'hello'), '--', '--exit', '4'], elsewhere);
    expect(r.stdout).toContain('hello from nymote on the node board (node,');
    expect(r.stdout).toContain('timers fired in order: timer-100 timer-200 timer-300');
    expect(r.code).toBe(4);
  });

  it('builds no image, and says what to use instead', () => {
    const r = nymote(['build', '-q', '-b', 'node', join(REPO, 'apps', 'hello')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("board 'node' builds no image: the app's TypeScript runs under Node ('nymote run APP -b node'");
  });

  it("gives the app its content/ as a data volume, and an optional device it lacks as undefined", () => {
    const out = mkdtempSync(join(tmpdir(), 'nymote-node-store-'));
    const r = nymote(['run', '-q', '-b', 'node', '-o', out, fixture('store-content')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(STORE_LINE);
    expect(r.code).toBe(0);
    expect(existsSync(join(out, 'store-content-node', 'data.img'))).toBe(true);
    const none = nymote(['run', '-q', '-b', 'node', join(REPO, 'test', 'fixtures', 'store-content', 'app.ts'), '--', '--disk=']);
    expect(none.stdout).toContain('store-content: no store on node');
  });

  it('nymote dev restarts the app when its source changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nymote-dev-'));
    const source = (v: string) => `import { defineApp } from 'nymote';\nexport default defineApp({ name: 'dev-app', main() { console.log('dev-app ${v}'); setInterval(function () {}, 1000); } });\n`;
    writeFileSync(join(dir, 'app.ts'), source('one'));
    const child = spawn(process.execPath, [join(REPO, 'bin', 'nymote.js'), 'dev', dir]);
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const until = async (pattern: RegExp) => {
      for (const end = Date.now() + 30_000; !pattern.test(out);) {
        if (Date.now() > end) throw new Error(`no ${pattern} in:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await until(/dev-app one/);
      writeFileSync(join(dir, 'app.ts'), source('two'));
      await until(/app\.ts changed: restarting[\s\S]*dev-app two/);
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.on('exit', r));
    }
    expect(child.exitCode).toBe(130);
  }, 60_000);
});

describe("an image's data volume (content/ at build time)", () => {
  it('is a FAT32 image that fsck.fat and mtools read, listed in the manifest', async () => {
    const { dir, manifest } = await buildApp(fixture('store-content'));
    expect(manifest.data).toEqual({ image: 'data.img', files: 3, bytes: 20 + 6 + 6756 });
    expect(manifest.files).toContain('data.img');
    const img = join(dir, 'data.img');
    if (have('fsck.fat')) expect(spawnSync('fsck.fat', ['-n', img], { encoding: 'utf8' }).status).toBe(0);
    if (have('mtype')) {
      const t = spawnSync('mtype', ['-i', img, '::/notes/random.bin'], { encoding: 'utf8' });
      expect(t.stdout).toBe(readFileSync(fixture('store-content/content/notes/random.bin'), 'utf8'));
    }
  });

  it('is the disk `nymote boot` gives the app; --disk names another; the bare image runs without one', async () => {
    const { dir, manifest } = await buildApp(fixture('store-content'));
    const booted = bootImage(dir);
    expect(booted.stdout).toMatch(STORE_LINE);
    expect(booted.code).toBe(0);
    const bare = runImage(dir, manifest);
    expect(bare.stdout).toContain('store-content: no store on unix');
    expect(bare.code).toBe(0);
    const other = join(mkdtempSync(join(tmpdir(), 'nymote-other-')), 'other.img');
    expect(nymote(['disk', 'create', other, '40M']).code).toBe(0);
    const elsewhere = bootImage(dir, ['--disk', other]);
    expect(elsewhere.stderr).toContain('/greeting.txt');
    expect(elsewhere.code).toBe(1);
  });
});
