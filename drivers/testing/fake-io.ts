/*
 * A DriverIO for driver tests: a kernel whose natives are only those a test
 * gives (anything else throws, naming itself), and an event table the test
 * fires by hand.
 */
import type { DriverIO } from '../interfaces';

export interface FakeIO extends DriverIO {
  /** Runs the handler registered for a kernel event id; false when none is. */
  fire(id: number): boolean;
  /** Event ids with a handler. */
  registered(): number[];
}

export function fakeIO(natives: Partial<NymoteKernel> = {}): FakeIO {
  const handlers = new Map<number, () => void>();
  const kernel = new Proxy(natives, {
    get: (target, key) => {
      if (key in target) return target[key as keyof NymoteKernel];
      if (key === 'platform') return 'node';
      if (key === 'unix' || key === 'xen') return undefined;
      throw new Error('fake kernel: no native ' + String(key));
    },
  }) as NymoteKernel;
  return {
    kernel,
    onEvent: (id, handler) => {
      handlers.set(id, handler);
      return { ref: () => undefined, unref: () => undefined, close: () => { if (handlers.get(id) === handler) handlers.delete(id); } };
    },
    fire: (id) => {
      const h = handlers.get(id);
      if (h) h();
      return !!h;
    },
    registered: () => [...handlers.keys()],
  };
}

/** For drivers that touch no native (memory, Node's fs). */
export const NO_IO: DriverIO = fakeIO();
