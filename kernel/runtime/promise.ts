/*
 * An ECMAScript Promise for engines without one (Duktape), written from the
 * spec (ECMA-262 §27.2) so that microtask ordering matches V8/Node exactly:
 * resolving with a thenable costs a NewPromiseResolveThenableJob, reactions
 * run as one job each, finally() goes through PromiseResolve + then.
 * Rejections without a handler are tracked the way Node reports them.
 */
/* eslint-disable promise/prefer-await-to-then -- this module implements Promise: then() is its subject, and __awaiter below is what await compiles to */
import { __awaiter as tslibAwaiter } from 'tslib';
import { enqueueMicrotask } from './microtasks';

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

type Executor<T> = (resolve: (value?: T | PromiseLike<T>) => void, reject: (reason?: unknown) => void) => void;
type Handler = ((arg: unknown) => unknown) | undefined;

interface Capability {
  promise: unknown;
  resolve: (v: unknown) => void;
  reject: (r: unknown) => void;
}

/**
 * What a reaction settles: a capability (a subclass's, or a combinator's),
 * or `child`, the promise then() made for plain Promise, settled directly:
 * the same steps as its resolving functions, without making them.
 */
interface Reaction { capability: Capability | null; child: NymotePromise<unknown> | null; fulfilled: Handler; rejected: Handler; resume?: AsyncRun }

let unhandled: NymotePromise<unknown>[] = [];

/** Rejections that got no handler by the time the microtask queue drained. */
export function takeUnhandledRejections(): Array<{ promise: NymotePromise<unknown>; reason: unknown }> {
  const out: Array<{ promise: NymotePromise<unknown>; reason: unknown }> = [];
  for (let i = 0; i < unhandled.length; i++) {
    const p = unhandled[i];
    if (!p._handled) out.push({ promise: p, reason: p._value });
  }
  unhandled = [];
  return out;
}

function isObject(x: unknown): x is object {
  return (typeof x === 'object' && x !== null) || typeof x === 'function';
}

function isCallable(x: unknown): x is (...args: unknown[]) => unknown {
  return typeof x === 'function';
}

function settle(p: NymotePromise<unknown>, state: number, value: unknown): void {
  const reactions = p._reactions;
  p._state = state;
  p._value = value;
  p._reactions = [];
  if (state === REJECTED && !p._handled) unhandled.push(p);
  for (let i = 0; i < reactions.length; i++) queueReaction(reactions[i], state, value);
}

/** PromiseReactionJob (§27.2.2.1). */
class ReactionJob {
  constructor(private readonly reaction: Reaction, private readonly state: number, private readonly argument: unknown) {}

  run(): void {
    const reaction = this.reaction;
    const state = this.state;
    if (reaction.resume) {
      if (state === FULFILLED) reaction.resume.resume(this.argument);
      else reaction.resume.raise(this.argument);
      return;
    }
    const handler = state === FULFILLED ? reaction.fulfilled : reaction.rejected;
    const cap = reaction.capability;
    const child = reaction.child;
    let result: unknown = this.argument;
    if (handler) {
      try {
        result = handler(this.argument);
      } catch (e) {
        if (cap) cap.reject(e);
        else if (child) settle(child, REJECTED, e);
        return;
      }
    } else if (state === REJECTED) {
      if (cap) cap.reject(result);
      else if (child) settle(child, REJECTED, result);
      return;
    }
    if (cap) cap.resolve(result);
    else if (child) resolvePromise(child, result);
  }
}

function queueReaction(reaction: Reaction, state: number, argument: unknown): void {
  enqueueMicrotask(new ReactionJob(reaction, state, argument));
}

/** NewPromiseResolveThenableJob (§27.2.2.2). */
class ResolveThenableJob {
  constructor(private readonly promise: NymotePromise<unknown>, private readonly thenable: unknown, private readonly then: (...args: unknown[]) => unknown) {}

  run(): void {
    const fns = resolvingFunctions(this.promise);
    try {
      this.then.call(this.thenable, fns.resolve, fns.reject);
    } catch (e) {
      fns.reject(e);
    }
  }
}

/** CreateResolvingFunctions: one pair, sharing "already resolved". */
function resolvingFunctions(p: NymotePromise<unknown>): { resolve: (v: unknown) => void; reject: (r: unknown) => void } {
  let done = false;
  return {
    resolve: function (resolution: unknown) {
      if (done) return;
      done = true;
      resolvePromise(p, resolution);
    },
    reject: function (reason: unknown) {
      if (done) return;
      done = true;
      settle(p, REJECTED, reason);
    },
  };
}

