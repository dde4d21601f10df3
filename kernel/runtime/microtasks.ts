/*
 * The microtask queue shared by Promise, queueMicrotask and the event loop.
 * A ring of callbacks; draining runs until empty, including tasks queued
 * while draining (Node semantics).
 */
export type Microtask = () => void;

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
    task();
  }
  queue.length = 0;
  head = 0;
}
