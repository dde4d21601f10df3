/*
 * Static files over any FileSource (a FAT32 volume, host files, Node's fs,
 * memory): GET and HEAD, index.html for directories, validators and
 * conditional requests, single byte ranges, and precompressed ".gz"
 * siblings served to clients that accept gzip. Bodies stream from the
 * source in chunks, so a large file never sits in memory whole.
 */
import { acceptsGzip } from './accept-encoding';
import { evaluatePreconditions, ifRangeAllows, type Validators } from './conditional';
import { contentType } from './content-type';
import { formatHttpDate } from './dates';
import { encodePath, normalisePath } from './file-path';
import { errorResponse, type BodyStream, type Handler, type Request, type Response, type ResponseHeaders } from './message';
import { FileCache } from './file-cache';
import { PreparedResponse, prepareWire, type WireForm } from './prepared';
import { parseRange } from './range';

export interface FileStat {
  size: number;
  /** Last modification, wall-clock ms (0 when unknown: no Last-Modified then). */
  mtimeMs: number;
  directory: boolean;
}

/** Where files come from. Paths are "/"-rooted, normalised, never with "..". */
export interface FileSource {
  /** Null when nothing is at `path`. */
  stat(path: string): Promise<FileStat | null>;
  /** Up to `length` bytes at `offset` (fewer only at the end of the file). */
  read(path: string, offset: number, length: number): Promise<Uint8Array>;
  /**
   * Changes whenever anything on the source may have changed (a volume's
   * write count). With it the file server keeps what it looked up and small
   * files in memory until it changes; without it, every request asks the source.
   */
  generation?(): number;
}

export interface FileServerOptions {
  /** The file served for a directory (default "index.html"). */
  index?: string;
  /** Bytes read from the source at a time (default 16 KiB). */
  chunkBytes?: number;
  /** A Cache-Control value for every file response (default none). */
  cacheControl?: string;
  /** Serve names starting with "." (default false: 404, except /.well-known). */
  dotfiles?: boolean;
  /** Wall clock for two-digit RFC 850 years in conditional dates (default Date.now). */
  clock?: () => number;
  /** Bytes of file contents kept in memory, for sources with a generation (default 256 KiB; 0: none, every request asks the source). */
  cacheBytes?: number;
  /** Files larger than this are not kept but streamed from the source each time (default 64 KiB). */
  cacheFileBytes?: number;
}

/** A strong validator from what the source can tell us: "<size hex>-<mtime hex>". */
export function fileEtag(st: FileStat, suffix?: string): string {
  return '"' + st.size.toString(16) + '-' + Math.floor(st.mtimeMs).toString(16) + (suffix || '') + '"';
}

/** Pulls [offset, offset + length) from the source, `chunk` bytes at a time. */
export function fileStream(source: FileSource, path: string, offset: number, length: number, chunk: number): BodyStream {
  let done = 0;
  return {
    length: length,
    chunks: () => {
      if (done >= length) return Promise.resolve(null);
      const want = Math.min(chunk, length - done);
      // eslint-disable-next-line promise/prefer-await-to-then -- hot path: runs per 16 KiB piece of a file sent; HOTPATH_CHUNKS
      return source.read(path, offset + done, want).then((b) => {
        if (b.length === 0) throw new Error(path + ': ended ' + (length - done) + ' bytes early');
        const piece = b.length > want ? b.subarray(0, want) : b;
        done += piece.length;
        return piece;
      });
    },
  };
}

/** A file as the cache holds it: what it resolved to, and each representation's answer. */
interface Resolved {
  generation: number;
  plain: Representation;
  /** The ".gz" sibling, when there is one. */
  gzip: Representation | null;
}

interface Representation {
  servePath: string;
  stat: FileStat;
  validators: Validators;
  /** The whole file when it is small enough to keep; else it streams from the source. */
  bytes: Uint8Array | null;
  /** The plain 200 answer, serialised (prepared.ts); null when not kept. */
  wire: WireForm | null;
}

/** Request fields that make an answer other than the plain 200. */
const CONDITIONAL: { [lower: string]: boolean } = {
  'if-match': true, 'if-none-match': true, 'if-modified-since': true, 'if-unmodified-since': true, 'if-range': true, 'range': true,
};

