/*
 * The request parser (RFC 9112): a pure state machine fed the bytes of one
 * connection in chunks of any size. The caller pushes bytes and pulls
 * events, so nothing is parsed ahead of the request being answered and
 * pipelined requests simply wait in the queue.
 *
 * Strict where leniency lets two readers frame a message differently
 * (request smuggling): obs-fold, whitespace before a colon, CL with TE,
 * differing Content-Lengths, transfer codings other than a final chunked
 * are all refused. Lenient where RFC 9112 allows it: a bare LF ends a line,
 * and empty lines before a request line are skipped.
 *
 * Every failure is an HttpError event; next() and end() never throw.
 * After an error the parser stays failed: the stream can no longer be
 * trusted to be framed where we think.
 */
import { ByteQueue, LineReader, concat, latin1 } from './bytes';
import { ChunkedDecoder } from './chunked';
import { HttpError } from './errors';
import { HeaderList, isTchar, listTokens, parseFieldLine, splitList } from './fields';
import { parseTarget, type TargetForm } from './target';

export interface ParserOptions {
  /** Longest request line, without its CRLF (default 8 KiB; 414 when the target is what is long, else 400). */
  maxRequestLineBytes?: number;
  /** Largest header section, and trailer section (default 16 KiB; 431). */
  maxHeaderBytes?: number;
  /** Most header fields, and trailer fields (default 100; 431). */
  maxHeaders?: number;
  /** Largest request body (default 1 MiB; 413). */
  maxBodyBytes?: number;
}

export const PARSER_DEFAULTS = {
  maxRequestLineBytes: 8192,
  maxHeaderBytes: 16384,
  maxHeaders: 100,
  maxBodyBytes: 1048576,
};

export interface RequestHead {
  method: string;
  /** The request target as received. */
  target: string;
  version: 'HTTP/1.0' | 'HTTP/1.1';
  form: TargetForm;
  /** The target's path, still percent-encoded ("*" for OPTIONS *). */
  path: string;
  /** The target's query without "?" ("" when none). */
  query: string;
  /** The absolute form's authority, else the Host field ("" when neither). */
  host: string;
  headers: HeaderList;
  /** Whether the connection may carry another request after this one (RFC 9112 §9.3). */
  keepAlive: boolean;
  /** An HTTP/1.1 request that waits for 100 Continue before sending its body. */
  expectContinue: boolean;
  /** Content-Length, 0 when there is no body, -1 for chunked. */
  bodyLength: number;
}

export type ParseEvent =
  /** The head of a request that has a body, before the body (time to send 100 Continue). */
  | { type: 'head'; head: RequestHead }
  | { type: 'request'; head: RequestHead; body: Uint8Array }
  /** `requestLine` is the request line when it was read ("GET / HTTP/1.1"), for the log. */
  | { type: 'error'; error: HttpError; requestLine: string | null };

export type ParserPhase = 'idle' | 'head' | 'body' | 'failed';

type State = 'line' | 'headers' | 'length' | 'chunked' | 'failed';

/** Empty lines tolerated before a request line. */
const MAX_EMPTY_LINES = 8;
const VERSION = /^HTTP\/(\d)\.(\d)$/;
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(:\d*)?$/;

export class RequestParser {
  private readonly limits: typeof PARSER_DEFAULTS;
  private readonly q = new ByteQueue();
  private lines = new LineReader();
  private state: State = 'line';
  private failure: ParseEvent | null = null;
  private emptyLines = 0;
  private method = '';
  private target = '';
  private version: 'HTTP/1.0' | 'HTTP/1.1' = 'HTTP/1.1';
  private versionText = '';
  private headers = new HeaderList();
  private headerBytes = 0;
  private head: RequestHead | null = null;
  private parts: Uint8Array[] = [];
  private remaining = 0;
  private chunked: ChunkedDecoder | null = null;

  constructor(options?: ParserOptions) {
    const o = options || {};
    this.limits = {
      maxRequestLineBytes: o.maxRequestLineBytes || PARSER_DEFAULTS.maxRequestLineBytes,
      maxHeaderBytes: o.maxHeaderBytes || PARSER_DEFAULTS.maxHeaderBytes,
      maxHeaders: o.maxHeaders || PARSER_DEFAULTS.maxHeaders,
      maxBodyBytes: o.maxBodyBytes === undefined ? PARSER_DEFAULTS.maxBodyBytes : o.maxBodyBytes,
    };
  }

  /** Queues received bytes (kept by reference until parsed: do not reuse the buffer). */
  push(chunk: Uint8Array): void {
    if (this.state !== 'failed') this.q.push(chunk);
  }

  /** The next event from what has been pushed, or null when more bytes are needed. */
  next(): ParseEvent | null {
    if (this.failure) return this.failure;
    try {
      return this.step();
    } catch (e) {
      return this.fail(e instanceof HttpError ? e : new HttpError(500, 'parser fault'));
    }
  }

