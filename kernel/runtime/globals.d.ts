/*
 * The globals every image has (installed by kernel/runtime/install.ts), for
 * app code compiled with the ES5 library that has no DOM or Node typings.
 */
interface NymoteTimer {
  ref(): this;
  unref(): this;
  hasRef(): boolean;
  refresh(): this;
  [Symbol.toPrimitive](): number;
}
interface NymoteImmediate { ref(): this; unref(): this; hasRef(): boolean }

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- callbacks take whatever the caller passes
declare function setTimeout(callback: (...args: any[]) => void, ms?: number, ...args: unknown[]): NymoteTimer;
declare function setInterval(callback: (...args: any[]) => void, ms?: number, ...args: unknown[]): NymoteTimer;
declare function clearTimeout(timer: NymoteTimer | number | undefined | null): void;
declare function clearInterval(timer: NymoteTimer | number | undefined | null): void;
declare function setImmediate(callback: (...args: any[]) => void, ...args: unknown[]): NymoteImmediate;
declare function clearImmediate(immediate: NymoteImmediate | undefined | null): void;
declare function queueMicrotask(callback: () => void): void;

interface Console {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  debug(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  trace(...data: unknown[]): void;
  dir(item?: unknown): void;
  assert(condition?: boolean, ...data: unknown[]): void;
  count(label?: string): void;
  time(label?: string): void;
  timeEnd(label?: string): void;
}
declare var console: Console;

declare var crypto: {
  getRandomValues<T extends ArrayBufferView | null>(array: T): T;
  randomUUID(): string;
};
declare var performance: { now(): number; readonly timeOrigin: number };

interface TextEncoderEncodeIntoResult { read: number; written: number }
declare class TextEncoder {
  readonly encoding: 'utf-8';
  encode(input?: string): Uint8Array;
  encodeInto(source: string, destination: Uint8Array): TextEncoderEncodeIntoResult;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  readonly encoding: string;
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  decode(input?: ArrayBuffer | ArrayBufferView, options?: { stream?: boolean }): string;
}