function resolvePromise(p: NymotePromise<unknown>, resolution: unknown): void {
  if (resolution === p) {
    settle(p, REJECTED, new TypeError('Chaining cycle detected for promise'));
    return;
  }
  if (!isObject(resolution)) {
    settle(p, FULFILLED, resolution);
    return;
  }
  let then: unknown;
  try {
    then = (resolution as { then?: unknown }).then;
  } catch (e) {
    settle(p, REJECTED, e);
    return;
  }
  if (!isCallable(then)) {
    settle(p, FULFILLED, resolution);
    return;
  }
  enqueueMicrotask(new ResolveThenableJob(p, resolution, then));
}

function newCapability(C: unknown): Capability {
  if (!isCallable(C)) throw new TypeError('Promise resolve or reject function is not callable');
  let resolve: ((v: unknown) => void) | undefined;
  let reject: ((r: unknown) => void) | undefined;
  const promise = new (C as unknown as new (ex: Executor<unknown>) => unknown)((res, rej) => {
    if (resolve !== undefined || reject !== undefined) throw new TypeError('Promise executor has already been invoked');
    resolve = res as (v: unknown) => void;
    reject = rej;
  });
  if (!isCallable(resolve) || !isCallable(reject)) throw new TypeError('Promise resolve or reject function is not callable');
  return { promise: promise, resolve: resolve, reject: reject };
}

function speciesConstructor(p: unknown): unknown {
  const C = (p as { constructor?: unknown }).constructor;
  return C === undefined ? NymotePromise : C;
}

function performThen(p: NymotePromise<unknown>, onFulfilled: unknown, onRejected: unknown, cap: Capability | null, child: NymotePromise<unknown> | null = null): void {
  const reaction: Reaction = {
    capability: cap,
    child: child,
    fulfilled: isCallable(onFulfilled) ? (onFulfilled as Handler) : undefined,
    rejected: isCallable(onRejected) ? (onRejected as Handler) : undefined,
  };
  if (p._state === PENDING) p._reactions.push(reaction);
  else queueReaction(reaction, p._state, p._value);
  p._handled = true;
}

/** Calls fn for each element of an iterable (arrays need no Symbol.iterator). */
function forEachOf(iterable: unknown, fn: (value: unknown) => void): void {
  if (Array.isArray(iterable)) {
    for (let i = 0; i < iterable.length; i++) fn(iterable[i]);
    return;
  }
  const method = isObject(iterable) || typeof iterable === 'string'
    ? (iterable as { [k: symbol]: unknown })[Symbol.iterator] : undefined;
  if (!isCallable(method)) throw new TypeError(String(iterable) + ' is not iterable');
  const it = method.call(iterable) as Iterator<unknown>;
  for (;;) {
    const step = it.next();
    if (step.done) return;
    try {
      fn(step.value);
    } catch (e) {
      if (isCallable((it as { return?: unknown }).return)) {
        try { (it as { return: () => void }).return(); } catch (_ignored) { /* the first error wins */ }
      }
      throw e;
    }
  }
}

export class AggregateErrorPolyfill extends Error {
  errors: unknown[];
  constructor(errors: unknown[], message?: string) {
    super(message);
    // ES5 output loses the prototype on Error subclasses; put it back.
    Object.setPrototypeOf(this, AggregateErrorPolyfill.prototype);
    this.name = 'AggregateError';
    this.message = message || '';
    this.errors = errors;
  }
}

function aggregateError(errors: unknown[]): Error {
  const Native = (globalThis as unknown as { AggregateError?: new (e: unknown[], m: string) => Error }).AggregateError;
  return Native ? new Native(errors, 'All promises were rejected') : new AggregateErrorPolyfill(errors, 'All promises were rejected');
}

/** Runs a combinator body, turning a synchronous throw into a rejection. */
function combinator(C: unknown, body: (cap: Capability, resolveFn: (v: unknown) => unknown) => void): unknown {
  const cap = newCapability(C);
  try {
    const resolveFn = (C as { resolve?: unknown }).resolve;
    if (!isCallable(resolveFn)) throw new TypeError('Promise resolve is not a function');
    body(cap, (v) => { return resolveFn.call(C, v); });
  } catch (e) {
    cap.reject(e);
  }
  return cap.promise;
}

