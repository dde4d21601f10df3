/*
 * The event loop, Node's phases in miniature:
 *   timers -> block in the kernel until the next deadline or event ->
 *   event handlers (I/O) -> immediates, draining microtasks after every
 *   callback. It ends when nothing ref'd is left to wait for.
 */
import { drainMicrotasks, hasMicrotasks } from './microtasks';
import { takeUnhandledRejections } from './promise';
import { hasAnyImmediates, hasImmediates, hasRefedTimers, nextTimerDeadline, runDueTimers, runImmediates } from './timers';
import { describeUncaught } from './errors';

export type EventHandler = () => void;

interface Source { handler: EventHandler; refed: boolean }
const sources: { [id: number]: Source } = {};
let refedSources = 0;

/** A kernel event source (unix fd watch, Xen event channel) and its handler. */
export interface EventRegistration {
  unref(): void;
  ref(): void;
  close(): void;
}

export function onKernelEvent(id: number, handler: EventHandler): EventRegistration {
  const source: Source = { handler: handler, refed: true };
  sources[id] = source;
  refedSources++;
  return {
    unref: function () { if (source.refed) { source.refed = false; refedSources--; } },
    ref: function () { if (!source.refed) { source.refed = true; refedSources++; } },
    close: function () {
      if (sources[id] === source) {
        delete sources[id];
        if (source.refed) refedSources--;
      }
    },
  };
}

/** What ended the program: `exitCode` unless an uncaught error forced 1. */
let exitCode = 0;
export function setExitCode(code: number): void { exitCode = code; }
export function getExitCode(): number { return exitCode; }

/**
 * Like process.on('uncaughtException' / 'unhandledRejection'): a handler that
 * returns true has dealt with the error and the program goes on.
 */
export type UncaughtHandler = (err: unknown, kind: 'exception' | 'rejection') => boolean;
let uncaughtHandler: UncaughtHandler | null = null;
export function setUncaughtHandler(handler: UncaughtHandler | null): void { uncaughtHandler = handler; }
export function getUncaughtHandler(): UncaughtHandler | null { return uncaughtHandler; }

/** Node's behaviour: report the uncaught error and stop with code 1. */
export function crash(err: unknown, kind?: string): never {
  const text = describeUncaught(err);
  __kernel.write(2, (kind ? kind + ': ' : '') + text + '\n');
  return __kernel.exit(1);
}

function afterCallback(): void {
  drainMicrotasks();
  const unhandled = takeUnhandledRejections();
  for (let i = 0; i < unhandled.length; i++) {
    if (!uncaughtHandler || !uncaughtHandler(unhandled[i].reason, 'rejection')) {
      crash(unhandled[i].reason, 'Unhandled promise rejection');
    }
  }
}

function alive(): boolean {
  return hasRefedTimers() || hasImmediates() || refedSources > 0 || hasMicrotasks();
}

/** Runs until no work is left; returns the exit code. */
export function runLoop(): number {
  for (;;) {
    try {
      iterate();
      return exitCode;
    } catch (err) {
      // A callback threw: the loop's own state is consistent (timers are
      // removed before they run), so a handler may let the program go on.
      if (!uncaughtHandler || !uncaughtHandler(err, 'exception')) crash(err);
    }
  }
}

function iterate(): void {
  afterCallback();
  while (alive()) {
    runDueTimers(__kernel.now(), afterCallback);
    if (!alive()) break;
    const deadline = hasAnyImmediates() ? 0 : nextTimerDeadline();
    const fired = __kernel.block(deadline);
    for (let i = 0; i < fired.length; i++) {
      const source = sources[fired[i]];
      if (source) {
        source.handler();
        afterCallback();
      }
    }
    runImmediates(afterCallback);
  }
}
