/*
 * A Flow with deadlines: reads, writes and closes that give up after a
 * time on the Scheduler, so a client that stops sending or stops reading
 * cannot hold a connection (and its memory) forever.
 */
import type { Flow } from '../../net/types';
import type { Scheduler, TimerHandle } from '../../lib/scheduler';

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
 *
 * Per read, one flow read, one continuation and the promise handed out:
 * the deadline is a single timer that moves lazily (it is re-armed only
 * when it would fire too late, and when it fires early it sets itself
 * again for what is left), because a timer set and cancelled per read, and
 * a promise per stage, cost more than the rest of a request in Duktape.
 */
export class FlowReader {
  /** The flow read under way (at most one). */
  private pending = false;
  /** What the flow gave while nobody was waiting. */
  private ready: ReadResult | null = null;
  private waiter: ((r: ReadResult) => void) | null = null;
  private deadline = 0;
  private timer: TimerHandle | null = null;
  private timerAt = 0;

  constructor(private readonly flow: Flow, private readonly scheduler: Scheduler) {}

  read(ms: number): Promise<ReadResult> {
    if (this.ready !== null) {
      const r = this.ready;
      this.ready = null;
      return Promise.resolve(r);
    }
    if (!this.pending) {
      this.pending = true;
      // eslint-disable-next-line promise/prefer-await-to-then -- hot path: runs per read of a request; HOTPATH_READ
      this.flow.read().then((data) => this.settle(data === null ? END : { kind: 'data', data: data }), () => this.settle(ERROR));
    }
    this.deadline = this.scheduler.now() + Math.max(0, ms);
    if (this.timer === null || this.timerAt > this.deadline) this.arm(this.deadline);
    return new Promise<ReadResult>((resolve) => { this.waiter = resolve; });
  }

  private settle(r: ReadResult): void {
    this.pending = false;
    const w = this.waiter;
    if (w === null) { this.ready = r; return; }
    this.waiter = null;
    w(r);
  }

  private arm(at: number): void {
    if (this.timer !== null) this.timer.cancel();
    this.timerAt = at;
    this.timer = this.scheduler.after(Math.max(0, at - this.scheduler.now()), () => this.expire());
  }

  private expire(): void {
    this.timer = null;
    const w = this.waiter;
    if (w === null) return;
    if (this.scheduler.now() < this.deadline) { this.arm(this.deadline); return; }
    this.waiter = null;
    w(TIMEOUT);
  }

  /** Stops the deadline's timer (the connection is over). */
  stop(): void {
    if (this.timer !== null) { this.timer.cancel(); this.timer = null; }
  }
}

const END: ReadResult = { kind: 'end' };
const ERROR: ReadResult = { kind: 'error' };
const TIMEOUT: ReadResult = { kind: 'timeout' };

/** Writes `data`; false when the write failed or did not complete within `ms` (the caller aborts). */
export function writeWithin(flow: Flow, data: Uint8Array, scheduler: Scheduler, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let done = false;
    const timer = scheduler.after(Math.max(0, ms), () => {
      if (!done) { done = true; resolve(false); }
    });
    const settle = (ok: boolean): void => {
      if (!done) { done = true; timer.cancel(); resolve(ok); }
    };
    // eslint-disable-next-line promise/prefer-await-to-then -- hot path: runs per response write (a response of up to 16 KiB is one, a file one per 16 KiB piece); HOTPATH_WRITE
    flow.write(data).then(() => settle(true), () => settle(false));
  });
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
  reader.stop();
  if (!closed) await settlesWithin(closing, scheduler, deadline - scheduler.now());
  if (!closed || !peerEnded) flow.abort();
}
