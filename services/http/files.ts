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

export function serveFiles(source: FileSource, options?: FileServerOptions): Handler {
  const o = options || {};
  const index = o.index || 'index.html';
  const chunk = o.chunkBytes || 16384;
  const clock = o.clock || function () { return Date.now(); };

  return async function (req: Request): Promise<Response> {
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

    const headers: ResponseHeaders = { 'Content-Type': contentType(path) };
    let servePath = path;
    let served = st;
    const gz = path.slice(-3).toLowerCase() === '.gz' ? null : await source.stat(path + '.gz');
    if (gz !== null && !gz.directory) {
      headers['Vary'] = 'Accept-Encoding';
      if (acceptsGzip(req.headers.get('accept-encoding'))) {
        servePath = path + '.gz';
        served = gz;
        headers['Content-Encoding'] = 'gzip';
      }
    }
    const v: Validators = {
      etag: fileEtag(served, servePath === path ? '' : '-gz'),
      lastModified: served.mtimeMs > 0 ? Math.floor(served.mtimeMs / 1000) * 1000 : null,
    };
    headers['ETag'] = v.etag;
    if (v.lastModified !== null) headers['Last-Modified'] = formatHttpDate(v.lastModified);
    if (o.cacheControl) headers['Cache-Control'] = o.cacheControl;

    const pre = evaluatePreconditions(req.method, req.headers, v, clock());
    if (pre === 'not-modified') {
      delete headers['Content-Type'];
      delete headers['Content-Encoding'];
      return { status: 304, headers: headers };
    }
    if (pre === 'failed') return errorResponse(412);

    headers['Accept-Ranges'] = 'bytes';
    const size = served.size;
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
    return { status: status, headers: headers, body: fileStream(source, servePath, start, length, chunk) };
  };
}
