/*
 * The HTTP server on a TcpApi (our stack in an image, Node's sockets on the
 * node board): accepts, caps how many connections are served at once, and
 * hands each to connection.ts. Past the cap a connection is answered
 * "503 Service Unavailable" with "Retry-After: 1" and closed without its
 * request being read (a reset tells a client nothing; a 503 tells it to
 * come back); when even the 503s pile up past the cap, further
 * connections are reset at once.
 */
import { type Flow, type TcpApi } from '../../net/types';
import { count, type Counters } from '../../lib/counters';
import { accessLogLine } from './access-log';
import { serveConnection, type ConnectionControl } from './connection';
import { formatHttpDate } from './dates';
import { closeGracefully, FlowReader } from './flow-io';
import { errorResponse, type Handler } from './message';
import { resolveSettings, type HttpServerOptions } from './options';
import { checkResponse, sendResponse, type CheckedResponse } from './send';

export { serveFlow } from './connection';

export interface HttpServer {
  /** "http.connections", "http.requests", "http.rejected", "http.timeouts", "http.bad-requests", "http.handler-errors", "http.resets". */
  readonly counters: Counters;
  /** Connections being served now. */
  connections(): number;
  /** Stops accepting; idle connections close now, busy ones after their current response. */
  stop(): void;
}

interface Live { control: ConnectionControl; flow: Flow }

export function serveHttp(tcp: TcpApi, port: number, handler: Handler, options?: HttpServerOptions): HttpServer {
  const s = resolveSettings(options);
  const counters: Counters = {};
  const live: Live[] = [];
  let rejecting = 0;
  let stopped = false;

  async function reject(flow: Flow): Promise<void> {
    count(counters, 'http.rejected');
    if (rejecting >= s.maxConnections) { flow.abort(); return; }
    rejecting++;
    const started = s.scheduler.now();
    const busy = checkResponse(errorResponse(503, 'too many connections', { 'Retry-After': '1' })) as CheckedResponse;
    try {
      const sent = await sendResponse({
        flow: flow, scheduler: s.scheduler, sendTimeoutMs: s.lingerMs, method: 'GET', version: 'HTTP/1.1',
        keepAlive: false, date: formatHttpDate(s.clock()),
      }, busy);
      s.onLog(accessLogLine({ remote: flow.remote, time: s.clock(), requestLine: null, status: 503, bytes: sent.bytes, durationMs: s.scheduler.now() - started }));
      if (!sent.ok) flow.abort();
      else await closeGracefully(flow, new FlowReader(flow, s.scheduler), s.scheduler, s.lingerMs);
    } catch (e) {
      flow.abort();
    } finally {
      rejecting--;
    }
  }

  async function serve(entry: Live): Promise<void> {
    await serveConnection(entry.flow, handler, s, counters, entry.control);
    const i = live.indexOf(entry);
    if (i >= 0) live.splice(i, 1);
  }

  const unlisten = tcp.listen(port, (flow) => {
    if (stopped) { flow.abort(); return; }
    if (live.length >= s.maxConnections) { void reject(flow); return; }
    count(counters, 'http.connections');
    const entry: Live = { control: { draining: false, idle: false }, flow: flow };
    live.push(entry);
    void serve(entry);
  });

  return {
    counters: counters,
    connections: function () { return live.length; },
    stop: function () {
      if (stopped) return;
      stopped = true;
      unlisten();
      for (let i = 0; i < live.length; i++) {
        live[i].control.draining = true;
        if (live[i].control.idle) live[i].flow.abort();
      }
    },
  };
}