function thenOf(p: unknown, onFulfilled: unknown, onRejected: unknown): void {
  (p as { then: (f: unknown, r: unknown) => unknown }).then(onFulfilled, onRejected);
}

/* The spec's "remaining elements" bookkeeping shared by all, allSettled and any:
   each element gets a slot and a one-shot store; `done` runs once every slot is
   stored, or at once for an empty iterable. */
function gatherEach(
  iterable: unknown,
  resolveFn: (item: unknown) => unknown,
  subscribe: (promise: unknown, store: (result: unknown) => void) => void,
  done: (results: unknown[]) => void,
): void {
  const results: unknown[] = [];
  let remaining = 1;
  forEachOf(iterable, (item) => {
    const i = results.length;
    results.push(undefined);
    remaining++;
    let called = false;
    subscribe(resolveFn(item), (result) => {
      if (called) return;
      called = true;
      results[i] = result;
      if (--remaining === 0) done(results);
    });
  });
  if (--remaining === 0) done(results);
}

/** A pending plain Promise made without running a constructor (then()'s derived promise). */
function pendingPromise(): NymotePromise<unknown> {
  const p = Object.create(NymotePromise.prototype) as NymotePromise<unknown>;
  p._state = PENDING;
  p._value = undefined;
  p._reactions = [];
  p._handled = false;
  return p;
}

export class NymotePromise<T> {
  /** @internal */ _state = PENDING;
  /** @internal */ _value: unknown = undefined;
  /** @internal */ _reactions: Reaction[] = [];
  /** @internal */ _handled = false;

  constructor(executor: Executor<T>) {
    if (!isCallable(executor)) throw new TypeError('Promise resolver ' + String(executor) + ' is not a function');
    const fns = resolvingFunctions(this as NymotePromise<unknown>);
    try {
      executor(fns.resolve as (v?: T | PromiseLike<T>) => void, fns.reject);
    } catch (e) {
      fns.reject(e);
    }
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): NymotePromise<R1 | R2> {
    if (!(this instanceof NymotePromise)) throw new TypeError('Promise.prototype.then called on a non-promise');
    const C = speciesConstructor(this);
    if (C === NymotePromise) {
      // NewPromiseCapability(%Promise%) has nothing observable: skip its executor and resolving functions.
      const child = pendingPromise();
      performThen(this as NymotePromise<unknown>, onFulfilled, onRejected, null, child);
      return child as NymotePromise<R1 | R2>;
    }
    const cap = newCapability(C);
    performThen(this as NymotePromise<unknown>, onFulfilled, onRejected, cap);
    return cap.promise as NymotePromise<R1 | R2>;
  }

  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): NymotePromise<T | R> {
    return this.then(undefined, onRejected);
  }

  finally(onFinally?: (() => unknown) | null): NymotePromise<T> {
    const C = speciesConstructor(this);
    if (!isCallable(onFinally)) return this.then(onFinally as null, onFinally as null) as NymotePromise<T>;
    const resolveWith = (C as { resolve: (v: unknown) => unknown }).resolve;
    return this.then(
      (value) => {
        const p = resolveWith.call(C, onFinally());
        return (p as NymotePromise<unknown>).then(() => { return value; });
      },
      (reason) => {
        const p = resolveWith.call(C, onFinally());
        return (p as NymotePromise<unknown>).then(() => { throw reason; });
      },
    ) as NymotePromise<T>;
  }

  static resolve<U>(this: unknown, value?: U | PromiseLike<U>): NymotePromise<U> {
    const C = this === undefined ? NymotePromise : this;
    if (value instanceof NymotePromise && (value as { constructor?: unknown }).constructor === C) return value as NymotePromise<U>;
    const cap = newCapability(C);
    cap.resolve(value);
    return cap.promise as NymotePromise<U>;
  }

  static reject<U = never>(this: unknown, reason?: unknown): NymotePromise<U> {
    const cap = newCapability(this === undefined ? NymotePromise : this);
    cap.reject(reason);
    return cap.promise as NymotePromise<U>;
  }

  static all(this: unknown, iterable: unknown): unknown {
    return combinator(this, (cap, resolveFn) => {
      gatherEach(iterable, resolveFn, (p, store) => { thenOf(p, store, cap.reject); }, cap.resolve);
    });
  }

  static allSettled(this: unknown, iterable: unknown): unknown {
    return combinator(this, (cap, resolveFn) => {
      gatherEach(iterable, resolveFn, (p, store) => {
        thenOf(p,
          (v: unknown) => { store({ status: 'fulfilled', value: v }); },
          (r: unknown) => { store({ status: 'rejected', reason: r }); });
      }, cap.resolve);
    });
  }

  static any(this: unknown, iterable: unknown): unknown {
    return combinator(this, (cap, resolveFn) => {
      gatherEach(iterable, resolveFn, (p, store) => { thenOf(p, cap.resolve, store); },
        (errors) => { cap.reject(aggregateError(errors)); });
    });
  }

  static race(this: unknown, iterable: unknown): unknown {
    return combinator(this, (cap, resolveFn) => {
      forEachOf(iterable, (item) => {
        thenOf(resolveFn(item), cap.resolve, cap.reject);
      });
    });
  }
}

