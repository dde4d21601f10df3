/*
 * What the client needs of a connection to xenstored, and that connection
 * over the shared ring page. The ring adapter holds no I/O of its own: the
 * board glue passes `notify` (EVTCHNOP_send on the xenstore port) and calls
 * `onEvent()` whenever that port fires. Bytes that do not fit in req wait in
 * a queue until xenstored frees space (and says so with an event).
 */
import { readResponse, writeRequest, type RingBarriers, NO_BARRIERS } from './ring';

export interface XenstoreTransport {
  /** Queues bytes for xenstored (in order; never drops them). */
  write(bytes: Uint8Array): void;
  /** Registers the receiver of bytes from xenstored (one; a later call replaces it). */
  onData(cb: (chunk: Uint8Array) => void): void;
  /** Tells xenstored there is something to look at. */
  notify(): void;
}

export interface RingTransport extends XenstoreTransport {
  /** Call when the event channel fires: reads rsp, pushes queued requests, notifies if anything moved. */
  onEvent(): void;
  /** Bytes written by the client not yet in the ring. */
  readonly queued: number;
  /** Set when the ring's indices were found inconsistent (the connection is unusable). */
  readonly broken: boolean;
}

export interface RingTransportOptions {
  /** Sends an event to xenstored. */
  notify(): void;
  barriers?: RingBarriers;
}

export function createRingTransport(page: Uint8Array, options: RingTransportOptions): RingTransport {
  const barriers = options.barriers || NO_BARRIERS;
  const queue: Uint8Array[] = [];
  let queuedBytes = 0;
  let receiver: ((chunk: Uint8Array) => void) | null = null;
  let broken = false;

  /** Moves queued bytes into req; true if any moved. */
  function push(): boolean {
    let moved = false;
    while (queue.length > 0) {
      const head = queue[0];
      const n = writeRequest(page, head, barriers);
      if (n > 0) moved = true;
      queuedBytes -= n;
      if (n === head.length) queue.shift();
      else { queue[0] = head.subarray(n); break; }
    }
    return moved;
  }

  return {
    get queued() { return queuedBytes; },
    get broken() { return broken; },
    write(bytes) {
      if (bytes.length === 0) return;
      const own = new Uint8Array(bytes.length);
      own.set(bytes);
      queue.push(own);
      queuedBytes += own.length;
      push();
    },
    onData(cb) { receiver = cb; },
    notify() { options.notify(); },
    onEvent() {
      if (broken) return;
      let moved = false;
      for (;;) {
        const chunk = readResponse(page, 1024, barriers);
        if (chunk === null) { broken = true; break; }
        if (chunk.length === 0) break;
        moved = true;
        if (receiver) receiver(chunk);
      }
      if (push()) moved = true;
      if (moved) options.notify();
    },
  };
}
