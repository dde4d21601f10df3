/*
 * Installs the runtime's globals where the engine lacks them. Imported first
 * by the image entry, before any app module runs.
 */
import { installBuiltins } from './builtins';
import { install as installPromise } from './promise';
import { install as installCollections } from './collections';
import { install as installText } from './text';
import { enqueueMicrotask } from './microtasks';
import * as timers from './timers';
import { createConsole } from './console';
import { getRandomValues, randomUUID } from './crypto';

type Global = Record<string, unknown>;
const g = globalThis as unknown as Global;

function define(name: string, value: unknown): void {
  Object.defineProperty(g, name, { value: value, writable: true, configurable: true, enumerable: false });
}

installBuiltins(g);
installPromise(g);
installCollections(g);
installText(g);

define('setTimeout', timers.setTimeout);
define('setInterval', timers.setInterval);
define('clearTimeout', timers.clearTimeout);
define('clearInterval', timers.clearInterval);
define('setImmediate', timers.setImmediate);
define('clearImmediate', timers.clearImmediate);
function queueMicrotask(cb: () => void): void {
  if (typeof cb !== 'function') throw new TypeError('The "callback" argument must be of type function');
  enqueueMicrotask(cb);
}
define('queueMicrotask', queueMicrotask);
define('console', createConsole());
define('crypto', { getRandomValues: getRandomValues, randomUUID: randomUUID });
define('performance', { now: function () { return __kernel.now(); }, timeOrigin: __kernel.wallClock() - __kernel.now() });
