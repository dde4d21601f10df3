/* The HTTP/1.1 core's public API: parser, writers, server, router, static files. */
export { HttpError, isHttpError } from './errors';
export { HeaderList, splitList, type HeaderField } from './fields';
export { formatHttpDate, formatLogDate, parseHttpDate } from './dates';
export { parseQuery, parseQueryList, parseTarget, percentDecode, type Target, type TargetForm } from './target';
export { PARSER_DEFAULTS, RequestParser, type ParseEvent, type ParserOptions, type ParserPhase, type RequestHead } from './parser';
export { ChunkedDecoder, encodeChunk, LAST_CHUNK, type ChunkedLimits } from './chunked';
export { reasonPhrase, serialiseHead, serialiseRequest, serialiseResponseHead, type OutgoingRequest } from './serialise';
export {
  errorResponse, json, readJson, readText, text,
  type BodyStream, type Handler, type Request, type Response, type ResponseHeaders,
} from './message';
export { accessLogLine, type LogEntry } from './access-log';
export { type HttpServerOptions } from './options';
export { serveFlow, serveHttp, type HttpServer } from './server';
export { router, type Router } from './router';
export { fileEtag, fileStream, serveFiles, type FileServerOptions, type FileSource, type FileStat } from './files';
export { memorySource, volumeSource, folderSource, type VolumeLike, type FilesLike } from './sources';
export { contentType, DEFAULT_CONTENT_TYPE } from './content-type';
export { normalisePath, type FilePath } from './file-path';
export { evaluatePreconditions, etagMatches, ifRangeAllows, type Precondition, type Validators } from './conditional';
export { parseRange, type RangeResult } from './range';
export { acceptsGzip } from './accept-encoding';
