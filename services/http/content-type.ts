/*
 * Content-Type by file extension. Text types say UTF-8 (a browser would
 * otherwise guess); application/json does not, as RFC 8259 §11 defines no
 * charset parameter for it.
 */
const UTF8 = '; charset=utf-8';

const TYPES: { [ext: string]: string } = {
  html: 'text/html' + UTF8, htm: 'text/html' + UTF8, css: 'text/css' + UTF8,
  js: 'text/javascript' + UTF8, mjs: 'text/javascript' + UTF8, txt: 'text/plain' + UTF8,
  xml: 'text/xml' + UTF8, json: 'application/json', svg: 'image/svg+xml',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
  ico: 'image/x-icon', wasm: 'application/wasm', woff: 'font/woff', woff2: 'font/woff2',
  pdf: 'application/pdf', gz: 'application/gzip',
};

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export function contentType(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= slash + 1) return DEFAULT_CONTENT_TYPE; // no extension, or a dot-file's name
  const ext = path.slice(dot + 1).toLowerCase();
  return Object.prototype.hasOwnProperty.call(TYPES, ext) ? TYPES[ext] : DEFAULT_CONTENT_TYPE;
}
