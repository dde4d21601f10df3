/*
 * The server over in-memory connections under a virtual clock: keep-alive,
 * pipelining, HEAD, uploads, streaming, every timeout, the connection cap,
 * error answers, the access log; and random input never escaping.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTestClock, type TestClock } from '../../lib/testing/virtual-clock';
import type { Flow, TcpApi } from '../../net/types';
import { HttpError } from './errors';
import { json, text, type BodyStream, type Handler } from './message';
import type { HttpServerOptions } from './options';
import { serveFlow, serveHttp } from './server';
import { cut, cuts, enc, mutated, str } from './testing/arbitraries';
import { parseResponses, readAll, type ParsedResponse } from './testing/client';
import { flowPair, type FlowPairOptions, type TestFlow } from './testing/flow';

const WALL = Date.UTC(2024, 4, 1, 12, 0, 0);

function stream(pieces: string[], length?: number, failAfter?: number): BodyStream & { closed: boolean } {
  let i = 0;
  const s = {
    length, closed: false,
    chunks: () => {
      if (failAfter !== undefined && i === failAfter) return Promise.reject(new Error('disk on fire'));
      return Promise.resolve(i < pieces.length ? enc(pieces[i++]) : null);
    },
    close: () => { s.closed = true; },
  };
  return s;
}

function setup(options: HttpServerOptions = {}, pairOptions: FlowPairOptions = {}) {
  const clock = createTestClock();
  const logs: string[] = [];
  const errors: unknown[] = [];
  const streams: ReturnType<typeof stream>[] = [];
  const handler: Handler = (req) => {
    switch (req.path) {
      case '/text': return text('hello');
      case '/echo': return { status: 200, headers: { 'X-Method': req.method, 'X-Length': req.body.length }, body: req.body };
      case '/slow': return new Promise((resolve) => { clock.after(100, () => resolve(text('slow'))); });
      case '/stream': { const s = stream(['ab', '', 'cd', 'e'], req.query.length ? +req.query.length : undefined); streams.push(s); return { status: 200, body: s }; }
      case '/short-stream': return { status: 200, body: stream(['ab'], 5) };
      case '/broken-stream': return { status: 200, body: stream(['ab', 'cd'], undefined, 1) };
      case '/big': {
        const piece = new Uint8Array(65536);
        let left = 64;
        return { status: 200, body: { length: 64 * 65536, chunks: () => Promise.resolve(left-- > 0 ? piece : null) } };
      }
      case '/boom': throw new Error('boom');
      case '/reject': return Promise.reject(new Error('async boom'));
      case '/conflict': throw new HttpError(409, 'already there');
      case '/bad-header': return { status: 200, headers: { X: 'a\r\nInjected: yes' } };
      case '/bad-status': return { status: 99 };
      case '/no-content': return { status: 204, body: 'ignored' };
      case '/close': return { status: 200, headers: { Connection: 'close' }, body: 'bye' };
      case '/json': return json({ query: req.query, remote: req.remote.address, host: req.host });
      default: return text('not found', 404);
    }
  };
  let accept: (f: Flow) => void = () => undefined;
  let listening = true;
  const tcp: TcpApi = { listen: (_p, f) => { accept = f; return () => { listening = false; }; }, connect: () => Promise.reject(new Error('no')) };
  const server = serveHttp(tcp, 80, handler, {
    scheduler: clock, clock: () => WALL + clock.now(), onLog: (l) => logs.push(l), onError: (e) => errors.push(e), ...options,
  });
  const connect = (): TestFlow => {
    const pair = flowPair(pairOptions);
    accept(pair.server);
    return pair.client;
  };
  return { clock, logs, errors, server, connect, streams, handler, listening: () => listening };
}

/** Reads until `n` whole responses have come (HEAD answers flagged in `heads`). */
async function responses(clock: TestClock, flow: Flow, n: number, heads?: boolean[]): Promise<ParsedResponse[]> {
  let bytes = new Uint8Array(0);
  for (;;) {
    try {
      const got = parseResponses(bytes, heads);
      if (got.filter((r) => r.status >= 200).length >= n) return got;
    } catch { /* incomplete: read on */ }
    const chunk = await clock.until(flow.read(), 60_000);
    if (chunk === null) throw new Error('connection ended after ' + JSON.stringify(str(bytes)));
    const joined = new Uint8Array(bytes.length + chunk.length);
    joined.set(bytes);
    joined.set(chunk, bytes.length);
    bytes = joined;
  }
}

