/* Codecs: boot sector, FSInfo, directory entries, long names, short names, times, intent records. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeBootSector, encodeFsInfo, parseBootSector, parseFsInfo, type BootSectorFields } from './bpb';
import {
  LongNameCollector, basisName, chooseShortName, decodeShort, displayShortName, encodeLongEntries, encodeShort,
  exactShortName, lfnChecksum, lfnEntryCount, validateName, type ShortEntry,
} from './dirent';
import { FsError } from './errors';
import { decodeIntents, encodeIntents, type RenameIntent } from './intent';
import { fromFatTime, toFatTime } from './time';

const fields: BootSectorFields = {
  bytesPerSector: 512, sectorsPerCluster: 1, reservedSectors: 32, numFats: 2, fatSectors: 544, totalSectors: 69632,
  rootCluster: 2, fsInfoSector: 1, backupBootSector: 6, volumeId: 0x12345678, label: 'HELLO      ',
};

describe('boot sector', () => {
  it('round-trips the BPB', () => {
    const g = parseBootSector(encodeBootSector(fields));
    expect(g).toMatchObject({ bytesPerSector: 512, sectorsPerCluster: 1, reservedSectors: 32, numFats: 2, fatSectors: 544, rootCluster: 2,
      fsInfoSector: 1, backupBootSector: 6, volumeId: 0x12345678, label: 'HELLO', dataStart: 32 + 2 * 544, clusterCount: 69632 - 1120, mirrored: true });
  });

  it('names what is wrong', () => {
    const bad = (patch: (b: Uint8Array) => void) => {
      const b = encodeBootSector(fields);
      patch(b);
      try {
        parseBootSector(b);
      } catch (e) {
        expect(e).toBeInstanceOf(FsError);
        expect((e as FsError).code).toBe('ECORRUPT');
        return (e as FsError).message;
      }
      return 'accepted';
    };
    expect(bad((b) => { b[510] = 0; })).toContain('bad boot signature');
    expect(bad((b) => { b[11] = 0; b[12] = 3; })).toContain('bytes per sector 768');
    expect(bad((b) => { b[13] = 3; })).toContain('sectors per cluster 3');
    expect(bad((b) => { b[22] = 9; })).toContain('FAT12/FAT16');
    expect(bad((b) => { b[32] = 0; b[33] = 0; b[34] = 0x01; })).toContain('clusters make a FAT12/FAT16 volume');
    expect(bad((b) => { b[44] = 0xff; b[45] = 0xff; b[46] = 0xff; })).toContain('root directory cluster');
    expect(bad((b) => { b[36] = 1; b[37] = 0; })).toContain('too small');
    expect(bad((b) => { b[16] = 0; })).toContain('number of FATs');
  });

  it('random sectors are rejected with FsError or accepted, never anything else', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 512, maxLength: 512 }), fc.boolean(), (b, sign) => {
      if (sign) { b[510] = 0x55; b[511] = 0xaa; b[0] = 0xeb; }
      try {
        const g = parseBootSector(b);
        expect(g.clusterCount).toBeGreaterThanOrEqual(65525);
      } catch (e) {
        expect(e).toBeInstanceOf(FsError);
      }
    }), { numRuns: 2000 });
  });

  it('mutations of a valid sector never escape as other errors', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 511 }), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), (edits) => {
      const b = encodeBootSector(fields);
      for (const [i, v] of edits) b[i] = v;
      try { parseBootSector(b); } catch (e) { expect(e).toBeInstanceOf(FsError); }
    }), { numRuns: 2000 });
  });

  it('round-trips FSInfo and ignores a bad one', () => {
    expect(parseFsInfo(encodeFsInfo({ freeCount: 1234, nextFree: 99 }, 512))).toEqual({ freeCount: 1234, nextFree: 99 });
    const b = encodeFsInfo({ freeCount: 1, nextFree: 2 }, 512);
    b[0] = 0;
    expect(parseFsInfo(b)).toBeNull();
  });
});

const shortArb = fc.record({
  name: fc.string({ minLength: 11, maxLength: 11 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'A')),
  attr: fc.integer({ min: 0, max: 0x3f }), ntRes: fc.integer({ min: 0, max: 255 }), crtTenth: fc.integer({ min: 0, max: 199 }),
  crtTime: fc.integer({ min: 0, max: 0xffff }), crtDate: fc.integer({ min: 0, max: 0xffff }), accDate: fc.integer({ min: 0, max: 0xffff }),
  cluster: fc.integer({ min: 0, max: 0x0fffffff }), wrtTime: fc.integer({ min: 0, max: 0xffff }), wrtDate: fc.integer({ min: 0, max: 0xffff }),
  size: fc.integer({ min: 0, max: 0xffffffff }),
});

/** Valid long names: UTF-16 without the characters FAT forbids, not ending in a dot or space. */
const nameArb = fc.string({ unit: fc.oneof(fc.constantFrom(...'abcXYZ019 ._-~()'.split('')), fc.integer({ min: 0x20, max: 0xfffd }).map((c) => String.fromCharCode(c))), minLength: 1, maxLength: 255 })
  .filter((s) => { try { validateName(s); return true; } catch { return false; } });

