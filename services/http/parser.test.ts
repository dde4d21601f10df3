/* The request parser (RFC 9112): forms, framing, limits, strictness, and properties over random input. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RequestParser, type ParseEvent, type ParserOptions, type RequestHead } from './parser';
import { serialiseRequest } from './serialise';
import { cut, cuts, enc, mutated, parseChunks, str } from './testing/arbitraries';

const parse = (s: string | Uint8Array, options?: ParserOptions): ParseEvent[] => parseChunks([typeof s === 'string' ? enc(s) : s], options);

/** The one request `s` holds, or the test fails. */
function request(s: string, options?: ParserOptions): { head: RequestHead; body: string } {
  const events = parse(s, options).filter((e) => e.type !== 'head');
  expect(events.map((e) => e.type === 'error' ? e.error.message : e.type)).toEqual(['request']);
  const e = events[0] as Extract<ParseEvent, { type: 'request' }>;
  return { head: e.head, body: str(e.body) };
}

/** The status of the error `s` ends in ('none' when it parses cleanly). */
function status(s: string | Uint8Array, options?: ParserOptions): number | 'none' {
  const last = parse(s, options).pop();
  return last && last.type === 'error' ? last.error.status : 'none';
}

const get = (headers = 'Host: h\r\n', line = 'GET / HTTP/1.1') => line + '\r\n' + headers + '\r\n';

describe('request line and target (RFC 9112 §3)', () => {
  it('reads origin form with path and query, fields in order with case kept', () => {
    const { head } = request('GET /a/b%20c?x=1&y HTTP/1.1\r\nHost: example.com:8080\r\nX-One: 1\r\nx-one: 2\r\nAccept:  */*  \r\n\r\n');
    expect(head).toMatchObject({ method: 'GET', target: '/a/b%20c?x=1&y', version: 'HTTP/1.1', form: 'origin', path: '/a/b%20c', query: 'x=1&y', host: 'example.com:8080', keepAlive: true, bodyLength: 0 });
    expect(head.headers.fields.map((f) => f.name)).toEqual(['Host', 'X-One', 'x-one', 'Accept']);
    expect(head.headers.get('x-ONE')).toBe('1, 2');
    expect(head.headers.getAll('X-One')).toEqual(['1', '2']);
    expect(head.headers.get('accept')).toBe('*/*');
    expect(head.headers.get('nope')).toBeUndefined();
  });
  it('takes the absolute form\'s authority over Host (§3.2.2)', () => {
    expect(request(get('Host: other\r\n', 'GET http://example.com:81/p?q HTTP/1.1')).head).toMatchObject({ form: 'absolute', host: 'example.com:81', path: '/p', query: 'q' });
    expect(request(get('Host: h\r\n', 'GET HTTPS://example.com HTTP/1.1')).head).toMatchObject({ path: '/', query: '' });
    expect(request(get('Host: h\r\n', 'GET http://example.com?z HTTP/1.1')).head).toMatchObject({ path: '/', query: 'z' });
    expect(status(get('Host: h\r\n', 'GET ftp://example.com/ HTTP/1.1'))).toBe(400);
    expect(status(get('Host: h\r\n', 'GET http://u@example.com/ HTTP/1.1'))).toBe(400);
    expect(status(get('Host: h\r\n', 'GET example.com HTTP/1.1'))).toBe(400);
  });
  it('takes the asterisk form for OPTIONS only, and refuses CONNECT with 501', () => {
    expect(request(get('Host: h\r\n', 'OPTIONS * HTTP/1.1')).head).toMatchObject({ form: 'asterisk', path: '*' });
    expect(status(get('Host: h\r\n', 'GET * HTTP/1.1'))).toBe(400);
    expect(status(get('Host: h\r\n', 'CONNECT example.com:443 HTTP/1.1'))).toBe(501);
  });
  it('refuses malformed lines with 400 and other versions with 505', () => {
    for (const line of ['GET  / HTTP/1.1', 'GET / HTTP/1.1 ', 'GET /', 'GET / http/1.1', 'GET / HTTP/1.10', 'G(T / HTTP/1.1', ' GET / HTTP/1.1',
      'GET /a b HTTP/1.1', 'GET /#frag HTTP/1.1', 'GET /\x7f HTTP/1.1', 'GET /\xc3\xa9 HTTP/1.1', 'GET\t/ HTTP/1.1']) {
      expect([line, status(get('Host: h\r\n', line))]).toEqual([line, 400]);
    }
    expect(status(get('Host: h\r\n', 'GET / HTTP/2.0'))).toBe(505);
    expect(status(get('Host: h\r\n', 'GET / HTTP/1.2'))).toBe(505);
    expect(status('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')).toBe(505);
    const e = parse(get('Host: h\r\n', 'GET / HTTP/3.0')).pop() as Extract<ParseEvent, { type: 'error' }>;
    expect(e.requestLine).toBe('GET / HTTP/3.0');
  });
  it('answers 414 for a target past the limit and 400 for other long lines, complete or not', () => {
    const long = '/' + 'a'.repeat(9000);
    expect(status(get('Host: h\r\n', 'GET ' + long + ' HTTP/1.1'))).toBe(414);
    expect(status('GET ' + long)).toBe(414);
    expect(status('X'.repeat(9000))).toBe(400);
    expect(status('GET / ' + 'H'.repeat(9000) + '\r\n\r\n')).toBe(400);
    expect(status(get('Host: h\r\n', 'GET /' + 'a'.repeat(8000) + ' HTTP/1.1'))).toBe('none');
    expect(status(get('Host: h\r\n', 'GET /' + 'a'.repeat(100) + ' HTTP/1.1'), { maxRequestLineBytes: 50 })).toBe(414);
  });
  it('skips empty lines before a request line, up to a few (§2.2)', () => {
    expect(request('\r\n\n' + get()).head.method).toBe('GET');
    expect(status('\r\n'.repeat(20) + get())).toBe(400);
  });
  it('accepts bare LF line endings and refuses a bare CR', () => {
    expect(request('GET / HTTP/1.1\nHost: h\n\n').head.host).toBe('h');
    expect(status('GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n')).toBe(400);
    expect(status('GET / HTTP/1.1\rHost: h\r\n\r\n')).toBe(400);
  });
});

