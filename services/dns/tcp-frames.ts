/*
 * DNS over TCP frames each message with a 2-byte length (RFC 1035 §4.2.2).
 * Segments cut messages anywhere, so this gathers bytes until a whole one
 * is in; several may arrive in one read (pipelining, RFC 7766 §6.2.1).
 */
export class FrameReader {
  private pending: Uint8Array = new Uint8Array(0);

  /** The complete messages `chunk` finishes, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    let buf = chunk;
    if (this.pending.length > 0) {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending);
      buf.set(chunk, this.pending.length);
    }
    const out: Uint8Array[] = [];
    let at = 0;
    while (buf.length - at >= 2) {
      const length = (buf[at] << 8) | buf[at + 1];
      if (buf.length - at - 2 < length) break;
      out.push(buf.subarray(at + 2, at + 2 + length));
      at += 2 + length;
    }
    // Copy the tail: the caller may reuse the chunk's buffer once we return.
    this.pending = at === buf.length ? new Uint8Array(0) : copy(buf.subarray(at));
    return out;
  }

  /** Bytes of an unfinished message held. */
  get buffered(): number { return this.pending.length; }
}

function copy(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
}

/** A message with its length in front, as one buffer (one write, one segment where it fits). */
export function frame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(message.length + 2);
  out[0] = message.length >>> 8;
  out[1] = message.length & 0xff;
  out.set(message, 2);
  return out;
}