/** Everything until the server closes, and when that was. */
async function rest(clock: TestClock, flow: Flow): Promise<{ text: string; at: number }> {
  const all = await clock.until(readAll(flow), 600_000);
  return { text: str(all), at: clock.now() };
}

const GET = (path: string, extra = '') => enc('GET ' + path + ' HTTP/1.1\r\nHost: h\r\n' + extra + '\r\n');

describe('serveHttp: persistent connections (RFC 9112 §9)', () => {
  it('serves several requests on one connection, then closes it after the idle timeout', async () => {
    const h = setup();
    const c = h.connect();
    await c.write(GET('/text'));
    const [a] = await responses(h.clock, c, 1);
    expect(a.status).toBe(200);
    expect(str(a.body)).toBe('hello');
    expect(a.headers.fields).toEqual([
      { name: 'Date', value: 'Wed, 01 May 2024 12:00:00 GMT' },
      { name: 'Content-Type', value: 'text/plain; charset=utf-8' },
      { name: 'Content-Length', value: '5' },
    ]);
    await h.clock.advance(4000);
    await c.write(GET('/json?a=1&a=2&b=%20'));
    const [b] = await responses(h.clock, c, 1);
    expect(JSON.parse(str(b.body))).toEqual({ query: { a: '1', b: ' ' }, remote: 0x0a000002, host: 'h' });
    const start = h.clock.now();
    const end = await rest(h.clock, c);
    expect(end.text).toBe('');
    expect(end.at - start).toBe(5000);
    expect(h.server.counters).toMatchObject({ 'http.connections': 1, 'http.requests': 2, 'http.timeouts': 1 });
    expect(h.server.connections()).toBe(1); // lingering until we close too
    await c.close();
    await h.clock.settle();
    expect(c.state.reset).toBe(false);
    expect(h.server.connections()).toBe(0);
  });
  it('closes after a response to "Connection: close", to HTTP/1.0, and when the handler asks', async () => {
    const h = setup();
    for (const [req, expectClose] of [
      [GET('/text', 'Connection: close\r\n'), true],
      [enc('GET /text HTTP/1.0\r\n\r\n'), true],
      [GET('/close'), true],
    ] as const) {
      const c = h.connect();
      await c.write(req);
      const end = await rest(h.clock, c);
      const [r] = parseResponses(enc(end.text));
      expect(r.headers.get('connection')).toBe('close');
      expect(end.at).toBeLessThan(1000);
      expect(expectClose).toBe(true);
    }
  });
  it('keeps HTTP/1.0 alive when asked, saying so', async () => {
    const h = setup();
    const c = h.connect();
    await c.write(enc('GET /text HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'));
    const [r] = await responses(h.clock, c, 1);
    expect(r.headers.get('connection')).toBe('keep-alive');
    await c.write(enc('GET /text HTTP/1.0\r\n\r\n'));
    const end = await rest(h.clock, c);
    expect(parseResponses(enc(end.text))[0].headers.get('connection')).toBe('close');
  });
  it('answers pipelined requests in order, however they are cut', async () => {
    const h = setup();
    const c = h.connect();
    const all = Buffer.concat([GET('/slow'), enc('POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc'), GET('/text'), GET('/stream')]);
    for (const piece of cut(new Uint8Array(all), [5, 40, 41, 90, 130])) await c.write(piece);
    const got = await responses(h.clock, c, 4);
    expect(got.map((r) => [r.status, str(r.body)])).toEqual([[200, 'slow'], [200, 'abc'], [200, 'hello'], [200, 'abcde']]);
  });
  it('sends HEAD answers without a body, with the length GET would have', async () => {
    const h = setup();
    const c = h.connect();
    await c.write(Buffer.concat([enc('HEAD /text HTTP/1.1\r\nHost: h\r\n\r\n'), enc('HEAD /stream?length=5 HTTP/1.1\r\nHost: h\r\n\r\n'),
      enc('HEAD /stream HTTP/1.1\r\nHost: h\r\n\r\n'), GET('/text')]));
    const got = await responses(h.clock, c, 4, [true, true, true, false]);
    expect(got.map((r) => [r.headers.get('content-length'), r.headers.get('transfer-encoding'), r.body.length])).toEqual([
      ['5', undefined, 0], ['5', undefined, 0], [undefined, undefined, 0], ['5', undefined, 5]]);
    expect(h.streams.every((s) => s.closed)).toBe(true);
  });
  it('sends no body for 204', async () => {
    const h = setup();
    const c = h.connect();
    await c.write(Buffer.concat([GET('/no-content'), GET('/text')]));
    const got = await responses(h.clock, c, 2);
    expect(got.map((r) => [r.status, r.headers.has('content-length'), str(r.body)])).toEqual([[204, false, ''], [200, true, 'hello']]);
  });
});