describe('directory entries', () => {
  it('round-trips short entries', () => {
    fc.assert(fc.property(shortArb, (e: ShortEntry) => {
      const b = new Uint8Array(32);
      encodeShort(e, b, 0);
      expect(decodeShort(b, 0)).toEqual(e);
    }));
  });

  it('computes the fatgen103 checksum', () => {
    // Worked by hand from §7.2's algorithm for "FOO     BAR".
    let sum = 0;
    for (const c of 'FOO     BAR') sum = (((sum & 1) << 7) + (sum >> 1) + c.charCodeAt(0)) & 0xff;
    expect(lfnChecksum('FOO     BAR')).toBe(sum);
  });

  it('round-trips long names through their entries', () => {
    fc.assert(fc.property(nameArb, (name) => {
      const sfn = 'NAME~1  TXT';
      const longs = encodeLongEntries(name, lfnChecksum(sfn));
      expect(longs.length / 32).toBe(lfnEntryCount(name));
      const c = new LongNameCollector();
      for (let i = 0; i < longs.length / 32; i++) c.long(longs, i * 32, i);
      expect(c.short(sfn)).toBe(name);
      expect(c.orphans).toEqual([]);
    }), { numRuns: 500 });
  });

  it('ignores broken long-name sets', () => {
    const sfn = 'NAME~1  TXT';
    const longs = encodeLongEntries('a long name that takes three entries.txt', lfnChecksum(sfn));
    const c1 = new LongNameCollector();
    c1.long(longs, 32, 1); // no LAST entry first
    c1.long(longs, 64, 2);
    expect(c1.short(sfn)).toBeNull();
    expect(c1.orphans.length).toBe(2);
    const c2 = new LongNameCollector();
    for (let i = 0; i < 3; i++) c2.long(longs, i * 32, i);
    expect(c2.short('OTHER   TXT')).toBeNull(); // checksum mismatch
    expect(c2.orphans).toEqual([0, 1, 2]);
    const c3 = new LongNameCollector();
    c3.long(longs, 0, 0);
    c3.free();
    expect(c3.orphans).toEqual([0]);
  });

  it('random directory bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32 * 16, maxLength: 32 * 16 }), (b) => {
      const c = new LongNameCollector();
      for (let i = 0; i < 16; i++) {
        if ((b[i * 32 + 11] & 0x3f) === 0x0f) c.long(b, i * 32, i);
        else {
          const e = decodeShort(b, i * 32);
          c.short(e.name);
          displayShortName(e.name, e.ntRes);
        }
      }
    }), { numRuns: 1000 });
  });
});

