/*
 * One connection: read, parse, answer, repeat. Requests are answered one
 * at a time in arrival order, and nothing more is read while a handler
 * runs, so pipelined requests wait in the parser's queue and the peer's
 * window (RFC 9112 §9.3.2) and responses can only come out in order.
 *
 * Timeouts (options.ts): the head from its first byte, a stalled body,
 * an idle kept-alive connection, a write the peer will not take. A
 * parse error is answered with its status and "Connection: close", since
 * where the next request would start is no longer known.
 */
import { type Flow } from '../../net/types';
import { type Counters, count } from '../../lib/counters';
import { accessLogLine } from './access-log';
import { fromLatin1 } from './bytes';
import { httpDateCache } from './dates';
import { HttpError } from './errors';
import { closeGracefully, FlowReader, writeWithin } from './flow-io';
import { errorResponse, type Handler, type Request, type Response } from './message';
import { resolveSettings, type HttpServerOptions, type Settings } from './options';
import { RequestParser, type RequestHead } from './parser';
import { checkResponse, sendResponse, type CheckedResponse, type SendResult } from './send';
import { parseQuery } from './target';

/** How serveHttp steers a connection from outside. */
export interface ConnectionControl {
  /** Set by the server: close after the current response, or now when idle. */
  draining: boolean;
  /** Set by the connection while it waits for a request with nothing received. */
  idle: boolean;
}

const CONTINUE = fromLatin1('HTTP/1.1 100 Continue\r\n\r\n') as Uint8Array;

/**
 * Serves HTTP on one connected flow (ours or a Node socket's) until either
 * side closes it; never rejects, whatever arrives.
 */
export function serveFlow(flow: Flow, handler: Handler, options?: HttpServerOptions): Promise<void> {
  return serveConnection(flow, handler, resolveSettings(options), {}, { draining: false, idle: false });
}

export async function serveConnection(flow: Flow, handler: Handler, s: Settings, counters: Counters, control: ConnectionControl): Promise<void> {
  const connection = new Connection(flow, handler, s, counters, control);
  try {
    await connection.run();
  } catch (e) {
    // Only a fault of ours gets here: report it, and never leave the flow open.
    s.onError(e, null);
    flow.abort();
  } finally {
    connection.stop();
  }
}

function internalError(): CheckedResponse {
  return checkResponse(errorResponse(500)) as CheckedResponse;
}

class Connection {
  private readonly parser: RequestParser;
  private readonly reader: FlowReader;
  private served = 0;
  /** When the current request's head must be complete; -1 until its first byte. */
  private headDeadline: number;
  /** When the current request started (its first byte, or when it came up from the queue). */
  private started: number;
  private head: RequestHead | null = null;
  private readonly httpDate = httpDateCache();

  constructor(private readonly flow: Flow, private readonly handler: Handler, private readonly s: Settings,
    private readonly counters: Counters, private readonly control: ConnectionControl) {
    this.parser = new RequestParser(s.parser);
    this.reader = new FlowReader(flow, s.scheduler);
    this.started = s.scheduler.now();
    this.headDeadline = this.started + s.headerTimeoutMs;
  }

  async run(): Promise<void> {
    const s = this.s;
    const now = (): number => s.scheduler.now();
    for (;;) {
      let ev = this.parser.next();
      if (ev === null) {
        const phase = this.parser.phase;
        if (phase === 'idle' && this.control.draining) return this.close();
        let wait: number;
        if (phase === 'body') wait = s.bodyTimeoutMs;
        else if (phase === 'idle' && this.served > 0) wait = s.idleTimeoutMs;
        else {
          if (this.headDeadline < 0) this.headDeadline = now() + s.headerTimeoutMs;
          wait = this.headDeadline - now();
        }
        this.control.idle = phase === 'idle';
        const r = await this.reader.read(wait);
        this.control.idle = false;
        if (r.kind === 'error') { count(this.counters, 'http.resets'); this.flow.abort(); return; }
        if (r.kind === 'timeout') {
          count(this.counters, 'http.timeouts');
          if (phase === 'idle') return this.close();
          const reason = phase === 'body' ? 'request body stalled' : 'request head too slow';
          return this.fail(new HttpError(408, reason), this.head ? requestLine(this.head) : null);
        }
        if (r.kind === 'end') {
          ev = this.parser.end();
          if (ev === null) return this.close();
        } else {
          if (phase === 'idle') {
            this.started = now();
            this.headDeadline = this.started + s.headerTimeoutMs;
          }
          this.parser.push(r.data);
          continue;
        }
      }
      if (ev.type === 'head') {
        this.head = ev.head;
        if (ev.head.expectContinue && !this.parser.bodyStarted) {
          if (!(await writeWithin(this.flow, CONTINUE, s.scheduler, s.sendTimeoutMs))) { this.flow.abort(); return; }
        }
        continue;
      }
      if (ev.type === 'error') {
        count(this.counters, 'http.bad-requests');
        return this.fail(ev.error, ev.requestLine);
      }
      this.head = null;
      this.served++;
      count(this.counters, 'http.requests');
      const keep = await this.answer(ev.head, ev.body);
      if (!keep) return;
      this.started = now();
      this.headDeadline = -1;
    }
  }

