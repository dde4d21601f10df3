/*
 * A bounded map from request paths to what the file server resolved them
 * to, oldest out first. Bounded by bytes (the files' contents kept, plus
 * a fixed charge per entry, so a client asking for endless spellings of
 * one path cannot grow it without bound). Knows nothing of staleness: the
 * file server clears it when its source's generation moves.
 */

/** What an entry costs besides the bytes it keeps: its key, its objects. */
const ENTRY_OVERHEAD = 256;

export class FileCache<T> {
  private entries: { [key: string]: { value: T; bytes: number } } = Object.create(null);
  /** Keys, oldest first. */
  private order: string[] = [];
  private used = 0;

  constructor(readonly maxBytes: number) {}

  get(key: string): T | null {
    const e = this.entries[key];
    return e === undefined ? null : e.value;
  }

  /** Keeps `value`, evicting the oldest entries until it fits; one larger than the whole cache is not kept. */
  put(key: string, value: T, bytes: number): void {
    const cost = bytes + ENTRY_OVERHEAD + key.length;
    if (cost > this.maxBytes) return;
    this.remove(key);
    while (this.used + cost > this.maxBytes && this.order.length > 0) this.remove(this.order[0]);
    this.entries[key] = { value: value, bytes: cost };
    this.order.push(key);
    this.used += cost;
  }

  clear(): void {
    this.entries = Object.create(null);
    this.order = [];
    this.used = 0;
  }

  /** Bytes charged now (tests). */
  get size(): number {
    return this.used;
  }

  private remove(key: string): void {
    const e = this.entries[key];
    if (e === undefined) return;
    delete this.entries[key];
    this.order.splice(this.order.indexOf(key), 1);
    this.used -= e.bytes;
  }
}