describe('short names', () => {
  it('keeps 8.3 names as they are (NT lower-case flags for all-lower parts)', () => {
    expect(exactShortName('README.TXT')).toEqual({ name11: 'README  TXT', ntRes: 0 });
    expect(exactShortName('readme.txt')).toEqual({ name11: 'README  TXT', ntRes: 0x18 });
    expect(exactShortName('readme.TXT')).toEqual({ name11: 'README  TXT', ntRes: 0x08 });
    expect(exactShortName('ReadMe.txt')).toBeNull();
    expect(exactShortName('toolongname.txt')).toBeNull();
    expect(exactShortName('a.b.c')).toBeNull();
    expect(exactShortName('a+b')).toBeNull();
    expect(displayShortName('README  TXT', 0x18)).toBe('readme.txt');
    expect(displayShortName('\x05BC     TXT', 0)).toBe('σBC.TXT'); // 0xE5 in code page 437
  });

  it('follows the basis-name algorithm', () => {
    expect(basisName('The quick brown.fox')).toEqual({ base: 'THEQUICK', ext: 'FOX', lossy: false, fits: false });
    expect(basisName('.profile')).toMatchObject({ base: 'PROFILE', ext: '', fits: false });
    expect(basisName('a+b=c.tar.gz')).toMatchObject({ base: 'A_B_C', ext: 'GZ', lossy: true });
    expect(basisName('Ünï.txt')).toMatchObject({ base: 'ÜNÏ'.replace(/[^A-Z]/g, '_'), lossy: true });
  });

  it('picks ~n tails past collisions', () => {
    const taken: Record<string, true> = {};
    const got: string[] = [];
    for (let i = 0; i < 12; i++) {
      const c = chooseShortName('Long File Name.text', (n) => taken[n] === true);
      taken[c.name11] = true;
      got.push(c.name11);
      expect(c.needsLong).toBe(true);
    }
    expect(got[0]).toBe('LONGFI~1TEX');
    expect(got[8]).toBe('LONGFI~9TEX');
    expect(got[9]).toBe('LONGF~10TEX');
    expect(chooseShortName('Mixed.Txt', () => false)).toEqual({ name11: 'MIXED   TXT', ntRes: 0, needsLong: true });
    expect(chooseShortName('plain.txt', () => false)).toEqual({ name11: 'PLAIN   TXT', ntRes: 0x18, needsLong: false });
  });

  it('every valid name gets a valid, unique short name', () => {
    fc.assert(fc.property(fc.array(nameArb, { maxLength: 20 }), (names) => {
      const taken: Record<string, true> = {};
      for (const n of names) {
        const c = chooseShortName(n, (x) => taken[x] === true);
        expect(c.name11.length).toBe(11);
        expect(taken[c.name11]).toBeUndefined();
        expect(/^[A-Z0-9$%'\-_@~`!(){}^#& ]{11}$/.test(c.name11)).toBe(true);
        taken[c.name11] = true;
      }
    }), { numRuns: 300 });
  });

  it('validates names', () => {
    for (const bad of ['', '.', '..', 'a/b', 'a\\b', 'a:b', 'a*', 'a?', 'a"b', 'a<b', 'a>b', 'a|b', 'tab\t', 'dot.', 'space ']) {
      expect(() => validateName(bad), JSON.stringify(bad)).toThrow(FsError);
    }
    expect(() => validateName('x'.repeat(256))).toThrow(/ENAMETOOLONG/);
    validateName(' leading space and [brackets] + more');
  });
});

describe('times', () => {
  it('round-trips at two-second precision (ten-ms with the tenth byte)', () => {
    fc.assert(fc.property(fc.integer({ min: Date.UTC(1980, 0, 1), max: Date.UTC(2107, 11, 31, 23, 59, 58) }), (ms) => {
      const t = toFatTime(ms);
      expect(fromFatTime(t.date, t.time)).toBe(ms - (ms % 2000));
      expect(fromFatTime(t.date, t.time, t.tenth)).toBe(ms - (ms % 10));
      const d = new Date(ms);
      expect(t.date >> 9).toBe(d.getUTCFullYear() - 1980);
      expect((t.date >> 5) & 15).toBe(d.getUTCMonth() + 1);
      expect(t.date & 31).toBe(d.getUTCDate());
    }));
  });

  it('clamps what FAT cannot hold', () => {
    expect(toFatTime(0)).toEqual(toFatTime(Date.UTC(1980, 0, 1)));
    expect(fromFatTime(0, 0)).toBe(0);
  });
});

describe('intent records', () => {
  it('round-trip and refuse torn sectors', () => {
    const r: RenameIntent = {
      newDir: 2, newIndex: 25, newShort: 'VICTIM  TXT', cluster: 14,
      from: { dir: 3, first: 2, count: 1, short: 'README  MD ' },
      replaced: { dir: 2, first: 24, count: 1, short: 'VICTIM  TXT' },
      dotdotDir: 77, dotdotParent: 88,
    };
    const list = [r, { ...r, newIndex: 1000, cluster: 0x0ffffff, from: { ...r.from, count: 21 } }];
    const b = encodeIntents(list, 512);
    expect(decodeIntents(b)).toEqual(list);
    b[40] ^= 1;
    expect(decodeIntents(b)).toEqual([]);
    expect(decodeIntents(new Uint8Array(512))).toEqual([]);
    expect(encodeIntents([], 512).every((x) => x === 0)).toBe(true);
  });
});