  /** The peer ended the stream: null when that fell between requests, else the error. */
  end(): ParseEvent | null {
    if (this.failure) return this.failure;
    const phase = this.phase;
    if (phase === 'idle') return null;
    return this.fail(new HttpError(400, phase === 'body' ? 'incomplete body' : 'incomplete request'));
  }

  /** Where the parser stands: between requests with nothing queued, in a head, in a body, or failed. */
  get phase(): ParserPhase {
    if (this.state === 'failed') return 'failed';
    if (this.state === 'line') return this.q.length === 0 ? 'idle' : 'head';
    return this.state === 'headers' ? 'head' : 'body';
  }

  /** Bytes received and not yet parsed. */
  get buffered(): number { return this.q.length; }

  /** Whether any of the current body has arrived (100 Continue is pointless then). */
  get bodyStarted(): boolean {
    if (this.state === 'length') return this.parts.length > 0 || this.q.length > 0;
    if (this.state === 'chunked') return (this.chunked as ChunkedDecoder).started || this.q.length > 0;
    return false;
  }

  private fail(error: HttpError): ParseEvent {
    const requestLine = this.method ? this.method + ' ' + this.target + ' ' + this.versionText : null;
    this.state = 'failed';
    this.failure = { type: 'error', error: error, requestLine: requestLine };
    return this.failure;
  }

  private step(): ParseEvent | null {
    for (;;) {
      if (this.state === 'line') {
        const line = this.lines.read(this.q);
        if (line === null) {
          if (this.q.length > this.limits.maxRequestLineBytes) throw this.tooLong(this.q.peek(this.limits.maxRequestLineBytes + 1));
          return null;
        }
        if (line.length === 0) {
          if (++this.emptyLines > MAX_EMPTY_LINES) throw new HttpError(400, 'empty lines instead of a request');
          continue;
        }
        if (line.length > this.limits.maxRequestLineBytes) throw this.tooLong(line);
        this.requestLine(line);
        this.state = 'headers';
      } else if (this.state === 'headers') {
        const line = this.lines.read(this.q);
        if (line === null) {
          if (this.headerBytes + this.q.length > this.limits.maxHeaderBytes) throw new HttpError(431, 'header section too large');
          return null;
        }
        if (line.length === 0) {
          const head = this.finishHead();
          if (head.bodyLength === 0) return this.complete(new Uint8Array(0));
          return { type: 'head', head: head };
        }
        this.headerBytes += line.length + 2;
        if (this.headerBytes > this.limits.maxHeaderBytes) throw new HttpError(431, 'header section too large');
        if (this.headers.length >= this.limits.maxHeaders) throw new HttpError(431, 'too many header fields');
        const field = parseFieldLine(line);
        this.headers.add(field.name, field.value);
      } else if (this.state === 'length') {
        if (this.q.length === 0) return null;
        const part = this.q.take(Math.min(this.remaining, this.q.length));
        this.parts.push(part);
        this.remaining -= part.length;
        if (this.remaining === 0) return this.complete(concat(this.parts));
      } else if (this.state === 'chunked') {
        const decoder = this.chunked as ChunkedDecoder;
        decoder.decode(this.q, this.parts);
        if (!decoder.done) return null;
        return this.complete(concat(this.parts));
      } else {
        return this.failure;
      }
    }
  }

  /** 414 when a valid method is followed by a target that runs past the limit, else 400. */
  private tooLong(bytes: Uint8Array): HttpError {
    let sp = 0;
    while (sp < bytes.length && isTchar(bytes[sp])) sp++;
    if (sp > 0 && sp < bytes.length && bytes[sp] === 0x20) {
      let end = sp + 1;
      while (end < bytes.length && bytes[end] !== 0x20) end++;
      if (end - sp > bytes.length / 2) return new HttpError(414, 'request target too long');
    }
    return new HttpError(400, 'request line too long');
  }

  /** method SP request-target SP HTTP-version, single spaces (RFC 9112 §3). */
  private requestLine(line: Uint8Array): void {
    let i = 0;
    while (i < line.length && isTchar(line[i])) i++;
    if (i === 0 || i >= line.length || line[i] !== 0x20) throw new HttpError(400, 'bad method');
    const sp1 = i;
    i++;
    while (i < line.length && line[i] >= 0x21 && line[i] <= 0x7e) i++;
    if (i === sp1 + 1 || i >= line.length || line[i] !== 0x20) throw new HttpError(400, 'bad request target');
    const sp2 = i;
    this.versionText = latin1(line, sp2 + 1);
    const version = VERSION.exec(this.versionText);
    if (!version) throw new HttpError(400, 'bad HTTP version');
    this.method = latin1(line, 0, sp1);
    this.target = latin1(line, sp1 + 1, sp2);
    if (version[1] !== '1' || (version[2] !== '0' && version[2] !== '1')) throw new HttpError(505, 'HTTP/' + version[1] + '.' + version[2] + ' is not supported');
    this.version = version[2] === '0' ? 'HTTP/1.0' : 'HTTP/1.1';
    if (this.method === 'CONNECT') throw new HttpError(501, 'CONNECT is not supported');
  }

