/*
 * The storage a records store lives on: fixed-size pages, read and written
 * whole, made durable by flush(). Small on purpose, so that a BlockDevice,
 * a file on a filesystem (read(pos, buf)/write(pos, data)/flush()) or plain
 * memory can back it.
 */
import type { BlockDevice } from '../../drivers/interfaces';
import { RecordsError } from './errors';

export interface PageStore {
  /** Bytes per page: a power of two, at least 512. */
  readonly pageSize: number;
  /** Number of pages. */
  readonly pages: number;
  /** Reads buf.length / pageSize pages starting at `page` into buf. */
  read(page: number, buf: Uint8Array): Promise<void>;
  /** Writes buf (whole pages) at `page`; durable only after flush(). */
  write(page: number, buf: Uint8Array): Promise<void>;
  /** Resolves once every completed write is durable. */
  flush(): Promise<void>;
}

export const DEFAULT_PAGE_SIZE = 4096;

function checkPageSize(pageSize: number): void {
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
    throw new RecordsError('EINVAL', 'page size ' + pageSize + ' must be a power of two of at least 512');
  }
}

function rangeError(store: { pageSize: number; pages: number }, page: number, buf: Uint8Array): RecordsError | null {
  if (buf.length === 0 || buf.length % store.pageSize !== 0) {
    return new RecordsError('EINVAL', 'buffer of ' + buf.length + ' bytes is not a whole number of ' + store.pageSize + '-byte pages');
  }
  if (page < 0 || page + buf.length / store.pageSize > store.pages || page !== Math.floor(page)) {
    return new RecordsError('EINVAL', 'pages ' + page + '+' + buf.length / store.pageSize + ' out of range (' + store.pages + ' pages)');
  }
  return null;
}

/** Runs io() unless the range is bad; a bad range rejects (never throws: split-phase). */
function checked(store: { pageSize: number; pages: number }, page: number, buf: Uint8Array, io: () => Promise<unknown>): Promise<void> {
  const bad = rangeError(store, page, buf);
  // eslint-disable-next-line promise/prefer-await-to-then -- hot path: runs per page read or written; as an async function it cost 200k more instructions per uncached get in Duktape (+23%)
  return bad ? Promise.reject(bad) : io().then(noop);
}

function noop(): void { /* the store resolves with nothing */ }

/** Pages over a whole block device (each page is pageSize / sectorSize sectors). */
export function blockPageStore(block: BlockDevice, pageSize = DEFAULT_PAGE_SIZE): PageStore {
  checkPageSize(pageSize);
  if (pageSize % block.sectorSize !== 0) {
    throw new RecordsError('EINVAL', 'page size ' + pageSize + ' is not a multiple of the sector size ' + block.sectorSize);
  }
  const perPage = pageSize / block.sectorSize;
  const store: PageStore = {
    pageSize: pageSize,
    pages: Math.floor(block.sectors / perPage),
    read: function (page, buf) {
      return checked(store, page, buf, () => block.read(page * perPage, buf));
    },
    write: function (page, buf) {
      return checked(store, page, buf, () => block.write(page * perPage, buf));
    },
    flush: function () {
      return block.flush();
    },
  };
  return store;
}

/** A byte-addressed file, e.g. an open file on a filesystem. */
export interface ByteFile {
  /** Current size in bytes; the store uses the whole pages below it. */
  readonly size: number;
  read(position: number, buf: Uint8Array): Promise<unknown>;
  write(position: number, data: Uint8Array): Promise<unknown>;
  flush(): Promise<void>;
}

/** Pages over a file: page n is the bytes [n * pageSize, (n + 1) * pageSize). */
export function filePageStore(file: ByteFile, pageSize = DEFAULT_PAGE_SIZE): PageStore {
  checkPageSize(pageSize);
  const store: PageStore = {
    pageSize: pageSize,
    pages: Math.floor(file.size / pageSize),
    read: function (page, buf) {
      return checked(store, page, buf, () => file.read(page * pageSize, buf));
    },
    write: function (page, buf) {
      return checked(store, page, buf, () => file.write(page * pageSize, buf));
    },
    flush: function () {
      return file.flush();
    },
  };
  return store;
}

export interface MemoryPageStore extends PageStore {
  /** The pages, for tests that look at or damage them. */
  readonly bytes: Uint8Array;
}

/** Pages in memory: gone with the program, for tests and scratch data. */
export function memoryPageStore(pages: number, pageSize = DEFAULT_PAGE_SIZE, bytes?: Uint8Array): MemoryPageStore {
  checkPageSize(pageSize);
  const data = bytes || new Uint8Array(pages * pageSize);
  if (data.length < pages * pageSize) throw new RecordsError('EINVAL', 'backing array too small');
  const store: MemoryPageStore = {
    pageSize: pageSize,
    pages: pages,
    bytes: data,
    read: function (page, buf) {
      return checked(store, page, buf, async () => {
        await null; // completes on a later turn, as a device does
        buf.set(data.subarray(page * pageSize, page * pageSize + buf.length));
      });
    },
    write: function (page, buf) {
      // Copied now: the caller may reuse buf once the promise settles.
      const copy = new Uint8Array(buf.length);
      copy.set(buf);
      return checked(store, page, buf, async () => {
        await null; // completes on a later turn, as a device does
        data.set(copy, page * pageSize);
      });
    },
    flush: function () {
      return Promise.resolve();
    },
  };
  return store;
}
