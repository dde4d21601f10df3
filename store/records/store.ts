/*
 * A records store: typed collections in one log on one page store. An app
 * opens it once over its block device and asks it for collections:
 *
 *   const db = await openStore(data);
 *   const contacts = db.records<Contact>('contacts', { key: 'mail', index: ['name'] });
 *
 * The build turns `records<Contact>(...)` into a call that also passes the
 * codec generated for Contact; the store keeps the codec's schema hash with
 * the collection and refuses to open it later under a different type.
 */
import type { BlockDevice } from '../../drivers/interfaces';
import type { RecordCodec } from './codec';
import { TypedCollection, type Collection, type RecordsOptions } from './collection';
import { RecordsError } from './errors';
import { encodeCatalog, type CatalogInfo } from './format';
import { Journal, type JournalStats } from './journal';
import { blockPageStore, DEFAULT_PAGE_SIZE, type PageStore } from './page-store';
import { StoreState, type CollectionState, type Slot } from './state';

export interface StoreOptions {
  /** Page size when the target is a BlockDevice (default 4096). */
  pageSize?: number;
  /** Erase the device and start an empty store (default: only a blank device is formatted). */
  format?: boolean;
  /** Pages kept in memory for reads (default 512: 2 MiB of 4 KiB pages). */
  cachePages?: number;
}

export interface StoreStats extends JournalStats {
  collections: { [name: string]: number };
}

export interface RecordStore {
  /**
   * The collection `name` of values of type T. The build supplies `codec`
   * from T; code built without the nymote build (plain tsc, Node) gets an
   * ENOCODEC error unless it passes one (tests: codecFor in build/testing).
   */
  records<T>(name: string, options: RecordsOptions<T>, codec?: RecordCodec<T>): Collection<T>;
  /** Names of the collections in the store, opened in this session or not. */
  collections(): string[];
  stats(): StoreStats;
  /** Waits for pending writes, then closes; later calls fail with ECLOSED. */
  close(): Promise<void>;
}

function isBlockDevice(t: BlockDevice | PageStore): t is BlockDevice {
  return typeof (t as BlockDevice).sectorSize === 'number';
}

/** Opens (or, on a blank device, creates) the records store on a block device or page store. */
export async function openStore(target: BlockDevice | PageStore, options: StoreOptions = {}): Promise<RecordStore> {
  const pages = isBlockDevice(target) ? blockPageStore(target, options.pageSize || DEFAULT_PAGE_SIZE) : target;
  const state = new StoreState();
  const journal = await Journal.open(pages, state.hooks(), { format: options.format, cachePages: options.cachePages });
  state.finishReplay();
  return new Store(journal, state);
}

interface Waiter {
  append: () => Promise<void>;
  /** Given the append's promise: settles as it does. */
  resolve: (append: Promise<void>) => void;
  reject: (e: unknown) => void;
}

interface Opened {
  collection: Collection<unknown>;
  hash: string;
  key: string;
  index: string;
}

class Store implements RecordStore {
  private closed = false;
  private opened = new Map<string, Opened>();
  /** Collections whose catalog entry is not durable yet: their waiting writes (null: to register again). */
  private registering = new Map<number, Waiter[] | null>();

  constructor(private readonly journal: Journal, private readonly state: StoreState) {}

  private check(): void {
    if (this.closed) throw new RecordsError('ECLOSED', 'the store is closed');
    const failed = this.journal.failed();
    if (failed) throw failed;
  }

