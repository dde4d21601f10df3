/*
 * One timer kept armed for the earliest deadline of a pure core (ARP's
 * retries, IPv4's reassembly timeouts): re-arming for a later deadline keeps
 * the earlier timer, so a core can be asked after every change.
 */
import type { Scheduler, TimerHandle } from './scheduler';

export interface DeadlineTimer {
  /** Arms for `at` (scheduler time), or disarms when undefined. */
  arm(at: number | undefined): void;
  stop(): void;
}

export function createDeadlineTimer(scheduler: Scheduler, onDue: () => void): DeadlineTimer {
  let timer: TimerHandle | null = null;
  let timerAt = Infinity;
  let stopped = false;
  function disarm(): void {
    if (timer) timer.cancel();
    timer = null;
    timerAt = Infinity;
  }
  return {
    arm(at) {
      if (stopped) return;
      if (at === undefined) { disarm(); return; }
      if (timer && timerAt <= at) return;
      disarm();
      timerAt = at;
      timer = scheduler.after(Math.max(0, at - scheduler.now()), () => {
        timer = null;
        timerAt = Infinity;
        if (!stopped) onDue();
      });
    },
    stop() {
      stopped = true;
      disarm();
    },
  };
}
