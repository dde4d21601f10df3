/*
 * One deterministic run through the HTTP core, printed line by line: the
 * parser on good, bad and mutated requests, dates, chunked coding under
 * seeded cuts, and the server with the router and the file server over
 * in-memory connections under a virtual clock. The engine test runs it
 * under Node and inside Duktape (fixtures/engine) and compares the lines,
 * so ES5 or polyfill gaps show as a difference there.
 */
import { seededRandom } from '../../../lib/random';
import { createTestClock, type TestClock } from '../../../lib/testing/virtual-clock';
import { fromLatin1, latin1 } from '../bytes';
import { encodeChunk, LAST_CHUNK } from '../chunked';
import { formatHttpDate, formatLogDate, parseHttpDate } from '../dates';
import { HttpError } from '../errors';
import { serveFiles } from '../files';
import { json, readJson, text } from '../message';
import { RequestParser, type ParseEvent } from '../parser';
import { router } from '../router';
import { serveFlow } from '../server';
import { memorySource } from '../sources';
import { parseResponses, readAll, type ParsedResponse } from './client';
import { flowPair } from './flow';

const WALL = 1714564800000; // Wed, 01 May 2024 12:00:00 GMT

function bytes(s: string): Uint8Array {
  return fromLatin1(s) as Uint8Array;
}

/** FNV-1a, to print bytes in a few characters. */
function fnv(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  return ('0000000' + h.toString(16)).slice(-8);
}

function describe(ev: ParseEvent): string {
  if (ev.type === 'error') return 'error ' + ev.error.status + ' ' + ev.error.reason + (ev.requestLine ? ' [' + ev.requestLine + ']' : '');
  const h = ev.head;
  const base = ev.type + ' ' + h.method + ' ' + h.form + ' path=' + h.path + ' query=' + h.query + ' host=' + h.host + ' keepAlive=' + h.keepAlive;
  return ev.type === 'request' ? base + ' body=' + JSON.stringify(latin1(ev.body)) : base + ' expect=' + h.expectContinue;
}

/** Every event for `input` cut at seeded points, then the end of the stream. */
function parseCut(input: Uint8Array, random: () => number): ParseEvent[] {
  const p = new RequestParser({ maxBodyBytes: 64 });
  const out: ParseEvent[] = [];
  let at = 0;
  let failed = false;
  while (at < input.length && !failed) {
    const n = 1 + Math.floor(random() * 20);
    p.push(input.subarray(at, Math.min(at + n, input.length)));
    at += n;
    for (let ev = p.next(); ev; ev = p.next()) {
      out.push(ev);
      if (ev.type === 'error') { failed = true; break; }
    }
  }
  if (!failed) {
    const last = p.end();
    if (last) out.push(last);
  }
  return out;
}

function showResponse(r: ParsedResponse): string {
  const keep = ['content-type', 'content-length', 'transfer-encoding', 'connection', 'etag', 'last-modified', 'content-range',
    'content-encoding', 'vary', 'location', 'allow', 'accept-ranges'];
  let line = r.status + ' ' + r.reason;
  for (let i = 0; i < keep.length; i++) {
    const v = r.headers.get(keep[i]);
    if (v !== undefined) line += ' | ' + keep[i] + ': ' + v;
  }
  const body = latin1(r.body);
  return line + ' | body ' + (body.length <= 40 ? JSON.stringify(body) : r.body.length + ' bytes ' + fnv(r.body));
}