  records<T>(name: string, options: RecordsOptions<T>, codec?: RecordCodec<T>): Collection<T> {
    this.check();
    if (!codec) {
      throw new RecordsError('ENOCODEC', 'records(' + JSON.stringify(name) + '): no codec for the record type. The nymote build generates it ' +
        'from the type argument (records<Contact>(...)); code compiled another way (plain tsc, Node) must pass one');
    }
    if (typeof name !== 'string' || !name) throw new RecordsError('EINVAL', 'a collection name is a non-empty string');
    const key = options && options.key;
    if (typeof key !== 'string' || !key) throw new RecordsError('EINVAL', name + ': options.key must name the key field');
    const index = (options.index || []).slice();
    for (let i = 0; i < index.length; i++) {
      if (typeof index[i] !== 'string' || index.indexOf(index[i]) !== i) throw new RecordsError('EINVAL', name + ': options.index must list distinct field names');
    }
    const indexText = index.join(',');
    const known = this.opened.get(name);
    if (known) {
      if (known.hash !== codec.hash || known.key !== key || known.index !== indexText) {
        throw new RecordsError('EINVAL', name + ': already opened with another type, key or indexes in this session');
      }
      return known.collection as unknown as Collection<T>;
    }
    let c = this.state.byName.get(name);
    if (c && c.info) {
      if (c.info.hash !== codec.hash) {
        throw new RecordsError('ESCHEMA', 'collection ' + JSON.stringify(name) + ' holds records of another type: stored as ' + c.info.type + ' ' + c.info.schema +
          ', opened as ' + codec.type + ' ' + codec.schema + ' (schema ' + c.info.hash + ' vs ' + codec.hash + ')');
      }
      if (c.info.keyField !== key) {
        throw new RecordsError('EINVAL', 'collection ' + JSON.stringify(name) + ' is keyed by ' + c.info.keyField + ', opened with key ' + key);
      }
    } else {
      const info: CatalogInfo = { id: this.state.nextCollectionId(), type: codec.type, schema: codec.schema, hash: codec.hash, keyField: key };
      c = this.state.addCollection(info, name);
      void this.register(c, info);
    }
    const registered = c;
    const collection = new TypedCollection<T>({
      state: this.state,
      journal: this.journal,
      whenRegistered: (append) => this.whenRegistered(registered, append),
      check: () => { this.check(); },
    }, c, codec, key, index);
    this.opened.set(name, { collection: collection as unknown as Collection<unknown>, hash: codec.hash, key: key, index: indexText });
    return collection;
  }

  /**
   * Appends the catalog entry of a new collection. Its writes wait in
   * `waiting` and are appended synchronously, in call order, the moment the
   * entry is durable, so the log keeps every key's writes in call order.
   */
  private async register(c: CollectionState, info: CatalogInfo): Promise<void> {
    const catalog = this.state.catalog;
    const s = catalog.slot(c.name, true) as Slot;
    const op = catalog.newOp(true, encodeCatalog(c.name, info), 0, null);
    const waiting: Waiter[] = [];
    this.registering.set(c.id, waiting);
    catalog.changeVisible(s, () => { s.pending.push(op); });
    try {
      await this.journal.append(op.payload, (pos) => { this.state.commit(catalog, s, op, pos); });
    } catch (e) {
      this.state.revert(catalog, s, op);
      // The collection's next write registers it again.
      this.registering.set(c.id, null);
      for (let i = 0; i < waiting.length; i++) waiting[i].reject(e);
      return;
    }
    this.registering.delete(c.id);
    // Each waiting write settles as its append does.
    for (let i = 0; i < waiting.length; i++) waiting[i].resolve(waiting[i].append());
  }

  private whenRegistered(c: CollectionState, append: () => Promise<void>): Promise<void> {
    let waiting = this.registering.get(c.id);
    if (waiting === undefined) return append();
    if (waiting === null) {
      void this.register(c, c.info as CatalogInfo);
      waiting = this.registering.get(c.id) as Waiter[];
    }
    const list = waiting;
    return new Promise<void>((resolve, reject) => { list.push({ append: append, resolve: resolve, reject: reject }); });
  }

  collections(): string[] {
    const names: string[] = [];
    this.state.byName.forEach((_c, name) => { names.push(name); });
    return names.sort();
  }

  stats(): StoreStats {
    const s = this.journal.stats() as StoreStats;
    s.collections = {};
    this.state.byName.forEach((c, name) => { s.collections[name] = c.visibleCount; });
    return s;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return this.journal.close();
  }
}
