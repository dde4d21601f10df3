/* Our cpio archives as GNU cpio (a peer we did not write) reads them. */
import { expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentDirs, writeCpio, type CpioEntry } from './cpio';

function extract(archive: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'nymote-cpio-'));
  const r = spawnSync('cpio', ['-idm', '--quiet', '--no-absolute-filenames'], { cwd: dir, input: archive });
  expect(r.status, r.stderr.toString()).toBe(0);
  return dir;
}

const name = fc.stringMatching(/^[a-z0-9_-]{1,12}$/);

it('GNU cpio extracts files, modes, directories and symlinks byte-exact', () => {
  fc.assert(fc.property(
    fc.uniqueArray(fc.tuple(fc.array(name, { minLength: 1, maxLength: 3 }), fc.uint8Array({ maxLength: 3000 }), fc.boolean()),
      { selector: ([p]) => p.join('/'), minLength: 1, maxLength: 8 }),
    (files) => {
      // a path that is also another file's directory cannot be both
      const paths = files.map(([p]) => p.join('/'));
      const dirs = parentDirs(paths);
      fc.pre(!paths.some((p) => dirs.includes(p)));
      const entries: CpioEntry[] = [
        ...dirs.map((d): CpioEntry => ({ kind: 'dir', path: d })),
        ...files.map(([p, data, exec]): CpioEntry => ({ kind: 'file', path: p.join('/'), data, mode: exec ? 0o755 : 0o644 })),
        { kind: 'symlink', path: 'link-to-first', target: paths[0] },
      ];
      const dir = extract(writeCpio(entries));
      try {
        for (const [p, data, exec] of files) {
          const file = join(dir, ...p);
          expect(readFileSync(file).equals(Buffer.from(data))).toBe(true);
          expect(statSync(file).mode & 0o777).toBe(exec ? 0o755 : 0o644);
        }
        expect(readlinkSync(join(dir, 'link-to-first'))).toBe(paths[0]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }), { numRuns: 40 });
});

it('two archives back to back extract as one tree (the initramfs base + per-boot part)', () => {
  const a = writeCpio([{ kind: 'dir', path: 'etc' }, { kind: 'file', path: 'etc/a', data: Buffer.from('first') }]);
  const b = writeCpio([{ kind: 'dir', path: 'guest' }, { kind: 'file', path: 'guest/b', data: Buffer.from('second') }], 1000);
  // GNU cpio stops at the first trailer; Linux does not. Read each part as Linux would.
  const dirA = extract(a);
  const dirB = extract(Buffer.concat([a, b]).subarray(a.length));
  expect(readFileSync(join(dirA, 'etc', 'a'), 'utf8')).toBe('first');
  expect(readFileSync(join(dirB, 'guest', 'b'), 'utf8')).toBe('second');
  expect(a.length % 4).toBe(0);
  rmSync(dirA, { recursive: true }); rmSync(dirB, { recursive: true });
});

it('refuses paths that would climb out of the archive', () => {
  for (const bad of ['../etc/passwd', 'a/../../b', '', 'a//b']) {
    expect(() => writeCpio([{ kind: 'file', path: bad, data: new Uint8Array(1) }])).toThrow(/bad archive path/);
  }
});
