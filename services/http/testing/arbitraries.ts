/* Shared by the property tests: requests to mutate, and random ways to cut a byte stream. */
import fc from 'fast-check';
import { RequestParser, type ParseEvent, type ParserOptions } from '../parser';

export const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
export const str = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** `bytes` cut at the given points (taken modulo its length, in order). */
export function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => (bytes.length ? p % (bytes.length + 1) : 0)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...at, bytes.length]) {
    if (p > from) out.push(bytes.slice(from, p));
    from = p;
  }
  return out;
}

/** Every event the parser gives for `chunks` pushed one by one, then the end of the stream. */
export function parseChunks(chunks: Uint8Array[], options?: ParserOptions): ParseEvent[] {
  const p = new RequestParser(options);
  const events: ParseEvent[] = [];
  const drain = (): boolean => {
    for (let ev = p.next(); ev; ev = p.next()) {
      events.push(ev);
      if (ev.type === 'error') return false;
    }
    return true;
  };
  for (const c of chunks) {
    p.push(c);
    if (!drain()) return events;
  }
  const last = p.end();
  if (last) events.push(last);
  return events;
}

export const cuts = fc.array(fc.nat(), { maxLength: 12 });

/** Requests a real client might send, to mutate. */
export const SAMPLES = [
  'GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n',
  'POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello',
  'POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n',
  'GET http://example.com/a?b=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
  'PUT /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabcGET /next HTTP/1.1\r\nHost: h\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n',
];

/** A sample with a few bytes overwritten, inserted or deleted. */
export const mutated = fc.tuple(
  fc.constantFrom(...SAMPLES),
  fc.array(fc.tuple(fc.constantFrom('set', 'insert', 'delete'), fc.nat(), fc.constantFrom(0, 9, 10, 13, 32, 44, 45, 48, 58, 59, 65, 127, 200, 255)), { minLength: 1, maxLength: 4 }),
).map(([sample, edits]) => {
  const b = [...enc(sample)];
  for (const [kind, at, byte] of edits) {
    const i = at % (b.length + 1);
    if (kind === 'set' && i < b.length) b[i] = byte;
    else if (kind === 'insert') b.splice(i, 0, byte);
    else if (kind === 'delete') b.splice(i, 1);
  }
  return new Uint8Array(b);
});