  /** The head's framing and semantics once the empty line has arrived. */
  private finishHead(): RequestHead {
    const target = parseTarget(this.method, this.target);
    const h = this.headers;
    const v11 = this.version === 'HTTP/1.1';

    const hosts = h.getAll('host');
    if (hosts.length > 1) throw new HttpError(400, 'more than one Host');
    if (hosts.length === 0 && v11) throw new HttpError(400, 'missing Host');
    if (hosts.length === 1 && !HOST.test(hosts[0])) throw new HttpError(400, 'bad Host');

    const codings = listTokens(h, 'transfer-encoding');
    const lengths = h.getAll('content-length');
    let bodyLength = 0;
    if (h.has('transfer-encoding')) {
      if (!v11) throw new HttpError(400, 'Transfer-Encoding in an HTTP/1.0 request');
      if (lengths.length) throw new HttpError(400, 'both Content-Length and Transfer-Encoding');
      const names: string[] = [];
      for (let i = 0; i < codings.length; i++) names.push(codings[i].split(';')[0].replace(/[ \t]+$/, ''));
      if (names.length === 0 || names[names.length - 1] !== 'chunked' || names.indexOf('chunked') !== names.length - 1) {
        throw new HttpError(400, 'chunked is not the final transfer coding');
      }
      if (names.length > 1) throw new HttpError(501, 'transfer coding ' + names[0] + ' is not supported');
      bodyLength = -1;
    } else if (lengths.length) {
      bodyLength = contentLength(lengths);
      if (bodyLength > this.limits.maxBodyBytes) throw new HttpError(413, 'body too large');
    }

    let expectContinue = false;
    const expect = h.getAll('expect');
    for (let i = 0; i < expect.length; i++) {
      const items = splitList(expect[i]);
      for (let j = 0; j < items.length; j++) {
        if (items[j].toLowerCase() !== '100-continue') throw new HttpError(417, 'unknown expectation');
        expectContinue = v11; // RFC 9110 §10.1.1: ignored in HTTP/1.0
      }
    }

    const connection = listTokens(h, 'connection');
    const keepAlive = connection.indexOf('close') < 0 && (v11 || connection.indexOf('keep-alive') >= 0);

    const head: RequestHead = {
      method: this.method, target: this.target, version: this.version, form: target.form,
      path: target.path, query: target.query,
      host: target.authority !== null ? target.authority : hosts.length ? hosts[0] : '',
      headers: h, keepAlive: keepAlive, expectContinue: expectContinue && bodyLength !== 0, bodyLength: bodyLength,
    };
    this.head = head;
    this.parts = [];
    if (bodyLength > 0) { this.state = 'length'; this.remaining = bodyLength; }
    if (bodyLength < 0) {
      this.state = 'chunked';
      this.chunked = new ChunkedDecoder({
        maxBodyBytes: this.limits.maxBodyBytes, maxLineBytes: 4096,
        maxTrailerBytes: this.limits.maxHeaderBytes, maxTrailers: this.limits.maxHeaders,
      });
    }
    return head;
  }

  private complete(body: Uint8Array): ParseEvent {
    const head = this.head as RequestHead;
    this.state = 'line';
    this.lines = new LineReader();
    this.emptyLines = 0;
    this.method = '';
    this.target = '';
    this.headers = new HeaderList();
    this.headerBytes = 0;
    this.head = null;
    this.parts = [];
    this.chunked = null;
    return { type: 'request', head: head, body: body };
  }
}

/**
 * Content-Length from all its field lines (RFC 9110 §8.6, RFC 9112 §6.3):
 * a list of one repeated value is that value; differing or non-numeric
 * values are an error. A length too long to count is larger than any limit.
 */
function contentLength(lines: string[]): number {
  let value = -1;
  for (let i = 0; i < lines.length; i++) {
    const items = lines[i].split(',');
    for (let j = 0; j < items.length; j++) {
      const item = items[j].replace(/^[ \t]+|[ \t]+$/g, '');
      if (!/^\d+$/.test(item)) throw new HttpError(400, 'bad Content-Length');
      const n = item.replace(/^0+(?=\d)/, '').length > 15 ? Infinity : parseInt(item, 10);
      if (value >= 0 && n !== value) throw new HttpError(400, 'differing Content-Lengths');
      value = n;
    }
  }
  return value;
}
