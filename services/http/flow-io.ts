/*
 * A Flow with deadlines: reads, writes and closes that give up after a
 * time on the Scheduler, so a client that stops sending or stops reading
 * cannot hold a connection (and its memory) forever.
 */
import type { Flow } from '../../net/types';
import type { Scheduler } from '../../lib/scheduler';

export type ReadResult =
  | { kind: 'data'; data: Uint8Array }
  | { kind: 'end' }
  | { kind: 'timeout' }
  | { kind: 'error' };

/** Whether `p` settles within `ms` (its outcome is ignored either way). */
export function settlesWithin(p: Promise<unknown>, scheduler: Scheduler, ms: number): Promise<boolean> {
  return new Promise<boolean>(function (resolve) {
    let done = false;
    const timer = scheduler.after(Math.max(0, ms), function () {
      if (!done) { done = true; resolve(false); }
    });
    const settle = function (): void {
      if (!done) { done = true; timer.cancel(); resolve(true); }
    };
    p.then(settle, settle);
  });
}

/**
 * Reads with a timeout. A read that timed out is still outstanding on the
 * flow; the next read() waits on it rather than starting a second one.
 */
export class FlowReader {
  private pending: Promise<ReadResult> | null = null;

  constructor(private readonly flow: Flow, private readonly scheduler: Scheduler) {}

  read(ms: number): Promise<ReadResult> {
    if (!this.pending) {
      this.pending = this.flow.read().then(function (data): ReadResult {
        return data === null ? { kind: 'end' } : { kind: 'data', data: data };
      }, function (): ReadResult {
        return { kind: 'error' };
      });
    }
    const p = this.pending;
    const self = this;
    return new Promise<ReadResult>(function (resolve) {
      let done = false;
      const timer = self.scheduler.after(Math.max(0, ms), function () {
        if (!done) { done = true; resolve({ kind: 'timeout' }); }
      });
      p.then(function (r) {
        if (done) return;
        done = true;
        timer.cancel();
        if (self.pending === p) self.pending = null;
        resolve(r);
      });
    });
  }
}

/** Writes `data`; false when the write failed or did not complete within `ms` (the caller aborts). */
export function writeWithin(flow: Flow, data: Uint8Array, scheduler: Scheduler, ms: number): Promise<boolean> {
  let ok = false;
  const write = flow.write(data).then(function () { ok = true; }, function () { ok = false; });
  return settlesWithin(write, scheduler, ms).then(function (inTime) { return inTime && ok; });
}

/** Octets read and thrown away while lingering before we stop listening and reset. */
const MAX_DRAIN_BYTES = 1048576;

/**
 * Closes our side (FIN after what was written), then keeps reading and
 * discarding until the peer closes too, for at most `lingerMs`. Closing
 * while the peer's data sits unread makes a kernel reset the connection,
 * which can destroy a response the peer has not read yet (an error sent
 * in the middle of an upload). Resets the connection unless both sides
 * had closed by then, so a peer that neither closes nor stops sending
 * cannot keep it half-open.
 */
export function closeGracefully(flow: Flow, reader: FlowReader, scheduler: Scheduler, lingerMs: number): Promise<void> {
  const deadline = scheduler.now() + lingerMs;
  let closed = false;
  let closing: Promise<void>;
  try {
    closing = flow.close().then(function () { closed = true; }, function () { closed = true; });
  } catch (e) {
    closing = Promise.resolve();
    closed = true;
  }
  let drained = 0;
  let peerEnded = false;
  const drain = function (): Promise<void> {
    const left = deadline - scheduler.now();
    if (left <= 0 || drained > MAX_DRAIN_BYTES) return Promise.resolve();
    return reader.read(left).then(function (r) {
      if (r.kind === 'end') peerEnded = true;
      if (r.kind !== 'data') return;
      drained += r.data.length;
      return drain();
    });
  };
  return drain()
    .then(function () { return closed ? true : settlesWithin(closing, scheduler, deadline - scheduler.now()); })
    .then(function () { if (!closed || !peerEnded) flow.abort(); });
}
