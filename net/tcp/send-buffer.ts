/*
 * The send buffer: bytes the application wrote that the peer has not yet
 * acknowledged, from SND.UNA on (sent-but-unacknowledged first, then
 * unsent). A ring over one Uint8Array that grows on demand up to its
 * capacity, so an idle connection holds little memory and a busy one never
 * holds more than its limit. Segments copy straight out of it.
 */

const INITIAL_STORAGE = 2048;
const NO_STORAGE = new Uint8Array(0);

export class SendBuffer {
  private storage: Uint8Array;
  private head = 0;
  private used = 0;

  constructor(readonly capacity: number) {
    // Storage comes with the first write: half-open connections hold none.
    this.storage = NO_STORAGE;
  }

  /** Bytes held (unacknowledged plus unsent). */
  get length(): number {
    return this.used;
  }

  /** Room left before the capacity. */
  get free(): number {
    return this.capacity - this.used;
  }

  /** Copies as much of data[from…] as fits; returns how many bytes were taken. */
  append(data: Uint8Array, from = 0): number {
    let n = data.length - from;
    if (n > this.free) n = this.free;
    if (n <= 0) return 0;
    this.reserve(this.used + n);
    const size = this.storage.length;
    const tail = (this.head + this.used) % size;
    const first = Math.min(n, size - tail);
    this.storage.set(data.subarray(from, from + first), tail);
    if (n > first) this.storage.set(data.subarray(from + first, from + n), 0);
    this.used += n;
    return n;
  }

  /** Drops `n` bytes from the front (they were acknowledged). */
  consume(n: number): void {
    if (n <= 0) return;
    if (n >= this.used) {
      this.head = 0;
      this.used = 0;
      return;
    }
    this.head = (this.head + n) % this.storage.length;
    this.used -= n;
  }

  /** Copies `n` bytes starting `offset` bytes after the front into dst[dstAt…]. */
  copyOut(offset: number, n: number, dst: Uint8Array, dstAt: number): void {
    const size = this.storage.length;
    const start = (this.head + offset) % size;
    const first = Math.min(n, size - start);
    dst.set(this.storage.subarray(start, start + first), dstAt);
    if (n > first) dst.set(this.storage.subarray(0, n - first), dstAt + first);
  }

  /** Frees the storage (the connection is gone). */
  release(): void {
    this.storage = NO_STORAGE;
    this.head = 0;
    this.used = 0;
  }

  private reserve(needed: number): void {
    const size = this.storage.length;
    if (needed <= size) return;
    let grown = size < INITIAL_STORAGE ? INITIAL_STORAGE : size;
    while (grown < needed) grown *= 2;
    if (grown > this.capacity) grown = this.capacity;
    const next = new Uint8Array(grown);
    // Linearise: the front moves to index 0.
    const first = Math.min(this.used, size - this.head);
    if (size > 0) {
      next.set(this.storage.subarray(this.head, this.head + first), 0);
      if (this.used > first) next.set(this.storage.subarray(0, this.used - first), first);
    }
    this.storage = next;
    this.head = 0;
  }
}
