/*
 * In-order bytes received and not yet read by the application. Each
 * segment's bytes are copied exactly once: into a buffer of their own size
 * when nothing else is unread (one message, one exact copy), else appended
 * to a block shared with the segments queued before, so a bulk reader takes
 * many segments per read() and a peer sending one byte per segment cannot
 * make us hold one object per byte.
 */

/** Owned chunks below this size are gathered into blocks too. */
const SMALL_CHUNK = 1024;
/**
 * Bytes behind other unread bytes gather in blocks of this size: a read per
 * block, not per segment, is most of what a bulk receiver saves (each read
 * resolves a promise and resumes the reader).
 */
const BLOCK = 32768;

export class ReceiveQueue {
  private chunks: Uint8Array[] = [];
  private first = 0;
  /** The last queued chunk while it is a block with room left (its used part is blockFill bytes). */
  private block: Uint8Array | null = null;
  private blockFill = 0;
  /** Bytes queued and unread; the receive window is what the buffer has left. */
  bytes = 0;

  /** Queues a copy of `data` (a view the caller may reuse). */
  append(data: Uint8Array): void {
    const n = data.length;
    if (n === 0) return;
    this.bytes += n;
    const block = this.block;
    if (block && this.blockFill + n <= block.length) {
      block.set(data, this.blockFill);
      this.blockFill += n;
      return;
    }
    this.closeBlock();
    if (this.first >= this.chunks.length) {
      const own = new Uint8Array(n);
      own.set(data);
      this.chunks.push(own);
      return;
    }
    const fresh = new Uint8Array(n > BLOCK ? n : BLOCK);
    fresh.set(data);
    this.chunks.push(fresh);
    if (n < fresh.length) {
      this.block = fresh;
      this.blockFill = n;
    }
  }

  /** Queues `chunk` itself (the caller gives it up); small ones are copied into a block. */
  push(chunk: Uint8Array): void {
    if (chunk.length < SMALL_CHUNK) {
      this.append(chunk);
      return;
    }
    this.closeBlock();
    this.bytes += chunk.length;
    this.chunks.push(chunk);
  }

  /** Ends appending to the open block: the queue keeps its used part only. */
  private closeBlock(): void {
    const block = this.block;
    if (!block) return;
    this.chunks[this.chunks.length - 1] = block.subarray(0, this.blockFill);
    this.block = null;
  }

  /** The oldest unread bytes (a whole block at most), or null when none are queued. */
  take(): Uint8Array | null {
    if (this.first >= this.chunks.length) return null;
    if (this.first === this.chunks.length - 1) this.closeBlock();
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
    this.block = null;
    this.bytes = 0;
  }
}

const EMPTY = /* @__PURE__ */ new Uint8Array(0);
