/* Static files: paths, types, ranges, validators, conditionals, gzip variants, and the handler over a memory source. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { acceptsGzip } from './accept-encoding';
import { etagMatches, evaluatePreconditions, ifRangeAllows } from './conditional';
import { contentType } from './content-type';
import { formatHttpDate } from './dates';
import { HeaderList } from './fields';
import { encodePath, normalisePath } from './file-path';
import { fileEtag, serveFiles, type FileSource } from './files';
import { parseRange } from './range';
import { memorySource, volumeSource } from './sources';
import { collect, fakeRequest } from './testing/request';
import { createRamBlock } from '../../drivers/memory/ram-block';
import { mkfs, mount } from '../../store/fat32/index';

describe('file paths', () => {
  it('normalises and refuses escapes, NUL, backslashes and hidden "/"', () => {
    const ok = (raw: string) => { const r = normalisePath(raw); return r.ok ? [r.path, r.trailingSlash] : r.status; };
    expect(ok('/')).toEqual(['/', false]);
    expect(ok('/a//b/./c/')).toEqual(['/a/b/c', true]);
    expect(ok('/caf%C3%A9%20x.txt')).toEqual(['/café x.txt', false]);
    expect(ok('/.well-known/acme')).toEqual(['/.well-known/acme', false]);
    for (const bad of ['/../etc/passwd', '/a/../b', '/%2e%2e/x', '/a%2F..%2Fb', '/a%2fb', '/a\\b', '/a%5cb', '/a%00b', '/%0a', '/%zz', '/%C3', '*', 'x']) {
      expect([bad, ok(bad)]).toEqual([bad, 400]);
    }
    expect(ok('/.git/config')).toBe(404);
    expect(ok('/a/.env')).toBe(404);
    expect(ok('/a/.well-known')).toBe(404);
    const dot = normalisePath('/.hidden', true);
    expect(dot.ok && dot.path).toBe('/.hidden');
    expect(encodePath(['a b', 'c?d', 'é'])).toBe('/a%20b/c%3Fd/%C3%A9');
  });
  it('never yields a path with ".." or a backslash, whatever the input', () => {
    fc.assert(fc.property(fc.stringMatching(/^\/[a-z.%0-9A-F\/\\]{0,30}$/), (raw) => {
      const r = normalisePath(raw);
      if (!r.ok) return;
      expect(r.path.split('/')).not.toContain('..');
      expect(r.path).not.toMatch(/[\\\0]|\/\//);
      expect(r.path.charAt(0)).toBe('/');
    }), { numRuns: 2000 });
  });
});

describe('content types', () => {
  it('maps extensions, with UTF-8 for text', () => {
    expect(contentType('/index.html')).toBe('text/html; charset=utf-8');
    expect(contentType('/a/B.CSS')).toBe('text/css; charset=utf-8');
    expect(contentType('/app.mjs')).toBe('text/javascript; charset=utf-8');
    expect(contentType('/d.json')).toBe('application/json');
    expect(contentType('/i.svg')).toBe('image/svg+xml');
    expect(contentType('/f.woff2')).toBe('font/woff2');
    expect(contentType('/m.wasm')).toBe('application/wasm');
    expect(contentType('/x.jpeg')).toBe('image/jpeg');
    expect(contentType('/noext')).toBe('application/octet-stream');
    expect(contentType('/.bashrc')).toBe('application/octet-stream');
    expect(contentType('/a.b/c')).toBe('application/octet-stream');
    expect(contentType('/x.unknown')).toBe('application/octet-stream');
  });
});

describe('byte ranges (RFC 9110 §14)', () => {
  it('reads one range, and ignores several or what it cannot parse', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(parseRange('bytes=90-200', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('Bytes = 5-', 100)).toEqual({ kind: 'partial', start: 5, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(parseRange('bytes=0-99999999999999999999', 100)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(parseRange('bytes= 0-9 ,', 100)).toEqual({ kind: 'partial', start: 0, end: 9 });
    for (const full of ['bytes=0-1,5-6', 'bytes=5-1', 'items=0-1', 'bytes=a-b', 'bytes=', 'bytes 0-1', '0-1', 'bytes=--1']) {
      expect([full, parseRange(full, 100)]).toEqual([full, { kind: 'full' }]);
    }
    expect(parseRange('bytes=-5', 0)).toEqual({ kind: 'full' });
  });
  it('says when no byte of it exists', () => {
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=100-200', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('conditional requests (RFC 9110 §13)', () => {
  const v = { etag: '"a-b"', lastModified: Date.UTC(2024, 0, 1) };
  const h = (fields: { [k: string]: string }) => new HeaderList(Object.keys(fields).map((name) => ({ name, value: fields[name] })));
  const lm = formatHttpDate(v.lastModified);
  const before = formatHttpDate(v.lastModified - 1000);
  it('compares entity-tags strongly or weakly, in lists and with *', () => {
    expect(etagMatches('"x", "a-b"', '"a-b"', false)).toBe(true);
    expect(etagMatches('W/"a-b"', '"a-b"', false)).toBe(false);
    expect(etagMatches('W/"a-b"', '"a-b"', true)).toBe(true);
    expect(etagMatches('"a,b", "c"', '"a,b"', false)).toBe(true);
    expect(etagMatches('*', '"a-b"', false)).toBe(true);
    expect(etagMatches('a-b', '"a-b"', true)).toBe(false);
    expect(etagMatches('"A-B"', '"a-b"', true)).toBe(false);
  });
  it('evaluates in the order of §13.2.2', () => {
    const e = (method: string, fields: { [k: string]: string }) => evaluatePreconditions(method, h(fields), v);
    expect(e('GET', {})).toBe('proceed');
    expect(e('GET', { 'If-None-Match': '"x", W/"a-b"' })).toBe('not-modified');
    expect(e('HEAD', { 'If-None-Match': '*' })).toBe('not-modified');
    expect(e('GET', { 'If-None-Match': '"x"' })).toBe('proceed');
    expect(e('POST', { 'If-None-Match': '"a-b"' })).toBe('failed');
    expect(e('GET', { 'If-Modified-Since': lm })).toBe('not-modified');
    expect(e('GET', { 'If-Modified-Since': before })).toBe('proceed');
    expect(e('GET', { 'If-Modified-Since': 'garbage' })).toBe('proceed');
    expect(e('GET', { 'If-None-Match': '"x"', 'If-Modified-Since': lm })).toBe('proceed'); // IMS only without INM
    expect(e('POST', { 'If-Modified-Since': lm })).toBe('proceed');
    expect(e('GET', { 'If-Match': '"x"' })).toBe('failed');
    expect(e('GET', { 'If-Match': 'W/"a-b"' })).toBe('failed');
    expect(e('PUT', { 'If-Match': '"a-b"' })).toBe('proceed');
    expect(e('GET', { 'If-Unmodified-Since': before })).toBe('failed');
    expect(e('GET', { 'If-Unmodified-Since': lm })).toBe('proceed');
    expect(e('GET', { 'If-Match': '*', 'If-Unmodified-Since': before })).toBe('proceed'); // IUS only without IM
    expect(evaluatePreconditions('GET', h({ 'If-Modified-Since': lm }), { etag: '"e"', lastModified: null })).toBe('proceed');
  });
  it('honours If-Range only for our strong tag or exact date', () => {
    expect(ifRangeAllows(h({}), v)).toBe(true);
    expect(ifRangeAllows(h({ 'If-Range': '"a-b"' }), v)).toBe(true);
    expect(ifRangeAllows(h({ 'If-Range': 'W/"a-b"' }), v)).toBe(false);
    expect(ifRangeAllows(h({ 'If-Range': '"old"' }), v)).toBe(false);
    expect(ifRangeAllows(h({ 'If-Range': lm }), v)).toBe(true);
    expect(ifRangeAllows(h({ 'If-Range': before }), v)).toBe(false);
    expect(ifRangeAllows(h({ 'If-Range': 'nonsense' }), v)).toBe(false);
  });
});

describe('Accept-Encoding (RFC 9110 §12.5.3)', () => {
  it('accepts gzip by name or *, with q-values', () => {
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip('')).toBe(false);
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('deflate, GZIP;q=0.5, br')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('gzip; q=0.000')).toBe(false);
    expect(acceptsGzip('gzip;q=0.001')).toBe(true);
    expect(acceptsGzip('x-gzip')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('*;q=0')).toBe(false);
    expect(acceptsGzip('gzip;q=0, *')).toBe(false);
    expect(acceptsGzip('identity, br')).toBe(false);
    expect(acceptsGzip('gzip;q=2')).toBe(false);
    expect(acceptsGzip('gzip;level=1;q=1')).toBe(true);
  });
});

const MTIME = Date.UTC(2024, 4, 1, 12, 0, 0, 500);
const big = 'x'.repeat(40000) + 'END';
const site = memorySource({
  '/index.html': '<h1>home</h1>',
  '/docs/index.html': 'docs',
  '/docs/a b.txt': 'spaced',
  '/empty/x/y.txt': 'deep',
  '/app.js': 'console.log(1)',
  '/app.js.gz': 'GZIPPED',
  '/big.bin': big,
  '/.env': 'secret',
  '/.well-known/acme': 'token',
}, MTIME);
const files = serveFiles(site, { cacheControl: 'max-age=60' });
const ask = (method: string, target: string, headers: { [k: string]: string } = {}) => Promise.resolve(files(fakeRequest(method, target, headers))).then(collect);

describe('serveFiles', () => {
  it('serves a file with type, validators, length and ranges advertised', async () => {
    const r = await ask('GET', '/index.html');
    expect(r).toMatchObject({ status: 200, body: '<h1>home</h1>', length: 13 });
    expect(r.headers).toEqual({
      'Content-Type': 'text/html; charset=utf-8', ETag: fileEtag({ size: 13, mtimeMs: MTIME, directory: false }),
      'Last-Modified': 'Wed, 01 May 2024 12:00:00 GMT', 'Cache-Control': 'max-age=60', 'Accept-Ranges': 'bytes',
    });
    expect(r.headers.ETag).toBe('"d-' + MTIME.toString(16) + '"');
  });
  it('serves index.html for directories and redirects the slashless form', async () => {
    expect(await ask('GET', '/')).toMatchObject({ status: 200, body: '<h1>home</h1>' });
    expect(await ask('GET', '/docs/')).toMatchObject({ status: 200, body: 'docs' });
    expect(await ask('GET', '/docs?x=1')).toMatchObject({ status: 301, headers: { Location: '/docs/?x=1' } });
    expect(await ask('GET', '//docs')).toMatchObject({ status: 301, headers: { Location: '/docs/' } }); // never "//docs/": another host
    expect((await ask('GET', '/empty/')).status).toBe(404);
    expect((await ask('GET', '/index.html/')).status).toBe(404);
    expect(await ask('GET', '/docs/a%20b.txt')).toMatchObject({ status: 200, body: 'spaced' });
  });
  it('answers 404, 400 and 405 with small text bodies', async () => {
    expect(await ask('GET', '/nope')).toMatchObject({ status: 404, body: '404 Not Found\n' });
    expect((await ask('GET', '/.env')).status).toBe(404);
    expect((await ask('GET', '/.well-known/acme')).body).toBe('token');
    expect((await ask('GET', '/../index.html')).status).toBe(400);
    expect((await ask('GET', '/a%5c..')).status).toBe(400);
    expect(await ask('POST', '/index.html')).toMatchObject({ status: 405, headers: { Allow: 'GET, HEAD' } });
    expect((await ask('DELETE', '/nope')).status).toBe(404);
  });
  it('answers conditional requests with 304 and 412', async () => {
    const etag = (await ask('GET', '/index.html')).headers.ETag;
    const nm = await ask('GET', '/index.html', { 'If-None-Match': etag });
    expect(nm).toMatchObject({ status: 304, body: '' });
    expect(nm.headers).toEqual({ ETag: etag, 'Last-Modified': 'Wed, 01 May 2024 12:00:00 GMT', 'Cache-Control': 'max-age=60' });
    expect((await ask('GET', '/index.html', { 'If-Modified-Since': 'Wed, 01 May 2024 12:00:00 GMT' })).status).toBe(304);
    expect((await ask('GET', '/index.html', { 'If-Modified-Since': 'Wed, 01 May 2024 11:59:59 GMT' })).status).toBe(200);
    expect((await ask('GET', '/index.html', { 'If-Match': '"other"' })).status).toBe(412);
  });
  it('serves single ranges as 206, and 416 past the end', async () => {
    expect(await ask('GET', '/big.bin', { Range: 'bytes=40000-' })).toMatchObject({ status: 206, body: 'END', length: 3, headers: { 'Content-Range': 'bytes 40000-40002/40003' } });
    expect(await ask('GET', '/big.bin', { Range: 'bytes=-2' })).toMatchObject({ status: 206, body: 'ND' });
    expect(await ask('GET', '/big.bin', { Range: 'bytes=0-1,5-6' })).toMatchObject({ status: 200, length: 40003 });
    expect(await ask('GET', '/big.bin', { Range: 'bytes=50000-' })).toMatchObject({ status: 416, headers: { 'Content-Range': 'bytes */40003' } });
    expect((await ask('HEAD', '/big.bin', { Range: 'bytes=0-1' })).status).toBe(200);
    const etag = (await ask('GET', '/big.bin')).headers.ETag;
    expect((await ask('GET', '/big.bin', { Range: 'bytes=0-1', 'If-Range': etag })).status).toBe(206);
    expect((await ask('GET', '/big.bin', { Range: 'bytes=0-1', 'If-Range': '"stale"' })).status).toBe(200);
  });
  it('streams large files in chunks rather than reading them whole', async () => {
    const reads: number[] = [];
    const counting: FileSource = { stat: site.stat, read: (p, o, n) => { reads.push(n); return site.read(p, o, n); } };
    const r = await collect(await serveFiles(counting)(fakeRequest('GET', '/big.bin')));
    expect(r.body).toBe(big);
    expect(reads).toEqual([16384, 16384, 40003 - 32768]);
    await serveFiles(counting)(fakeRequest('HEAD', '/big.bin'));
    expect(reads.length).toBe(3);
  });
  it('serves the .gz sibling to clients that take gzip, with Vary and its own ETag', async () => {
    const plain = await ask('GET', '/app.js');
    expect(plain).toMatchObject({ status: 200, body: 'console.log(1)', headers: { Vary: 'Accept-Encoding', 'Content-Type': 'text/javascript; charset=utf-8' } });
    expect(plain.headers['Content-Encoding']).toBeUndefined();
    const gz = await ask('GET', '/app.js', { 'Accept-Encoding': 'br, gzip;q=0.8' });
    expect(gz).toMatchObject({ status: 200, body: 'GZIPPED', headers: { Vary: 'Accept-Encoding', 'Content-Encoding': 'gzip', 'Content-Type': 'text/javascript; charset=utf-8' } });
    expect(gz.headers.ETag).not.toBe(plain.headers.ETag);
    expect((await ask('GET', '/app.js', { 'Accept-Encoding': 'gzip;q=0' })).body).toBe('console.log(1)');
    expect((await ask('GET', '/app.js', { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.headers.ETag })).status).toBe(304);
    expect((await ask('GET', '/app.js', { 'If-None-Match': gz.headers.ETag })).status).toBe(200);
    expect((await ask('GET', '/index.html')).headers.Vary).toBeUndefined();
    expect(await ask('GET', '/app.js.gz')).toMatchObject({ body: 'GZIPPED', headers: { 'Content-Type': 'application/gzip' } });
  });
  it('serves a FAT32 volume (store/fat32 on a RAM block) through volumeSource', async () => {
    const block = createRamBlock(40 << 20);
    await mkfs(block, { label: 'WEB' });
    const vol = await mount(block, { clock: { now: () => MTIME } });
    await vol.mkdir('/site');
    await vol.writeFile('/site/index.html', new TextEncoder().encode('on the card'));
    await vol.writeFile('/site/big.bin', new TextEncoder().encode(big));
    const serve = serveFiles(volumeSource(vol), { chunkBytes: 5000 });
    expect(await collect(await serve(fakeRequest('GET', '/site/')))).toMatchObject({ status: 200, body: 'on the card', headers: { 'Last-Modified': 'Wed, 01 May 2024 12:00:00 GMT' } });
    expect(await collect(await serve(fakeRequest('GET', '/site/index.html', { Range: 'bytes=3-' })))).toMatchObject({ status: 206, body: 'the card' });
    expect((await collect(await serve(fakeRequest('GET', '/site/big.bin')))).body).toBe(big);
    expect((await serve(fakeRequest('GET', '/site'))).status).toBe(301);
    expect((await serve(fakeRequest('GET', '/site/index.html/x'))).status).toBe(404);
    expect((await serve(fakeRequest('GET', '/nope/x'))).status).toBe(404);
    expect((await serve(fakeRequest('GET', '/'))).status).toBe(404);
  });
});
