/*
 * Recently written and read pages, so that reading back a record just
 * saved (or read again soon) costs no I/O. Least recently used goes first;
 * a Map keeps insertion order, and a hit re-inserts its page.
 */
export interface CachedPage {
  bytes: Uint8Array;
  /** Written by this session (as opposed to read back from the medium). */
  own: boolean;
}

export class PageCache {
  private pages = new Map<number, CachedPage>();
  constructor(private readonly capacity: number) {}

  get(page: number): CachedPage | undefined {
    const hit = this.pages.get(page);
    if (hit) {
      this.pages.delete(page);
      this.pages.set(page, hit);
    }
    return hit;
  }

  put(page: number, bytes: Uint8Array, own: boolean): void {
    if (this.capacity <= 0) return;
    this.pages.delete(page);
    this.pages.set(page, { bytes: bytes, own: own });
    if (this.pages.size > this.capacity) {
      const oldest = this.pages.keys().next();
      if (!oldest.done) this.pages.delete(oldest.value);
    }
  }

  clear(): void {
    this.pages.clear();
  }
}