/** One connection: `input` sent in seeded pieces, everything read back until the server closes. */
async function exchange(clock: TestClock, handler: Parameters<typeof serveFlow>[1], input: Uint8Array, random: () => number,
  log: string[], heads?: boolean[]): Promise<string[]> {
  const pair = flowPair();
  const done = serveFlow(pair.server, handler, {
    scheduler: clock, clock: function () { return WALL + clock.now(); }, maxBodyBytes: 4096,
    onLog: function (l) { log.push(l); }, onError: function (e) { log.push('handler error: ' + String(e)); },
  });
  let at = 0;
  while (at < input.length) {
    const n = 1 + Math.floor(random() * 200);
    await pair.client.write(input.subarray(at, Math.min(at + n, input.length)));
    at += n;
  }
  const start = clock.now();
  const out = await clock.until(readAll(pair.client), 600000);
  const closedAfter = clock.now() - start;
  await pair.client.close();
  await clock.until(done, 600000);
  const lines: string[] = [];
  const responses = parseResponses(out, heads);
  for (let i = 0; i < responses.length; i++) lines.push('  ' + showResponse(responses[i]));
  lines.push('  closed after ' + closedAfter + ' ms' + (pair.client.state.reset ? ' (reset)' : ''));
  return lines;
}

export async function runScenario(): Promise<string[]> {
  const out: string[] = [];
  const random = seededRandom(11);

  // Dates: the three forms, and IMF-fixdate across the calendar.
  out.push('date ' + formatHttpDate(WALL) + ' / ' + formatLogDate(WALL + 86400000 * 400 + 3723000));
  const forms = ['Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994', 'Sun, 31 Feb 1994 08:49:37 GMT', 'nonsense'];
  for (let i = 0; i < forms.length; i++) out.push('parse ' + JSON.stringify(forms[i]) + ' -> ' + parseHttpDate(forms[i], WALL));
  let dateSum = 0;
  for (let i = 0; i < 200; i++) {
    const t = Math.floor(random() * 253402300799) * 1000;
    if (parseHttpDate(formatHttpDate(t)) === t) dateSum++;
  }
  out.push('dates round-tripped ' + dateSum + '/200');

  // The parser on requests cut at seeded points.
  const requests = [
    'GET /a%20b?x=1&y=%C3%A9 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n',
    'POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n4;x=1\r\nWiki\r\n5\r\npedia\r\n0\r\nT: v\r\n\r\nGET http://other:8080 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
    'OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n',
    'GET / HTTP/1.1\r\n\r\n',
    'GET / HTTP/2.0\r\n\r\n',
    'GET /x HTTP/1.1\r\nHost: h\r\nX: a\r\n folded\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 65\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n',
    'GET /' + new Array(9000).join('a') + ' HTTP/1.1\r\n',
    'PUT /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab',
  ];
  for (let i = 0; i < requests.length; i++) {
    const events = parseCut(bytes(requests[i]), random);
    for (let j = 0; j < events.length; j++) out.push('req ' + i + ': ' + describe(events[j]));
  }

  // Chunked coding: encoded pieces decode back whatever the cuts.
  let chunkOk = 0;
  for (let i = 0; i < 50; i++) {
    const body: number[] = [];
    let wire = 'POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n';
    for (let k = Math.floor(random() * 5); k > 0; k--) {
      const piece = new Uint8Array(Math.floor(random() * 12));
      for (let j = 0; j < piece.length; j++) { piece[j] = Math.floor(random() * 256); body.push(piece[j]); }
      wire += latin1(encodeChunk(piece));
    }
    wire += latin1(LAST_CHUNK);
    const events = parseCut(bytes(wire), random);
    const last = events[events.length - 1];
    if (last && last.type === 'request' && latin1(last.body) === latin1(new Uint8Array(body))) chunkOk++;
  }
  out.push('chunked round trips ' + chunkOk + '/50');

  // Mutated requests: every outcome is a request or an HttpError.
  const tally: { [k: string]: number } = {};
  const sample = bytes(requests[1]);
  for (let i = 0; i < 300; i++) {
    const m = new Uint8Array(sample.length);
    m.set(sample);
    for (let e = 1 + Math.floor(random() * 3); e > 0; e--) m[Math.floor(random() * m.length)] = Math.floor(random() * 256);
    let key: string;
    try {
      const events = parseCut(m, random);
      const last = events[events.length - 1];
      key = last ? (last.type === 'error' ? 'error ' + last.error.status : last.type) : 'nothing';
    } catch (e) {
      key = 'other: ' + String(e);
    }
    tally[key] = (tally[key] || 0) + 1;
  }
  const keys = Object.keys(tally).sort();
  for (let i = 0; i < keys.length; i++) out.push('mutated ' + keys[i] + ': ' + tally[keys[i]]);

  // The server: router + files over memory flows, virtual clock.
  const clock = createTestClock();
  const site = memorySource({
    '/index.html': '<h1>home</h1>', '/docs/index.html': 'docs', '/app.js': 'alert(1)', '/app.js.gz': 'GZ',
    '/big.bin': new Array(40001).join('z'),
  }, WALL - 86400000);
  const r = router()
    .get('/healthz', () => text('ok'))
    .post('/echo', (req) => ({ status: 200, body: req.body }))
    .get('/items/:id', (req) => json({ id: req.params.id, q: req.query.q }))
    .put('/json', (req) => json({ got: readJson(req) }, 201))
    .get('/throw', () => { throw new Error('boom'); })
    .get('/conflict', () => { throw new HttpError(409, 'taken'); })
    .get('/slow', () => { return new Promise((resolve) => { clock.after(250, () => { resolve(text('late')); }); }); })
    .fallback(serveFiles(site, { clock: function () { return WALL; } }));
  const log: string[] = [];
  const etag = '"' + (13).toString(16) + '-' + (WALL - 86400000).toString(16) + '"';
  const sessions: [string, string, boolean[]?][] = [
    ['keep-alive and pipelining', 'GET /slow HTTP/1.1\r\nHost: h\r\n\r\nGET /healthz HTTP/1.1\r\nHost: h\r\n\r\nGET /items/a%20b?q=z HTTP/1.1\r\nHost: h\r\n\r\n' +
      'POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n' +
      'PUT /json HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n{"a":[1]}PUT /json HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n{bad'],
    ['files', 'GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /docs HTTP/1.1\r\nHost: h\r\n\r\nHEAD /index.html HTTP/1.1\r\nHost: h\r\n\r\n' +
      'GET /index.html HTTP/1.1\r\nHost: h\r\nIf-None-Match: W/' + etag + '\r\n\r\n' +
      'GET /big.bin HTTP/1.1\r\nHost: h\r\nRange: bytes=39990-\r\n\r\nGET /big.bin HTTP/1.1\r\nHost: h\r\nRange: bytes=50000-\r\n\r\n' +
      'GET /big.bin HTTP/1.1\r\nHost: h\r\n\r\nGET /app.js HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip, br\r\n\r\n' +
      'GET /app.js HTTP/1.1\r\nHost: h\r\n\r\nDELETE /index.html HTTP/1.1\r\nHost: h\r\n\r\nGET /../x HTTP/1.1\r\nHost: h\r\n\r\n' +
      'GET /nope HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n', [false, false, true]],
    ['handler failures', 'GET /throw HTTP/1.1\r\nHost: h\r\n\r\nGET /conflict HTTP/1.1\r\nHost: h\r\n\r\nPATCH /healthz HTTP/1.1\r\nHost: h\r\n\r\n'],
    ['expect and limits', 'POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n'],
    ['http/1.0', 'GET /healthz HTTP/1.0\r\n\r\n'],
    ['bad request', 'GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n'],
    ['stalled head', 'GET /healthz HTTP/1.1\r\nHost'],
  ];
  for (let i = 0; i < sessions.length; i++) {
    out.push('session ' + sessions[i][0]);
    const lines = await exchange(clock, r.handle, bytes(sessions[i][1]), random, log, sessions[i][2]);
    for (let j = 0; j < lines.length; j++) out.push(lines[j]);
  }
  for (let i = 0; i < log.length; i++) out.push('log ' + log[i]);
  return out;
}
