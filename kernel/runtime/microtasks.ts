/*
 * The microtask queue shared by Promise, queueMicrotask and the event loop.
 * A ring of callbacks; draining runs until empty, including tasks queued
 * while draining (Node semantics).
 */
/**
 * A task is a function, or an object whose run() does the work: Promise
 * jobs are objects, because creating a closure costs Duktape several times
 * what a plain object does, and an await makes several.
 */
export interface Job { run(): void }
export type Microtask = (() => void) | Job;

let queue: Microtask[] = [];
let head = 0;

export function enqueueMicrotask(task: Microtask): void {
  queue.push(task);
}

export function hasMicrotasks(): boolean {
  return head < queue.length;
}

/**
 * Runs queued microtasks until none are left. A task that throws stops the
 * drain and the error propagates to the caller (the event loop reports it as
 * uncaught); the tasks after it stay queued.
 */
export function drainMicrotasks(): void {
  while (head < queue.length) {
    const task = queue[head];
    queue[head] = undefined as unknown as Microtask;
    head++;
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    if (typeof task === 'function') task();
    else task.run();
  }
  queue.length = 0;
  head = 0;
}
