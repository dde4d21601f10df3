/*
 * Guest tier (arm32): the same bytecode as on unix, booted as a Xen guest
 * under QEMU on both virtual ARM boards: Debian's arm64 Xen with a GICv3
 * (the Raspberry Pi 4 shape) and Debian's armhf Xen with a GICv2. Output
 * is the guest's console, read through Xen's; exit codes come back through
 * `nymote boot`.
 */
import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { bootImage, buildApp, lineOf, REPO } from '../helpers';
import { scenarios } from '../fixtures/ordering/scenarios';
import { LINES } from '../fixtures/console/app';

const fixture = (name: string) => join(REPO, 'test', 'fixtures', name);
const BOOT_FAILED = 125;
const LOAD_ADDRESS = 0x40208000;

describe.each(['qemu-arm64', 'qemu-arm32'])('arm32 guest on %s', (board) => {
  it('boots hello: console, timers, promises, entropy and the exit code', async () => {
    const { dir, manifest } = await buildApp(join(REPO, 'apps', 'hello'), { board });
    expect(manifest).toMatchObject({ board, arch: 'arm32' });
    expect(manifest.sizes.total).toBeGreaterThan(manifest.bytecode.bytes + manifest.sizes.engine);
    const r = bootImage(dir, ['--exit', '7']);
    expect(r.stdout.split('\n')).toEqual([
      `hello from nymote on the ${board} board (xen-arm32, Duktape 2.7.0)`,
      'timers fired in order: timer-10 timer-20 timer-30',
      expect.stringMatching(/^random bytes: 8, checksum \d+$/),
      'exiting with 7',
      '',
    ]);
    expect(r.code).toBe(7);
    // the boot report: time from QEMU start to the app's first line
    expect(r.stderr).toMatch(/QEMU start to the guest's first line: \d+\.\d+ s; guest exit 7/);
  });

  it('passes console output through Xen byte-exact: long lines, UTF-8, escapes', async () => {
    const { dir } = await buildApp(fixture('console'), { board });
    const r = bootImage(dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(LINES.join('\n') + '\n');
  });

  it('runs hello in a guest with 4 MB of memory', async () => {
    const { dir } = await buildApp(join(REPO, 'apps', 'hello'), { board });
    const r = bootImage(dir, [], ['--memory', '4']);
    expect(r.stdout).toContain('exiting with 0');
    expect(r.code).toBe(0);
  });

  it('fires timers in deadline order, none early', async () => {
    const { dir } = await buildApp(fixture('timers'), { board });
    const r = bootImage(dir);
    expect(r.code).toBe(0);
    const delays = /delays (.*)/.exec(r.stdout)![1].split(' ').map(Number);
    const expected = delays.map((d, i) => ({ d, i })).sort((a, b) => a.d - b.d || a.i - b.i).map((t) => `${t.d}#${t.i}`);
    expect(/fired (.*)/.exec(r.stdout)![1].split(' ')).toEqual(expected);
    expect(r.stdout).toContain('early 0');
  });

  it('orders promises, microtasks, async/await and timers exactly as Node does', async () => {
    const { dir } = await buildApp(fixture('ordering'), { board });
    const r = bootImage(dir);
    expect(r.code).toBe(0);
    const native: string[] = [];
    for (const s of scenarios) {
      const log: string[] = [];
      await s.run((e) => log.push(e));
      native.push(`${s.name}: ${log.join(' | ')}`);
    }
    expect(r.stdout.trimEnd().split('\n')).toEqual(native);
  });

  it('reports an uncaught error in a callback with its TS line and exit 1', async () => {
    const { dir } = await buildApp(fixture('errors'), { board });
    const app = join(fixture('errors'), 'app.ts');
    for (const [mode, message, marker] of [['timer', 'Error: thrown in a timer', 'THROW:timer'], ['reject', 'TypeError: rejected and never handled', 'THROW:reject']]) {
      const r = bootImage(dir, ['--mode', mode]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(message);
      expect(r.stdout).toContain(`test/fixtures/errors/app.ts:${lineOf(app, marker)}`);
    }
  });

  it('fails a guest fault with the fault report and the console tail', async () => {
    const { dir, manifest } = await buildApp(join(REPO, 'apps', 'hello'), { board });
    // An undefined instruction at the kernel's C entry (after the vectors are set).
    const copy = mkdtempSync(join(tmpdir(), 'nymote-fault-'));
    cpSync(dir, copy, { recursive: true });
    const symbols = execFileSync('arm-none-eabi-nm', [join(dir, 'hello.elf')], { encoding: 'utf8' });
    const entry = parseInt(/^([0-9a-f]+) T arm32_main$/m.exec(symbols)![1], 16) & ~1;
    const image = readFileSync(join(copy, manifest.image));
    image.writeUInt16LE(0xde00, entry - LOAD_ADDRESS); // Thumb UDF #0
    writeFileSync(join(copy, manifest.image), image);
    const r = bootImage(copy, [], ['--timeout', '60']);
    expect(r.code).toBe(BOOT_FAILED);
    expect(r.stderr).toContain(`nymote: guest fault: undefined instruction at pc=0x${entry.toString(16).padStart(8, '0')}`);
    expect(r.stderr).toContain('Last console lines:');
  });

  it('fails a hung guest after the timeout, with the console tail', async () => {
    const { dir } = await buildApp(fixture('hang'), { board });
    const r = bootImage(dir, [], ['--timeout', '5']);
    expect(r.stdout).toContain('waiting forever');
    expect(r.code).toBe(BOOT_FAILED);
    expect(r.stderr).toContain('no guest exit within 5 s (hang)');
    expect(r.stderr).toMatch(/\| \(XEN\) DOM1: waiting forever/);
  });

  it('fails a Xen panic, never passes it', async () => {
    const { dir } = await buildApp(join(REPO, 'apps', 'hello'), { board });
    const r = bootImage(dir, [], ['--memory', '4096', '--timeout', '60']); // more than the machine has
    expect(r.code).toBe(BOOT_FAILED);
    expect(r.stderr).toContain('Xen panicked');
    expect(r.stdout).not.toContain('exiting with');
  });
});
