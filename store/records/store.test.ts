/* The records store on memory pages: behaviour against a Map model, reopening, errors. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { BlockDevice } from '../../drivers/interfaces';
import { codecFor } from './testing/codec-for';
import type { RecordCodec } from './codec';
import { memoryPageStore, openStore, records, RecordsError, type Collection, type RecordStore } from './index';

interface Contact { mail: string; name: string; age?: number; tags: string[]; photo?: Uint8Array }
const CONTACT_SRC = 'interface Contact { mail: string; name: string; age?: number; tags: string[]; photo?: Uint8Array }';
const contactCodec = codecFor<Contact>(CONTACT_SRC, 'Contact');

interface Note { id: number; text: string }
const noteCodec = codecFor<Note>('interface Note { id: number; text: string }', 'Note');

function contacts(db: RecordStore, index: ('name' | 'age')[] = ['name', 'age']): Collection<Contact> {
  return db.records<Contact>('contacts', { key: 'mail', index }, contactCodec);
}

async function reopen(bytes: Uint8Array, pages: number, pageSize: number): Promise<RecordStore> {
  return openStore(memoryPageStore(pages, pageSize, bytes));
}

async function rejection(p: Promise<unknown>): Promise<RecordsError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RecordsError);
    return e as RecordsError;
  }
  throw new Error('resolved');
}

function thrown(f: () => unknown): RecordsError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RecordsError);
    return e as RecordsError;
  }
  throw new Error('no error');
}

describe('records store', () => {
  it('saves, gets, queries and deletes, and finds it all again after reopening', async () => {
    const mem = memoryPageStore(256, 4096);
    const db = await openStore(mem);
    const c = contacts(db);
    await c.save({ mail: 'ada@example.org', name: 'Ada', age: 36, tags: ['math'] });
    await c.save({ mail: 'alan@example.org', name: 'Alan', age: 41, tags: [] });
    await c.save({ mail: 'grace@example.org', name: 'Grace', tags: ['navy', 'cobol'], photo: new Uint8Array([1, 2]) });
    await c.save({ mail: 'ada2@example.org', name: 'Ada', age: 20, tags: [] });
    expect(await c.get('ada@example.org')).toEqual({ mail: 'ada@example.org', name: 'Ada', age: 36, tags: ['math'] });
    expect(await c.get('nobody')).toBeUndefined();
    expect((await c.query({ index: 'name', equals: 'Ada' })).map((x) => x.mail)).toEqual(['ada2@example.org', 'ada@example.org']);
    expect((await c.query({ index: 'age', min: 30, max: 40 })).map((x) => x.name)).toEqual(['Ada']);
    expect((await c.query({ index: 'name', prefix: 'A' })).map((x) => x.mail)).toEqual(['ada2@example.org', 'ada@example.org', 'alan@example.org']);
    expect(await c.delete('alan@example.org')).toBe(true);
    expect(await c.delete('alan@example.org')).toBe(false);
    expect(c.count()).toBe(3);
    expect(c.keys()).toEqual(['ada2@example.org', 'ada@example.org', 'grace@example.org']);
    await db.close();

    const db2 = await reopen(mem.bytes, 256, 4096);
    expect(db2.collections()).toEqual(['contacts']);
    const c2 = contacts(db2);
    expect(c2.count()).toBe(3);
    expect((await c2.all()).map((x) => x.name)).toEqual(['Ada', 'Ada', 'Grace']);
    expect(await c2.get('grace@example.org')).toEqual({ mail: 'grace@example.org', name: 'Grace', tags: ['navy', 'cobol'], photo: new Uint8Array([1, 2]) });
    expect(await c2.query({ index: 'age', min: 0 })).toHaveLength(2);
    expect(await c2.get('alan@example.org')).toBeUndefined();
  });

  it('opens on a BlockDevice, and records() works as a free function', async () => {
    const bytes = new Uint8Array(512 * 512);
    const block: BlockDevice = {
      sectorSize: 512, sectors: 512, readOnly: false,
      read: (lba, buf) => Promise.resolve().then(() => buf.set(bytes.subarray(lba * 512, lba * 512 + buf.length))),
      write: (lba, buf) => Promise.resolve().then(() => bytes.set(buf, lba * 512)),
      flush: () => Promise.resolve(),
    };
    const db = await openStore(block, { pageSize: 1024 });
    const notes = records<Note>('notes', { key: 'id', store: db }, noteCodec);
    await notes.save({ id: 1, text: 'one' });
    await db.close();
    const again = await openStore(block, { pageSize: 1024 });
    expect(await again.records<Note>('notes', { key: 'id' }, noteCodec).get(1)).toEqual({ id: 1, text: 'one' });
    expect((await rejection(openStore(block))).code).toBe('ENOTSTORE');
  });

  it('behaves like a Map under random operations, across reopens and cleaning', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.oneof(
        fc.record({ op: fc.constant('save' as const), key: fc.integer({ min: 0, max: 11 }), text: fc.string({ maxLength: 300 }) }),
        fc.record({ op: fc.constant('burst' as const), keys: fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 6 }), text: fc.string({ maxLength: 900 }) }),
        fc.record({ op: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 11 }) }),
        fc.constant({ op: 'reopen' as const }),
      ), { maxLength: 60 }),
      async (ops) => {
        const mem = memoryPageStore(48, 512);
        let db = await openStore(mem);
        let notes = db.records<Note>('notes', { key: 'id' }, noteCodec);
        const model = new Map<number, Note>();
        for (const o of ops) {
          if (o.op === 'save') {
            await notes.save({ id: o.key, text: o.text });
            model.set(o.key, { id: o.key, text: o.text });
          } else if (o.op === 'burst') {
            // Unawaited writes, then reads before they are durable: readers see the newest.
            const pending = o.keys.map((k, i) => notes.save({ id: k, text: o.text.slice(i) }));
            o.keys.forEach((k, i) => model.set(k, { id: k, text: o.text.slice(i) }));
            for (const k of o.keys) expect(await notes.get(k)).toEqual(model.get(k));
            await Promise.all(pending);
          } else if (o.op === 'delete') {
            expect(await notes.delete(o.key)).toBe(model.delete(o.key));
          } else {
            await db.close();
            db = await reopen(mem.bytes, 48, 512);
            notes = db.records<Note>('notes', { key: 'id' }, noteCodec);
          }
          expect(notes.count()).toBe(model.size);
        }
        expect(notes.keys()).toEqual([...model.keys()].sort((a, b) => a - b));
        for (const [k, v] of model) expect(await notes.get(k)).toEqual(v);
        await db.close();
        const last = await reopen(mem.bytes, 48, 512);
        expect(await last.records<Note>('notes', { key: 'id' }, noteCodec).all()).toEqual([...model.values()].sort((a, b) => a.id - b.id));
      }), { numRuns: 60 });
  });

  it('cleans the log so a small store takes any number of updates', async () => {
    const mem = memoryPageStore(40, 512);
    const db = await openStore(mem);
    const notes = db.records<Note>('notes', { key: 'id' }, noteCodec);
    for (let i = 0; i < 2000; i++) await notes.save({ id: i % 5, text: 'x'.repeat(i % 200) + i });
    const stats = db.stats();
    expect(stats.cleanings).toBeGreaterThan(10);
    expect(stats.usedPages).toBeLessThan(stats.logPages);
    expect(await notes.get(4)).toEqual({ id: 4, text: 'x'.repeat(1999 % 200) + 1999 });
    await db.close();
    expect((await (await reopen(mem.bytes, 40, 512)).records<Note>('notes', { key: 'id' }, noteCodec).all()).map((n) => n.id)).toEqual([0, 1, 2, 3, 4]);
  });

  it('says EFULL when live data fills the store, and recovers once records are deleted', async () => {
    const db = await openStore(memoryPageStore(40, 512));
    const notes = db.records<Note>('notes', { key: 'id' }, noteCodec);
    let saved = 0;
    let full: RecordsError | undefined;
    for (let i = 0; i < 100 && !full; i++) {
      try {
        await notes.save({ id: i, text: 'y'.repeat(400) });
        saved++;
      } catch (e) {
        full = e as RecordsError;
      }
    }
    expect(full?.code).toBe('EFULL');
    expect(full?.message).toMatch(/^store full: \d+ bytes live in a log of 38 pages of 512 bytes$/);
    expect(notes.count()).toBe(saved);
    expect(await notes.get(saved)).toBeUndefined();
    for (let i = 0; i < saved; i += 2) await notes.delete(i);
    await notes.save({ id: 1000, text: 'fits again' });
    expect(await notes.get(1000)).toEqual({ id: 1000, text: 'fits again' });
    expect((await rejection(notes.save({ id: 1, text: 'z'.repeat(20000) }))).code).toBe('ETOOBIG');
  });

  it('refuses a collection stored with another type, key or codec, clearly', async () => {
    const mem = memoryPageStore(64, 1024);
    const db = await openStore(mem);
    await contacts(db).save({ mail: 'm', name: 'n', tags: [] });
    await db.close();
    const db2 = await reopen(mem.bytes, 64, 1024);
    const other = codecFor<Contact>('interface Contact { mail: string; name: string; age?: string; tags: string[] }', 'Contact');
    const e = thrown(() => db2.records<Contact>('contacts', { key: 'mail' }, other));
    expect(e.code).toBe('ESCHEMA');
    expect(e.message).toMatch(/^collection "contacts" holds records of another type: stored as Contact \{"age"\?:number;.*, opened as Contact \{"age"\?:string;/);
    expect(thrown(() => db2.records<Contact>('contacts', { key: 'name' }, contactCodec)).message).toBe('collection "contacts" is keyed by mail, opened with key name');
    const none = thrown(() => db2.records<Contact>('contacts', { key: 'mail' }));
    expect(none.code).toBe('ENOCODEC');
    expect(none.message).toMatch(/no codec for the record type\. The nymote build generates it from the type argument/);
    expect(contacts(db2)).toBe(contacts(db2));
    expect(thrown(() => contacts(db2, ['name'])).code).toBe('EINVAL');
  });

  it('indexes records written before an index was declared', async () => {
    const mem = memoryPageStore(64, 1024);
    const db = await openStore(mem);
    const c = contacts(db, []);
    for (let i = 0; i < 20; i++) await c.save({ mail: 'm' + i, name: 'n' + (i % 4), age: i, tags: [] });
    await db.close();
    const db2 = await reopen(mem.bytes, 64, 1024);
    const c2 = contacts(db2, ['name']);
    await c2.save({ mail: 'm1', name: 'changed', tags: [] });
    expect((await c2.query({ index: 'name', equals: 'n1' })).map((x) => x.mail)).toEqual(['m13', 'm17', 'm5', 'm9']);
    expect((await c2.query({ index: 'name', equals: 'changed' })).map((x) => x.mail)).toEqual(['m1']);
    expect((await rejection(c2.query({ index: 'age', equals: 3 }))).message).toBe('contacts: no index "age" (indexes: name)');
  });

  it('rejects bad values and keys with ETYPE/EINVAL and keeps the old value', async () => {
    const db = await openStore(memoryPageStore(64, 1024));
    const c = contacts(db);
    await c.save({ mail: 'm', name: 'n', tags: [] });
    const bad = await rejection(c.save({ mail: 'm', name: 5 as unknown as string, tags: [] }));
    expect(bad.code).toBe('ETYPE');
    expect(bad.message).toBe('contacts.save("m"): Contact: expected a string, got 5');
    expect((await rejection(c.save({ mail: undefined as unknown as string, name: 'x', tags: [] }))).message).toMatch(/key field mail must be a string or a number/);
    expect((await rejection(c.get(NaN as unknown as string))).code).toBe('EINVAL');
    expect(await c.get('m')).toEqual({ mail: 'm', name: 'n', tags: [] });
    await db.close();
    expect((await rejection(c.get('m'))).code).toBe('ECLOSED');
  });

  it('refuses foreign data unless told to format, and formats blank pages', async () => {
    const mem = memoryPageStore(64, 512);
    mem.bytes.set([0xeb, 0x58, 0x90], 0); // a FAT boot sector's jump
    const e = await rejection(openStore(mem));
    expect(e.code).toBe('ENOTSTORE');
    expect(e.message).toBe('not a records store: its first pages hold other data (open with { format: true } to erase it)');
    const db = await openStore(mem, { format: true });
    expect(db.collections()).toEqual([]);
    expect((await rejection(openStore(memoryPageStore(8, 512)))).message).toMatch(/needs at least 18 pages/);
    await db.close();
    expect((await rejection(openStore(memoryPageStore(32, 1024, mem.bytes)))).message).toBe('the store was formatted with 512-byte pages, opened with 1024');
    const big = memoryPageStore(32, 4096);
    await (await openStore(big)).close();
    expect((await rejection(openStore(memoryPageStore(256, 512, big.bytes)))).message).toBe('the store was formatted with 4096-byte pages, opened with 512');
  });

  it('groups writes issued together into one commit', async () => {
    const db = await openStore(memoryPageStore(256, 4096));
    const notes = db.records<Note>('notes', { key: 'id' }, noteCodec);
    await notes.save({ id: -1, text: 'first' });
    const before = db.stats().commits;
    await Promise.all(Array.from({ length: 100 }, (_, i) => notes.save({ id: i, text: 'n' + i })));
    expect(db.stats().commits - before).toBeLessThanOrEqual(2);
    expect(notes.count()).toBe(101);
  });

  it('keeps an acknowledged value when a later write fails, and then refuses writes until reopened', async () => {
    const mem = memoryPageStore(64, 1024);
    let failWrites = false;
    const flaky = { ...mem, write: (p: number, b: Uint8Array) => failWrites ? Promise.reject(new Error('EIO')) : mem.write(p, b) };
    const db = await openStore(flaky);
    const notes = db.records<Note>('notes', { key: 'id' }, noteCodec);
    await notes.save({ id: 1, text: 'kept' });
    failWrites = true;
    const failed = await rejection(notes.save({ id: 1, text: 'lost' }));
    expect(failed.code).toBe('EFAILED');
    expect(failed.message).toBe('the store stopped after a failed write (EIO); reopen it');
    expect(await notes.get(1).catch((e: RecordsError) => e.code)).toBe('EFAILED');
    expect((await rejection(notes.save({ id: 2, text: 'x' }))).message).toMatch(/stopped after a failed write \(EIO\); reopen it/);
    failWrites = false;
    const again = await reopen(mem.bytes, 64, 1024);
    expect(await again.records<Note>('notes', { key: 'id' }, noteCodec).get(1)).toEqual({ id: 1, text: 'kept' });
  });

  it('accepts a codec generated for the same type under another name', async () => {
    const db = await openStore(memoryPageStore(64, 1024));
    const c = db.records<Contact>('contacts', { key: 'mail' }, codecFor<Contact>(CONTACT_SRC.replace('Contact', 'Person'), 'Person') as RecordCodec<Contact>);
    await c.save({ mail: 'm', name: 'n', tags: [] });
    expect(c.count()).toBe(1);
  });
});