  /**
   * Runs the handler and sends its response; whether the connection goes
   * on. No async frame here: a handler that answers at once (a cached
   * file) costs one write and two continuations, where each await costs
   * about 120 k instructions in Duktape (bench/http.ts --micro await).
   */
  private answer(head: RequestHead, body: Uint8Array): Promise<boolean> {
    const req: Request = {
      method: head.method, target: head.target, version: head.version, path: head.path,
      query: parseQuery(head.query), queryString: head.query, host: head.host, headers: head.headers,
      body: body, remote: this.flow.remote, local: this.flow.local,
      params: Object.create(null) as { [name: string]: string },
    };
    // Draining is looked at when the response goes out: stop() may come while the handler runs.
    const keepAlive = head.keepAlive;
    const line = requestLine(head);
    let res: Response | Promise<Response>;
    try {
      res = this.handler(req);
    } catch (e) {
      return this.respond(req, this.failed(e, req), head.method, head.version, keepAlive, line);
    }
    if (isThenable(res)) {
      // eslint-disable-next-line promise/prefer-await-to-then -- hot path: runs per request answered later; HOTPATH_CALL
      return res.then((r) => this.respond(req, this.checked(r, req), head.method, head.version, keepAlive, line),
        (e) => this.respond(req, this.failed(e, req), head.method, head.version, keepAlive, line));
    }
    return this.respond(req, this.checked(res, req), head.method, head.version, keepAlive, line);
  }

  private checked(res: unknown, req: Request): CheckedResponse {
    const checked = checkResponse(res);
    if (typeof checked !== 'string') return checked;
    count(this.counters, 'http.handler-errors');
    this.s.onError(new Error('bad response: ' + checked), req);
    return internalError();
  }

  private failed(e: unknown, req: Request): CheckedResponse {
    if (e instanceof HttpError && e.status >= 400 && e.status <= 599) return checkResponse(errorResponse(e.status, e.reason)) as CheckedResponse;
    count(this.counters, 'http.handler-errors');
    this.s.onError(e, req);
    return internalError();
  }

  private respond(req: Request, response: CheckedResponse, method: string, version: 'HTTP/1.0' | 'HTTP/1.1', keepAlive: boolean, line: string): Promise<boolean> {
    // eslint-disable-next-line promise/prefer-await-to-then -- hot path: runs per request (see answer); HOTPATH_RESPOND
    return this.send(response, method, version, keepAlive && !this.control.draining, line).then((sent) => {
      if (!sent.ok) {
        if (sent.error !== undefined) this.s.onError(sent.error, req);
        count(this.counters, 'http.resets');
        this.flow.abort();
        return false;
      }
      if (!sent.keepAlive) {
        // eslint-disable-next-line promise/prefer-await-to-then -- as above: the close's end, once per connection
        return this.close().then(() => false);
      }
      return true;
    });
  }

  private send(r: CheckedResponse, method: string, version: 'HTTP/1.0' | 'HTTP/1.1', keepAlive: boolean, line: string | null): Promise<SendResult> {
    const s = this.s;
    const sending = sendResponse({
      flow: this.flow, scheduler: s.scheduler, sendTimeoutMs: s.sendTimeoutMs,
      method: method, version: version, keepAlive: keepAlive, date: this.httpDate(s.clock()),
    }, r);
    // eslint-disable-next-line promise/prefer-await-to-then -- hot path: runs per response; HOTPATH_SEND
    return sending.then((sent) => {
      s.onLog(accessLogLine({
        remote: this.flow.remote, time: s.clock(), requestLine: line, status: r.status, bytes: sent.bytes,
        durationMs: s.scheduler.now() - this.started,
      }));
      return sent;
    });
  }

  /** Answers an error that leaves the stream unframed, then closes. */
  private async fail(error: HttpError, line: string | null): Promise<void> {
    const sent = await this.send(checkResponse(errorResponse(error.status, error.reason)) as CheckedResponse, 'GET', 'HTTP/1.1', false, line);
    if (!sent.ok) { this.flow.abort(); return; }
    return this.close();
  }

  /** Its timers end with it. */
  stop(): void {
    this.reader.stop();
  }

  private close(): Promise<void> {
    return closeGracefully(this.flow, this.reader, this.s.scheduler, this.s.lingerMs);
  }
}

function isThenable(v: unknown): v is Promise<Response> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function requestLine(head: RequestHead): string {
  return head.method + ' ' + head.target + ' ' + head.version;
}
