/*
 * Engine tier: apps built by the real pipeline (rollup -> ES5 -> Duktape
 * bytecode -> unix image) and run as processes. Output comes from inside
 * Duktape, not Node.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { join } from 'node:path';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { buildApp, fixture, lineOf, nymote, runImage, REPO, TEST_IMAGES } from '../helpers';
import { expectTimersInOrder, expectNodeOrdering } from '../expectations';
import { LINES } from '../fixtures/console/app';


describe('hello on the unix board', () => {
  it('runs in Duktape: timers, async/await, Map, typed arrays, exit code', async () => {
    const { dir, manifest } = await buildApp(join(REPO, 'apps', 'hello'));
    const r = runImage(dir, manifest, ['--exit', '7']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('hello from nymote on the unix board (unix, Duktape 2.7.0)');
    expect(r.stdout).toContain('timers fired in order: timer-100 timer-200 timer-300');
    expect(r.stdout).toMatch(/random bytes: 8, checksum \d+/);
    expect(r.code).toBe(7);
    expect(runImage(dir, manifest).code).toBe(0);
  });

  it('writes the manifest of DESIGN §7 with real sizes and the bytecode digest', async () => {
    const { dir, manifest } = await buildApp(join(REPO, 'apps', 'hello'));
    expect(manifest).toMatchObject({ app: 'hello', board: 'unix', engine: { duktape: '2.7.0' } });
    expect(manifest.engine.configHash).toMatch(/^[0-9a-f]{64}$/);
    const blob = readFileSync(join(dir, 'app.blob'));
    expect(blob.subarray(0, 8).toString()).toBe('NYMOTEBC');
    const bytecode = blob.subarray(96);
    expect(manifest.bytecode.bytes).toBe(bytecode.length);
    expect(manifest.bytecode.sha256).toBe(createHash('sha256').update(bytecode).digest('hex'));
    // the header's digest (computed by our C sha256) agrees with Node's
    expect(blob.subarray(56, 88).toString('hex')).toBe(manifest.bytecode.sha256);
    expect(blob.subarray(24, 56).toString('hex')).toBe(manifest.engine.configHash);
    for (const k of ['kernel', 'engine', 'runtime', 'app', 'total'] as const) expect(manifest.sizes[k]).toBeGreaterThan(0);
    expect(manifest.sizes.total).toBeGreaterThan(manifest.sizes.engine + manifest.bytecode.packed);
  });
});

describe('runtime semantics inside Duktape', () => {
  it('writes strings to the console as UTF-8, characters beyond the BMP included', async () => {
    const { dir, manifest } = await buildApp(fixture('console'));
    const r = runImage(dir, manifest);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(LINES.join('\n') + '\n');
  });

  it('fires timers in deadline order, ties in creation order, none early', async () => {
    const { dir, manifest } = await buildApp(fixture('timers'));
    const r = runImage(dir, manifest);
    expect(r.code).toBe(0);
    expectTimersInOrder(r.stdout);
  });

  it('orders promises, microtasks, async/await and timers exactly as Node does', async () => {
    const { dir, manifest } = await buildApp(fixture('ordering'));
    const r = runImage(dir, manifest);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await expectNodeOrdering(r.stdout);
  });
});

describe('uncaught errors are reported with TypeScript locations', () => {
  const app = join(fixture('errors'), 'app.ts');
  const cases: [string, string, string][] = [
    ['timer', 'Error: thrown in a timer', 'THROW:timer'],
    ['microtask', 'RangeError: thrown in a microtask', 'THROW:microtask'],
    ['reject', 'TypeError: rejected and never handled', 'THROW:reject'],
    ['immediate', 'TypeError', 'THROW:immediate'],
    ['main', 'Error: thrown by main', 'THROW:main'],
  ];
  let built: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => { built = await buildApp(fixture('errors')); });

  for (const [mode, message, marker] of cases) {
    it(`in a ${mode} callback: exit 1, message and app.ts line`, () => {
      const r = runImage(built.dir, built.manifest, ['--mode', mode]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain(`test/fixtures/errors/app.ts:${lineOf(app, marker)}`);
    });
  }

  it('a handled rejection is not an error', () => {
    const r = runImage(built.dir, built.manifest, ['--mode', 'handled']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('handled: rejected and never handled');
    expect(r.code).toBe(0);
  });
});

describe('bad input is refused clearly', () => {
  it('a type error fails the build naming file:line', () => {
    const r = nymote(['build', 'test/fixtures/bad-types', '-q', '-o', TEST_IMAGES]);
    expect(r.code).not.toBe(0);
    const line = lineOf(join(fixture('bad-types'), 'app.ts'), 'TYPE-ERROR');
    expect(r.stderr).toContain(`test/fixtures/bad-types/app.ts:${line}:`);
    expect(r.stderr).toContain('TS2322');
    expect(r.stderr).not.toMatch(/\n\s+at .*node_modules/);
  });

  it('an unknown board names the known ones', () => {
    const r = nymote(['build', 'apps/hello', '-b', 'rpi9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown board 'rpi9'");
    expect(r.stderr).toMatch(/Known boards: .*unix/);
  });

  it('an app throwing at top level exits non-zero with its TS location', async () => {
    const { dir, manifest } = await buildApp(fixture('bad-toplevel'));
    const r = runImage(dir, manifest);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('TypeError');
    expect(r.stderr).toContain(`test/fixtures/bad-toplevel/app.ts:${lineOf(join(fixture('bad-toplevel'), 'app.ts'), 'THROW:top')}`);
  });

  /** Runs hello's image with one byte of its embedded blob (at blob offset `at`) xor-ed. */
  async function runTampered(at: (bytecodeBytes: number) => number, xor: number) {
    const { dir, manifest } = await buildApp(join(REPO, 'apps', 'hello'));
    const image = readFileSync(join(dir, manifest.image));
    const blobAt = image.indexOf(Buffer.from('NYMOTEBC'));
    expect(blobAt).toBeGreaterThan(0);
    const tampered = Buffer.from(image);
    tampered[blobAt + at(manifest.bytecode.packed)] ^= xor; // the image's blob stores the bytecode deflated
    writeFileSync(join(TEST_IMAGES, 'tampered-hello'), tampered);
    chmodSync(join(TEST_IMAGES, 'tampered-hello'), 0o755);
    return runImage(TEST_IMAGES, { ...manifest, image: 'tampered-hello' });
  }

  it('a flipped byte in the bytecode is refused at load', async () => {
    for (const at of [() => 96, (n: number) => 96 + Math.floor(n / 2), (n: number) => 96 + n - 1]) {
      const r = await runTampered(at, 0x01);
      expect(r.code).toBe(65);
      expect(r.stderr).toContain('bytecode is corrupt (sha256 mismatch)');
      expect(r.stdout).toBe('');
    }
  });

  it('bytecode built for another engine config is refused', async () => {
    const r = await runTampered(() => 24, 0xff); // the config hash
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('different engine build');
  });
});

describe('nymote run', () => {
  it('builds and runs an app from any folder, passing args and the exit code', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'nymote-run-'));
    const r = nymote(['run', '-q', join(REPO, 'apps', 'hello'), '--', '--exit', '3'], elsewhere);
    expect(r.stdout).toContain('hello from nymote');
    expect(r.code).toBe(3);
    expect(existsSync(join(elsewhere, 'images', 'hello-unix', 'manifest.json'))).toBe(true);
  });
});