/** The generator protocol as TS's ES5 output (tslib's __generator) gives it. */
interface StepResult { done?: boolean; value: unknown }
interface AsyncBody { next(v?: unknown): StepResult; throw(e: unknown): StepResult }

/**
 * One running async function: its generator, and the promise it returns.
 * An await becomes a reaction that resumes it: the same job per await as
 * `adopt(value).then(fulfilled, rejected)`, without the closures.
 */
class AsyncRun {
  constructor(private readonly body: AsyncBody, private readonly promise: NymotePromise<unknown>) {}

  resume(value: unknown): void {
    let r: StepResult;
    try {
      r = this.body.next(value);
    } catch (e) {
      settle(this.promise, REJECTED, e);
      return;
    }
    this.step(r);
  }

  raise(reason: unknown): void {
    let r: StepResult;
    try {
      r = this.body['throw'](reason);
    } catch (e) {
      settle(this.promise, REJECTED, e);
      return;
    }
    this.step(r);
  }

  private step(r: StepResult): void {
    if (r.done) {
      resolvePromise(this.promise, r.value);
      return;
    }
    let awaited = r.value;
    if (!(awaited instanceof NymotePromise)) {
      // tslib's adopt(): new Promise(resolve => resolve(value)), thenables included
      const adopted = pendingPromise();
      resolvePromise(adopted, awaited);
      awaited = adopted;
    } else if ((awaited as { constructor?: unknown }).constructor !== NymotePromise) {
      // a subclass may have its own then(): call it, as tslib does
      (awaited as NymotePromise<unknown>).then((v) => { this.resume(v); }, (e) => { this.raise(e); });
      return;
    }
    const p = awaited as NymotePromise<unknown>;
    const reaction: Reaction = { capability: null, child: null, fulfilled: undefined, rejected: undefined, resume: this };
    if (p._state === PENDING) p._reactions.push(reaction);
    else queueReaction(reaction, p._state, p._value);
    p._handled = true;
  }
}

/**
 * tslib's __awaiter for the image (the builder points the bundle's tslib
 * imports here through kernel/runtime/helpers.ts): the same steps and jobs,
 * for our Promise. Another Promise (a P argument) takes tslib's own.
 */
export function __awaiter(thisArg: unknown, args: unknown, P: unknown, generator: (...a: unknown[]) => AsyncBody): unknown {
  const G = globalThis as unknown as { Promise?: unknown };
  if (P || G.Promise !== NymotePromise) return tslibAwaiter(thisArg, args as never, P as never, generator as never);
  const promise = pendingPromise();
  let body: AsyncBody;
  try {
    body = generator.apply(thisArg, (args as unknown[]) || []);
  } catch (e) {
    settle(promise, REJECTED, e);
    return promise;
  }
  new AsyncRun(body, promise).resume(undefined);
  return promise;
}

if (typeof Symbol === 'function' && Symbol.toStringTag) {
  Object.defineProperty(NymotePromise.prototype, Symbol.toStringTag, { value: 'Promise', configurable: true });
}

/** Installs Promise (and AggregateError) where the engine has none. */
export function install(global: Record<string, unknown>): void {
  if (typeof global.Promise !== 'function') {
    try { Object.defineProperty(NymotePromise, 'name', { value: 'Promise', configurable: true }); } catch (_e) { /* name is fixed in some engines */ }
    Object.defineProperty(global, 'Promise', { value: NymotePromise, writable: true, configurable: true, enumerable: false });
  }
  if (typeof global.AggregateError !== 'function') {
    Object.defineProperty(global, 'AggregateError', { value: AggregateErrorPolyfill, writable: true, configurable: true, enumerable: false });
  }
}