describe('header fields (RFC 9112 §5, RFC 9110 §5)', () => {
  it('refuses obs-fold, whitespace before the colon, bad names and control octets with 400', () => {
    for (const h of ['X: a\r\n  folded\r\n', ' X: a\r\n', 'X : a\r\n', 'X\t: a\r\n', '(X): a\r\n', ': a\r\n', 'no colon\r\n', 'X: a\x00b\r\n', 'X: a\x01\r\n', 'X: \x7f\r\n']) {
      expect([h, status(get('Host: h\r\n' + h))]).toEqual([h, 400]);
    }
  });
  it('keeps obs-text and tabs in values, trimming the outer whitespace', () => {
    expect(request(get('Host: h\r\nX: \t a\tb \xe9 \t\r\n')).head.headers.get('x')).toBe('a\tb \xe9');
  });
  it('requires one valid Host in HTTP/1.1 (§3.2)', () => {
    expect(status(get(''))).toBe(400);
    expect(status(get('Host: a\r\nHost: b\r\n'))).toBe(400);
    expect(status(get('Host: a b\r\n'))).toBe(400);
    expect(status(get('Host: a/b\r\n'))).toBe(400);
    expect(request(get('Host: [::1]:80\r\n')).head.host).toBe('[::1]:80');
    expect(request(get('Host:\r\n')).head.host).toBe('');
    expect(request(get('', 'GET / HTTP/1.0')).head).toMatchObject({ host: '', version: 'HTTP/1.0', keepAlive: false });
  });
  it('answers 431 past the field count or the section size, complete or not', () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => 'X-' + i + ': v\r\n').join('');
    expect(status(get('Host: h\r\n' + fields(100)))).toBe(431);
    expect(status(get('Host: h\r\n' + fields(99)))).toBe('none');
    expect(status(get('Host: h\r\nBig: ' + 'v'.repeat(17000) + '\r\n'))).toBe(431);
    expect(status('GET / HTTP/1.1\r\nHost: h\r\nBig: ' + 'v'.repeat(17000))).toBe(431);
    expect(status(get('Host: h\r\nX: ' + 'v'.repeat(200) + '\r\n'), { maxHeaderBytes: 100 })).toBe(431);
    expect(status(get('Host: h\r\nA: 1\r\nB: 2\r\n'), { maxHeaders: 2 })).toBe(431);
  });
  it('decides persistence from the version and Connection (RFC 9112 §9.3)', () => {
    expect(request(get('Host: h\r\nConnection: close\r\n')).head.keepAlive).toBe(false);
    expect(request(get('Host: h\r\nConnection: Keep-Alive, CLOSE\r\n')).head.keepAlive).toBe(false);
    expect(request(get('Connection: keep-alive\r\n', 'GET / HTTP/1.0')).head.keepAlive).toBe(true);
    expect(request(get('', 'GET / HTTP/1.0')).head.keepAlive).toBe(false);
  });
});

