/*
 * Time as every layer sees it: a Scheduler gives the time and one-shot
 * timers, so whole stacks run under a virtual clock in tests and under the
 * kernel's timers in an image.
 */

export interface TimerHandle { cancel(): void }

export interface Scheduler {
  /** Monotonic milliseconds. */
  now(): number;
  /** Runs `fn` once after `ms` (never synchronously). */
  after(ms: number, fn: () => void): TimerHandle;
}

/** The Scheduler over the runtime's (or Node's) timers. */
export function systemScheduler(): Scheduler {
  const start = Date.now();
  return {
    now: () => Date.now() - start,
    after: (ms, fn) => {
      const t = setTimeout(fn, ms);
      return { cancel: () => clearTimeout(t) };
    },
  };
}
