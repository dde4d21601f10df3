/* Typed records inside Duktape on the unix board: codecs from the real build, persistence across runs. */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, fixture, lineOf, nymote, runImage, TEST_IMAGES } from '../helpers';

describe('typed records on a file-backed block device', () => {
  let built: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => {
    built = await buildApp(fixture('records-contacts'));
  });

  it('saves, queries and deletes, and finds the same records on the next run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nymote-records-'));
    const disk = join(dir, 'data.img');
    writeFileSync(disk, Buffer.alloc(1024 * 1024));

    const first = runImage(built.dir, built.manifest, ['--disk', disk]);
    expect(first.stderr).toBe('');
    expect(first.stdout.split('\n')).toEqual([
      'opened: 0 contacts',
      'saved: 4',
      'get: Ada <ada@example.org> friend tags=math+engines city=London phone=- added=1000 key=1.2.3 visits=0',
      'query name=Ada: ada2@example.org ada@example.org',
      'query kind=work: Ada Alan Grace',
      'deleted alan: true',
      'get alan: none',
      'bad save: contacts.save("bad@example.org"): Contact: expected a string, got 7',
      'count: 3, collections: contacts, page size 4096',
      '',
    ]);
    expect(first.code).toBe(0);

    for (const visits of [0, 1]) {
      const next = runImage(built.dir, built.manifest, ['--disk', disk]);
      expect(next.stderr).toBe('');
      expect(next.stdout).toContain('opened: 3 contacts');
      expect(next.stdout).toContain('found: Ada <ada2@example.org> work tags= city=Paris phone=- added=4000 key=9 visits=0');
      expect(next.stdout).toContain(`found: Ada <ada@example.org> friend tags=math+engines city=London phone=- added=1000 key=1.2.3 visits=${visits}`);
      expect(next.stdout).toContain('found: Grace <grace@example.org> work tags=cobol city=Arlington phone=- added=3000 key=255 visits=0');
      expect(next.stdout).not.toContain('alan');
      expect(next.code).toBe(0);
    }
    // The store lives in the file's first pages: a superblock at byte 0.
    expect(readFileSync(disk).subarray(0, 4).toString('latin1')).toBe('NYRS');
  });

  it('refuses a disk holding other data, with the store\'s message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nymote-records-'));
    const disk = join(dir, 'fat.img');
    const bytes = Buffer.alloc(256 * 1024);
    bytes.write('\xeb\x58\x90mkfs.fat', 'latin1');
    writeFileSync(disk, bytes);
    const r = runImage(built.dir, built.manifest, ['--disk', disk]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('RecordsError: not a records store: its first pages hold other data (open with { format: true } to erase it)');
  });

  it('fails the build at the records<T>() call when T cannot be stored', () => {
    const r = nymote(['build', 'test/fixtures/records-bad', '-q', '-o', TEST_IMAGES]);
    expect(r.code).toBe(1);
    const line = lineOf(fixture('records-bad') + '/app.ts', 'RECORDS-CALL');
    expect(r.stderr).toContain(`build failed: test/fixtures/records-bad/app.ts:${line}:29 - error records<Job>: Job.run is a function; records hold data only`);
  });
});
