/* Writing: status lines, fields, requests, and the chunked coding both ways under any cut. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteQueue } from './bytes';
import { ChunkedDecoder, encodeChunk, LAST_CHUNK } from './chunked';
import { HttpError } from './errors';
import { fieldProblem, reasonPhrase, serialiseRequest, serialiseResponseHead } from './serialise';
import { cut, cuts, enc, str } from './testing/arbitraries';

describe('serialising', () => {
  it('writes a status line with the RFC 9110 phrase, fields and the empty line', () => {
    expect(str(serialiseResponseHead(404, [{ name: 'Content-Length', value: '0' }, { name: 'X', value: 'a\tb' }])))
      .toBe('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nX: a\tb\r\n\r\n');
    expect(str(serialiseResponseHead(299, []))).toBe('HTTP/1.1 299 \r\n\r\n');
    expect(str(serialiseResponseHead(200, [], 'Fine'))).toBe('HTTP/1.1 200 Fine\r\n\r\n');
    expect([413, 414, 416, 431, 505].map(reasonPhrase)).toEqual(['Content Too Large', 'URI Too Long', 'Range Not Satisfiable', 'Request Header Fields Too Large', 'HTTP Version Not Supported']);
    expect(reasonPhrase(0)).toBe('');
  });
  it('says which fields cannot be sent (no response splitting)', () => {
    expect(fieldProblem({ name: 'X-Ok', value: 'caf\xe9' })).toBeNull();
    expect(fieldProblem({ name: 'X', value: 'a\r\nSet-Cookie: x' })).toMatch(/bad value/);
    expect(fieldProblem({ name: 'X', value: 'a\0' })).toMatch(/bad value/);
    expect(fieldProblem({ name: 'X', value: '\u20ac' })).toMatch(/bad value/);
    expect(fieldProblem({ name: 'X Y', value: '' })).toMatch(/bad header name/);
    expect(fieldProblem({ name: '', value: '' })).toMatch(/bad header name/);
  });
  it('writes requests with a body or chunks', () => {
    expect(str(serialiseRequest({ method: 'POST', target: '/e', headers: [{ name: 'Host', value: 'h' }], chunks: [enc('ab'), new Uint8Array(0), enc('c'.repeat(17))] })))
      .toBe('POST /e HTTP/1.1\r\nHost: h\r\n\r\n2\r\nab\r\n11\r\nccccccccccccccccc\r\n0\r\n\r\n');
    expect(str(serialiseRequest({ method: 'GET', target: '/', version: 'HTTP/1.0', headers: [], body: enc('x') }))).toBe('GET / HTTP/1.0\r\n\r\nx');
  });
});

describe('chunked coding (RFC 9112 §7.1)', () => {
  const limits = { maxBodyBytes: 1 << 20, maxLineBytes: 4096, maxTrailerBytes: 1024, maxTrailers: 10 };
  it('encodes and decodes back under any cut, leaving what follows', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), cuts, fc.boolean(), (pieces, points, trailers) => {
      const wire = Buffer.concat([...pieces.map((p) => Buffer.from(encodeChunk(p))),
        Buffer.from(trailers ? '0;x=y\r\nA: 1\r\nB: 2\r\n\r\n' : str(LAST_CHUNK)), Buffer.from('NEXT')]);
      const q = new ByteQueue();
      const d = new ChunkedDecoder(limits);
      const out: Uint8Array[] = [];
      for (const c of cut(new Uint8Array(wire), points)) {
        q.push(c);
        d.decode(q, out);
      }
      expect(d.done).toBe(true);
      expect(Buffer.concat(out.map((o) => Buffer.from(o)))).toEqual(Buffer.concat(pieces.map((p) => Buffer.from(p))));
      expect(str(q.take(q.length))).toBe('NEXT');
    }), { numRuns: 1000 });
  });
  it('throws only HttpError for any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), cuts, (bytes, points) => {
      const q = new ByteQueue();
      const d = new ChunkedDecoder(limits);
      try {
        for (const c of cut(bytes, points)) { q.push(c); d.decode(q, []); }
      } catch (e) {
        expect(e).toBeInstanceOf(HttpError);
        expect([400, 413, 431]).toContain((e as HttpError).status);
      }
    }), { numRuns: 1000 });
  });
});
