/*
 * In-order bytes received and not yet read by the application: a queue of
 * the (copied) segment payloads, handed to read() one chunk at a time, so
 * each full-sized segment's bytes are copied exactly once.
 */

/** Chunks up to this size are merged on arrival (bounds objects per byte held). */
const SMALL_CHUNK = 1024;

export class ReceiveQueue {
  private chunks: Uint8Array[] = [];
  private first = 0;
  /** Bytes queued and unread; the receive window is what the buffer has left. */
  bytes = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    // Small segments are merged into the last small chunk: a peer sending
    // one byte per segment must not make us hold one object per byte.
    const last = this.chunks.length > this.first ? this.chunks[this.chunks.length - 1] : null;
    if (last && last.length + chunk.length <= SMALL_CHUNK) {
      const merged = new Uint8Array(last.length + chunk.length);
      merged.set(last);
      merged.set(chunk, last.length);
      this.chunks[this.chunks.length - 1] = merged;
      return;
    }
    this.chunks.push(chunk);
  }

  /** The oldest unread chunk, or null when none is queued. */
  take(): Uint8Array | null {
    if (this.first >= this.chunks.length) return null;
    const chunk = this.chunks[this.first];
    this.chunks[this.first] = EMPTY;
    this.first++;
    // Compact now and then instead of shifting on every read.
    if (this.first >= this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first > 32 && this.first * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
    this.bytes -= chunk.length;
    return chunk;
  }

  clear(): void {
    this.chunks = [];
    this.first = 0;
    this.bytes = 0;
  }
}

const EMPTY = new Uint8Array(0);