describe('serveHttp: bodies', () => {
  it('takes a chunked upload in pieces and echoes it', async () => {
    const h = setup();
    const c = h.connect();
    const body = 'x'.repeat(5000) + 'tail';
    const wire = enc('POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1388\r\n' + body.slice(0, 5000) + '\r\n4;ext\r\ntail\r\n0\r\nT: 1\r\n\r\n');
    for (const piece of cut(wire, [1, 60, 61, 2000, 5070, 5080])) await c.write(piece);
    const [r] = await responses(h.clock, c, 1);
    expect([r.status, r.headers.get('x-length'), str(r.body)]).toEqual([200, '5004', body]);
  });
  it('sends 100 Continue before reading a body that waits for it (RFC 9110 §10.1.1)', async () => {
    const h = setup();
    const c = h.connect();
    await c.write(enc('PUT /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n'));
    expect(str((await h.clock.until(c.read(), 1000)) as Uint8Array)).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    await c.write(enc('data'));
    const got = await responses(h.clock, c, 1);
    expect(got.length).toBe(1); // the 100 was consumed above
    expect(str(got[0].body)).toBe('data');
    // no 100 when the body came along anyway
    await c.write(enc('PUT /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi'));
    const [r] = await responses(h.clock, c, 1);
    expect(r.status).toBe(200);
  });
  it('refuses a body over the limit before it is sent, with no 100', async () => {
    const h = setup({ maxBodyBytes: 10 });
    const c = h.connect();
    await c.write(enc('PUT /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n'));
    const end = await rest(h.clock, c);
    expect(end.text).toMatch(/^HTTP\/1\.1 413 Content Too Large\r\n/);
    expect(end.text).toMatch(/\r\nConnection: close\r\n/);
    expect(end.text).toMatch(/\r\n\r\n413 Content Too Large: body too large\n$/);
  });
  it('streams bodies: Content-Length when known, chunked for HTTP/1.1, the close for HTTP/1.0', async () => {
    const h = setup();
    const c = h.connect();
    await c.write(Buffer.concat([GET('/stream?length=5'), GET('/stream')]));
    const got = await responses(h.clock, c, 2);
    expect(got.map((r) => [r.headers.get('content-length'), r.headers.get('transfer-encoding'), str(r.body)])).toEqual([['5', undefined, 'abcde'], [undefined, 'chunked', 'abcde']]);
    const old = h.connect();
    await old.write(enc('GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'));
    const end = await rest(h.clock, old);
    expect(end.text).toMatch(/\r\nConnection: close\r\n\r\nabcde$/);
    expect(end.text).not.toMatch(/Content-Length|Transfer-Encoding/);
    expect(h.streams.every((s) => s.closed)).toBe(true);
  });
  it('resets the connection when a stream fails or falls short of its length', async () => {
    for (const path of ['/broken-stream', '/short-stream']) {
      const h = setup();
      const c = h.connect();
      await c.write(GET(path));
      const end = await rest(h.clock, c);
      expect(end.text).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(c.state.reset).toBe(true);
      expect(String(h.errors[0])).toMatch(path === '/broken-stream' ? /disk on fire/ : /ended at 2 of its length 5/);
      expect(h.logs[0]).toMatch(/" 200 2 \d+ms$/);
    }
  });
});

describe('serveHttp: slow clients', () => {
  it('closes a connection that sends nothing within the header timeout, without a word', async () => {
    const h = setup();
    const c = h.connect();
    const end = await rest(h.clock, c);
    expect(end).toEqual({ text: '', at: 10000 });
    expect(h.logs).toEqual([]);
  });
  it('answers 408 to a head that does not finish in time, however it trickles', async () => {
    const h = setup();
    const c = h.connect();
    await h.clock.advance(3000);
    const line = 'GET /text HTTP/1.1\r\nHost: h\r\nX-Slow: ' + 'a'.repeat(100);
    for (let i = 0; i < 20 && !h.logs.length; i++) {
      await c.write(enc(line.slice(i * 5, i * 5 + 5)));
      await h.clock.advance(900);
    }
    expect(h.logs).toEqual(['10.0.0.2 - - [01/May/2024:12:00:13 +0000] "-" 408 43 10000ms']); // 10 s from the first byte
    const end = await rest(h.clock, c);
    expect(end.text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n.*\r\n\r\n408 Request Timeout: request head too slow\n$/s);
  });
  it('answers 408 to a body that stalls', async () => {
    const h = setup({ bodyTimeoutMs: 2000 });
    const c = h.connect();
    await c.write(enc('POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc'));
    await h.clock.advance(1500);
    await c.write(enc('def'));
    const end = await rest(h.clock, c);
    expect(end.at).toBe(3500);
    expect(end.text).toMatch(/^HTTP\/1\.1 408 .*request body stalled\n$/s);
    expect(h.logs[0]).toMatch(/"POST \/echo HTTP\/1\.1" 408 /);
  });
  it('resets a connection whose peer stops reading', async () => {
    const h = setup({ sendTimeoutMs: 3000 }, { highWater: 100000 });
    const c = h.connect();
    await c.write(GET('/big'));
    await h.clock.advance(2999);
    expect(c.state.reset).toBe(false);
    await h.clock.advance(1);
    expect(c.state.reset).toBe(true);
    expect(h.server.counters['http.resets']).toBe(1);
    expect(h.server.connections()).toBe(0);
  });
  it('lingers after closing for the peer to finish, then resets', async () => {
    const h = setup({ lingerMs: 1000 });
    const c = h.connect();
    await c.write(enc('GARBAGE\r\n\r\n'));
    await h.clock.settle();
    expect(c.state.reset).toBe(false);
    await c.write(enc('more from a client still uploading'));
    await h.clock.advance(999);
    expect(h.server.connections()).toBe(1);
    await h.clock.advance(1);
    expect(c.state.reset).toBe(true);
    expect(h.server.connections()).toBe(0);
  });
});

describe('serveHttp: the connection cap', () => {
  it('answers 503 past the cap and serves again once a connection ends', async () => {
    const h = setup({ maxConnections: 2 });
    const a = h.connect();
    const b = h.connect();
    const third = h.connect();
    const end = await rest(h.clock, third);
    expect(end.text).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(end.text).toMatch(/\r\nRetry-After: 1\r\n/);
    expect(end.text).toMatch(/\r\nConnection: close\r\n/);
    expect(h.server.counters['http.rejected']).toBe(1);
    expect(h.logs[0]).toMatch(/^10\.0\.0\.2 - - \[.*\] "-" 503 \d+ 0ms$/);
    await a.write(GET('/text', 'Connection: close\r\n'));
    await rest(h.clock, a);
    await a.close();
    await h.clock.settle();
    const d = h.connect();
    await d.write(GET('/text'));
    expect((await responses(h.clock, d, 1))[0].status).toBe(200);
    expect(h.server.connections()).toBe(2);
    void b;
  });
  it('stops: no new connections, idle ones closed, busy ones after their response', async () => {
    const h = setup();
    const idle = h.connect();
    const busy = h.connect();
    await h.clock.settle();
    await busy.write(GET('/slow'));
    await h.clock.settle();
    h.server.stop();
    expect(h.listening()).toBe(false);
    expect(idle.state.reset).toBe(true);
    const end = await rest(h.clock, busy);
    expect(end.text).toMatch(/Connection: close\r\n\r\nslow$/);
  });
});

describe('serveHttp: errors', () => {
  async function answer(req: Uint8Array, options?: HttpServerOptions) {
    const h = setup(options);
    const c = h.connect();
    await c.write(req);
    const end = await rest(h.clock, c);
    return { ...h, text: end.text, response: parseResponses(enc(end.text))[0] };
  }
  it('answers malformed requests with their status, a text body and Connection: close', async () => {
    const cases: [string, number, string][] = [
      ['GET / HTTP/1.1\r\n\r\n', 400, '400 Bad Request: missing Host\n'],
      ['GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n', 400, '400 Bad Request: obsolete line folding\n'],
      ['GET / HTTP/2.0\r\n\r\n', 505, '505 HTTP Version Not Supported: HTTP/2.0 is not supported\n'],
      ['GET /' + 'a'.repeat(9000) + ' HTTP/1.1\r\n', 414, '414 URI Too Long: request target too long\n'],
      ['GET / HTTP/1.1\r\nHost: h\r\nBig: ' + 'x'.repeat(20000) + '\r\n\r\n', 431, '431 Request Header Fields Too Large: header section too large\n'],
      ['POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501, '501 Not Implemented: transfer coding gzip is not supported\n'],
      ['POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2000000\r\n\r\n', 413, '413 Content Too Large: body too large\n'],
    ];
    for (const [req, status, body] of cases) {
      const r = await answer(enc(req));
      expect([status, r.response.status, str(r.response.body), r.response.headers.get('connection')]).toEqual([status, status, body, 'close']);
      expect(r.response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(r.logs.length).toBe(1);
    }
  });
  it('answers a stream that ends inside a request with 400', async () => {
    const h = setup();
    const c = h.connect();
    await c.write(enc('GET / HTTP/1.1\r\nHo'));
    await c.close();
    const end = await rest(h.clock, c);
    expect(end.text).toMatch(/^HTTP\/1\.1 400 .*incomplete request\n$/s);
  });
  it('turns handler failures into 500 (or the HttpError\'s status) and keeps serving', async () => {
    const h = setup();
    const c = h.connect();
    await c.write(Buffer.concat(['/boom', '/reject', '/conflict', '/bad-header', '/bad-status', '/text'].map((p) => GET(p))));
    const got = await responses(h.clock, c, 6);
    expect(got.map((r) => [r.status, str(r.body), r.headers.has('connection')])).toEqual([
      [500, '500 Internal Server Error\n', false], [500, '500 Internal Server Error\n', false], [409, '409 Conflict: already there\n', false],
      [500, '500 Internal Server Error\n', false], [500, '500 Internal Server Error\n', false], [200, 'hello', false]]);
    expect(h.errors.map(String)).toEqual(['Error: boom', 'Error: async boom', 'Error: bad response: bad value for header X', 'Error: bad response: bad status 99']);
    expect(got.some((r) => r.headers.has('injected'))).toBe(false);
  });
  it('survives log and error listeners that throw', async () => {
    const h = setup({ onLog: () => { throw new Error('log full'); }, onError: () => { throw new Error('pager down'); } });
    const c = h.connect();
    await c.write(Buffer.concat([GET('/boom'), GET('/text')]));
    expect((await responses(h.clock, c, 2)).map((r) => r.status)).toEqual([500, 200]);
  });
  it('logs one line per request in Common Log Format with the duration', async () => {
    const h = setup();
    const c = h.connect();
    await c.write(Buffer.concat([GET('/slow'), GET('/nope'), enc('HEAD /text HTTP/1.1\r\nHost: h\r\n\r\n'), GET('/a"b\\c')]));
    await responses(h.clock, c, 4, [false, false, true, false]);
    expect(h.logs).toEqual([
      '10.0.0.2 - - [01/May/2024:12:00:00 +0000] "GET /slow HTTP/1.1" 200 4 100ms',
      '10.0.0.2 - - [01/May/2024:12:00:00 +0000] "GET /nope HTTP/1.1" 404 9 0ms',
      '10.0.0.2 - - [01/May/2024:12:00:00 +0000] "HEAD /text HTTP/1.1" 200 - 0ms',
      '10.0.0.2 - - [01/May/2024:12:00:00 +0000] "GET /a\\x22b\\x5cc HTTP/1.1" 404 9 0ms',
    ]);
  });
});

describe('serveFlow properties', () => {
  /** Feeds `chunks` to one connection and returns what came back; the server must finish by itself. */
  async function feed(chunks: Uint8Array[], endInput: boolean) {
    const clock = createTestClock();
    const errors: unknown[] = [];
    const pair = flowPair();
    const done = serveFlow(pair.server, (req) => ({ status: 200, body: req.body }), { scheduler: clock, onError: (e) => errors.push(e), lingerMs: 100 });
    for (const c of chunks) await pair.client.write(c);
    if (endInput) await pair.client.close();
    const out = await clock.until(readAll(pair.client), 60_000);
    await clock.until(done, 60_000);
    return { out, errors };
  }
  it('answers any bytes, cut anyhow, with well-formed responses and ends the connection', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated), cuts, fc.boolean(), async (bytes, points, endInput) => {
      const { out, errors } = await feed(cut(bytes, points), endInput);
      expect(errors).toEqual([]);
      const got = parseResponses(out);
      for (const r of got) expect([100, 200, 400, 408, 413, 414, 417, 431, 501, 505]).toContain(r.status);
    }), { numRuns: 300 });
  });
});