describe('message body framing (RFC 9112 §6)', () => {
  const post = (headers: string, body = '') => 'POST /p HTTP/1.1\r\nHost: h\r\n' + headers + '\r\n' + body;
  it('reads a Content-Length body, and a list of equal lengths', () => {
    expect(request(post('Content-Length: 5\r\n', 'hello')).body).toBe('hello');
    expect(request(post('Content-Length: 5, 5\r\nContent-Length: 5\r\n', 'hello')).body).toBe('hello');
    expect(request(post('Content-Length: 0\r\n')).body).toBe('');
    expect(request(post('Content-Length: 0005\r\n', 'hello')).body).toBe('hello');
  });
  it('refuses bad or differing lengths with 400 and big ones with 413', () => {
    for (const cl of ['-1', '+5', '5a', '', '0x5', '5 5', '1.0']) expect([cl, status(post('Content-Length: ' + cl + '\r\n', 'hello'))]).toEqual([cl, 400]);
    expect(status(post('Content-Length: 5, 6\r\n', 'hello'))).toBe(400);
    expect(status(post('Content-Length: 5\r\nContent-Length: 6\r\n', 'hello'))).toBe(400);
    expect(status(post('Content-Length: 1048577\r\n'))).toBe(413);
    expect(status(post('Content-Length: 99999999999999999999999\r\n'))).toBe(413);
    expect(status(post('Content-Length: 11\r\n', 'hello world'), { maxBodyBytes: 10 })).toBe(413);
    expect(status(post('Content-Length: 10\r\n', '0123456789'), { maxBodyBytes: 10 })).toBe('none');
  });
  it('decodes chunked bodies, ignoring extensions and dropping trailers', () => {
    const r = request(post('Transfer-Encoding: chunked\r\n', '5 ; a=1;b="x;y"\r\nhello\r\nA\r\n, world!!!\r\n0;last\r\nX-Sum: 1\r\nY: 2\r\n\r\n'));
    expect(r.body).toBe('hello, world!!!');
    expect(r.head.bodyLength).toBe(-1);
    expect(r.head.headers.has('x-sum')).toBe(false);
    expect(request(post('Transfer-Encoding: Chunked\r\n', '0\r\n\r\n')).body).toBe('');
    expect(request(post('Transfer-Encoding: chunked\r\n', '3\nabc\n0\n\n')).body).toBe('abc');
  });
  it('refuses malformed chunked bodies', () => {
    const te = 'Transfer-Encoding: chunked\r\n';
    expect(status(post(te, 'zz\r\nhello\r\n0\r\n\r\n'))).toBe(400);
    expect(status(post(te, '\r\n0\r\n\r\n'))).toBe(400);
    expect(status(post(te, '5\r\nhello!\r\n0\r\n\r\n'))).toBe(400);
    expect(status(post(te, '5x\r\nhello\r\n0\r\n\r\n'))).toBe(400);
    expect(status(post(te, '5;\x01\r\nhello\r\n0\r\n\r\n'))).toBe(400);
    expect(status(post(te, 'fffffffffffffff\r\n'))).toBe(400);
    expect(status(post(te, '00000000000000000000003\r\nabc\r\n0\r\n\r\n'))).toBe('none');
    expect(status(post(te, '100001\r\n'))).toBe(413);
    expect(status(post(te, '6\r\nhello!\r\n5\r\nhello\r\n0\r\n\r\n'), { maxBodyBytes: 10 })).toBe(413);
    expect(status(post(te, '0\r\nT: ' + 'x'.repeat(20000) + '\r\n\r\n'))).toBe(431);
    expect(status(post(te, '0\r\nT : x\r\n\r\n'))).toBe(400);
    expect(status(post(te, '5;' + 'e'.repeat(5000) + '\r\n'))).toBe(400);
    expect(status(post(te, '5\r\nhel'))).toBe(400); // then the stream ends
  });
  it('answers 501 for codings we do not decode and 400 when chunked is not final or CL comes too', () => {
    expect(status(post('Transfer-Encoding: gzip, chunked\r\n', '0\r\n\r\n'))).toBe(501);
    expect(status(post('Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'))).toBe(501);
    expect(status(post('Transfer-Encoding: chunked, gzip\r\n'))).toBe(400);
    expect(status(post('Transfer-Encoding: chunked, chunked\r\n'))).toBe(400);
    expect(status(post('Transfer-Encoding: identity\r\n'))).toBe(400);
    expect(status(post('Transfer-Encoding:\r\n'))).toBe(400);
    expect(status(post('Transfer-Encoding: chunked\r\nContent-Length: 5\r\n', '0\r\n\r\n'))).toBe(400);
    expect(status('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')).toBe(400);
  });
  it('announces a body\'s head first, with Expect: 100-continue for HTTP/1.1 only (RFC 9110 §10.1.1)', () => {
    const events = parse(post('Expect: 100-Continue\r\nContent-Length: 2\r\n', 'hi'));
    expect(events.map((e) => e.type)).toEqual(['head', 'request']);
    expect((events[0] as Extract<ParseEvent, { type: 'head' }>).head.expectContinue).toBe(true);
    expect(request('POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi').head.expectContinue).toBe(false);
    expect(request(post('Expect: 100-continue\r\n')).head.expectContinue).toBe(false);
    expect(status(post('Expect: 200-ok\r\nContent-Length: 2\r\n', 'hi'))).toBe(417);
  });
});

