/*
 * A virtual clock for tests: a Scheduler whose time moves only when the test
 * says so. Due timers run in deadline order (ties in the order they were
 * set), and between two timers every pending promise continuation runs, so a
 * whole stack's split-phase code behaves as it would under real time, only
 * without waiting. Node-only (it uses setImmediate to let microtasks drain).
 */
import type { Scheduler, TimerHandle } from '../scheduler';

interface Timer { at: number; seq: number; fn: () => void; cancelled: boolean }

export interface TestClock extends Scheduler {
  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): Promise<void>;
  /** Runs what is due now (timers set with 0 ms and the promise chains they start). */
  settle(): Promise<void>;
  /**
   * Moves time forward timer by timer until `promise` settles, and returns its
   * outcome; rejects when it has not settled within `limitMs` of virtual time.
   */
  until<T>(promise: Promise<T>, limitMs: number): Promise<T>;
  /**
   * Moves time forward timer by timer until `done()` holds or time would pass
   * `limitMs` from now; returns whether done() held.
   */
  runUntil(done: () => boolean, limitMs: number): Promise<boolean>;
  /** How many timers are waiting. */
  pending(): number;
}

/** Lets every queued microtask (and the ones they queue) run. */
function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function createTestClock(start = 0): TestClock {
  let now = start;
  let seq = 0;
  const timers: Timer[] = []; // sorted by (at, seq)

  function insert(t: Timer): void {
    let i = timers.length;
    while (i > 0 && (timers[i - 1].at > t.at || (timers[i - 1].at === t.at && timers[i - 1].seq > t.seq))) i--;
    timers.splice(i, 0, t);
  }

  /** Runs the earliest timer due at or before `limit`; false when there is none. */
  function runNext(limit: number): boolean {
    while (timers.length && timers[0].cancelled) timers.shift();
    if (!timers.length || timers[0].at > limit) return false;
    const t = timers.shift()!;
    if (t.at > now) now = t.at;
    t.fn();
    return true;
  }

  const clock: TestClock = {
    now: () => now,
    after(ms: number, fn: () => void): TimerHandle {
      const t: Timer = { at: now + Math.max(0, ms), seq: seq++, fn, cancelled: false };
      insert(t);
      return { cancel: () => { t.cancelled = true; } };
    },
    async advance(ms: number): Promise<void> {
      const target = now + Math.max(0, ms);
      await drainMicrotasks();
      while (runNext(target)) await drainMicrotasks();
      now = target;
      await drainMicrotasks();
    },
    settle(): Promise<void> {
      return clock.advance(0);
    },
    async until<T>(promise: Promise<T>, limitMs: number): Promise<T> {
      let settled = false;
      const watch = async (): Promise<void> => {
        try { await promise; } catch (_e) { /* returned below, rejected */ }
        settled = true;
      };
      void watch();
      const limit = now + limitMs;
      await drainMicrotasks();
      while (!settled && runNext(limit)) await drainMicrotasks();
      if (!settled) {
        now = Math.max(now, limit);
        throw new Error('test clock: promise still pending after ' + limitMs + ' ms of virtual time');
      }
      return promise;
    },
    async runUntil(done: () => boolean, limitMs: number): Promise<boolean> {
      const limit = now + limitMs;
      await drainMicrotasks();
      while (!done() && runNext(limit)) await drainMicrotasks();
      if (!done() && clock.pending() > 0) now = Math.max(now, limit);
      return done();
    },
    pending: () => timers.filter((t) => !t.cancelled).length,
  };
  return clock;
}
