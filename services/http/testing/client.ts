/*
 * The client side for tests and the engine scenario: read a flow to its
 * end, and split what came back into responses (status, fields, body by
 * Content-Length, chunked, or to the end). Promise-only, so it runs in
 * Duktape too.
 */
import type { Flow } from '../../../net/types';
import { ByteQueue, concat, LineReader, latin1 } from '../bytes';
import { ChunkedDecoder } from '../chunked';
import { HeaderList, listTokens, parseFieldLine } from '../fields';

export interface ParsedResponse {
  status: number;
  reason: string;
  headers: HeaderList;
  body: Uint8Array;
}

/** Everything the flow yields until its end (a reset ends it too). */
export async function readAll(flow: Flow): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  try {
    for (let d = await flow.read(); d !== null; d = await flow.read()) parts.push(d);
  } catch (e) {
    // A reset ends it too.
  }
  return concat(parts.length ? parts : [new Uint8Array(0)]);
}

/**
 * The responses in `bytes`, in order. `heads[i]` says the i-th final
 * response answers HEAD (no body). Throws on anything malformed.
 */
export function parseResponses(bytes: Uint8Array, heads?: boolean[]): ParsedResponse[] {
  const q = new ByteQueue();
  q.push(bytes);
  const lines = new LineReader();
  const out: ParsedResponse[] = [];
  let finals = 0;
  while (q.length > 0) {
    const statusLine = lines.read(q);
    if (statusLine === null) throw new Error('truncated status line');
    const m = /^HTTP\/1\.[01] (\d{3}) (.*)$/.exec(latin1(statusLine));
    if (!m) throw new Error('bad status line ' + JSON.stringify(latin1(statusLine)));
    const headers = new HeaderList();
    for (;;) {
      const line = lines.read(q);
      if (line === null) throw new Error('truncated head');
      if (line.length === 0) break;
      const f = parseFieldLine(line);
      headers.add(f.name, f.value);
    }
    const status = +m[1];
    let body: Uint8Array = new Uint8Array(0);
    const noBody = status < 200 || status === 204 || status === 304 || (status >= 200 && heads !== undefined && heads[finals]);
    if (!noBody) {
      if (listTokens(headers, 'transfer-encoding').indexOf('chunked') >= 0) {
        const d = new ChunkedDecoder({ maxBodyBytes: 1 << 30, maxLineBytes: 4096, maxTrailerBytes: 16384, maxTrailers: 100 });
        const parts: Uint8Array[] = [];
        d.decode(q, parts);
        if (!d.done) throw new Error('truncated chunked body');
        body = concat(parts.length ? parts : [body]);
      } else if (headers.has('content-length')) {
        const n = +(headers.get('content-length') as string);
        if (q.length < n) throw new Error('truncated body: ' + q.length + ' of ' + n);
        body = q.take(n);
      } else {
        body = q.take(q.length);
      }
    }
    if (status >= 200) finals++;
    out.push({ status: status, reason: m[2], headers: headers, body: body });
  }
  return out;
}

/** Bytes as text, for assertions. */
export function ascii(bytes: Uint8Array): string {
  return latin1(bytes);
}