describe('the parser over a connection', () => {
  it('parses pipelined requests one at a time, leaving the rest queued', () => {
    const p = new RequestParser();
    p.push(enc('GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: h\r\n\r\nGET /4'));
    const a = p.next();
    expect(a && a.type === 'request' && a.head.target).toBe('/1');
    expect(p.buffered).toBeGreaterThan(50);
    expect(p.next()?.type).toBe('head');
    const b = p.next();
    expect(b && b.type === 'request' && str(b.body)).toBe('abc');
    const c = p.next();
    expect(c && c.type === 'request' && c.head.target).toBe('/3');
    expect(p.next()).toBeNull();
    expect(p.phase).toBe('head');
    p.push(enc(' HTTP/1.1\r\nHost: h\r\n\r\n'));
    const d = p.next();
    expect(d && d.type === 'request' && d.head.target).toBe('/4');
    expect(p.phase).toBe('idle');
    expect(p.end()).toBeNull();
  });
  it('reports a stream that ends inside a request, and stays failed', () => {
    const p = new RequestParser();
    p.push(enc('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\nabc'));
    expect(p.next()?.type).toBe('head');
    expect(p.next()).toBeNull();
    expect(p.phase).toBe('body');
    expect(p.bodyStarted).toBe(true);
    const e = p.end();
    expect(e && e.type === 'error' && [e.error.status, e.error.reason, e.requestLine]).toEqual([400, 'incomplete body', 'POST / HTTP/1.1']);
    p.push(enc('GET / HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(p.next()).toBe(e);
    expect(p.phase).toBe('failed');
    const q = new RequestParser();
    q.push(enc('GET / HT'));
    expect(q.next()).toBeNull();
    expect(q.end()).toMatchObject({ type: 'error', requestLine: null });
  });
});

const STATUSES = [400, 413, 414, 417, 431, 501, 505];

/** Checks the event sequence: heads are followed by their request, an error ends it, nothing else. */
function wellFormed(events: ParseEvent[]): void {
  events.forEach((e, i) => {
    if (e.type === 'error') {
      expect(i).toBe(events.length - 1);
      expect(STATUSES).toContain(e.error.status);
    } else if (e.type === 'head') {
      if (i + 1 < events.length) expect(['request', 'error']).toContain(events[i + 1].type);
    }
  });
}

describe('parser properties', () => {
  it('random bytes in random pieces give requests or one HttpError, never a throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), cuts, (bytes, points) => {
      wellFormed(parseChunks(cut(bytes, points)));
    }), { numRuns: 1000 });
  });
  it('mutated requests in random pieces give requests or one HttpError, the same however cut', () => {
    fc.assert(fc.property(mutated, cuts, (bytes, points) => {
      const whole = parseChunks([bytes]);
      wellFormed(whole);
      const pieces = parseChunks(cut(bytes, points));
      const summary = (evs: ParseEvent[]) => evs.map((e) => e.type === 'error' ? e.error.status : e.type === 'request' ? e.head.target + ':' + str(e.body) : 'head');
      expect(summary(pieces)).toEqual(summary(whole));
    }), { numRuns: 1500 });
  });

  const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
  const value = fc.stringMatching(/^[!-~\x80-\xff]([ \t!-~\x80-\xff]{0,20}[!-~\x80-\xff])?$/);
  const path = fc.stringMatching(/^(\/[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,10}){1,4}(\?[A-Za-z0-9=&/?%-]{0,12})?$/);
  const outgoing = fc.record({
    method: token,
    target: path,
    fields: fc.array(fc.tuple(token, value), { maxLength: 8 }).map((fs) => fs.filter(([n]) => !/^(host|content-length|transfer-encoding|expect|connection)$/i.test(n))),
    body: fc.uint8Array({ maxLength: 300 }),
    chunked: fc.option(fc.array(fc.nat({ max: 300 }), { maxLength: 6 })),
  });

  it('a request serialised and parsed back (any cut) is the same request', () => {
    fc.assert(fc.property(outgoing, cuts, (r, points) => {
      const headers = [{ name: 'Host', value: 'example.com' }, ...r.fields.map(([name, value]) => ({ name, value }))];
      let bytes: Uint8Array;
      if (r.chunked) {
        // the body cut into chunks at the given sizes, the rest in one last chunk
        const chunks: Uint8Array[] = [];
        let at = 0;
        for (const n of r.chunked) { chunks.push(r.body.slice(at, at + n)); at += n; if (at >= r.body.length) break; }
        if (at < r.body.length) chunks.push(r.body.slice(at));
        bytes = serialiseRequest({ method: r.method, target: r.target, headers: [...headers, { name: 'Transfer-Encoding', value: 'chunked' }], chunks });
      } else {
        bytes = serialiseRequest({ method: r.method, target: r.target, headers: [...headers, { name: 'Content-Length', value: String(r.body.length) }], body: r.body });
      }
      const events = parseChunks(cut(bytes, points)).filter((e) => e.type !== 'head');
      expect(events.length).toBe(1);
      const e = events[0];
      if (e.type !== 'request') throw new Error(e.type === 'error' ? e.error.message : 'head only');
      expect(e.head.method).toBe(r.method);
      expect(e.head.target).toBe(r.target);
      expect(e.head.headers.fields.slice(0, headers.length)).toEqual(headers);
      expect([...e.body]).toEqual([...r.body]);
    }), { numRuns: 1000 });
  });
});
