/*
 * Typed records: values of a TS type saved and queried with no conversion
 * code (the Mirage paper's storage extension, HotCloud 2010 §3.3). The
 * build generates each type's codec from the type argument of records<T>()
 * (store/records/build/); this module is what runs in the image.
 *
 *   import { defineApp, openStore } from 'nymote';
 *   interface Contact { mail: string; name: string; phone?: string; tags: string[] }
 *
 *   const db = await openStore(data);                 // a BlockDevice (or a PageStore)
 *   const contacts = db.records<Contact>('contacts', { key: 'mail', index: ['name'] });
 *   await contacts.save({ mail: 'ada@example.org', name: 'Ada', tags: [] });
 *   await contacts.get('ada@example.org');            // Contact | undefined
 *   await contacts.query({ index: 'name', equals: 'Ada' });
 *   await contacts.delete('ada@example.org');
 *
 * records<Contact>('contacts', { key: 'mail', store: db }) is the same call
 * as a free function.
 */
import type { RecordCodec } from './codec';
import type { Collection, RecordsOptions } from './collection';
import type { RecordStore } from './store';

export { openStore, type RecordStore, type StoreOptions, type StoreStats } from './store';
export type { Collection, RecordsOptions, Query, KeyField, IndexField, KeyOf } from './collection';
export type { RecordCodec } from './codec';
export { RecordsError, type RecordsErrorCode } from './errors';
export { fatFilePageStore } from './fat32-file';
export { blockPageStore, filePageStore, memoryPageStore, type PageStore, type ByteFile, type MemoryPageStore } from './page-store';
export { Reader, Writer } from './binary';

/** records<T>(name, { key, index, store }): db.records<T>(name, { key, index }) as a function. */
export function records<T>(name: string, options: RecordsOptions<T> & { store: RecordStore }, codec?: RecordCodec<T>): Collection<T> {
  return options.store.records<T>(name, { key: options.key, index: options.index }, codec);
}
