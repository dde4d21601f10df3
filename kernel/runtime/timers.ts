/*
 * Node-compatible timers: setTimeout/setInterval/setImmediate and clears.
 * Timers sit in a binary min-heap ordered by (deadline, creation sequence),
 * so equal deadlines fire in the order they were set, as in Node.
 */
export type TimerCallback = (...args: unknown[]) => void;

const TIMEOUT_MAX = 2147483647;
let sequence = 0;
let nextId = 1;
const heap: Timeout[] = [];
let refedTimers = 0;
const byId: { [id: number]: Timeout } = {};

export class Timeout {
  readonly id: number;
  deadline = 0;
  seq = 0;
  /** Index in the heap, -1 when not scheduled. */
  slot = -1;
  private refed = true;

  constructor(
    public callback: TimerCallback | null,
    public readonly delay: number,
    public readonly args: unknown[],
    public readonly repeat: boolean,
  ) {
    this.id = nextId++;
  }

  ref(): this {
    if (!this.refed) { this.refed = true; if (this.slot >= 0) refedTimers++; }
    return this;
  }

  unref(): this {
    if (this.refed) { this.refed = false; if (this.slot >= 0) refedTimers--; }
    return this;
  }

  hasRef(): boolean { return this.refed; }

  refresh(): this {
    if (this.slot >= 0) { remove(this); schedule(this); }
    return this;
  }

  isRefed(): boolean { return this.refed; }
}

// +timeout gives the numeric id, as in Node.
(Timeout.prototype as unknown as { valueOf(): number }).valueOf = function (this: Timeout) { return this.id; };
if (typeof Symbol === 'function' && Symbol.toPrimitive) {
  (Timeout.prototype as unknown as Record<symbol, unknown>)[Symbol.toPrimitive] = function (this: Timeout) { return this.id; };
}

function less(a: Timeout, b: Timeout): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

function swap(i: number, j: number): void {
  const t = heap[i];
  heap[i] = heap[j];
  heap[j] = t;
  heap[i].slot = i;
  heap[j].slot = j;
}

function up(i: number): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!less(heap[i], heap[parent])) break;
    swap(i, parent);
    i = parent;
  }
}

function down(i: number): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && less(heap[l], heap[m])) m = l;
    if (r < heap.length && less(heap[r], heap[m])) m = r;
    if (m === i) return;
    swap(i, m);
    i = m;
  }
}

function schedule(t: Timeout): void {
  t.deadline = __kernel.now() + t.delay;
  t.seq = sequence++;
  t.slot = heap.length;
  heap.push(t);
  up(t.slot);
  byId[t.id] = t;
  if (t.isRefed()) refedTimers++;
}

function remove(t: Timeout): void {
  const i = t.slot;
  if (i < 0) return;
  const last = heap.pop() as Timeout;
  if (i < heap.length) {
    heap[i] = last;
    last.slot = i;
    up(i);
    down(last.slot);
  }
  t.slot = -1;
  delete byId[t.id];
  if (t.isRefed()) refedTimers--;
}

function normaliseDelay(ms: unknown): number {
  let d = Number(ms);
  // Node: anything not in [1, TIMEOUT_MAX] becomes 1 ms.
  if (!(d >= 1 && d <= TIMEOUT_MAX)) d = 1;
  return d;
}

function checkCallback(cb: unknown): TimerCallback {
  if (typeof cb !== 'function') {
    const e = new TypeError('The "callback" argument must be of type function. Received ' + typeof cb);
    (e as TypeError & { code: string }).code = 'ERR_INVALID_ARG_TYPE';
    throw e;
  }
  return cb as TimerCallback;
}

export function setTimeout(cb: TimerCallback, ms?: number, ...args: unknown[]): Timeout {
  const t = new Timeout(checkCallback(cb), normaliseDelay(ms), args, false);
  schedule(t);
  return t;
}

export function setInterval(cb: TimerCallback, ms?: number, ...args: unknown[]): Timeout {
  const t = new Timeout(checkCallback(cb), normaliseDelay(ms), args, true);
  schedule(t);
  return t;
}

export function clearTimeout(t: Timeout | number | string | undefined | null): void {
  if (t === undefined || t === null) return;
  const timer = t instanceof Timeout ? t : byId[Number(t)];
  if (timer) { remove(timer); timer.callback = null; }
}

export const clearInterval = clearTimeout;

/** Earliest deadline of any timer, or -1. */
export function nextTimerDeadline(): number {
  return heap.length ? heap[0].deadline : -1;
}

/** True while a ref'd timer would keep the program alive. */
export function hasRefedTimers(): boolean {
  return refedTimers > 0;
}

/**
 * Runs timers due at `now`, one at a time, calling `after` after each (the
 * loop drains microtasks there). Timers set by callbacks with a zero delay are
 * not run in this pass, as in Node.
 */
export function runDueTimers(now: number, after: () => void): void {
  while (heap.length && heap[0].deadline <= now) {
    const t = heap[0];
    remove(t);
    const cb = t.callback;
    if (!cb) continue;
    if (t.repeat) schedule(t);
    else t.callback = null;
    cb.apply(undefined, t.args);
    after();
  }
}

// ---- setImmediate: the "check" phase after I/O ----

export class Immediate {
  private refed = true;
  constructor(public callback: TimerCallback | null, public readonly args: unknown[]) {}
  ref(): this { if (!this.refed && this.callback) refedImmediates++; this.refed = true; return this; }
  unref(): this { if (this.refed && this.callback) refedImmediates--; this.refed = false; return this; }
  hasRef(): boolean { return this.refed; }
}

let immediates: Immediate[] = [];
let refedImmediates = 0;

export function setImmediate(cb: TimerCallback, ...args: unknown[]): Immediate {
  const im = new Immediate(checkCallback(cb), args);
  immediates.push(im);
  refedImmediates++;
  return im;
}

export function clearImmediate(im: Immediate | undefined | null): void {
  if (!im || !im.callback) return;
  im.callback = null;
  if (im.hasRef()) refedImmediates--;
}

export function hasImmediates(): boolean {
  return refedImmediates > 0;
}

export function hasAnyImmediates(): boolean {
  for (let i = 0; i < immediates.length; i++) if (immediates[i].callback) return true;
  return false;
}

/** Runs the immediates queued before this phase began. */
export function runImmediates(after: () => void): void {
  const batch = immediates;
  immediates = [];
  let i = 0;
  try {
    for (; i < batch.length; i++) {
      const im = batch[i];
      const cb = im.callback;
      if (!cb) continue;
      if (im.hasRef()) refedImmediates--;
      im.callback = null;
      cb.apply(undefined, im.args);
      after();
    }
  } finally {
    // A callback threw: the rest of this batch still runs first next time.
    if (i < batch.length) immediates = batch.slice(i + 1).concat(immediates);
  }
}
