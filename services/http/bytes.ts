/*
 * Byte plumbing shared by the parser and the writers: a queue of received
 * chunks read from the front without joining them, and the Latin-1 and
 * UTF-8 conversions HTTP needs (field lines are octets; bodies are UTF-8).
 */

/**
 * Received bytes not yet parsed. Holds the pushed chunks themselves (a
 * Flow hands out fresh buffers, so no copy is needed) and copies only when
 * a taken range spans two chunks.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Offset of the first unread byte in chunks[0]. */
  private offset = 0;
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The byte at `index` (0 = first unread). */
  at(index: number): number {
    let i = index + this.offset;
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c];
      if (i < chunk.length) return chunk[i];
      i -= chunk.length;
    }
    return -1;
  }

  /** The index of the first `byte` at or after `from`, or -1. */
  indexOf(byte: number, from: number): number {
    let base = 0;
    let skip = from + this.offset;
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c];
      if (skip >= chunk.length) { skip -= chunk.length; base += chunk.length; continue; }
      for (let i = skip; i < chunk.length; i++) if (chunk[i] === byte) return base + i - this.offset;
      skip = 0;
      base += chunk.length;
    }
    return -1;
  }

  /** A copy of the first `n` bytes (fewer when fewer are queued), left in the queue. */
  peek(n: number): Uint8Array {
    const out = new Uint8Array(Math.min(n, this.length));
    let filled = 0;
    let from = this.offset;
    for (let c = 0; c < this.chunks.length && filled < out.length; c++) {
      const chunk = this.chunks[c];
      const part = Math.min(out.length - filled, chunk.length - from);
      out.set(chunk.subarray(from, from + part), filled);
      filled += part;
      from = 0;
    }
    return out;
  }

  /** Removes and returns the first `n` bytes (a view when they sit in one chunk). */
  take(n: number): Uint8Array {
    if (n > this.length) n = this.length;
    const first = this.chunks[0];
    if (n === 0) return new Uint8Array(0);
    if (this.offset + n <= first.length) {
      const view = first.subarray(this.offset, this.offset + n);
      this.skip(n);
      return view;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0];
      const part = Math.min(n - filled, chunk.length - this.offset);
      out.set(chunk.subarray(this.offset, this.offset + part), filled);
      filled += part;
      this.skip(part);
    }
    return out;
  }

  skip(n: number): void {
    this.length -= n;
    while (n > 0) {
      const left = this.chunks[0].length - this.offset;
      if (n < left) { this.offset += n; return; }
      n -= left;
      this.chunks.shift();
      this.offset = 0;
    }
  }
}

/** Octets as a string of the same char codes (header fields are Latin-1 at most). */
export function latin1(bytes: Uint8Array, from = 0, to = bytes.length): string {
  // One native call for a short range (a field line, a request line): the loop below costs an operation an octet.
  if (to - from <= 4096) return to > from ? String.fromCharCode.apply(null, bytes.subarray(from, to) as unknown as number[]) : '';
  let out = '';
  const codes: number[] = [];
  for (let i = from; i < to; i++) {
    codes.push(bytes[i]);
    if (codes.length === 4096) { out += String.fromCharCode.apply(null, codes); codes.length = 0; }
  }
  return out + String.fromCharCode.apply(null, codes);
}

/** A string of char codes ≤ 0xFF as octets; null when one is wider (it cannot go in a field). */
export function fromLatin1(s: string): Uint8Array | null {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return null;
    out[i] = c;
  }
  return out;
}

export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** UTF-8 to a string; null when the bytes are not UTF-8. */
export function fromUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    return null;
  }
}

export function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (let i = 0; i < parts.length; i++) n += parts[i].length;
  const out = new Uint8Array(n);
  let at = 0;
  for (let i = 0; i < parts.length; i++) { out.set(parts[i], at); at += parts[i].length; }
  return out;
}

/**
 * Takes lines off a ByteQueue. A line ends at LF, and a CR just before the
 * LF is dropped (RFC 9112 §2.2 lets a recipient accept a bare LF); any other
 * CR stays in the line for the caller's octet checks to refuse. Remembers
 * how far it has looked, so a line arriving a byte at a time is scanned once.
 */
export class LineReader {
  private scanned = 0;

  /** The next line without its ending, or null while it is incomplete. */
  read(q: ByteQueue): Uint8Array | null {
    const lf = q.indexOf(0x0a, this.scanned);
    if (lf < 0) { this.scanned = q.length; return null; }
    this.scanned = 0;
    const line = q.take(lf + 1);
    const end = line.length >= 2 && line[line.length - 2] === 0x0d ? line.length - 2 : line.length - 1;
    return line.subarray(0, end);
  }
}
