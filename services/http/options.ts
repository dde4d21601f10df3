/* The server's options, their defaults, and what a handler failure does when nobody listens. */
import { systemScheduler, type Scheduler } from '../../lib/scheduler';
import type { Request } from './message';
import { PARSER_DEFAULTS, type ParserOptions } from './parser';

export interface HttpServerOptions extends ParserOptions {
  /** Time and timers (default: the runtime's). Tests pass a virtual clock. */
  scheduler?: Scheduler;
  /** Wall-clock milliseconds for the Date field and the log (default Date.now). */
  clock?: () => number;
  /**
   * A new connection must send its first byte within this, and every
   * request's head must be whole within this of its first byte, however it
   * trickles (default 10 s; 408 when part of a head came, a silent close when none did).
   */
  headerTimeoutMs?: number;
  /** A kept-alive connection with no request in progress is closed after this (default 5 s). */
  idleTimeoutMs?: number;
  /** A body that receives nothing for this long gets 408 and the close (default 10 s). */
  bodyTimeoutMs?: number;
  /** A write the peer does not take within this resets the connection (default 30 s). */
  sendTimeoutMs?: number;
  /** After our close, how long we read and discard the peer's leftovers before resetting (default 2 s). */
  lingerMs?: number;
  /** Connections served at once by serveHttp (default 64); more get 503 and the close. */
  maxConnections?: number;
  /** Hears one access-log line per request (see access-log.ts). */
  onLog?: (line: string) => void;
  /** Hears handler failures answered with 500 (default: printed with console.log). */
  onError?: (error: unknown, request: Request | null) => void;
}

export interface Settings {
  parser: ParserOptions;
  scheduler: Scheduler;
  clock: () => number;
  headerTimeoutMs: number;
  idleTimeoutMs: number;
  bodyTimeoutMs: number;
  sendTimeoutMs: number;
  lingerMs: number;
  maxConnections: number;
  onLog: (line: string) => void;
  onError: (error: unknown, request: Request | null) => void;
}

/** A listener that throws must not take the connection (or the server) with it. */
function guarded<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  return function (...args: A) {
    try { fn(...args); } catch (e) { /* a broken log must not break serving */ }
  };
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack || e.message) : String(e);
}

export function resolveSettings(o?: HttpServerOptions): Settings {
  const opts = o || {};
  return {
    parser: {
      maxRequestLineBytes: opts.maxRequestLineBytes || PARSER_DEFAULTS.maxRequestLineBytes,
      maxHeaderBytes: opts.maxHeaderBytes || PARSER_DEFAULTS.maxHeaderBytes,
      maxHeaders: opts.maxHeaders || PARSER_DEFAULTS.maxHeaders,
      maxBodyBytes: opts.maxBodyBytes === undefined ? PARSER_DEFAULTS.maxBodyBytes : opts.maxBodyBytes,
    },
    scheduler: opts.scheduler || systemScheduler(),
    clock: opts.clock || function () { return Date.now(); },
    headerTimeoutMs: opts.headerTimeoutMs || 10000,
    idleTimeoutMs: opts.idleTimeoutMs || 5000,
    bodyTimeoutMs: opts.bodyTimeoutMs || 10000,
    sendTimeoutMs: opts.sendTimeoutMs || 30000,
    lingerMs: opts.lingerMs || 2000,
    maxConnections: opts.maxConnections || 64,
    onLog: guarded(opts.onLog || (() => { /* no log */ })),
    onError: guarded(opts.onError || ((e: unknown, req: Request | null) => {
      console.log('http: ' + (req ? req.method + ' ' + req.target + ': ' : '') + describe(e));
    })),
  };
}