export function serveFiles(source: FileSource, options?: FileServerOptions): Handler {
  const o = options || {};
  const index = o.index || 'index.html';
  const chunk = o.chunkBytes || 16384;
  const clock = o.clock || function () { return Date.now(); };
  const generation = source.generation;
  const cache = generation && o.cacheBytes !== 0
    ? new FileCache<Resolved>(o.cacheBytes === undefined ? 262144 : o.cacheBytes) : null;
  const fileLimit = Math.min(o.cacheFileBytes === undefined ? 65536 : o.cacheFileBytes, cache ? cache.maxBytes : 0);

  function headersFor(path: string, rep: Representation, hasGzip: boolean, gzip: boolean): ResponseHeaders {
    const headers: ResponseHeaders = { 'Content-Type': contentType(path) };
    if (hasGzip) headers['Vary'] = 'Accept-Encoding';
    if (gzip) headers['Content-Encoding'] = 'gzip';
    headers['ETag'] = rep.validators.etag;
    if (rep.validators.lastModified !== null) headers['Last-Modified'] = formatHttpDate(rep.validators.lastModified);
    if (o.cacheControl) headers['Cache-Control'] = o.cacheControl;
    return headers;
  }

  function representation(path: string, servePath: string, st: FileStat): Representation {
    return {
      servePath: servePath, stat: st, bytes: null, wire: null,
      validators: {
        etag: fileEtag(st, servePath === path ? '' : '-gz'),
        lastModified: st.mtimeMs > 0 ? Math.floor(st.mtimeMs / 1000) * 1000 : null,
      },
    };
  }

  /** The answer to a GET or HEAD of a resolved file: validators, conditionals, ranges. */
  function answer(req: Request, path: string, file: Resolved): Response {
    const gzip = file.gzip !== null && acceptsGzip(req.headers.get('accept-encoding'));
    const rep = gzip ? file.gzip as Representation : file.plain;
    if (rep.wire !== null && !req.headers.hasAny(CONDITIONAL)) return new PreparedResponse(rep.wire);
    const headers = headersFor(path, rep, file.gzip !== null, gzip);
    const v = rep.validators;
    const pre = evaluatePreconditions(req.method, req.headers, v, clock());
    if (pre === 'not-modified') {
      delete headers['Content-Type'];
      delete headers['Content-Encoding'];
      return { status: 304, headers: headers };
    }
    if (pre === 'failed') return errorResponse(412);

    headers['Accept-Ranges'] = 'bytes';
    const size = rep.stat.size;
    let start = 0;
    let length = size;
    let status = 200;
    if (req.method === 'GET' && req.headers.has('range') && ifRangeAllows(req.headers, v, clock())) {
      const r = parseRange(req.headers.get('range'), size);
      if (r.kind === 'unsatisfiable') return errorResponse(416, undefined, { 'Content-Range': 'bytes */' + size });
      if (r.kind === 'partial') {
        status = 206;
        start = r.start;
        length = r.end - r.start + 1;
        headers['Content-Range'] = 'bytes ' + r.start + '-' + r.end + '/' + size;
      }
    }
    const body = rep.bytes !== null ? rep.bytes.subarray(start, start + length) : fileStream(source, rep.servePath, start, length, chunk);
    return { status: status, headers: headers, body: body };
  }

  /** Keeps the file's bytes and its prepared answer, when it is small enough. */
  async function keep(path: string, rep: Representation, hasGzip: boolean, gzip: boolean): Promise<number> {
    if (rep.stat.size > fileLimit) return 0;
    const bytes = rep.stat.size === 0 ? new Uint8Array(0) : await source.read(rep.servePath, 0, rep.stat.size);
    if (bytes.length !== rep.stat.size) return -1;
    rep.bytes = bytes;
    const headers = headersFor(path, rep, hasGzip, gzip);
    headers['Accept-Ranges'] = 'bytes';
    rep.wire = prepareWire(200, headers, bytes);
    return bytes.length;
  }

  /** Resolves the request's path on the source (and caches the file): a Response when it is no file to answer. */
  async function resolve(req: Request): Promise<Response> {
    const before = generation ? generation() : 0;
    const norm = normalisePath(req.path, o.dotfiles);
    if (!norm.ok) return errorResponse(norm.status);
    let path = norm.path;
    let st = await source.stat(path);
    if (st === null) return errorResponse(404);
    if (st.directory) {
      if (!norm.trailingSlash && norm.segments.length > 0) {
        const location = encodePath(norm.segments) + '/' + (req.queryString ? '?' + req.queryString : '');
        return errorResponse(301, undefined, { Location: location });
      }
      path = (path === '/' ? '' : path) + '/' + index;
      st = await source.stat(path);
      if (st === null || st.directory) return errorResponse(404);
    } else if (norm.trailingSlash) {
      return errorResponse(404);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return errorResponse(405, undefined, { Allow: 'GET, HEAD' });

    const gz = path.slice(-3).toLowerCase() === '.gz' ? null : await source.stat(path + '.gz');
    const file: Resolved = {
      generation: before,
      plain: representation(path, path, st),
      gzip: gz !== null && !gz.directory ? representation(path, path + '.gz', gz) : null,
    };
    if (cache !== null && generation) {
      let bytes = await keep(path, file.plain, file.gzip !== null, false);
      if (file.gzip !== null && bytes >= 0) {
        const more = await keep(path, file.gzip, true, true);
        bytes = more < 0 ? -1 : bytes + more;
      }
      // A write while we looked may have changed what we read: answer with it, keep none of it.
      if (bytes >= 0 && generation() === before) cache.put(req.path, file, bytes);
    }
    return answer(req, path, file);
  }

  return (req: Request): Response | Promise<Response> => {
    if (cache !== null && generation && (req.method === 'GET' || req.method === 'HEAD')) {
      const hit = cache.get(req.path);
      if (hit !== null) {
        if (hit.generation === generation()) return answer(req, hit.plain.servePath, hit);
        cache.clear();
      }
    }
    return resolve(req);
  };
}
