/*
 * The chunked transfer coding (RFC 9112 §7.1) both ways: an encoder for
 * response bodies, and a decoder for request bodies that works through the
 * parser's queue, ignores chunk extensions, and reads and drops trailers.
 */
import { ByteQueue, LineReader, fromLatin1 } from './bytes';
import { HttpError } from './errors';
import { parseFieldLine } from './fields';

/** The zero-length last chunk with an empty trailer section. */
export const LAST_CHUNK = new Uint8Array([0x30, 0x0d, 0x0a, 0x0d, 0x0a]);

/** One chunk: size in hex, CRLF, the data, CRLF (no chunk for empty data: that would end the body). */
export function encodeChunk(data: Uint8Array): Uint8Array {
  if (data.length === 0) return new Uint8Array(0);
  const size = fromLatin1(data.length.toString(16) + '\r\n') as Uint8Array;
  const out = new Uint8Array(size.length + data.length + 2);
  out.set(size, 0);
  out.set(data, size.length);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}

export interface ChunkedLimits {
  /** Total decoded bytes allowed (413 past it). */
  maxBodyBytes: number;
  /** Longest chunk-size line, extensions included (400 past it). */
  maxLineBytes: number;
  /** Trailer section limits (431 past them). */
  maxTrailerBytes: number;
  maxTrailers: number;
}

/** Hex digits beyond leading zeros a size may have: 13 keeps it below 2^53. */
const MAX_SIZE_DIGITS = 13;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** The size of a chunk-size line; throws HttpError(400) when it is not one. */
function chunkSize(line: Uint8Array): number {
  let i = 0;
  let size = 0;
  let digits = 0;
  for (; i < line.length; i++) {
    const v = hexValue(line[i]);
    if (v < 0) break;
    if (digits > 0 || v > 0) digits++;
    if (digits > MAX_SIZE_DIGITS) throw new HttpError(400, 'chunk size too large');
    size = size * 16 + v;
  }
  if (i === 0) throw new HttpError(400, 'bad chunk size');
  // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ): checked for stray octets only, then ignored.
  while (i < line.length && (line[i] === 0x20 || line[i] === 0x09)) i++;
  if (i < line.length && line[i] !== 0x3b) throw new HttpError(400, 'bad chunk size');
  for (; i < line.length; i++) {
    const c = line[i];
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) throw new HttpError(400, 'bad chunk extension');
  }
  return size;
}

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

export class ChunkedDecoder {
  private state: State = 'size';
  private remaining = 0;
  private total = 0;
  private trailerBytes = 0;
  private trailers = 0;
  private readonly lines = new LineReader();

  constructor(private readonly limits: ChunkedLimits) {}

  get done(): boolean { return this.state === 'done'; }

  /** Whether any part of the body (or its framing) has arrived yet. */
  get started(): boolean { return this.state !== 'size' || this.total > 0; }

  /**
   * Decodes what `q` holds, appending data to `out`; stops at the end of the
   * body (leaving what follows in `q`) or when more bytes are needed.
   * Throws HttpError: 400 malformed, 413 too large, 431 trailers too large.
   */
  decode(q: ByteQueue, out: Uint8Array[]): void {
    for (;;) {
      if (this.state === 'size') {
        const line = this.lines.read(q);
        if (line === null) {
          if (q.length > this.limits.maxLineBytes) throw new HttpError(400, 'chunk size line too long');
          return;
        }
        if (line.length > this.limits.maxLineBytes) throw new HttpError(400, 'chunk size line too long');
        const size = chunkSize(line);
        if (this.total + size > this.limits.maxBodyBytes) throw new HttpError(413, 'body too large');
        this.total += size;
        this.remaining = size;
        this.state = size === 0 ? 'trailer' : 'data';
      } else if (this.state === 'data') {
        if (q.length === 0) return;
        const part = q.take(Math.min(this.remaining, q.length));
        out.push(part);
        this.remaining -= part.length;
        if (this.remaining === 0) this.state = 'data-end';
      } else if (this.state === 'data-end') {
        if (q.length === 0) return;
        const first = q.at(0);
        if (first === 0x0a) { q.skip(1); this.state = 'size'; continue; }
        if (first !== 0x0d) throw new HttpError(400, 'chunk data longer than its size');
        if (q.length < 2) return;
        if (q.at(1) !== 0x0a) throw new HttpError(400, 'chunk data longer than its size');
        q.skip(2);
        this.state = 'size';
      } else if (this.state === 'trailer') {
        const line = this.lines.read(q);
        if (line === null) {
          if (this.trailerBytes + q.length > this.limits.maxTrailerBytes) throw new HttpError(431, 'trailer section too large');
          return;
        }
        if (line.length === 0) { this.state = 'done'; return; }
        this.trailerBytes += line.length + 2;
        if (this.trailerBytes > this.limits.maxTrailerBytes || ++this.trailers > this.limits.maxTrailers) {
          throw new HttpError(431, 'trailer section too large');
        }
        parseFieldLine(line); // checked, then dropped: nothing here acts on trailers
      } else {
        return;
      }
    }
  }
}
