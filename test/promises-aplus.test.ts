/* The Promises/A+ suite on NymotePromise under Node (its own mocha runner). */
import { expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { NymotePromise } from '../kernel/runtime/promise';
import { drainMicrotasks } from '../kernel/runtime/microtasks';

it('passes Promises/A+ under Node', async () => {
  const run = createRequire(import.meta.url)('promises-aplus-tests') as (adapter: object, opts: object, cb: (err: Error | null) => void) => void;
  // The runtime's microtask queue is drained by its event loop; here a
  // native microtask stands in for the loop.
  const pump = setInterval(drainMicrotasks, 1);
  const adapter = {
    resolved: (v: unknown) => NymotePromise.resolve(v),
    rejected: (r: unknown) => NymotePromise.reject(r),
    deferred() {
      let resolve!: (v: unknown) => void;
      let reject!: (r: unknown) => void;
      const promise = new NymotePromise((ok, fail) => { resolve = ok as (v: unknown) => void; reject = fail; });
      return { promise, resolve, reject };
    },
  };
  const err = await new Promise<Error | null>((done) => run(adapter, { reporter: 'dot' }, done));
  clearInterval(pump);
  expect(err).toBeNull();
}, 120_000);
