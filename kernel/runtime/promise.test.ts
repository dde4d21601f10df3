/*
 * NymotePromise under Node: ordering against native promises on chains that
 * do not involve async/await (those are compared inside Duktape by
 * test/engine), and Node-like unhandled-rejection tracking.
 */
import { describe, expect, it } from 'vitest';
import { NymotePromise, takeUnhandledRejections } from './promise';
import { drainMicrotasks, enqueueMicrotask } from './microtasks';

type PromiseCtor = typeof Promise;
type Scenario = (P: PromiseCtor, log: (s: string) => void, micro: (f: () => void) => void) => void;

const scenarios: Record<string, Scenario> = {
  'then chains interleave': (P, log) => {
    P.resolve().then(() => log('a1')).then(() => log('a2')).then(() => log('a3'));
    P.resolve().then(() => log('b1')).then(() => log('b2'));
  },
  'resolve with a promise takes two extra ticks': (P, log) => {
    new P((r) => r(P.resolve('x'))).then((v) => log('outer ' + v));
    P.resolve().then(() => log('t1')).then(() => log('t2')).then(() => log('t3')).then(() => log('t4'));
  },
  'returning a promise from then': (P, log) => {
    P.resolve().then(() => P.resolve('inner')).then((v) => log(v as string));
    P.resolve().then(() => log('t1')).then(() => log('t2')).then(() => log('t3')).then(() => log('t4'));
  },
  'thenables are adopted in a job': (P, log) => {
    const thenable = { then(ok: (v: string) => void) { log('then called'); ok('thenable'); } };
    P.resolve(thenable).then((v) => log(v));
    P.resolve().then(() => log('t1')).then(() => log('t2'));
    log('sync');
  },
  'finally keeps values and ticks': (P, log) => {
    P.resolve(1).finally(() => log('f')).then((v) => log('v' + v));
    P.reject(new Error('e')).finally(() => log('g')).catch((e: Error) => log('c ' + e.message));
    P.resolve().then(() => log('t1')).then(() => log('t2')).then(() => log('t3')).then(() => log('t4'));
  },
  'combinators': (P, log, micro) => {
    P.all([1, P.resolve(2), { then: (ok: (v: number) => void) => ok(3) }]).then((v) => log('all ' + v.join()));
    P.race([new P(() => {}), P.resolve('r')]).then((v) => log('race ' + v));
    P.allSettled([P.reject(new Error('n')), 1]).then((v) => log('settled ' + v.map((x) => x.status).join()));
    P.any([P.reject(new Error('a')), P.resolve('b')]).then((v) => log('any ' + v));
    P.any([]).catch((e: { errors: unknown[]; name: string }) => log(e.name + ' ' + e.errors.length));
    micro(() => log('micro'));
  },
  'errors in handlers and executors': (P, log) => {
    new P(() => { throw new Error('exec'); }).catch((e: Error) => log(e.message));
    P.resolve().then(() => { throw new Error('then'); }).then(() => log('no')).catch((e: Error) => log(e.message));
    const p: Promise<unknown> = P.resolve().then(() => p);
    p.catch((e: Error) => log(e.constructor.name));
  },
};

function runNative(s: Scenario): Promise<string[]> {
  const log: string[] = [];
  s(Promise, (x) => log.push(x), queueMicrotask);
  return new Promise((r) => setTimeout(() => r(log), 5));
}

function runOurs(s: Scenario): string[] {
  const log: string[] = [];
  s(NymotePromise as unknown as PromiseCtor, (x) => log.push(x), enqueueMicrotask);
  drainMicrotasks();
  takeUnhandledRejections();
  return log;
}

describe('NymotePromise ordering equals native', () => {
  for (const [name, s] of Object.entries(scenarios)) {
    it(name, async () => {
      expect(runOurs(s)).toEqual(await runNative(s));
    });
  }
});

describe('unhandled rejections', () => {
  it('reports a rejection nobody handled by the end of the drain', () => {
    const reason = new Error('lost');
    NymotePromise.reject(reason);
    drainMicrotasks();
    const u = takeUnhandledRejections();
    expect(u.map((x) => x.reason)).toEqual([reason]);
    expect(takeUnhandledRejections()).toEqual([]);
  });

  it('does not report one handled in the same drain, or passed along to a handler', () => {
    const p = NymotePromise.reject(new Error('late'));
    enqueueMicrotask(() => { p.catch(() => {}); });
    NymotePromise.reject(new Error('chained')).then(() => {}).catch(() => {});
    drainMicrotasks();
    expect(takeUnhandledRejections()).toEqual([]);
  });

  it('reports the end of an unhandled chain, not its start', () => {
    const end = NymotePromise.reject(new Error('x')).then(() => 1);
    drainMicrotasks();
    const u = takeUnhandledRejections();
    expect(u.length).toBe(1);
    expect(u[0].promise).toBe(end);
  });
});
