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
  return new Promise<boolean>((resolve) => {
    let done = false;
    const timer = scheduler.after(Math.max(0, ms), () => {
      if (!done) { done = true; resolve(false); }
    });
    const settle = (): void => {
      if (!done) { done = true; timer.cancel(); resolve(true); }
    };
    // eslint-disable-next-line promise/prefer-await-to-then -- hot path: runs per response write (writeWithin); HOTPATH_SETTLES
    p.then(settle, settle);
  });
}

/** Runs `then` once `p` has settled, either way; resolves after it. */
async function settled(p: Promise<unknown>, then: () => void): Promise<void> {
  try {
    await p;
  } catch (e) {
    // Only that it settled counts.
  }
  then();
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
      // eslint-disable-next-line promise/prefer-await-to-then -- hot path: runs per read of a request; HOTPATH_READ
      this.pending = this.flow.read().then((data): ReadResult => data === null ? { kind: 'end' } : { kind: 'data', data: data }, (): ReadResult => ({ kind: 'error' }));
    }
    const p = this.pending;
    return new Promise<ReadResult>((resolve) => {
      let done = false;
      const timer = this.scheduler.after(Math.max(0, ms), () => {
        if (!done) { done = true; resolve({ kind: 'timeout' }); }
      });
      // eslint-disable-next-line promise/prefer-await-to-then -- hot path: as above
      p.then((r) => {
        if (done) return;
        done = true;
        timer.cancel();
        if (this.pending === p) this.pending = null;
        resolve(r);
      });
    });
  }
}

/** Writes `data`; false when the write failed or did not complete within `ms` (the caller aborts). */
export function writeWithin(flow: Flow, data: Uint8Array, scheduler: Scheduler, ms: number): Promise<boolean> {
  let ok = false;
  // eslint-disable-next-line promise/prefer-await-to-then -- hot path: runs per response write (a response of up to 16 KiB is one, a file one per 16 KiB piece); HOTPATH_WRITE
  const write = flow.write(data).then(() => { ok = true; }, () => { ok = false; });
  // eslint-disable-next-line promise/prefer-await-to-then -- hot path: as above
  return settlesWithin(write, scheduler, ms).then((inTime) => inTime && ok);
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
export async function closeGracefully(flow: Flow, reader: FlowReader, scheduler: Scheduler, lingerMs: number): Promise<void> {
  const deadline = scheduler.now() + lingerMs;
  let closed = false;
  let closing: Promise<void>;
  try {
    closing = settled(flow.close(), () => { closed = true; });
  } catch (e) {
    closing = Promise.resolve();
    closed = true;
  }
  let drained = 0;
  let peerEnded = false;
  for (;;) {
    const left = deadline - scheduler.now();
    if (left <= 0 || drained > MAX_DRAIN_BYTES) break;
    const r = await reader.read(left);
    if (r.kind === 'end') peerEnded = true;
    if (r.kind !== 'data') break;
    drained += r.data.length;
  }
  if (!closed) await settlesWithin(closing, scheduler, deadline - scheduler.now());
  if (!closed || !peerEnded) flow.abort();
}
